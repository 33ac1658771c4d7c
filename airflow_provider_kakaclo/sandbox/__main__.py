"""Run the sandbox: ``python -m airflow_provider_kakaclo.sandbox [--host H] [--port P] [--catalog-size N] [--seed S]``.

Also installed as the ``kakaclo-sandbox`` console script (``main``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="kakaclo-sandbox", description="Serve the vendor API sandbox.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8980, help="port (default 8980; 0 for any free port)")
    parser.add_argument("--catalog-size", type=int, default=None, help="number of KakaClo SKUs (default 5000)")
    parser.add_argument("--seed", type=int, default=None, help="catalog seed")
    parser.add_argument("--balance", type=float, default=None, help="starting prepaid balance in USD")
    parser.add_argument("--autopilot", type=float, default=None, metavar="SECONDS",
                        help="the vendors act on their own: pay, ship and refund KakaClo orders and finish "
                        "BirdSystem consignments SECONDS after each step becomes possible (default: off)")
    parser.add_argument("--switches", default=None,
                        help='JSON switch overrides, e.g. \'{"kakaclo": {"rate_limit_enabled": false}}\'')
    parser.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> dict:
    """Turn parsed arguments into app settings."""
    settings: dict = {}
    if args.catalog_size is not None:
        settings["catalog_size"] = args.catalog_size
    if args.seed is not None:
        settings["seed"] = args.seed
    if args.balance is not None:
        settings["balance"] = args.balance
    if args.autopilot:
        settings["autopilot"] = args.autopilot
    if args.switches:
        settings["switches"] = json.loads(args.switches)
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until interrupted; prints the base URLs first."""
    import socket

    import uvicorn

    from .server import CONTROL_PREFIX, create_app

    args = parse_args(argv)
    try:
        app = create_app(settings_from(args))
    except (ValueError, json.JSONDecodeError) as exc:
        print(f"kakaclo-sandbox: {exc}", file=sys.stderr)
        return 2
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    base = f"http://{host}:{port}"
    for runtime in app.sandbox.vendors.values():
        lines = runtime.spec.banner(base + runtime.spec.prefix, runtime.backend) if runtime.spec.banner else [
            f"{runtime.spec.title}: {base}{runtime.spec.prefix}"]
        for line in lines:
            print(line)
    print(f"Sandbox control API: {base}{CONTROL_PREFIX}  (docs: {base}{CONTROL_PREFIX}/docs)", flush=True)
    if args.autopilot:
        import logging

        print(f"Autopilot: orders are paid, shipped and refunded {args.autopilot:g} s after each step", flush=True)
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        pilot_log = logging.getLogger("airflow_provider_kakaclo.sandbox.autopilot")
        pilot_log.addHandler(handler)
        pilot_log.setLevel(logging.INFO)
    config = uvicorn.Config(app, log_level=args.log_level, lifespan="off", proxy_headers=False,
                            timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
