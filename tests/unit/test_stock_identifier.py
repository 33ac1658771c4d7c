"""stock.check_identifier: the stock table's name is interpolated into SQL, so anything but a plain
(optionally schema-qualified) identifier is refused, empty included, with an error naming what was given.

Found by `make mutate`: an empty name slipping through, and the error's text dropped, survived."""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo.stock import check_identifier


@pytest.mark.parametrize("name", ["vendor_stock", "ops.vendor_stock", "_t", "T1", "a" * 63, "s.t_2"])
def test_plain_identifiers_pass_unchanged(name):
    assert check_identifier(name) == name


@pytest.mark.parametrize("name", [None, "", " ", "1stock", "vendor-stock", "a.b.c", "t; DROP TABLE x",
                                  "t--", "a" * 64, "ops.", ".t", "täble"])
def test_anything_else_is_refused_naming_what_was_given(name):
    with pytest.raises(ValueError) as info:
        check_identifier(name)
    assert "plain SQL identifier" in str(info.value) and repr(name) in str(info.value)
