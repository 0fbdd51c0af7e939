"""Extensions in one place; each is configured by ``create_app``, none at import."""

from __future__ import annotations

import redis
from flask_smorest import Api

from tenants.db import db


class RedisClient:
    """Holds the process's Redis connection pool (rq and caches share it)."""

    def __init__(self) -> None:
        self._client: redis.Redis | None = None
        self.url: str | None = None

    def configure(self, url: str) -> None:
        self.url = url
        self._client = redis.Redis.from_url(url, socket_timeout=10, health_check_interval=30)

    @property
    def conn(self) -> redis.Redis:
        if self._client is None:
            raise RuntimeError("Redis not configured: create_app() configures it")
        return self._client


class HotlineApi(Api):
    """No catch-all ``default`` response: each operation lists the statuses it really answers
    (app/rest/openapi.py), so a client, and the fuzzer's status-code check, can rely on them."""

    DEFAULT_ERROR_RESPONSE_NAME = None


api = HotlineApi()
redis_client = RedisClient()

__all__ = ["api", "db", "redis_client"]
