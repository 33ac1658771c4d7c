"""Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``)."""

from __future__ import annotations

from airflow_provider_kakaclo import __version__


def get_provider_info() -> dict:
    return {
        "package-name": "airflow-provider-kakaclo",
        "name": "KakaClo, Qianyi ERP and BirdSystem",
        "description": "Supply-chain integrations for e-commerce operators: orders placed exactly once, "
        "deferrable order tracking, stock and SKU sync, with an offline sandbox of every vendor API.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "KakaClo",
                "external-doc-url": "https://docs.kakaclo.com/",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": "KakaClo",
                "python-modules": ["airflow_provider_kakaclo.hooks.kakaclo"],
            }
        ],
        "operators": [
            {
                "integration-name": "KakaClo",
                "python-modules": ["airflow_provider_kakaclo.operators.orders"],
            }
        ],
        "sensors": [
            {
                "integration-name": "KakaClo",
                "python-modules": ["airflow_provider_kakaclo.sensors.orders"],
            }
        ],
        "triggers": [
            {
                "integration-name": "KakaClo",
                "python-modules": [
                    "airflow_provider_kakaclo.triggers.orders",
                    "airflow_provider_kakaclo.triggers.refunds",
                ],
            }
        ],
        "extra-links": ["airflow_provider_kakaclo.links.VendorOrderLink"],
        "connection-types": [
            {
                "hook-class-name": "airflow_provider_kakaclo.hooks.kakaclo.KakaCloHook",
                "connection-type": "kakaclo",
            }
        ],
    }
