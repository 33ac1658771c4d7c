"""An undecodable reply is a typed error on every vendor: MalformedResponseError after a read,
AmbiguousWriteError after a write (the vendor may have committed it), whatever the decoder threw."""

from __future__ import annotations

import decimal

import pytest

from airflow_provider_kakaclo.transport import AmbiguousWriteError, BusinessError, MalformedResponseError
from airflow_provider_kakaclo.transport.core import Call, Transport, TransportSettings

BASE = "https://vendor.test"
FAILURES = [KeyError("data"), TypeError("'int' object is not iterable"), AttributeError("'list' has no 'get'"),
            decimal.InvalidOperation(), OverflowError("cannot convert Infinity"), ValueError("abc"),
            RecursionError("too deep"), MalformedResponseError("v", "e", "reply has no envelope")]


class Wire:
    vendor = "v"

    def __init__(self, failure: BaseException) -> None:
        self.failure = failure

    def authorize(self, call):
        return call

    def decode(self, call, response):
        raise self.failure


def transport(failure: BaseException) -> Transport:
    settings = TransportSettings(base_url=BASE, max_attempts=3, backoff_initial=0, backoff_max=0)
    return Transport(settings, Wire(failure), sleep=lambda seconds: None)


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: type(f).__name__)
def test_an_undecodable_write_reply_is_ambiguous_and_not_repeated(requests_mock, failure):
    requests_mock.post(f"{BASE}/orders", text='{"code": 10000, "data": null}')
    with pytest.raises(AmbiguousWriteError) as caught:
        transport(failure).request(Call("POST", "/orders", json={}, retry_safe=False))
    assert isinstance(caught.value.cause, MalformedResponseError)
    assert requests_mock.call_count == 1


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: type(f).__name__)
def test_an_undecodable_read_reply_is_malformed_and_tried_again(requests_mock, failure):
    requests_mock.get(f"{BASE}/stock", text="{}")
    with pytest.raises(MalformedResponseError) as caught:
        transport(failure).request(Call("GET", "/stock"))
    assert caught.value.vendor == "v" and caught.value.endpoint in ("GET /stock", "e")
    assert requests_mock.call_count == 3


def test_a_final_vendor_answer_to_a_write_stays_what_it_is(requests_mock):
    requests_mock.post(f"{BASE}/orders", text="{}")
    with pytest.raises(BusinessError):
        transport(BusinessError("v", "e", "refused", code="4001")).request(Call("POST", "/orders", retry_safe=False))
