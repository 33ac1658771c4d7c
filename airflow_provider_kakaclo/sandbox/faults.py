"""Explicit fault injection: rules that take over the next N matching vendor calls.

A rule matches on vendor, HTTP method and path (relative to the vendor prefix, given either as the
concrete path or as the route template, e.g. ``/openapi/v2/order/orders/{id}/refund``). Actions:

``status``
    answer ``status`` (optional ``body``, ``headers``, ``retry_after``); the request is not processed.
``envelope``
    answer HTTP 200 (or ``status``) with the vendor's error envelope built from ``code`` and
    ``message``; not processed.
``hang``
    sleep ``seconds`` first (a client with a shorter timeout gives up), then drop the connection, or
    answer ``status`` when one is given; the request is never processed.
``delay``
    sleep ``seconds``, then process the request normally.
``drop_before``
    close the connection without processing the request.
``drop_after_commit``
    process the request (the write is committed), then close the connection without sending the
    response (``style="close"``, the default) or after half of it (``style="truncate"``).

Closing a connection needs the server's socket: under uvicorn the sandbox closes the transport of the
request, so a ``requests`` client sees ``requests.exceptions.ConnectionError`` (``style="close"``) or
``requests.exceptions.ChunkedEncodingError`` (``style="truncate"``). In-process (``TestClient``) there
is no socket, and :class:`ConnectionDropped` is raised out of the app instead.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ACTIONS = ("status", "envelope", "hang", "delay", "delay_after_commit", "drop_before", "drop_after_commit", "drip")
#: In a ``status`` body or an ``envelope`` message, replaced by the credentials the request carried
#: (a vendor or gateway that echoes them back).
CREDENTIALS = "{credentials}"
DROP_STYLES = ("close", "truncate")
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


class ConnectionDropped(ConnectionResetError):
    """Raised out of the app where the sandbox has no socket to close (in-process test clients)."""


@dataclass
class FaultRule:
    """One fault rule; ``remaining`` of ``None`` means it never runs out."""

    id: int
    vendor: str
    action: str
    method: str | None = None
    path: str | None = None
    remaining: int | None = 1
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    code: int | None = None
    message: str | None = None
    seconds: float = 0.0
    style: str = "close"

    def matches(self, vendor: str, method: str, path: str, template: str | None) -> bool:
        """Whether this rule applies to a call.

        :param vendor: vendor name of the call
        :param method: HTTP method of the call
        :param path: path of the call relative to the vendor prefix
        :param template: route template matched by the path, if any
        :return: True when vendor, method and path all match
        """
        if self.vendor != vendor:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.path is not None and self.path != path and (
                template is None or _placeholders(self.path) != _placeholders(template)):
            return False
        return True

    def as_dict(self) -> dict[str, Any]:
        """Return the rule as JSON."""
        return {
            "id": self.id,
            "vendor": self.vendor,
            "method": self.method or "*",
            "path": self.path,
            "action": self.action,
            "remaining": self.remaining,
            "status": self.status,
            "body": self.body,
            "headers": self.headers,
            "retry_after": self.retry_after,
            "code": self.code,
            "message": self.message,
            "seconds": self.seconds,
            "style": self.style,
        }


def _placeholders(path: str) -> str:
    """``/orders/{order_id}/refund`` -> ``/orders/{}/refund``: templates match whatever the names."""
    return _PLACEHOLDER.sub("{}", path)


def parse_rule(data: Any, rule_id: int, vendors: list[str]) -> FaultRule:
    """Build a rule from its control-API JSON.

    :param data: the JSON object posted to ``/_sandbox/faults``
    :param rule_id: id to give the rule
    :param vendors: known vendor names
    :return: the rule
    :raises ValueError: when a field is missing or invalid
    """
    if not isinstance(data, dict):
        raise ValueError("a fault must be a JSON object")
    known = {"vendor", "method", "path", "count", "action", "status", "body", "headers", "retry_after",
             "code", "message", "seconds", "style"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown fault fields {unknown}; known: {sorted(known)}")
    vendor = data.get("vendor")
    if vendor not in vendors:
        raise ValueError(f"vendor must be one of {vendors}, got {vendor!r}")
    action = data.get("action")
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {list(ACTIONS)}, got {action!r}")
    method = data.get("method")
    if method in (None, "*"):
        method = None
    elif not isinstance(method, str):
        raise ValueError("method must be a string")
    else:
        method = method.upper()
    path = data.get("path")
    if path is not None:
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError("path must be a string starting with '/' (relative to the vendor prefix)")
        path = path.split("?", 1)[0]
    count = data.get("count", 1)
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer, or null for 'every matching call'")
    status = data.get("status")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599):
        raise ValueError("status must be an HTTP status code")
    if action == "status" and status is None:
        raise ValueError("action 'status' needs a 'status'")
    code = data.get("code")
    if action == "envelope" and (isinstance(code, bool) or not isinstance(code, int)):
        raise ValueError("action 'envelope' needs an integer 'code'")
    seconds = data.get("seconds", 0.0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ValueError("seconds must be a non-negative number")
    if action in ("hang", "delay", "delay_after_commit", "drip") and "seconds" not in data:
        raise ValueError(f"action {action!r} needs 'seconds'")
    retry_after = data.get("retry_after")
    if retry_after is not None and (isinstance(retry_after, bool) or not isinstance(retry_after, (int, float))):
        raise ValueError("retry_after must be a number of seconds")
    headers = data.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise ValueError("headers must be an object of strings")
    style = data.get("style", "close")
    if style not in DROP_STYLES:
        raise ValueError(f"style must be one of {list(DROP_STYLES)}")
    message = data.get("message")
    if message is not None and not isinstance(message, str):
        raise ValueError("message must be a string")
    return FaultRule(id=rule_id, vendor=vendor, action=action, method=method, path=path, remaining=count,
                     status=status, body=data.get("body"), headers=headers, retry_after=retry_after,
                     code=code, message=message, seconds=float(seconds), style=style)


class FaultBook:
    """The pending fault rules, consumed first-added first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, rule: FaultRule) -> FaultRule:
        """Append a rule.

        :param rule: the rule
        :return: the rule
        """
        with self._lock:
            self._rules.append(rule)
        return rule

    def next_id(self) -> int:
        """Return a fresh rule id."""
        with self._lock:
            return next(self._ids)

    def take(self, vendor: str, method: str, path: str, template: str | None) -> FaultRule | None:
        """Consume one use of the first rule matching a call.

        :param vendor: vendor name
        :param method: HTTP method
        :param path: path relative to the vendor prefix
        :param template: route template of the path, if any
        :return: the rule that fires, or ``None``
        """
        with self._lock:
            for rule in self._rules:
                if rule.matches(vendor, method, path, template):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._rules.remove(rule)
                    return rule
        return None

    def pending(self) -> list[dict[str, Any]]:
        """Return the rules not yet used up, as JSON."""
        with self._lock:
            return [rule.as_dict() for rule in self._rules]

    def clear(self, vendor: str | None = None) -> int:
        """Remove rules.

        :param vendor: only this vendor's rules, or all when ``None``
        :return: how many rules were removed
        """
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if vendor is not None and rule.vendor != vendor]
            return before - len(self._rules)


# --- performing a fault on an ASGI call -------------------------------------------------------------

Send = Callable[[dict], Any]


async def respond(send: Send, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
    """Send a complete response.

    :param send: ASGI send
    :param status: HTTP status
    :param body: ``None`` (empty), bytes, a string, or a JSON value
    :param headers: extra headers
    """
    raw_headers: list[tuple[bytes, bytes]] = []
    if body is None:
        payload = b""
    elif isinstance(body, bytes):
        payload = body
    elif isinstance(body, str):
        payload = body.encode()
        raw_headers.append((b"content-type", b"text/plain; charset=utf-8"))
    else:
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        raw_headers.append((b"content-type", b"application/json"))
    raw_headers.append((b"content-length", str(len(payload)).encode()))
    for name, value in (headers or {}).items():
        raw_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload, "more_body": False})


def _connection_of(send: Send) -> Any:
    """Return uvicorn's request cycle behind ``send`` (the object owning the socket), if any."""
    owner = getattr(send, "__self__", None)
    return owner if getattr(owner, "transport", None) is not None else None


async def drop_connection(send: Send) -> None:
    """Close the client connection without a (complete) response.

    :param send: the server's own ASGI send (must not be wrapped)
    :raises ConnectionDropped: when there is no socket to close (in-process clients)
    """
    cycle = _connection_of(send)
    if cycle is None:
        raise ConnectionDropped("the sandbox dropped the connection (fault injection)")
    cycle.transport.close()
    for _ in range(20):  # let the server notice, so it does not try to answer 500 afterwards
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)
    cycle.disconnected = True  # the socket is closed either way; silence the server's complaint


async def perform(rule: FaultRule, app: Callable, scope: dict, receive: Callable, send: Send,
                  envelope: Callable[[int, str], dict]) -> int | str:
    """Carry out ``rule`` on one call instead of (or around) the app.

    :param rule: the fault that fired
    :param app: the ASGI app that would have processed the call
    :param scope: ASGI scope
    :param receive: ASGI receive
    :param send: the server's ASGI send
    :param envelope: builds the vendor's error body from ``(code, message)``
    :return: the HTTP status sent, or ``"dropped"``
    """
    headers = dict(rule.headers)
    if rule.retry_after is not None:
        headers["Retry-After"] = _format_seconds(rule.retry_after)
    if rule.action == "status":
        body = rule.body
        if isinstance(body, str) and CREDENTIALS in body:
            body = body.replace(CREDENTIALS, await _credentials(scope, receive))
        await respond(send, rule.status, body, headers)
        return rule.status
    if rule.action == "envelope":
        status = rule.status or 200
        message = rule.message or "sandbox injected error"
        if CREDENTIALS in message:
            message = message.replace(CREDENTIALS, await _credentials(scope, receive))
        await respond(send, status, envelope(rule.code, message), headers)
        return status
    if rule.action == "drip":
        return await _drip(rule.seconds, app, scope, receive, send)
    if rule.action == "delay":
        await asyncio.sleep(rule.seconds)
        return await _passthrough(app, scope, receive, send)
    if rule.action == "hang":
        await asyncio.sleep(rule.seconds)
        if rule.status is not None:
            await respond(send, rule.status, rule.body, headers)
            return rule.status
        await drop_connection(send)
        return "dropped"
    if rule.action == "delay_after_commit":
        # The write is committed now; the reply leaves only after ``seconds``: the window in which a
        # client that dies (SIGKILL) has had its order taken without ever seeing the id.
        messages: list[dict] = []

        async def hold(message: dict) -> None:
            messages.append(message)

        await app(scope, receive, hold)
        await asyncio.sleep(rule.seconds)
        for held in messages:
            await send(held)
        return next((m["status"] for m in messages if m["type"] == "http.response.start"), 500)
    if rule.action == "drop_before":
        await drop_connection(send)
        return "dropped"
    if rule.action == "drop_after_commit":
        messages = []

        async def capture(message: dict) -> None:
            messages.append(message)

        await app(scope, receive, capture)
        if rule.style == "truncate" and messages and messages[0]["type"] == "http.response.start":
            body = b"".join(m.get("body", b"") for m in messages[1:] if m["type"] == "http.response.body")
            await send(messages[0])
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        await drop_connection(send)
        return "dropped"
    raise AssertionError(f"unhandled action {rule.action}")  # parse_rule forbids this


async def _credentials(scope: dict, receive: Callable) -> str:
    """The credentials a request carried, quoted the way a careless gateway would."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    sign = re.search(rb'name="sign"\r\n\r\n([^\r]*)|(?:^|&)sign=([^&]*)', body)
    found = [f"Authorization: {headers['authorization']}" if "authorization" in headers else "",
             f"api_key: {headers['api_key']}" if "api_key" in headers else "",
             f"sign={(sign.group(1) or sign.group(2)).decode('latin-1')}" if sign else ""]
    return "; ".join(part for part in found if part)


async def _drip(seconds: float, app: Callable, scope: dict, receive: Callable, send: Send) -> int:
    """Process the call (it commits), send the headers, then the body one byte every ``seconds``."""
    messages: list[dict] = []

    async def capture(message: dict) -> None:
        messages.append(message)

    await app(scope, receive, capture)
    start = next((m for m in messages if m["type"] == "http.response.start"), None)
    if start is None:
        return 500
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    await send(start)
    cycle = _connection_of(send)
    for i in range(len(body)):
        await asyncio.sleep(seconds)
        if cycle is not None and getattr(cycle, "disconnected", False):
            return start["status"]  # the client hung up: stop dripping
        await send({"type": "http.response.body", "body": body[i:i + 1], "more_body": i < len(body) - 1})
    if not body:
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    return start["status"]


async def _passthrough(app: Callable, scope: dict, receive: Callable, send: Send) -> int:
    status = 0

    async def watch(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    await app(scope, receive, watch)
    return status


def _format_seconds(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)
