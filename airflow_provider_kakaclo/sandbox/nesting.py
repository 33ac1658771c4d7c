"""How deeply a request nests its JSON, measured before any vendor code parses it.

No vendor payload nests more than a handful of levels; a body nested thousands deep is nonsense
that would make Python's JSON parser (and anything walking the result) raise ``RecursionError``,
i.e. an HTTP 500 that a client rightly reads as a server fault. The sandbox's shared middleware
refuses such a request with a 4xx in the vendor's own error envelope instead (see ``server.py``).
Every JSON-carrying place is measured: the raw body, each multipart part, each form and query value.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

#: Deeper than this is refused. Generous: the deepest documented payload nests about 5 levels.
MAX_NESTING = 64

_OPEN, _CLOSE, _QUOTE, _BACKSLASH = frozenset(b"[{"), frozenset(b"]}"), ord('"'), ord("\\")


def deeper_than(raw: bytes, limit: int = MAX_NESTING) -> int | None:
    """The depth reached when ``raw`` nests ``[``/``{`` (outside JSON strings) deeper than ``limit``;
    ``None`` when it does not."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return None  # cannot nest deeper than it has brackets
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            if depth > limit:
                return depth
        elif byte in _CLOSE and depth:
            depth -= 1
    return None


def _pieces(body: bytes, content_type: str, query: bytes) -> list[bytes]:
    """The places of a request that may hold JSON, each measured on its own."""
    pieces: list[bytes] = []
    lowered = content_type.lower()
    if "multipart/" in lowered and "boundary=" in lowered:
        boundary = content_type.split("boundary=", 1)[1].split(";")[0].strip().strip('"').encode()
        for part in body.split(b"--" + boundary):
            pieces.append(part.partition(b"\r\n\r\n")[2])
    elif "application/x-www-form-urlencoded" in lowered:
        pieces.extend(_form_values(body))
    else:
        pieces.append(body)
    pieces.extend(_form_values(query))
    return pieces


def _form_values(raw: bytes) -> list[bytes]:
    return [unquote_to_bytes(pair.partition(b"=")[2].replace(b"+", b" ")) for pair in raw.split(b"&") if pair]


def too_deep(body: bytes, content_type: str = "", query: bytes = b"") -> int | None:
    """The nesting depth of the request when it exceeds :data:`MAX_NESTING`, else ``None``."""
    for piece in _pieces(body, content_type, query):
        depth = deeper_than(piece)
        if depth is not None:
            return depth
    return None
