"""Play the supplier for the demo: ship every paid sandbox order a few seconds after it appears.

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
    control = SandboxClient(args.url).kakaclo
    seen: dict[str, float] = {}
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        for order in control.orders():
            order_id = str(order["id"])
            if order.get("fulfillmentStatus") != "waiting_to_ship" or order.get("financialStatus") != "paid":
                continue
            first_seen = seen.setdefault(order_id, time.monotonic())
            if time.monotonic() - first_seen >= args.after:
                control.advance_order(order_id, args.to)
                print(f"sandbox supplier: order {order_id} ({order.get('customOrderId')}) -> {args.to}", flush=True)
        time.sleep(0.5)


if __name__ == "__main__":
    main()
