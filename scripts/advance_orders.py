"""Play the supplier and the 3PL for the demo: ship every paid KakaClo order and finish every pending
BirdSystem consignment a few seconds after it appears.

The sandbox never advances orders by itself (it is deterministic); this is what moves them along
while an example DAG waits, through the sandbox's control API. Stops after ``--seconds``.
"""

from __future__ import annotations

import argparse
import time

from airflow_provider_kakaclo.sandbox import SandboxClient


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8980")
    parser.add_argument("--to", default="fully_shipped")
    parser.add_argument("--after", type=float, default=3.0, help="seconds an order stays paid")
    parser.add_argument("--seconds", type=float, default=300.0, help="stop after this long")
    args = parser.parse_args()
    sandbox = SandboxClient(args.url)
    seen: dict[str, float] = {}
    deadline = time.monotonic() + args.seconds

    def ripe(key: str) -> bool:
        return time.monotonic() - seen.setdefault(key, time.monotonic()) >= args.after

    while time.monotonic() < deadline:
        for order in sandbox.kakaclo.orders():
            order_id = str(order["id"])
            paid = order.get("fulfillmentStatus") == "waiting_to_ship" and order.get("financialStatus") == "paid"
            if paid and ripe(f"k{order_id}"):
                sandbox.kakaclo.advance_order(order_id, args.to)
                print(f"sandbox supplier: order {order_id} ({order.get('customOrderId')}) -> {args.to}", flush=True)
        for consignment in sandbox.birdsystem.consignments(status="PENDING"):
            consignment_id = str(consignment["id"])
            if ripe(f"b{consignment_id}"):
                sandbox.birdsystem.advance_consignment(consignment_id, "FINISHED")
                print(f"sandbox warehouse: consignment {consignment_id} ({consignment.get('sales_reference')}) "
                      "-> FINISHED", flush=True)
        time.sleep(0.5)


if __name__ == "__main__":
    main()
