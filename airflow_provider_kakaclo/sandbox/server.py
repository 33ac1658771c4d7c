"""The sandbox server: vendor apps mounted under their prefixes, the control API, fault injection and
request counting, in-process (``create_app``) or on a real socket (``ThreadedSandbox``).

Request path: ``SandboxApp.__call__`` (outermost, sees the server's own ``send`` so it can close the
socket) -> :class:`SandboxMiddleware` (match vendor and route template, fire a fault or pass through,
count) -> FastAPI routing -> the vendor app (its guard, routes and error handlers).
"""

from __future__ import annotations

import functools
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from .autopilot import Autopilot
from .control import create_control_router
from .faults import ConnectionDropped, FaultBook, perform, respond
from .nesting import MAX_NESTING, too_deep
from .registry import GENERIC_SETTINGS, Clocks, VendorSpec, load_vendors, utc_now, vendor_settings
from .stats import DROPPED, Stats
from .switches import SwitchBoard

CONTROL_PREFIX = "/_sandbox"


class RouteTemplates:
    """Maps a vendor-relative path to the route template it matches (e.g. ``/orders/{order_id}/refund``)."""

    def __init__(self, app: Any) -> None:
        """:param app: the vendor's FastAPI app"""
        self._routes: list[tuple[re.Pattern, set[str], str]] = [
            (route.path_regex, set(route.methods or ()), route.path)
            for route in getattr(app, "routes", [])
            if getattr(route, "path_regex", None) is not None and getattr(route, "methods", None)
        ]

    def template(self, method: str, path: str) -> str | None:
        """Return the template of the route serving ``method path``, or of any route matching the path."""
        fallback = None
        for regex, methods, template in self._routes:
            if regex.match(path):
                if method in methods:
                    return template
                fallback = fallback or template
        return fallback


@dataclass
class VendorRuntime:
    """One mounted vendor: its spec, backend, switches, app and route templates."""

    spec: VendorSpec
    backend: Any
    switches: SwitchBoard
    app: Any
    templates: RouteTemplates


class SandboxState:
    """Everything the sandbox holds: vendors, faults, stats; reset in place."""

    def __init__(self, settings: dict[str, Any], clocks: Clocks) -> None:
        """:param settings: JSON-able settings (see :func:`create_app`)
        :param clocks: time sources
        """
        self.settings = settings
        self.clocks = clocks
        self.vendors: dict[str, VendorRuntime] = {}
        specs = load_vendors()
        _check_settings(settings, specs)
        for spec in specs:
            own, switch_values = vendor_settings(settings, spec)
            switches = SwitchBoard(spec.switches, switch_values)
            backend = spec.create_backend(own, clocks, switches)
            app = spec.create_app(backend, switches)
            self.vendors[spec.name] = VendorRuntime(spec, backend, switches, app, RouteTemplates(app))
        self.faults = FaultBook()
        self.stats = Stats(list(self.vendors))
        self.autopilot = Autopilot(self, settings.get("autopilot"), monotonic=clocks.monotonic)

    def __getattr__(self, name: str) -> Any:
        vendors = self.__dict__.get("vendors", {})
        if name in vendors:
            return vendors[name].backend
        raise AttributeError(name)

    def vendor_for_path(self, path: str) -> tuple[VendorRuntime, str] | None:
        """Return the vendor mounted at the start of ``path`` and the path relative to its prefix."""
        for runtime in self.vendors.values():
            prefix = runtime.spec.prefix
            if path == prefix or path.startswith(prefix + "/"):
                return runtime, path[len(prefix):] or "/"
        return None

    def switch_values(self) -> dict[str, dict[str, Any]]:
        """Current switch values per vendor."""
        return {name: runtime.switches.values() for name, runtime in self.vendors.items()}

    def reset(self, overrides: dict[str, Any] | None = None) -> None:
        """Reset every vendor, switch, fault and counter to the app's settings updated by ``overrides``.

        :param overrides: settings for this reset only (same shape as the app settings)
        :raises ValueError: on a bad setting (nothing is changed then)
        """
        merged = _merge(self.settings, overrides or {})
        specs = [runtime.spec for runtime in self.vendors.values()]
        _check_settings(merged, specs)
        prepared = []
        for runtime in self.vendors.values():
            own, switch_values = vendor_settings(merged, runtime.spec)
            SwitchBoard(runtime.spec.switches, switch_values)  # validates before anything changes
            prepared.append((runtime, own, switch_values))
        for runtime, own, _switch_values in prepared:
            runtime.backend.reset(own)  # validates its settings before changing anything
        for runtime, _own, switch_values in prepared:
            runtime.switches.reset(switch_values)
        self.faults.clear()
        self.stats.reset()
        self.autopilot.set(merged.get("autopilot"))


class SandboxMiddleware:
    """Pure ASGI: for vendor paths, fire a pending fault or pass through, and count the request."""

    def __init__(self, app: Callable, state: SandboxState) -> None:
        """:param app: the FastAPI stack
        :param state: the sandbox state
        """
        self.app = app
        self.state = state

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = self.state.vendor_for_path(scope["path"])
        receive, depth = await _screen(scope, receive)
        if found is None:
            if depth is not None:  # a control route: its own {"detail"} shape
                await respond(send, 400, {"detail": _too_deep_message(depth)})
                return
            await self.app(scope, receive, send)
            return
        runtime, path = found
        method = scope["method"]
        template = runtime.templates.template(method, path)
        route = f"{method} {template or path}"
        if depth is not None:  # nonsense is a client error, in the vendor's envelope, never a 500
            body = runtime.spec.error_envelope(runtime.spec.malformed_code, _too_deep_message(depth))
            await respond(send, 400, body)
            self.state.stats.record(runtime.spec.name, route, 400, fault=False)
            return
        rule = self.state.faults.take(runtime.spec.name, method, path, template)
        status: int | str = 500
        try:
            if rule is not None:
                status = await perform(rule, self.app, scope, receive, send, runtime.spec.error_envelope)
            else:
                status = await self._passthrough(scope, receive, send)
        except ConnectionDropped:
            status = DROPPED
            raise
        finally:
            self.state.stats.record(runtime.spec.name, route, status, fault=rule is not None)

    async def _passthrough(self, scope: dict, receive: Callable, send: Callable) -> int:
        status = 500

        async def watch(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        return status


async def _screen(scope: dict, receive: Callable) -> tuple[Callable, int | None]:
    """Read the whole request body once; return a ``receive`` that replays it, and the JSON nesting
    depth when the request nests deeper than :data:`~.nesting.MAX_NESTING` (else ``None``)."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: let the app see it
            replayed = [message]
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    else:
        replayed = []
    body = b"".join(chunks)
    headers = dict(scope.get("headers") or [])
    depth = too_deep(body, headers.get(b"content-type", b"").decode("latin-1"), scope.get("query_string", b""))
    pending = [{"type": "http.request", "body": body, "more_body": False}, *replayed]

    async def replay() -> dict:
        return pending.pop(0) if pending else await receive()

    return replay, depth


def _too_deep_message(depth: int) -> str:
    return f"malformed request: JSON nested deeper than {MAX_NESTING} levels ({depth} or more)"


class SandboxApp(FastAPI):
    """FastAPI app whose outermost layer is :class:`SandboxMiddleware`.

    Wrapping ``__call__`` (instead of ``add_middleware``) hands the middleware the server's own ``send``,
    which is what lets a fault close the client's socket.
    """

    sandbox: SandboxState

    def attach(self, state: SandboxState) -> None:
        """Install the sandbox state and middleware."""
        self.sandbox = state
        self.state.sandbox = state
        self._sandbox_middleware = SandboxMiddleware(functools.partial(FastAPI.__call__, self), state)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:  # type: ignore[override]
        await self._sandbox_middleware(scope, receive, send)


def create_app(settings: dict[str, Any] | None = None) -> SandboxApp:
    """Build the sandbox app.

    :param settings: optional settings. JSON-able keys: ``seed``, ``catalog_size``, ``balance``,
        ``tokens``, ``anchor`` (apply to every vendor using them), ``autopilot`` (seconds per step:
        the vendors' staff pay, ship and refund on their own, see :mod:`.autopilot`), ``switches``
        (``{"kakaclo": {...}}``), and per-vendor sections (``{"kakaclo": {"balance": 50, ...}}``). Python
        only: ``clock`` (monotonic seconds, for rate limits) and ``wall_clock`` (aware UTC datetime).
    :return: the app; its state is ``app.sandbox`` (e.g. ``app.sandbox.kakaclo`` is the KakaClo backend)
    :raises ValueError: on an unknown or invalid setting
    """
    settings = dict(settings or {})
    clocks = Clocks(monotonic=settings.pop("clock", None) or time.monotonic,
                    now=settings.pop("wall_clock", None) or utc_now)
    state = SandboxState(settings, clocks)
    app = SandboxApp(title="airflow-provider-kakaclo sandbox", docs_url=f"{CONTROL_PREFIX}/docs",
                     openapi_url=f"{CONTROL_PREFIX}/openapi.json", redoc_url=None)
    app.attach(state)
    app.include_router(create_control_router(state), prefix=CONTROL_PREFIX)
    for name, runtime in state.vendors.items():
        if runtime.spec.create_control_router is not None:
            router = runtime.spec.create_control_router(runtime.backend, runtime.switches)
            app.include_router(router, prefix=f"{CONTROL_PREFIX}/{name}")
        app.mount(runtime.spec.prefix, runtime.app)
    return app


class ThreadedSandbox:
    """The sandbox served by uvicorn on a background thread; ``port=0`` picks a free port.

    Use as a context manager, or ``start()`` / ``stop()``::

        with ThreadedSandbox(catalog_size=500) as sandbox:
            requests.get(sandbox.url + "/kakaclo/openapi/v1/product/category", headers=...)
            sandbox.client.reset()
            sandbox.state.kakaclo.order_count()
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **settings: Any) -> None:
        """:param host: interface to listen on
        :param port: port, 0 for any free one
        :param settings: app settings (see :func:`create_app`)
        """
        self.host = host
        self.port = port
        self.settings = settings
        self.app: SandboxApp | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> ThreadedSandbox:
        """Start serving; returns once the server accepts connections.

        :param timeout: seconds to wait for startup
        :return: self
        :raises RuntimeError: when the server does not start
        """
        import uvicorn

        if self._thread is not None:
            raise RuntimeError("sandbox already started")
        self.app = create_app(self.settings)
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1, proxy_headers=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("sandbox server did not start")
            time.sleep(0.01)
        self._socket = sock
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread to end."""
        if self.app is not None:
            self.app.sandbox.autopilot.stop()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        sock = getattr(self, "_socket", None)
        if sock is not None:
            sock.close()
        self._thread = self._server = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def vendor_url(self, vendor: str) -> str:
        """Base URL of a vendor API, e.g. ``http://127.0.0.1:54321/kakaclo``."""
        return self.url + self.state.vendors[vendor].spec.prefix

    @property
    def kakaclo_url(self) -> str:
        """Base URL of the KakaClo API (requests go to ``<this>/openapi/v1/...``)."""
        return self.vendor_url("kakaclo")

    @property
    def state(self) -> SandboxState:
        """The in-process state (``.kakaclo`` backend, ``.faults``, ``.stats``, ``.vendors``)."""
        if self.app is None:
            raise RuntimeError("sandbox not started")
        return self.app.sandbox

    @property
    def client(self):
        """A :class:`~.client.SandboxClient` for this server."""
        from .client import SandboxClient

        return SandboxClient(self.url)

    def __enter__(self) -> ThreadedSandbox:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Merge settings one level deep for vendor sections and ``switches``."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            inner = dict(merged[key])
            for inner_key, inner_value in value.items():
                if isinstance(inner_value, dict) and isinstance(inner.get(inner_key), dict):
                    inner[inner_key] = {**inner[inner_key], **inner_value}
                else:
                    inner[inner_key] = inner_value
            merged[key] = inner
        else:
            merged[key] = value
    return merged


def _check_settings(settings: dict[str, Any], specs: list[VendorSpec]) -> None:
    allowed = GENERIC_SETTINGS | {"switches", "autopilot"} | {spec.name for spec in specs}
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise ValueError(f"unknown sandbox settings {unknown}; known: {sorted(allowed)}")
    Autopilot.check(settings.get("autopilot"))
    switches = settings.get("switches") or {}
    if not isinstance(switches, dict):
        raise ValueError("switches must be an object keyed by vendor")
    unknown_vendors = sorted(set(switches) - {spec.name for spec in specs})
    if unknown_vendors:
        raise ValueError(f"switches for unknown vendors {unknown_vendors}")
