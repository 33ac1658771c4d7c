"""Seed and show the example shop's order table (example_dags/order_fulfilment.py) for the demo."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "example_dags"))
import order_fulfilment as fulfilment

ADDRESS = {"country": "US", "phone": "+1 555 0100", "province": "CA", "city": "San Francisco",
           "street1": "1 Market St", "zip": "94105"}


def seed(skus: list[str], count: int) -> None:
    hook = fulfilment.db()
    hook.run(fulfilment.TABLE_DDL)
    for i in range(count):
        order = {"orderAddresses": {**ADDRESS, "recipient": f"Customer {i + 1}"},
                 "orderItemsList": [{"sku": skus[i % len(skus)], "quantity": 1 + i % 2}],
                 "channelType": "Standard", "salePlatform": "Shopify"}
        hook.run(
            f"INSERT INTO {fulfilment.TABLE} (merchant_order_id, order_json, status) VALUES ({hook.placeholder}, {hook.placeholder}, 'pending')",
            parameters=(f"SHOP-{1001 + i}", json.dumps(order)),
        )


def show(title: str) -> None:
    hook = fulfilment.db()
    hook.run(fulfilment.TABLE_DDL)
    rows = hook.get_records(
        f"SELECT merchant_order_id, status, vendor_order_id, vendor_status, tracking_codes "
        f"FROM {fulfilment.TABLE} ORDER BY merchant_order_id")
    print(f"-- {title}: {fulfilment.TABLE} ({len(rows)} rows)")
    print(f"{'merchant_order_id':18} {'status':9} {'vendor_order_id':16} {'vendor_status':13} tracking")
    for r in rows:
        print(f"{r[0]:18} {r[1]:9} {r[2] or '-':16} {r[3] or '-':13} {r[4] or '-'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["seed", "show"])
    parser.add_argument("--skus", default="", help="comma-separated SKUs for seeded orders")
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--title", default="shop orders")
    args = parser.parse_args()
    if args.action == "seed":
        seed(args.skus.split(","), args.count)
    show(args.title)
