"""Client-side leaky bucket, the mirror image of the vendor's, so normal operation never sees a 429."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import weakref
from collections.abc import Callable


class LeakyBucket:
    """A leaky bucket of ``capacity`` requests draining ``rate`` per second, shared by threads.

    :meth:`reserve` books a slot and says how long to wait before sending; the booking is made under
    a lock and the sleep happens outside it, so concurrent callers queue fairly in arrival order.

    :param capacity: burst size (KakaClo: 120).
    :param rate: requests drained per second (KakaClo: 2).
    :param margin: slots kept free below the vendor's capacity, so clock and network jitter between
        this client and the vendor's bucket cannot tip a request over the limit.
    """

    def __init__(
        self,
        capacity: float,
        rate: float,
        *,
        margin: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity <= 0 or rate <= 0:
            raise ValueError("a leaky bucket needs a positive capacity and rate")
        self.capacity = max(1.0, capacity - margin)
        self.rate = rate
        self._clock = clock
        self._level = 0.0
        self._stamp = clock()
        self._lock = threading.Lock()

    def _drain(self, now: float) -> None:
        self._level = max(0.0, self._level - (now - self._stamp) * self.rate)
        self._stamp = now

    def reserve(self) -> float:
        """Book one request; return the seconds to wait before sending it."""
        with self._lock:
            self._drain(self._clock())
            self._level += 1.0
            return max(0.0, (self._level - self.capacity) / self.rate)

    def saturate(self) -> None:
        """The vendor said 429: assume its bucket is full, so the next request waits a full drip."""
        with self._lock:
            self._drain(self._clock())
            self._level = max(self._level, self.capacity)

    def acquire(self, sleep: Callable[[float], None] = time.sleep) -> float:
        """Block until a request may be sent; return the seconds waited."""
        wait = self.reserve()
        if wait:
            sleep(wait)
        return wait

    async def acquire_async(self) -> float:
        """Like :meth:`acquire`, without blocking the event loop."""
        wait = self.reserve()
        if wait:
            await asyncio.sleep(wait)
        return wait

    async def saturate_async(self) -> None:
        """Like :meth:`saturate`, without blocking the event loop."""
        self.saturate()


class _Unlimited:
    """Stand-in used when a connection turns client-side limiting off."""

    capacity = rate = float("inf")

    def reserve(self) -> float:
        return 0.0

    def saturate(self) -> None:
        return None

    def acquire(self, sleep: Callable[[float], None] = time.sleep) -> float:
        return 0.0

    async def acquire_async(self) -> float:
        return 0.0

    async def saturate_async(self) -> None:
        return None


UNLIMITED = _Unlimited()

#: One leaky bucket in Redis, updated atomically: drain by the time elapsed (Redis' own clock, so
#: workers on different machines agree), book one slot, and say how long to wait before sending.
_RESERVE = """
local key, capacity, rate = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local saturate = ARGV[3] == "1"
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', key, 'level', 'stamp')
local level = tonumber(state[1]) or 0
local stamp = tonumber(state[2]) or now
level = math.max(0, level - (now - stamp) * rate)
if saturate then
  level = math.max(level, capacity)
else
  level = level + 1
end
redis.call('HSET', key, 'level', tostring(level), 'stamp', tostring(now))
redis.call('EXPIRE', key, math.ceil(capacity / rate) + 60)
return tostring(math.max(0, (level - capacity) / rate))
"""


class RedisLeakyBucket(LeakyBucket):
    """The same leaky bucket, kept in Redis so every worker on one vendor account shares it.

    Selected by the connection extra ``rate_limit_backend: redis://host:port/db`` (Celery
    deployments run Redis already). Needs the ``redis`` package (extra ``[redis]``).
    """

    def __init__(self, url: str, key: str, capacity: float, rate: float, *, margin: float = 1.0,
                 socket_timeout: float = 5.0) -> None:
        import redis

        self.capacity = max(1.0, capacity - margin)
        self.rate = rate
        self.key = key
        self._url = url
        self._socket_timeout = socket_timeout
        self._client = redis.Redis.from_url(url, socket_timeout=socket_timeout,
                                            socket_connect_timeout=socket_timeout)
        self._script = self._client.register_script(_RESERVE)
        # redis.asyncio clients belong to the event loop that made them: one per loop.
        self._async_scripts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def reserve(self) -> float:
        return float(self._script(keys=[self.key], args=[self.capacity, self.rate, "0"]))

    def saturate(self) -> None:
        self._script(keys=[self.key], args=[self.capacity, self.rate, "1"])

    def _async_script(self):
        import redis.asyncio

        loop = asyncio.get_running_loop()
        script = self._async_scripts.get(loop)
        if script is None:
            client = redis.asyncio.Redis.from_url(self._url, socket_timeout=self._socket_timeout,
                                                  socket_connect_timeout=self._socket_timeout)
            script = self._async_scripts[loop] = client.register_script(_RESERVE)
        return script

    async def acquire_async(self) -> float:
        """Book a slot through ``redis.asyncio``: a slow or unreachable Redis never blocks the loop."""
        wait = float(await self._async_script()(keys=[self.key], args=[self.capacity, self.rate, "0"]))
        if wait:
            await asyncio.sleep(wait)
        return wait

    async def saturate_async(self) -> None:
        await self._async_script()(keys=[self.key], args=[self.capacity, self.rate, "1"])


_buckets: dict[tuple, LeakyBucket] = {}
_buckets_lock = threading.Lock()


def shared_bucket(vendor: str, base_url: str, credential: str, capacity: float, rate: float,
                  backend: str | None = None):
    """Return the bucket for one vendor account, so every hook on it shares one limit.

    The vendor limits per token ("app and store"), so the key is the vendor, the base URL and a
    digest of the credential (never the credential itself). ``capacity <= 0`` turns limiting off.
    Without ``backend`` the bucket is shared within the process; with ``redis://...`` it is shared
    by every process and machine using that Redis.
    """
    if capacity <= 0 or rate <= 0:
        return UNLIMITED
    digest = hashlib.sha256(f"{vendor}|{base_url.rstrip('/')}|{credential}".encode()).hexdigest()[:24]
    key = (digest, capacity, rate, backend or "")
    with _buckets_lock:
        bucket = _buckets.get(key)
        if bucket is None:
            if backend:
                if not backend.startswith(("redis://", "rediss://", "unix://")):
                    raise ValueError(f"rate_limit_backend must be a redis:// URL, got {backend.split(':')[0]}:...")
                bucket = RedisLeakyBucket(backend, f"kakaclo-provider:bucket:{digest}", capacity, rate)
            else:
                bucket = LeakyBucket(capacity, rate)
            _buckets[key] = bucket
        return bucket
