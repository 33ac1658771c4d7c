"""A total deadline for one ``requests`` exchange (connect, send, headers and body).

``requests`` and ``urllib3`` time out per socket operation only, so a reply that trickles one byte
every half second holds the caller for as long as the server likes. :class:`Deadline` arms a
watchdog for the exchange; the session's connections (see :func:`deadline_session`) report
themselves to the deadline of the exchange they serve, and when the deadline passes the watchdog
shuts their sockets down, which ends any blocked read at once. The caller then sees
:attr:`Deadline.expired` and raises its typed time-out error, whatever the HTTP stack made of the
cut (an error, or a body that merely looks complete).

Imported lazily by the sync transport (it imports ``requests``).
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from contextvars import ContextVar
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current: ContextVar[Deadline | None] = ContextVar("kakaclo_provider_deadline", default=None)


_START_LOCK = threading.Lock()


class _Watchdog:
    """One daemon thread per process that expires every armed :class:`Deadline` on time.

    A thread per request (``threading.Timer``) cost more than the rest of the client's own work on a
    fast vendor; one shared thread sleeps until the earliest deadline. Finished exchanges are dropped
    lazily when they reach the top of the heap. After a fork (Celery, Airflow task processes) the
    child starts its own thread.
    """

    def __init__(self) -> None:
        self._pid: int | None = None
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Deadline]] = []
        self._seq = itertools.count()

    def arm(self, deadline: Deadline, when: float) -> None:
        if self._pid != os.getpid():
            with _START_LOCK:
                if self._pid != os.getpid():
                    self._start()
        with self._cond:
            heapq.heappush(self._heap, (when, next(self._seq), deadline))
            if self._heap[0][2] is deadline:
                self._cond.notify()

    def _start(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition()  # a lock inherited through fork may be held by no one alive
        self._heap = []
        threading.Thread(target=self._run, args=(self._cond, self._heap), name="kakaclo-deadlines",
                         daemon=True).start()

    @staticmethod
    def _run(cond: threading.Condition, heap: list[tuple[float, int, Deadline]]) -> None:
        while True:
            due = []
            with cond:
                now = time.monotonic()
                while heap and (heap[0][2].finished or heap[0][0] <= now):
                    _when, _seq, deadline = heapq.heappop(heap)
                    if not deadline.finished:
                        due.append(deadline)
                if not due:
                    cond.wait(heap[0][0] - now if heap else None)
                    continue
            for deadline in due:
                deadline.expire()


_WATCHDOG = _Watchdog()


class Deadline:
    """Context manager: the exchange inside it must end within ``seconds``, or its sockets are shut.

    :param seconds: the total budget of the exchange.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.finished = False
        self._connections: list[Any] = []
        # Sockets are kept apart from their connections: http.client drops ``connection.sock``
        # when a reply without a length hands the socket to the response.
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def __enter__(self) -> Deadline:
        self._token = _current.set(self)
        _WATCHDOG.arm(self, time.monotonic() + self.seconds)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        with self._lock:
            self.finished = True
            connections, self._connections, self._sockets = self._connections, [], []
        _current.reset(self._token)
        if self.expired:  # never hand a cut connection back to the pool
            for connection in connections:
                try:
                    connection.close()
                except Exception:  # closing a socket we already shut down
                    pass

    def track(self, connection: Any) -> None:
        """A connection starts serving this exchange (cut it now if the deadline already passed)."""
        sock = getattr(connection, "sock", None)
        with self._lock:
            if connection not in self._connections:
                self._connections.append(connection)
            if sock is not None and sock not in self._sockets:
                self._sockets.append(sock)
            expired = self.expired
        if expired and sock is not None:
            _shut(sock)

    def expire(self) -> None:
        """The budget is spent: shut every socket of the exchange (the watchdog calls this)."""
        with self._lock:
            if self.finished:
                return
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        # The plain socket's shutdown, also for TLS: it ends a read blocked in another thread
        # without touching the TLS object that thread is using.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, TypeError):
        pass


def _report(connection: Any) -> None:
    deadline = _current.get()
    if deadline is not None:
        deadline.track(connection)


class _Tracked:
    """Mixin for urllib3 connections: report to the running exchange's deadline."""

    def connect(self) -> None:
        _report(self)
        super().connect()  # type: ignore[misc]
        _report(self)  # the socket exists now: cut it if the deadline passed while connecting

    def request(self, *args: Any, **kwargs: Any) -> Any:
        _report(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Tracked, HTTPConnection):
    pass


class _HTTPSConnection(_Tracked, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """The standard adapter whose pooled connections report to the running :class:`Deadline`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def deadline_session():
    """A ``requests.Session`` whose exchanges can be cut by a :class:`Deadline`."""
    import requests

    session = requests.Session()
    for prefix in ("http://", "https://"):
        session.mount(prefix, DeadlineAdapter())
    return session
