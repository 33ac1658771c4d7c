"""The Qianyi request signature (spec §3, [DOC] QY-AUTH-ZH / QY-AUTH-EN).

Every form parameter except ``sign``, sorted by name in ASCII order, concatenated as ``name=value``
with no separator, followed by the appSecret; ``sign`` is the lowercase hex MD5 of its UTF-8 bytes. With
the four documented parameters this is::

    appId={appId}bizParam={bizParam}serviceType={serviceType}timestamp={timestamp}{appSecret}

``bizParam`` is signed exactly as sent (the string received, never re-serialized).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def sign_string(params: Mapping[str, str], app_secret: str) -> str:
    """Return the string that is hashed.

    :param params: the form parameters (``sign`` is left out if present)
    :param app_secret: the app's secret
    :return: ``name=value`` pairs in ASCII order of the names, then the secret
    """
    return "".join(f"{name}={params[name]}" for name in sorted(params) if name != "sign") + app_secret


def sign(params: Mapping[str, str], app_secret: str) -> str:
    """Return the lowercase hex MD5 signature of ``params``.

    :param params: the form parameters
    :param app_secret: the app's secret
    :return: 32 lowercase hex characters
    """
    return hashlib.md5(sign_string(params, app_secret).encode("utf-8")).hexdigest()


def signed_form(app_id: str, app_secret: str, service_type: str, biz_param: str, timestamp: int | str) -> dict[str, str]:
    """Return the five form fields of a signed call.

    :param app_id: appId
    :param app_secret: appSecret
    :param service_type: serviceType
    :param biz_param: the bizParam JSON string, exactly as it will be sent
    :param timestamp: milliseconds since the epoch
    :return: ``{"appId", "serviceType", "bizParam", "timestamp", "sign"}``
    """
    form = {"appId": app_id, "serviceType": service_type, "bizParam": biz_param, "timestamp": str(timestamp)}
    form["sign"] = sign(form, app_secret)
    return form
