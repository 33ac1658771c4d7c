"""What every vendor hook shares: the connection, its transport, its limiter, credential refresh."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from itertools import islice
from typing import Any, ClassVar, TypeVar

from airflow.sdk import BaseHook
from pydantic import BaseModel, ValidationError

from airflow_provider_kakaclo.transport.core import AsyncTransport, Call, Transport, TransportSettings, Wire
from airflow_provider_kakaclo.transport.errors import VendorError

T = TypeVar("T")
M = TypeVar("M", bound="BaseModel")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of at most ``size`` items (vendors cap id lists per call)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def validate_request(model: type[M], vendor: str, endpoint: str, value: Any) -> M:
    """Build a request model, turning any problem into a clear error raised before anything is sent."""
    from pydantic import ValidationError

    from airflow_provider_kakaclo.models.common import describe_validation_error
    from airflow_provider_kakaclo.transport.errors import RequestValidationError

    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as err:
        raise RequestValidationError(vendor, endpoint, describe_validation_error(err)) from None


def walk_pages(fetch: Callable[..., Any], number_key: str = "pageNumber", **query: Any) -> Iterator:
    """Yield every item of a numbered-page list: from page 1 until a short or empty page, or ``total``.

    ``fetch(**{number_key: n}, **query)`` returns a :class:`~..models.common.Page`.
    """
    query = {k: v for k, v in query.items() if v is not None}
    number, seen = 1, 0
    while True:
        page = fetch(**{number_key: number}, **query)
        yield from page.items
        seen += len(page.items)
        size = page.pageSize or len(page.items)
        if not page.items or (page.total is not None and seen >= page.total) or len(page.items) < size:
            return
        number += 1


def mask(secret: str | None) -> None:
    """Register ``secret`` with Airflow's masker so it never reaches a log line."""
    if secret:
        from airflow.sdk.log import mask_secret

        mask_secret(secret)


def _typed_replies(func: Callable) -> Callable:
    """Wrap a public hook method: a reply that does not fit its model becomes a typed error.

    Request models are checked earlier and raise :class:`RequestValidationError`; a pydantic error
    that still escapes comes from the vendor's reply, and is reported as a
    :class:`MalformedResponseError` naming the vendor and the endpoint that answered.
    """
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def generator(self, *args, **kwargs):
            try:
                yield from func(self, *args, **kwargs)
            except ValidationError as err:
                raise self._malformed(err) from None

        return generator
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def coroutine(self, *args, **kwargs):
            try:
                return await func(self, *args, **kwargs)
            except ValidationError as err:
                raise self._malformed(err) from None

        return coroutine

    @functools.wraps(func)
    def method(self, *args, **kwargs):
        try:
            return func(self, *args, **kwargs)
        except ValidationError as err:
            raise self._malformed(err) from None

    return method


def _with_port(url: str, port: int, vendor: str) -> str:
    """Put the connection's ``port`` into ``url``; refuse one that contradicts the URL's own."""
    from urllib.parse import urlsplit, urlunsplit

    from airflow_provider_kakaclo.transport.errors import RequestValidationError

    parts = urlsplit(url)
    if parts.port is None:
        return urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))
    if parts.port != port:
        raise RequestValidationError(vendor, "connection", f"the base URL says port {parts.port} but the "
                                     f"connection's port is {port}: clear one")
    return url


def _ui_field_behaviour(cls) -> dict[str, Any]:
    """The connection form's standard fields for Airflow 3.1 (3.2+ reads the provider info)."""
    from airflow_provider_kakaclo.connections import ui_field_behaviour

    return ui_field_behaviour(cls.conn_type)


def _form_widgets(cls) -> dict[str, Any]:
    """The connection form's extra fields for Airflow 3.1 (3.2+ reads ``conn-fields``)."""
    from airflow_provider_kakaclo.connections import form_widgets

    return form_widgets(cls.conn_type)


class VendorHook(BaseHook):
    """Base of the vendor hooks: one connection, one transport, one rate limit per account.

    Subclasses set the identity attributes, ``environments``, the documented rate limit,
    :meth:`_wire` and :meth:`_probe`, then write one short method per endpoint on top of :meth:`call`.

    :param conn_id: the Airflow connection to use (the hook's default when omitted).
    """

    vendor: ClassVar[str]
    #: Airflow's hook identity attributes, set by each vendor hook.
    default_conn_name: ClassVar[str]
    conn_type: ClassVar[str]
    hook_name: ClassVar[str]
    #: The vendor's documented environments (name -> base URL); ``production`` is the default.
    environments: ClassVar[dict[str, str]]
    #: The vendor's documented limit as (burst, per second); (0, 0) when none is documented.
    default_rate_limit: ClassVar[tuple[float, float]] = (0.0, 0.0)

    def __init__(self, conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id or self.default_conn_name
        self._last_endpoint = "reply"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(value) and name != "test_connection":
                setattr(cls, name, _typed_replies(value))
        from airflow_provider_kakaclo.connections import CONNECTION_FORMS

        if vars(cls).get("conn_type") in CONNECTION_FORMS:
            # Airflow 3.1 reads a form only from methods in the hook class's *own* __dict__.
            for name, method in (("get_ui_field_behaviour", _ui_field_behaviour),
                                 ("get_connection_form_widgets", _form_widgets)):
                if name not in vars(cls):
                    setattr(cls, name, classmethod(method))

    def _malformed(self, err: ValidationError):
        from airflow_provider_kakaclo.models.common import describe_validation_error
        from airflow_provider_kakaclo.transport.errors import MalformedResponseError

        return MalformedResponseError(
            self.vendor, self._last_endpoint, f"reply does not have the documented shape: "
            f"{describe_validation_error(err)[:500]}")

    # --- connection -------------------------------------------------------------------------
    @cached_property
    def connection(self):
        conn = self.get_connection(self.conn_id)
        mask(conn.password)
        return conn

    @property
    def extras(self) -> dict[str, Any]:
        """The connection's extras, with form fields' ``extra__<type>__`` prefixes removed."""
        prefix = f"extra__{self.conn_type}__"
        return {(k[len(prefix):] if k.startswith(prefix) else k): v
                for k, v in (self.connection.extra_dejson or {}).items()}

    @property
    def environment(self) -> str | None:
        """The documented environment the base URL belongs to (``None`` for a sandbox or a proxy)."""
        url = self.base_url
        return next((name for name, known in self.environments.items() if url == self._canonical(known)), None)

    @property
    def base_url(self) -> str:
        """The connection's base URL, canonical: scheme added when missing, host lower-cased, the
        scheme's default port and a trailing slash dropped (one URL, one rate-limit bucket).

        An empty host means the URL of the ``environment`` extra (default ``production``); ``port``
        goes into a URL that has none (and must agree with one that has). A URL that is one
        documented environment while ``environment`` names another is refused: which one was meant
        cannot be guessed, and credentials are valid in one environment only.
        """
        from airflow_provider_kakaclo.transport.errors import RequestValidationError

        conn = self.connection
        chosen = self.extras.get("environment") or None
        if chosen is not None and chosen not in self.environments:
            raise RequestValidationError(self.vendor, "connection", f"environment {chosen!r} is not one of "
                                         f"{', '.join(self.environments)}")
        url = (conn.host or "").strip() or self.environments[chosen or "production"]
        if "://" not in url:
            url = f"{conn.schema if conn.schema in ('http', 'https') else 'https'}://{url}"
        if conn.port:
            url = _with_port(url, int(conn.port), self.vendor)
        url = self._canonical(url)
        named = next((name for name, known in self.environments.items() if url == self._canonical(known)), None)
        if chosen and named and named != chosen:
            raise RequestValidationError(self.vendor, "connection", f"the base URL {url} is the {named} "
                                         f"environment but the connection's environment says {chosen}: clear one")
        return url

    @staticmethod
    def _canonical(url: str) -> str:
        """``url`` with its host lower-cased, the scheme's default port and trailing slashes dropped."""
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url.strip())
        netloc = parts.netloc.rpartition("@")[2].lower()
        if (parts.scheme, parts.port) in (("https", 443), ("http", 80)):
            netloc = netloc.rpartition(":")[0]
        return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), parts.query, ""))

    # --- test_connection ----------------------------------------------------------------------
    def test_connection(self) -> tuple[bool, str]:
        """Read-only check for the UI's Test button and ``airflow connections test``.

        One read call (:meth:`_probe`), one attempt, on a copy of this hook with its own transport
        (the hook itself is left as it was): the message says what was checked, or why it failed
        (credentials and environment, network, not this vendor's API at that URL, configuration).
        The message never carries the connection's secrets, even when the vendor echoed them.
        """
        from airflow_provider_kakaclo.transport.errors import redact, register_secrets

        try:
            register_secrets(self._secrets())
        except Exception:  # an unreadable connection is reported by the check itself
            pass
        ok, message = self._check_connection()
        return ok, redact(message)

    def _check_connection(self) -> tuple[bool, str]:
        import copy

        from airflow_provider_kakaclo.transport.errors import (
            AuthenticationError,
            MalformedResponseError,
            NotFoundError,
            RequestValidationError,
            TransportError,
            VendorError,
        )

        name = self.hook_name
        url = "its base URL"
        probe = copy.copy(self)
        probe.__dict__.pop("transport", None)
        try:
            url = probe.base_url
            probe.__dict__["transport"] = probe._probe_transport()
            return True, f"{name} at {url}: {probe._probe()}"
        except RequestValidationError as err:
            return False, f"{name}: the connection is not usable: {err.message}"
        except AuthenticationError as err:
            where = (f"this is the {probe.environment} environment" if probe.environment
                     else f"this URL is none of {name}'s documented environments")
            return False, (f"{name} at {url} refused the credentials ({err.message}): check the "
                           f"{probe._credentials_hint}; they are valid in one environment only, and {where}")
        except TransportError as err:
            return False, (f"{name} at {url} could not be reached ({err.message}): check the base URL, "
                           "the port and that this machine can reach it")
        except (NotFoundError, MalformedResponseError) as err:
            return False, (f"{url} answered, but not as {name}'s API does ({err.message}): "
                           "is this the API's base URL?")
        except VendorError as err:
            return False, f"{name} at {url} could not be read: {err}"
        except (ValueError, TypeError) as err:  # an extra that is not a number, a port that is not one
            return False, f"{name}: the connection is not usable: {type(err).__name__}: {err}"
        except Exception as err:  # e.g. the Redis of rate_limit_backend is unreachable
            return False, f"{name} at {url}: {type(err).__name__}: {err}"
        finally:
            probe.close()

    def _probe_transport(self) -> Transport:
        """The transport for :meth:`test_connection`: one attempt, short timeouts, same limiter."""
        from dataclasses import replace

        settings = replace(self._settings(), max_attempts=1, connect_timeout=5.0, read_timeout=20.0,
                           total_timeout=25.0)
        return Transport(settings, self._wire(), limiter=self._limiter(settings), secrets=self._secrets())

    #: What the vendor calls its credentials, for :meth:`test_connection`'s messages.
    _credentials_hint: ClassVar[str] = "credentials"

    def _probe(self) -> str:
        """One read-only call; returns what it saw (e.g. ``3 warehouses visible``)."""
        raise NotImplementedError

    def refresh_credentials(self) -> bool:
        """Re-read the connection; return True when its secret changed (a rotated token)."""
        from airflow_provider_kakaclo.transport.errors import register_secrets

        old = self.connection.password
        self.__dict__.pop("connection", None)
        register_secrets([self.connection.password])
        return self.connection.password != old

    # --- transport --------------------------------------------------------------------------
    def _wire(self) -> Wire:
        raise NotImplementedError

    def _secrets(self) -> list[str]:
        """The connection's secrets, redacted from every text the transport builds: the password
        (KakaClo token, Qianyi appSecret, BirdSystem api_key) and the rate-limit Redis URL's password."""
        from urllib.parse import urlsplit

        secrets = [self.connection.password or ""]
        backend = self.extras.get("rate_limit_backend") or ""
        if isinstance(backend, str) and backend:
            try:
                secrets.append(urlsplit(backend).password or "")
            except ValueError:
                pass
        return [secret for secret in secrets if secret]

    def _settings(self) -> TransportSettings:
        burst, rate = self.default_rate_limit
        return TransportSettings.from_extras(
            self.base_url, self.extras, rate_limit_burst=burst, rate_limit_per_second=rate
        )

    def _limiter(self, settings: TransportSettings):
        from airflow_provider_kakaclo.transport.limiter import shared_bucket

        backend = self.extras.get("rate_limit_backend") or None
        if backend:
            from urllib.parse import urlsplit

            mask(backend)  # a Redis URL may carry a password: masked whole, and the password alone
            mask(urlsplit(str(backend)).password)
        return shared_bucket(
            self.vendor,
            settings.base_url,
            self.connection.password or "",
            settings.rate_limit_burst,
            settings.rate_limit_per_second,
            backend=backend,
        )

    @cached_property
    def transport(self) -> Transport:
        settings = self._settings()
        return Transport(
            settings, self._wire(), limiter=self._limiter(settings), refresh_credentials=self.refresh_credentials,
            secrets=self._secrets(),
        )

    def async_transport(self) -> AsyncTransport:
        """A fresh async transport (one per trigger run; httpx clients are bound to their loop)."""
        settings = self._settings()
        return AsyncTransport(settings, self._wire(), limiter=self._limiter(settings), secrets=self._secrets())

    def call(self, method: str, path: str, *, retry_safe: bool = True, endpoint: str = "", **kwargs: Any) -> Any:
        """Send one call to the vendor and return its decoded payload."""
        return self.request(Call(method, path, endpoint=endpoint, retry_safe=retry_safe, **kwargs))

    def request(self, call: Call) -> Any:
        """Send a described call (sync) and return its decoded payload."""
        self._last_endpoint = call.name
        try:
            return self.transport.request(call)
        except VendorError as err:
            self._name_connection(err)
            raise

    async def arequest(self, call: Call) -> Any:
        """Send a described call without blocking the event loop (a fresh async client each time)."""
        self._last_endpoint = call.name
        transport = self.async_transport()
        try:
            return await transport.request(call)
        except VendorError as err:
            self._name_connection(err)
            raise
        finally:
            await transport.aclose()

    def _name_connection(self, err: VendorError) -> None:
        """Make the error's text name this hook's Airflow connection (which of several tokens was refused)."""
        if err.conn_id is None:
            err.conn_id = self.conn_id
            if err.args and isinstance(err.args[0], str):
                err.args = (f"{err.args[0]} [connection {self.conn_id}]", *err.args[1:])

    def close(self) -> None:
        if "transport" in self.__dict__:
            self.transport.close()
