"""Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``)."""

from __future__ import annotations

from airflow_provider_kakaclo import __version__
from airflow_provider_kakaclo.connections import connection_types


def get_provider_info() -> dict:
    return {
        "package-name": "airflow-provider-kakaclo",
        "name": "KakaClo, Qianyi ERP and BirdSystem",
        "description": "Supply-chain integrations for e-commerce operators: orders placed exactly once, "
        "deferrable order tracking, stock and SKU sync, with an offline sandbox of every vendor API.",
        "versions": [__version__],
        "integrations": [
            {"integration-name": "KakaClo", "external-doc-url": "https://docs.kakaclo.com/", "tags": ["service"]},
            {"integration-name": "Qianyi ERP", "external-doc-url": "https://open.qianyierp.com/", "tags": ["service"]},
            {"integration-name": "BirdSystem", "external-doc-url": "https://birdsystem.atlassian.net/",
             "tags": ["service"]},
        ],
        "hooks": [
            {"integration-name": "KakaClo", "python-modules": ["airflow_provider_kakaclo.hooks.kakaclo"]},
            {"integration-name": "Qianyi ERP", "python-modules": ["airflow_provider_kakaclo.hooks.qianyi"]},
            {"integration-name": "BirdSystem", "python-modules": ["airflow_provider_kakaclo.hooks.birdsystem"]},
        ],
        "operators": [
            {
                "integration-name": "KakaClo",
                "python-modules": [
                    "airflow_provider_kakaclo.operators.orders",
                    "airflow_provider_kakaclo.operators.stock",
                    "airflow_provider_kakaclo.operators.skus",
                ],
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
        "connection-types": connection_types(),
    }
