"""A tiny threaded HTTP server that answers one byte at a time (test helper, no framework)."""

from __future__ import annotations

import select
import socket
import threading

#: How the reply trickles: after full headers with a Content-Length, after headers with no length
#: (the body ends when the connection closes), chunked (one byte a chunk), or within the headers.
MODES = ("length", "until-close", "chunked", "headers")


class TrickleServer:
    """Serve every connection with a reply that drips one byte every ``interval`` seconds.

    ``closed`` is set once a client hung up on a dripping reply; ``connections`` counts accepted
    connections. The drip gives up after ``max_bytes`` bytes (a hang guard for the test itself);
    ``complete=True`` drips the body alone, to its end (a reply that is slow but arrives).
    """

    def __init__(self, mode: str = "length", interval: float = 0.5, max_bytes: int = 120,
                 body: bytes = b'{"code": 10000, "data": "x"}', complete: bool = False) -> None:
        self.complete = complete
        self.mode, self.interval, self.max_bytes, self.body = mode, interval, max_bytes, body
        self.closed = threading.Event()
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def __enter__(self) -> TrickleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            body += chunk

    def _plan(self) -> tuple[bytes, list[bytes]]:
        """What is sent at once, then the drops (one per interval)."""
        # Longer than the drip, unless complete: the reply never completes.
        padded = self.body if self.complete else self.body + b" " * self.max_bytes
        if self.mode == "length":
            return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(padded), [bytes([b]) for b in padded])
        if self.mode == "until-close":
            return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
                    [bytes([b]) for b in padded])
        if self.mode == "chunked":
            return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                    [b"1\r\n" + bytes([b]) + b"\r\n" for b in padded])
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * self.max_bytes
        return head[:17], [bytes([b]) for b in head[17:]]

    def _drip(self, conn: socket.socket) -> None:
        try:
            self._read_request(conn)
            first, drops = self._plan()
            conn.sendall(first)
            for drop in drops if self.complete else drops[: self.max_bytes]:
                readable, _, _ = select.select([conn], [], [], self.interval)
                if readable and not conn.recv(1024):
                    self.closed.set()  # the client hung up mid-reply
                    return
                conn.sendall(drop)
        except OSError:
            self.closed.set()  # reset by the client
        finally:
            conn.close()
