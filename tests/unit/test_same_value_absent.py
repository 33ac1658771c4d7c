"""skus.same_value against a field the vendor does not hold (None or ""): any text we would send differs
from it, whatever the text says (including texts that look like "nothing": "None", "null", a
placeholder), and sending nothing is the same as it holding nothing.

Found by `make mutate`: comparing against str(None) or a placeholder instead of "" survived."""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo.skus import same_value

TEXTS = ["None", "none", "null", "NULL", "XXXX", "N/A", "-", " ", "0", "a", "红色"]


@pytest.mark.parametrize("absent", [None, ""])
@pytest.mark.parametrize("text", TEXTS)
def test_a_text_we_send_is_never_the_same_as_a_field_the_vendor_does_not_hold(text, absent):
    assert same_value(text, absent) is False


@pytest.mark.parametrize("absent", [None, ""])
@pytest.mark.parametrize("text", TEXTS)
def test_sending_nothing_is_the_same_only_as_holding_nothing(text, absent):
    assert same_value(None, absent) is True and same_value("", absent) is True
    assert same_value("", text) is False and same_value(None, text) is False
