"""The generic control API under ``/_sandbox/``: reset, switches, faults, stats, autopilot.

Vendor-specific control routes (e.g. ``/_sandbox/kakaclo/orders``) come from each vendor's
``create_control_router`` and are mounted next to these. Control errors answer
``{"detail": "<reason>"}`` with HTTP 400 (bad request), 404 (unknown thing) or 409 (not allowed now).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request

from .backend import ControlError
from .faults import parse_rule

if TYPE_CHECKING:
    from .server import SandboxState


async def read_json(request: Request, *, default: Any = None) -> Any:
    """Return the JSON body, or ``default`` for an empty body.

    :raises HTTPException: 400 when the body is not JSON
    """
    raw = await request.body()
    if not raw.strip():
        return default
    try:
        return json.loads(raw)
    except ValueError:
        raise HTTPException(400, "body is not valid JSON") from None


async def read_object(request: Request, *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return the JSON body as an object holding ``required`` keys.

    :raises HTTPException: 400 otherwise
    """
    body = await read_json(request, default={})
    if not isinstance(body, dict):
        raise HTTPException(400, "body must be a JSON object")
    missing = [key for key in required if key not in body]
    if missing:
        raise HTTPException(400, f"missing fields {missing}")
    return body


def control_call(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a backend's control method; its :class:`~.backend.ControlError` answers with that error's
    status, a ``ValueError`` (a bad argument) with 400."""
    try:
        return call(*args, **kwargs)
    except ControlError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


def create_control_router(state: SandboxState) -> APIRouter:
    """Build the generic control routes for ``state``.

    :param state: the sandbox state
    :return: a router to include under ``/_sandbox``
    """
    router = APIRouter(tags=["sandbox control"])

    @router.get("/")
    async def info() -> dict:
        """Vendors, their mount prefixes and the control endpoints."""
        return {"vendors": {name: {"prefix": rt.spec.prefix, "title": rt.spec.title}
                            for name, rt in state.vendors.items()}}

    @router.post("/reset")
    async def reset(request: Request) -> dict:
        """Reset all vendor state, switches, faults and stats (body: optional settings overrides)."""
        body = await read_object(request)
        try:
            state.reset(body)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        return {"reset": True, "switches": state.switch_values()}

    @router.get("/switches")
    async def get_switches() -> dict:
        """Current switch values per vendor."""
        return state.switch_values()

    @router.get("/switches/spec")
    async def switch_specs() -> dict:
        """Every switch with its default, choices, source (spec section or INVENTED) and description."""
        return {name: [switch.describe() for switch in rt.switches.specs()] for name, rt in state.vendors.items()}

    @router.patch("/switches")
    async def patch_switches(request: Request) -> dict:
        """Change switches: ``{"<vendor>": {"<switch>": value}}``; all or nothing."""
        body = await read_object(request)
        unknown = sorted(set(body) - set(state.vendors))
        if unknown:
            raise HTTPException(400, f"unknown vendors {unknown}")
        try:
            for name, changes in body.items():  # validate everything first
                state.vendors[name].switches._checked(changes)
            for name, changes in body.items():
                state.vendors[name].switches.update(changes)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        return state.switch_values()

    @router.post("/faults")
    async def add_fault(request: Request) -> dict:
        """Add a fault rule (see ``faults.py`` for actions and fields); returns it with its id."""
        body = await read_json(request)
        try:
            rule = parse_rule(body, state.faults.next_id(), list(state.vendors))
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        return state.faults.add(rule).as_dict()

    @router.get("/faults")
    async def list_faults() -> dict:
        """The rules not used up yet."""
        return {"faults": state.faults.pending()}

    @router.delete("/faults")
    async def clear_faults(vendor: str | None = None) -> dict:
        """Remove all rules, or one vendor's."""
        return {"removed": state.faults.clear(vendor)}

    @router.get("/stats")
    async def stats(vendor: str | None = None) -> dict:
        """Request counters per vendor (or of one vendor with ``?vendor=``)."""
        try:
            return state.stats.snapshot(vendor)
        except KeyError:
            raise HTTPException(404, f"unknown vendor {vendor!r}") from None

    @router.post("/stats/reset")
    async def reset_stats() -> dict:
        """Zero the counters."""
        state.stats.reset()
        return {"reset": True}

    @router.get("/autopilot")
    async def get_autopilot() -> dict:
        """Whether the vendors' staff act on their own, and after how many seconds per step."""
        return state.autopilot.describe()

    @router.put("/autopilot")
    async def put_autopilot(request: Request) -> dict:
        """Turn the autopilot on (``{"seconds": 15}``) or off (``{"seconds": 0}`` or null) until the next reset."""
        body = await read_object(request, required=("seconds",))
        control_call(state.autopilot.set, body["seconds"])
        return state.autopilot.describe()

    return router
