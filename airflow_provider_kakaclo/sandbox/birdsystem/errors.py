"""BirdSystem errors, rendered in the vendor's own shape: HTTP 500 with ``{"success": false, "message"}``.

The docs define no error codes: "A 500 HTTP status code would be returned; Server will return
"success":false in the returned JSON" (spec §3, BS-CREATE-REQ), with a free-text ``message``. The
messages quoted by the docs are reused verbatim (``Login Required!``, ``Product with id N does not
belong to you.``, ``Cannot find delivery service, please check.``); every other message text is
INVENTED by the sandbox, and a client must not parse it.
"""

from __future__ import annotations

LOGIN_REQUIRED = "Login Required!"
"""The message of a bad or missing key (spec §2, BS-PHP checks for exactly this string)."""

NO_DELIVERY_SERVICE = "Cannot find delivery service, please check."
"""The message of an unusable delivery service (spec §4, BS-BULK-CONVERT)."""


def not_yours(product_id: object) -> str:
    """The documented message for a product id that is not the client's (spec §5.5, BS-AVAIL2)."""
    return f"Product with id {product_id} does not belong to you."


class BirdSystemError(Exception):
    """A failure answered as ``{"success": false, "message": ...}``.

    :param message: the ``message`` text
    :param http_status: HTTP status; 500 for every documented failure (spec §3)
    """

    def __init__(self, message: str, http_status: int = 500) -> None:
        self.message = message
        self.http_status = http_status
        super().__init__(message)

    def body(self) -> dict:
        """Return the error body."""
        return {"success": False, "message": self.message}


def envelope(_code: int, message: str) -> dict:
    """Build a BirdSystem error body for ``envelope`` faults (the vendor has no codes; ``code`` is dropped).

    :param _code: ignored
    :param message: message text
    :return: ``{"success": false, "message": message}``
    """
    return {"success": False, "message": message}
