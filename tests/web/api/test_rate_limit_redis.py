"""The per-token rate limit on Redis (``LICENSEDESK_CACHE_URL``): one count shared by every worker
process, so a client cannot multiply its limit by the number of workers."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
import redis

from .conftest import ApiClient, assert_problem

REDIS_URL = os.environ.get("LICENSEDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.redis,
    pytest.mark.skipif(
        not _redis_reachable(),
        reason=f"needs a Redis server at {REDIS_URL} (set LICENSEDESK_TEST_REDIS_URL to use another)",
    ),
]


def test_rate_limit_counts_in_redis(tenant: Any, issue: Any, settings: Any) -> None:
    prefix = f"licensedesk-test-{uuid.uuid4().hex}"  # other runs sharing the Redis count apart
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    settings.API_RATE_LIMIT = "2/min"
    secret = issue(tenant.admin)
    first, second = ApiClient(secret), ApiClient(secret)  # two clients: as two worker processes would see
    assert first.get("/api/v1/companies").status_code == 200
    assert second.get("/api/v1/companies").status_code == 200
    refused = first.get("/api/v1/companies")
    assert_problem(refused, 429, "api.rate_limited")
    assert int(refused["Retry-After"]) >= 1
    server = redis.Redis.from_url(REDIS_URL)
    keys = server.keys(f"{prefix}:*")
    assert keys  # the count lives in Redis, not in this process
    server.delete(*keys)  # only ours: the cache's clear() would flush the whole database
