"""Provider info: every listed module imports, and the connection forms agree across Airflow versions."""

from __future__ import annotations

import importlib

import pytest

from airflow_provider_kakaclo.connections import CONNECTION_FORMS, ui_field_behaviour
from airflow_provider_kakaclo.get_provider_info import get_provider_info

INFO = get_provider_info()


@pytest.mark.parametrize("section", ["hooks", "operators", "sensors", "triggers"])
def test_every_listed_module_imports(section):
    modules = [m for entry in INFO[section] for m in entry["python-modules"]]
    assert modules
    for module in modules:
        importlib.import_module(module)


def test_connection_types_point_at_hooks_of_that_type():
    types = {c["connection-type"]: c for c in INFO["connection-types"]}
    assert set(types) == {"kakaclo", "qianyi", "birdsystem"}
    for conn_type, entry in types.items():
        module, _, name = entry["hook-class-name"].rpartition(".")
        hook = getattr(importlib.import_module(module), name)
        assert hook.conn_type == conn_type and hook.hook_name == entry["hook-name"]
        # Airflow 3.1 reads the hook method, later versions the provider info: one source for both
        assert hook.get_ui_field_behaviour() == ui_field_behaviour(conn_type)
        assert hook.get_ui_field_behaviour()["relabeling"] == CONNECTION_FORMS[conn_type]["ui-field-behaviour"]["relabeling"]


def test_secrets_are_in_password_fields_and_never_extra_fields():
    for conn_type, form in CONNECTION_FORMS.items():
        assert "password" in form["ui-field-behaviour"]["relabeling"], conn_type
        assert not any(s in name for name in form["conn-fields"] for s in ("token", "secret", "key")), conn_type


def test_form_fields_with_prefixes_reach_the_hook(monkeypatch):
    from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook
    from tests.conftest import set_connection

    set_connection(monkeypatch, "birdsystem_default", conn_type="birdsystem", host="https://b.test", password="k",
                   extra={"extra__birdsystem__company_id": 36})
    assert BirdSystemHook().company_id == "36"


def test_extra_link_is_importable():
    module, _, name = INFO["extra-links"][0].rpartition(".")
    assert getattr(importlib.import_module(module), name).name == "Vendor order"
