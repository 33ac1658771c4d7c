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


@pytest.fixture(scope="module")
def airflow_forms() -> dict:
    """What Airflow's own API serves the UI for connection forms (built once: on 3.1 it stubs WTForms
    into ``sys.modules``, which a second build in the same process trips over)."""
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

    return {m.connection_type: m for m in HookMetaService.hook_meta_data()}


@pytest.mark.parametrize("conn_type", list(CONNECTION_FORMS))
def test_airflow_builds_the_declared_form_from_either_source(airflow_forms, conn_type):
    """On 3.1 Airflow builds the form from the hook methods, on 3.2+ from the provider info."""
    meta, form = airflow_forms[conn_type], CONNECTION_FORMS[conn_type]
    behaviour = form["ui-field-behaviour"]
    standard = meta.standard_fields
    for field_name, label in behaviour["relabeling"].items():
        assert getattr(standard, field_name).title == label, field_name
    for field_name in behaviour["hidden-fields"]:
        attr = {"schema": "url_schema"}.get(field_name, field_name)
        if attr != "extra":
            assert getattr(standard, attr).hidden, field_name
    assert standard.port.placeholder and not standard.port.hidden  # Test needs it on 3.3.2 (apache/airflow#73298)
    extra = {key.removeprefix(f"extra__{conn_type}__"): value for key, value in meta.extra_fields.items()}
    assert set(extra) == set(form["conn-fields"])
    for name, spec in form["conn-fields"].items():
        assert extra[name]["schema"]["title"] == spec["label"], name
        # 3.1 gets the choices without None (its form would offer a "null" choice; unset is still allowed)
        assert [v for v in extra[name]["schema"].get("enum") or [] if v is not None] == [
            v for v in spec["schema"].get("enum") or [] if v is not None], name
        assert extra[name]["value"] == spec["schema"].get("default"), name


def test_every_extra_a_hook_reads_is_in_its_form_or_named_advanced():
    """The forms hide the raw Extra field, so an extra a hook reads but no form offers could only be
    set as JSON: each one is in the form, or listed here as an advanced, JSON-only setting."""
    import re
    from pathlib import Path

    from airflow_provider_kakaclo.connections import CONNECTION_FORMS

    advanced = {"rate_limit_backend", "connect_timeout", "max_attempts", "verify", "backoff_initial",
                "backoff_max"}
    package = Path(__file__).resolve().parents[2] / "airflow_provider_kakaclo"
    for conn_type in CONNECTION_FORMS:
        shared = (package / "hooks" / "base.py").read_text() + (package / "transport" / "core.py").read_text()
        own = (package / "hooks" / f"{conn_type}.py").read_text()
        read = set(re.findall(r'extras(?:\.get\(|\[)"([a-z_]+)"', shared + own))
        offered = set(CONNECTION_FORMS[conn_type]["conn-fields"])
        assert read - offered - advanced == set(), conn_type


VENDORS = {"KakaClo": "kakaclo", "Qianyi ERP": "qianyi", "BirdSystem": "birdsystem"}


def test_info_is_what_airflows_own_schemas_accept():
    """The runtime schema ProvidersManager validates with, and provider.yaml's stricter item schemas
    (integrations with their how-to guides, hooks, operators, sensors, triggers)."""
    import json
    from pathlib import Path

    import airflow
    import jsonschema
    from airflow.providers_manager import _create_provider_info_schema_validator

    _create_provider_info_schema_validator().validate(INFO)
    yaml_schema = json.loads((Path(airflow.__file__).parent / "provider.yaml.schema.json").read_text())
    for section in ("integrations", "hooks", "operators", "sensors", "triggers"):
        jsonschema.validate(INFO[section], yaml_schema["properties"][section])
    names = [i["integration-name"] for i in INFO["integrations"]]
    assert names == list(VENDORS)
    for section in ("hooks", "operators", "sensors", "triggers"):
        assert {e["integration-name"] for e in INFO[section]} <= set(names), section


def test_providers_manager_serves_the_integrations_and_guides():
    from airflow.providers_manager import ProvidersManager

    provider = ProvidersManager().providers["airflow-provider-kakaclo"]
    assert provider.data["integrations"] == INFO["integrations"]
    assert provider.data["operators"] == INFO["operators"]


def test_every_vendor_links_existing_guides_starting_with_docs():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for integration in INFO["integrations"]:
        guides = integration["how-to-guide"]
        assert "/docs/howto/connections.md" in guides, integration["integration-name"]
        for guide in guides:
            assert guide.startswith("/docs/") and (root / guide.lstrip("/")).is_file(), guide


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_each_vendor_lists_exactly_the_modules_its_api_can_serve(vendor):
    """A module is listed under a vendor iff that vendor's hook offers what the module's tasks need,
    so the listing cannot drift from the hooks (the operators are vendor-agnostic)."""
    from airflow_provider_kakaclo.capabilities import (
        OrderPlacer,
        OrderRefunder,
        OrderTracker,
        SkuWriter,
        StockReader,
        _offers,
        hook_class_for,
    )

    conn_type = VENDORS[vendor]
    catalog_source = callable(getattr(hook_class_for(conn_type), "iter_products", None)) and conn_type == "kakaclo"
    expected = {
        "operators": {
            "airflow_provider_kakaclo.operators.orders": _offers(conn_type, OrderPlacer),
            "airflow_provider_kakaclo.operators.stock": _offers(conn_type, StockReader),
            "airflow_provider_kakaclo.operators.skus": _offers(conn_type, SkuWriter) or catalog_source,
        },
        "sensors": {"airflow_provider_kakaclo.sensors.orders": _offers(conn_type, OrderTracker)},
        "triggers": {
            "airflow_provider_kakaclo.triggers.orders": _offers(conn_type, OrderTracker),
            "airflow_provider_kakaclo.triggers.refunds": _offers(conn_type, OrderRefunder),
        },
    }
    for section, modules in expected.items():
        listed = {m for e in INFO[section] if e["integration-name"] == vendor for m in e["python-modules"]}
        assert listed == {m for m, served in modules.items() if served}, (vendor, section)
    guides = next(i["how-to-guide"] for i in INFO["integrations"] if i["integration-name"] == vendor)
    assert ("/docs/howto/refund_order.md" in guides) == _offers(conn_type, OrderRefunder)
    assert ("/docs/howto/place_order.md" in guides) == _offers(conn_type, OrderPlacer)
    assert ("/docs/howto/order_status_sensor.md" in guides) == _offers(conn_type, OrderTracker)
