"""Fulfil one order from your own stock at BirdSystem: check the product, place a consignment once,
wait (deferred) until the warehouse has shipped it, report the tracking number.

The same PlaceOrderOperator and OrderStatusSensor as for KakaClo, with a BirdSystem connection: the
order is a consignment (address and delivery service) with its lines, created in one request straight to
PENDING. The merchant reference goes into ``custom_identity_reference`` (and ``sales_reference``): it is
looked up before anything is created, and BirdSystem itself refuses a second consignment with it (same
type, same site, 6 months), which the operator reads as "already placed". A consignment the warehouse
holds for you (``WAITING_CLIENT_RESPOND``, ``PROBLEM``) keeps the sensor waiting and says so in the log
until someone resolves it in BirdSystem (``on_attention_states="fail"`` to give up instead).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator
from airflow_provider_kakaclo.sensors.orders import OrderStatusSensor

CONN_ID = "birdsystem_default"


@dag(
    dag_id="birdsystem_fulfil_order",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["birdsystem", "example", "orders"],
    params={
        "client_ref": Param("BS-00300", type="string", minLength=1, maxLength=50, title="Your SKU (client_ref)"),
        "quantity": Param(1, type="integer", minimum=1, title="Quantity"),
        "delivery_service": Param("Royal Mail Tracked 48", type="string", title="Delivery service name"),
        "contact": Param("Ada Lovelace", type="string", minLength=1, maxLength=100, title="Recipient"),
        "address_line1": Param("1 Market St", type="string", minLength=1, maxLength=100, title="Address"),
        "city": Param("London", type="string", minLength=1, maxLength=50, title="City"),
        "post_code": Param("N1 9GU", type="string", maxLength=10, title="Post code"),
        "country_iso": Param("GB", type="string", minLength=2, maxLength=2, title="Country (ISO-2)"),
        "merchant_order_id": Param(None, type=["null", "string"], maxLength=50, title="Your order number"),
    },
    doc_md=__doc__,
)
def birdsystem_fulfil_order():
    @task
    def build_consignment(params: dict | None = None) -> dict:
        from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook

        services = BirdSystemHook(CONN_ID).get_delivery_services()
        service = next((s for s in services if s["name"] == params["delivery_service"]), None)
        if service is None:
            raise ValueError(f"no delivery service {params['delivery_service']!r}; known: "
                             f"{sorted(s['name'] for s in services)}")
        return {
            "consignment": {
                "delivery_service_id": int(service["id"]),
                **{k: params[k] for k in ("contact", "address_line1", "city", "post_code", "country_iso")},
            },
            "lines": [{"client_ref": params["client_ref"], "quantity": params["quantity"]}],
        }

    place = PlaceOrderOperator(
        task_id="place",
        conn_id=CONN_ID,
        order=build_consignment(),
        merchant_order_id="{{ params.merchant_order_id or '' }}",
        retries=3,
        retry_delay=pendulum.duration(seconds=5),
    )
    shipped = OrderStatusSensor(
        task_id="wait_shipped",
        conn_id=CONN_ID,
        order_id="{{ ti.xcom_pull(task_ids='place')['order_id'] }}",
        target_status="shipped",
        on_attention_states="wait",
        deferrable=True,
        poke_interval=5,
        timeout=7 * 24 * 3600,
    )

    @task
    def report(shipment: dict) -> dict:
        print(f"consignment {shipment['order_id']} ({shipment['merchant_order_id']}) is {shipment['status']}")
        for code in shipment["tracking_codes"]:
            print(f"tracking code {code}")
        return {"order_id": shipment["order_id"], "tracking_codes": shipment["tracking_codes"]}

    place >> shipped
    report(shipped.output)


birdsystem_fulfil_order()
