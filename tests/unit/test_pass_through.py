"""The shared pass-through request base: documented fields checked, unknown ones sent with one warning."""

from __future__ import annotations

import logging

import pytest
from pydantic import Field, ValidationError

from airflow_provider_kakaclo.models.common import PassThroughModel


class Line(PassThroughModel):
    sku: str = Field(min_length=1, max_length=8)


class Body(PassThroughModel):
    lines: list[Line]


@pytest.mark.parametrize("unknown", [{"channelType": "Express"}, {"a": 1, "b": [1]}, {"note": None}])
def test_unknown_fields_are_sent_with_one_warning_each(caplog, unknown):
    caplog.set_level(logging.WARNING, logger="airflow_provider_kakaclo.models.common")
    body = Body.model_validate({"lines": [{"sku": "A", **unknown}, {"sku": "B", **unknown}], **unknown})
    wire = body.to_wire()
    for name, value in unknown.items():
        if value is not None:
            assert wire[name] == value and all(line[name] == value for line in wire["lines"])
        warned = [r.getMessage() for r in caplog.records if f".{name} " in r.getMessage()]
        assert sorted(warned) == sorted([f"request field Body.{name} is not in the vendor's docs: sent as given",
                                         f"request field Line.{name} is not in the vendor's docs: sent as given"])


def test_each_request_warns_again(caplog):
    caplog.set_level(logging.WARNING, logger="airflow_provider_kakaclo.models.common")
    for _ in range(2):
        Line.model_validate({"sku": "A", "typo": 1})
    assert len([r for r in caplog.records if "Line.typo" in r.getMessage()]) == 2


@pytest.mark.parametrize("line", [{"sku": ""}, {"sku": "TOOLONGSKU"}, {"extra": 1}])
def test_documented_fields_keep_their_checks(line):
    with pytest.raises(ValidationError):
        Body.model_validate({"lines": [line]})
