"""Fixtures shared by the transport tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def redis_url():
    import os

    url = os.environ.get("KAKACLO_TEST_REDIS_URL")
    if not url:
        pytest.fail("KAKACLO_TEST_REDIS_URL is not set: run the suite with `make test`, which starts Redis "
                    "(scripts/redis.sh), or deselect with -m 'not redis'")
    return url
