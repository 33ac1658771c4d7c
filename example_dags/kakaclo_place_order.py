"""Place one KakaClo order from the trigger form, wait (deferred) until it ships, report tracking.

Trigger it from the UI: the Params below render as form fields. The order is placed exactly once:
retries of ``place`` look the order up by its merchant reference before placing anything. Waiting
for shipment happens in the triggerer, so days of waiting hold no worker slot.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator
from airflow_provider_kakaclo.sensors.orders import OrderStatusSensor

CONN_ID = "kakaclo_default"


@dag(
    dag_id="kakaclo_place_order",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["kakaclo", "example", "orders"],
    params={
        "recipient": Param("Ada Lovelace", type="string", minLength=1, maxLength=32, title="Recipient"),
        "phone": Param("+1 555 0100", type="string", minLength=1, maxLength=64, title="Phone"),
        "country": Param("US", type="string", minLength=2, maxLength=32, title="Country (ISO-2)"),
        "province": Param("CA", type="string", minLength=1, maxLength=32, title="Province / state"),
        "city": Param("San Francisco", type="string", maxLength=64, title="City"),
        "street1": Param("1 Market St", type="string", maxLength=64, title="Street"),
        "zip": Param("94105", type="string", maxLength=32, title="ZIP"),
        "items": Param(
            [{"sku": "AMN00001_DGR_S", "quantity": 1}],
            type="array",
            minItems=1,
            items={
                "type": "object",
                "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}},
                "required": ["sku", "quantity"],
            },
            title="Items (SKU and quantity)",
        ),
        "channel_type": Param("Standard", enum=["Standard", "Express", "Expedited"], title="Channel type"),
        "merchant_order_id": Param(None, type=["null", "string"], maxLength=40,
                                   title="Your order number (optional)"),
    },
    doc_md=__doc__,
)
def kakaclo_place_order():
    @task
    def build_order(params: dict | None = None) -> dict:
        address = {k: params[k] for k in ("recipient", "phone", "country", "province", "city", "street1", "zip")}
        return {
            "orderAddresses": {k: v for k, v in address.items() if v},
            "orderItemsList": params["items"],
            "channelType": params["channel_type"],
            "salePlatform": "Shopify",
        }

    place = PlaceOrderOperator(
        task_id="place",
        conn_id=CONN_ID,
        order=build_order(),
        merchant_order_id="{{ params.merchant_order_id or '' }}",
        retries=3,
        retry_delay=pendulum.duration(seconds=5),
    )

    wait_shipped = OrderStatusSensor(
        task_id="wait_shipped",
        conn_id=CONN_ID,
        order_id="{{ ti.xcom_pull(task_ids='place')['order_id'] }}",
        target_status="shipped",
        deferrable=True,
        poke_interval=5,
        timeout=7 * 24 * 3600,
    )

    @task
    def report(shipment: dict) -> dict:
        print(f"order {shipment['order_id']} ({shipment['merchant_order_id']}) is {shipment['status']}")
        print(f"carriers: {', '.join(shipment['carriers']) or '-'}")
        for code in shipment["tracking_codes"]:
            print(f"tracking code {code}")
        for url in shipment["tracking_urls"]:
            print(f"follow it at {url}")
        return {"order_id": shipment["order_id"], "tracking_codes": shipment["tracking_codes"]}

    place >> wait_shipped
    report(wait_shipped.output)


kakaclo_place_order()
