"""A short-lived lease per (vendor account, merchant reference), through the connection's shared Redis.

Two tries placing the same reference at the same moment (two DAG runs sharing an explicit order
number; a task Airflow reruns while the old process still runs) must not both create. When the
connection names a shared backend (the extra ``rate_limit_backend: redis://...``, the one the rate
limiter already uses), the placer holds a lease on the reference around look-up and create: a dead
holder blocks nobody for longer than the lease. Beside it, a marker remembers which order a reference
got, so a late try that did not look at the vendor finds it without a scan.

Without a backend (or when Redis cannot be reached) :func:`reference_lease` yields a lease that holds
nothing, and the operators' check after the create is the guard.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

#: How long a lease lives unless released: longer than one create with its time-outs.
DEFAULT_LEASE_SECONDS = 120.0
#: How long the marker of a placed reference is kept.
MARKER_SECONDS = 14 * 24 * 3600

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Lease:
    """A lease on one reference; ``held`` is False when no shared backend is configured or reachable."""

    def __init__(self, client: Any = None, key: str = "", token: str = "", expires_at: float = 0.0) -> None:
        self._client, self._key, self._token, self._expires_at = client, key, token, expires_at

    @property
    def held(self) -> bool:
        """True while the lease is ours (acquired, and not expired as far as this clock can tell)."""
        return self._client is not None and time.monotonic() < self._expires_at

    def still_held(self) -> bool:
        """Ask the backend whether the lease is still ours (it may have expired during a slow create)."""
        if not self.held:
            return False
        try:
            return self._client.get(self._key) == self._token.encode()
        except Exception as err:  # Redis went away: we cannot prove it
            log.warning("the reference lease could not be checked (%s): treating it as lost", type(err).__name__)
            return False

    def placed(self) -> str | None:
        """The order id an earlier holder recorded for this reference, if any."""
        if self._client is None:
            return None
        try:
            value = self._client.get(self._key + ":placed")
        except Exception as err:
            log.warning("the placed-order marker could not be read (%s)", type(err).__name__)
            return None
        return value.decode() if value else None

    def mark_placed(self, order_id: str) -> bool:
        """Remember which order the reference got (for a late try that skips the vendor scan).

        :return: whether the marker was written.
        """
        if self._client is None:
            return False
        try:
            self._client.set(self._key + ":placed", str(order_id), ex=MARKER_SECONDS)
        except Exception as err:
            log.warning("the placed-order marker could not be written (%s)", type(err).__name__)
            return False
        return True

    def release(self) -> None:
        if self._client is None:
            return
        try:
            self._client.eval(_RELEASE, 1, self._key, self._token)
        except Exception as err:  # the lease expires by itself
            log.warning("the reference lease could not be released (%s); it expires by itself", type(err).__name__)
        self._client = None


NO_LEASE = Lease()


def lease_key(vendor: str, base_url: str, credential: str, reference: str) -> str:
    """The Redis key of a reference's lease: digests only, never the credential itself."""
    account = hashlib.sha256(f"{vendor}|{base_url.rstrip('/')}|{credential}".encode()).hexdigest()[:24]
    ref = hashlib.sha256(reference.encode()).hexdigest()[:32]
    return f"kakaclo-provider:lease:{account}:{ref}"


def _client_for(backend: str):
    import redis

    return redis.Redis.from_url(backend, socket_timeout=5, socket_connect_timeout=5)


def acquire(client: Any, key: str, lease_seconds: float, wait_seconds: float, poll: float = 0.05) -> Lease | None:
    """Take the lease, waiting up to ``wait_seconds`` for another holder; None if it never came free."""
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait_seconds
    while True:
        started = time.monotonic()
        if client.set(key, token, nx=True, px=int(lease_seconds * 1000)):
            return Lease(client, key, token, started + lease_seconds)
        if time.monotonic() >= deadline:
            return None
        time.sleep(poll)


@contextmanager
def reference_lease(hook: Any, reference: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Iterator[Lease]:
    """Hold the lease on ``reference`` for the account of ``hook`` while the block runs.

    Waits at most one lease for another holder (after that its lease has expired anyway). Yields
    :data:`NO_LEASE` when the connection has no ``rate_limit_backend`` or Redis cannot be reached
    (with a warning): the caller's check after the create then stands alone.
    """
    backend = (getattr(hook, "extras", None) or {}).get("rate_limit_backend") or None
    if not backend:
        yield NO_LEASE
        return
    key = lease_key(hook.vendor, hook.base_url, hook.connection.password or "", reference)
    try:
        lease = acquire(_client_for(backend), key, lease_seconds, wait_seconds=lease_seconds + 1)
    except Exception as err:  # unreachable Redis must not stop the order; the check after the create guards it
        log.warning("the reference lease backend could not be reached (%s): placing without a lease",
                    type(err).__name__)
        lease = None
    if lease is None:
        yield NO_LEASE
        return
    try:
        yield lease
    finally:
        lease.release()
