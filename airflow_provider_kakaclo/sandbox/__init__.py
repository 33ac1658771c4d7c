"""A faithful, stateful emulator of the vendor APIs this provider talks to (moto style).

``create_app(settings)`` builds the FastAPI app (vendors under their prefixes, control API under
``/_sandbox``); ``ThreadedSandbox`` serves it on a background thread; ``SandboxClient`` drives the
control API over HTTP. See ``README.md`` in this folder for the switches and the control API.

The sandbox is an independent second reading of the vendor docs: it imports nothing from the
provider's hooks, transport, operators or Airflow. Imports here are lazy to keep ``import`` cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import SandboxClient
    from .server import ThreadedSandbox, create_app

__all__ = ["SandboxClient", "ThreadedSandbox", "create_app"]

_EXPORTS = {"create_app": ".server", "ThreadedSandbox": ".server", "SandboxClient": ".client"}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module, __name__), name)
