"""Apache Airflow provider for KakaClo, Qianyi ERP and BirdSystem."""

from __future__ import annotations

__version__ = "0.1.0"
