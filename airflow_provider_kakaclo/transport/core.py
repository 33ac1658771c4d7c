"""Sending one described call: auth per attempt, limiter, timeouts, retries, one decoder per vendor.

:class:`Transport` uses ``requests``; :class:`AsyncTransport` (for triggers) uses ``httpx``. Both share
:class:`Call`, the vendor :class:`Wire` (auth + decoding), the retry policy and the error mapping, so the
two paths cannot drift apart.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Protocol

from airflow_provider_kakaclo import __version__
from airflow_provider_kakaclo.transport.errors import (
    AmbiguousWriteError,
    AuthenticationError,
    DeadlineExceededError,
    MalformedResponseError,
    TransportError,
    VendorError,
    redact,
    redact_bytes,
    register_secrets,
    secrets_in_flight,
)

log = logging.getLogger(__name__)

USER_AGENT = f"airflow-provider-kakaclo/{__version__}"
#: A vendor asking to wait longer than this is treated as asking for this long.
RETRY_AFTER_MAX = 600.0
#: Header and form fields whose values are credentials (compared lower-cased). A wire that adds one
#: of these per attempt (a bearer token, an api_key, a signature) has it redacted from every text.
SECRET_FIELDS = frozenset({
    "authorization", "api_key", "apikey", "x-api-key", "token", "access_token", "sign", "signature",
    "appsecret", "app_secret", "secret", "password",
})


@dataclass(frozen=True)
class Call:
    """One vendor call, described once before the retry loop and never mutated by it.

    :param method: HTTP method.
    :param path: path below the connection's base URL.
    :param endpoint: the name used in errors and logs (defaults to ``METHOD path``).
    :param params: query string.
    :param json: JSON body.
    :param form: form fields (name -> string) sent ``application/x-www-form-urlencoded``.
    :param multipart: form fields (name -> string) sent ``multipart/form-data``.
    :param headers: extra headers (auth is added per attempt by the wire, not here).
    :param retry_safe: whether the call may be repeated blindly (reads: yes; creates: no).
    """

    method: str
    path: str
    endpoint: str = ""
    params: Mapping[str, Any] | None = None
    json: Any = None
    form: Mapping[str, str] | None = None
    multipart: Mapping[str, str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    retry_safe: bool = True

    @property
    def name(self) -> str:
        return self.endpoint or f"{self.method} {self.path}"


@dataclass(frozen=True)
class RawResponse:
    """What came back, independent of the HTTP client that fetched it."""

    status: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        # Money stays exact: ``9.1000`` is Decimal("9.1000"), never the float 9.1.
        return jsonlib.loads(self.content, parse_float=Decimal)

    def text_excerpt(self, limit: int = 200) -> str:
        return self.content[:limit].decode("utf-8", "replace").strip()

    @property
    def retry_after(self) -> float | None:
        value = self.headers.get("Retry-After") or self.headers.get("retry-after")
        try:
            return max(0.0, float(value)) if value is not None else None
        except ValueError:
            return None  # an HTTP date: rare, and our limiter already waits a full drip


class Wire(Protocol):
    """A vendor's wire protocol: how to authenticate an attempt and how to decode a reply."""

    vendor: str

    def authorize(self, call: Call) -> Call:
        """Return the call with this attempt's credentials applied (headers, fresh signature)."""

    def decode(self, call: Call, response: RawResponse) -> Any:
        """Return the payload, or raise the matching :class:`VendorError`."""


@dataclass
class TransportSettings:
    """Per-connection transport knobs, read from the connection's extras in one place."""

    base_url: str
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 5
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    rate_limit_burst: float = 0.0
    rate_limit_per_second: float = 0.0
    verify: bool | str = True
    #: The budget of one whole exchange (connect, send, headers, body); ``None``: connect + read.
    total_timeout: float | None = None

    @property
    def deadline(self) -> float:
        """Seconds one request may take in all, however slowly the reply trickles in."""
        if self.total_timeout is not None and self.total_timeout > 0:
            return self.total_timeout
        return self.connect_timeout + self.read_timeout

    @classmethod
    def from_extras(cls, base_url: str, extras: Mapping[str, Any], **defaults: Any) -> TransportSettings:
        values: dict[str, Any] = {"base_url": base_url, **defaults}
        floats = ("connect_timeout", "read_timeout", "total_timeout", "backoff_initial", "backoff_max")
        for key in (*floats, "rate_limit_burst", "rate_limit_per_second"):
            if extras.get(key) not in (None, ""):
                values[key] = float(extras[key])
        if extras.get("max_attempts") not in (None, ""):
            values["max_attempts"] = max(1, int(extras["max_attempts"]))
        verify = extras.get("verify", True)
        if isinstance(verify, str) and verify.lower() in ("false", "0", "no", "off"):
            verify = False
        elif isinstance(verify, str) and verify.lower() in ("true", "1", "yes", "on", ""):
            verify = True
        values["verify"] = verify
        if verify is False:
            log.warning("TLS certificate verification is OFF for %s (connection extra verify=false)", base_url)
        return cls(**values)


def backoff_seconds(error: BaseException, attempt: int, settings: TransportSettings) -> float:
    """Exponential backoff with full jitter; a vendor's ``Retry-After`` wins when it asks for longer."""
    ceiling = min(settings.backoff_max, settings.backoff_initial * (2 ** max(0, attempt - 1)))
    wait = random.uniform(0, ceiling)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        wait = max(wait, min(float(retry_after), RETRY_AFTER_MAX))
    return wait


def should_retry(error: BaseException, call: Call) -> bool:
    """Retry what is retryable, and a write only when the vendor certainly did not act on it."""
    return isinstance(error, VendorError) and error.retryable and (call.retry_safe or error.not_processed)


def settle(error: VendorError, call: Call) -> VendorError:
    """The error to raise once retrying stops: an unsafe write with an unknown outcome is ambiguous."""
    if not call.retry_safe and not error.not_processed and error.retryable:
        return AmbiguousWriteError(error)
    return error


def call_secrets(call: Call) -> list[str]:
    """The credentials in an authorized call: values of :data:`SECRET_FIELDS` (and a bearer's token)."""
    found: list[str] = []
    for fields in (call.headers, call.form, call.multipart, call.params):
        for name, value in (fields or {}).items():
            if str(name).lower() in SECRET_FIELDS and isinstance(value, str) and value:
                found.append(value)
                found.extend(value.split()[1:])  # "Bearer <token>": the token alone too
    return found


def join_url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path.lstrip("/")


class _Base:
    """What the sync and async transports share: settings, wire, limiter, credential refresh."""

    def __init__(
        self,
        settings: TransportSettings,
        wire: Wire,
        *,
        limiter: Any = None,
        refresh_credentials: Callable[[], bool] | None = None,
        sleep: Callable[[float], Any] | None = None,
        secrets: Iterable[str | None] = (),
    ) -> None:
        from airflow_provider_kakaclo.transport.limiter import UNLIMITED

        register_secrets([*secrets, *getattr(limiter, "secrets", ())])
        self.sleep = sleep
        self.settings = settings
        self.wire = wire
        self.limiter = limiter or UNLIMITED
        self.refresh_credentials = refresh_credentials

    def _transport_error(self, call: Call, exc: BaseException, *, not_processed: bool) -> TransportError:
        kind = type(exc).__name__
        text = redact(f"{kind}: {exc}").split("\n")[0][:300]  # redact first: a cut must not halve a secret
        return TransportError(self.wire.vendor, call.name, text, not_processed=not_processed)

    def _deadline_error(self, call: Call) -> DeadlineExceededError:
        return DeadlineExceededError(
            self.wire.vendor, call.name,
            f"no complete reply within the total deadline of {self.settings.deadline:g}s "
            "(connection extra total_timeout)",
        )

    def _decode(self, call: Call, response: RawResponse) -> Any:
        """Decode a reply into data, or raise a typed error built from redacted material.

        A reply nobody can decode is a :class:`MalformedResponseError`; after a write that is not
        safe to repeat it is an :class:`AmbiguousWriteError` (the vendor may have committed it).
        """
        try:
            return self.wire.decode(call, response)  # data is never altered: redaction is for texts
        except Exception as exc:
            error = self._decode_failure(call, response, exc)
        raise error  # outside the handler: no unredacted exception rides along as its context

    def _decode_failure(self, call: Call, response: RawResponse, exc: Exception) -> VendorError:
        masked = redact_bytes(response.content)
        if masked != response.content:
            # The reply quotes a secret: build the error again from the masked reply, so no excerpt
            # the decoder cuts out of it can hold part of one.
            try:
                self.wire.decode(call, replace(response, content=masked))
            except Exception as again:
                exc = again
        exc.__cause__ = exc.__context__ = None
        if isinstance(exc, VendorError):
            if isinstance(exc, MalformedResponseError) and not call.retry_safe:
                return AmbiguousWriteError(exc)
            return exc
        # a decoder bug or a reply shaped like nothing we know: still typed
        error = MalformedResponseError(
            self.wire.vendor, call.name, f"undecodable reply: {type(exc).__name__}: {exc}", http_status=response.status,
        )
        return error if call.retry_safe else AmbiguousWriteError(error)

    def _log_retry(self, call: Call, error: VendorError, attempt: int, wait: float) -> None:
        log.warning(
            "%s %s failed (attempt %s/%s): %s; retrying in %.2fs",
            self.wire.vendor, call.name, attempt, self.settings.max_attempts, redact(error.message), wait,
        )


class Transport(_Base):
    """Synchronous transport over a ``requests.Session`` (kept for the life of the hook)."""

    def __init__(self, *args: Any, session: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._session = session
        self._verify: bool | str = self.settings.verify

    @property
    def session(self):
        if self._session is None:
            from airflow_provider_kakaclo.transport.deadline import deadline_session

            self._session = deadline_session()
            self._session.headers["User-Agent"] = USER_AGENT
            self._session.headers["Accept"] = "application/json"
            self._verify = _read_environment_once(self._session, self.settings)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def request(self, call: Call) -> Any:
        """Send ``call`` until it succeeds, a non-retryable error occurs, or attempts run out."""
        import tenacity

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.settings.max_attempts),
            # tenacity types `outcome` and `next_action` Optional; both are set when these run.
            wait=lambda state: backoff_seconds(state.outcome.exception(), state.attempt_number, self.settings),  # type: ignore[union-attr, arg-type]
            retry=tenacity.retry_if_exception(lambda exc: should_retry(exc, call)),
            before_sleep=lambda state: self._log_retry(
                call, state.outcome.exception(), state.attempt_number, state.next_action.sleep  # type: ignore[union-attr, arg-type]
            ),
            reraise=True,
            **({"sleep": self.sleep} if self.sleep else {}),  # type: ignore[arg-type]
        )
        refreshed = False
        while True:
            try:
                return retrying(self._attempt, call)
            except AuthenticationError:
                # A token rotated in the connection while we ran: pick it up once and go again.
                if refreshed or not self.refresh_credentials or not self.refresh_credentials():
                    raise
                refreshed = True
            except VendorError as error:
                raise settle(error, call) from error

    def _attempt(self, call: Call) -> Any:
        self.limiter.acquire()
        sent = self.wire.authorize(call)
        with secrets_in_flight(call_secrets(sent)):
            raw = self._exchange(call, sent)
            if raw.status == 429:
                self.limiter.saturate()
            return self._decode(call, raw)

    def _exchange(self, call: Call, sent: Call) -> RawResponse:
        """Send one authorized attempt and read its whole reply within the total deadline."""
        import requests

        from airflow_provider_kakaclo.transport.deadline import Deadline

        deadline = Deadline(self.settings.deadline)
        try:
            with deadline:
                resp = self.session.request(
                    sent.method,
                    join_url(self.settings.base_url, sent.path),
                    params=sent.params,
                    json=sent.json,
                    data=sent.form,
                    files=_multipart(sent.multipart),
                    headers=dict(sent.headers),
                    timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                    verify=self._verify,
                )
                raw = RawResponse(resp.status_code, resp.headers, resp.content)
        except requests.RequestException as exc:
            if deadline.expired:
                raise self._deadline_error(call) from exc
            if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.InvalidURL,
                                requests.exceptions.SSLError)):
                raise self._transport_error(call, exc, not_processed=True) from exc
            if isinstance(exc, requests.ConnectionError):
                raise self._transport_error(call, exc, not_processed=_never_connected(exc)) from exc
            # read timeout, dropped mid-reply, chunked errors
            raise self._transport_error(call, exc, not_processed=False) from exc
        except Exception as exc:  # whatever the HTTP stack makes of a socket cut under it
            if deadline.expired:
                raise self._deadline_error(call) from exc
            raise
        if deadline.expired:  # the cut may read as the end of a body sent without a length
            raise self._deadline_error(call)
        return raw


def _read_environment_once(session: Any, settings: TransportSettings) -> bool | str:
    """What ``requests`` reads from the environment on every request, read once per session.

    With ``trust_env`` on, each request walks ``os.environ`` for proxies and CA bundles (a tenth of
    a call's cost on a fast vendor). The same settings are resolved once for the connection's base
    URL: proxies (``HTTPS_PROXY``/``NO_PROXY``...) and ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``; no
    ``.netrc`` (every vendor's credentials come from the Airflow connection). Returns ``verify``.
    """
    import os

    from requests.utils import get_environ_proxies

    session.trust_env = False
    session.proxies.update(get_environ_proxies(settings.base_url))
    if settings.verify is True:
        return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return settings.verify


def _never_connected(exc: BaseException) -> bool:
    """True when the error shows the request never left (refused, DNS), so even a write is safe."""
    text = repr(exc)
    return any(
        marker in text
        for marker in ("NewConnectionError", "ConnectionRefused", "NameResolutionError", "Failed to resolve")
    )


class AsyncTransport(_Base):
    """Asynchronous twin for triggers, over ``httpx.AsyncClient``; nothing in it blocks the loop."""

    def __init__(self, *args: Any, client: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client = client

    @property
    def client(self):
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                timeout=httpx.Timeout(self.settings.read_timeout, connect=self.settings.connect_timeout),
                verify=self.settings.verify,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def request(self, call: Call) -> Any:
        import tenacity

        retrying = tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(self.settings.max_attempts),
            # tenacity types `outcome` and `next_action` Optional; both are set when these run.
            wait=lambda state: backoff_seconds(state.outcome.exception(), state.attempt_number, self.settings),  # type: ignore[union-attr, arg-type]
            retry=tenacity.retry_if_exception(lambda exc: should_retry(exc, call)),
            before_sleep=lambda state: self._log_retry(
                call, state.outcome.exception(), state.attempt_number, state.next_action.sleep  # type: ignore[union-attr, arg-type]
            ),
            reraise=True,
            **({"sleep": self.sleep} if self.sleep else {}),  # type: ignore[arg-type]
        )
        try:
            return await retrying(self._attempt, call)
        except VendorError as error:
            raise settle(error, call) from error

    async def _attempt(self, call: Call) -> Any:
        await self.limiter.acquire_async()
        sent = self.wire.authorize(call)
        with secrets_in_flight(call_secrets(sent)):
            raw = await self._exchange(call, sent)
            if raw.status == 429:
                await self.limiter.saturate_async()
            return self._decode(call, raw)

    async def _exchange(self, call: Call, sent: Call) -> RawResponse:
        """Send one authorized attempt and read its whole reply within the total deadline."""
        import asyncio

        import httpx

        try:
            # httpx times out per read too: the whole exchange, body included, runs under one
            # deadline; cancelling it closes the connection.
            resp = await asyncio.wait_for(
                self.client.request(
                    sent.method,
                    join_url(self.settings.base_url, sent.path),
                    params=_compact(sent.params),
                    json=sent.json,
                    data=sent.form,
                    files=_multipart(sent.multipart),
                    headers=dict(sent.headers),
                ),
                self.settings.deadline,
            )
        except asyncio.TimeoutError as exc:
            raise self._deadline_error(call) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise self._transport_error(call, exc, not_processed=True) from exc
        except httpx.HTTPError as exc:
            raise self._transport_error(call, exc, not_processed=False) from exc
        return RawResponse(resp.status_code, resp.headers, resp.content)


def _multipart(fields: Mapping[str, str] | None) -> dict[str, tuple[None, str]] | None:
    """Plain form fields as multipart parts (no file names), the way requests and httpx both take them."""
    return None if fields is None else {k: (None, v) for k, v in fields.items()}


def _compact(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """httpx sends ``None`` values as empty strings; requests drops them. Drop them for both."""
    return None if params is None else {k: v for k, v in params.items() if v is not None}


def with_headers(call: Call, **headers: str) -> Call:
    """A copy of ``call`` with extra headers (used by wires to add auth per attempt)."""
    return replace(call, headers={**call.headers, **headers})
