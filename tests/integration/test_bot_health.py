"""`/healthz` and `/readyz` over real HTTP: readiness follows the database and a real Redis."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from slack_bolt import App
from sqlalchemy import Engine

from bot.health import readiness
from bot.server import BackgroundServer, create_http_app
from workers.embedded_redis import start_embedded_redis, stop_embedded_redis

pytestmark = pytest.mark.slow  # the HTTP server and an embedded Redis stopped and restarted


def test_readiness_fails_while_redis_is_down_and_recovers(db: Engine, tmp_path: Path) -> None:
    # Given the Slack app's HTTP server on the test database and a Redis of its own
    redis_url = start_embedded_redis(tmp_path)
    bolt = App(token="xoxb-test", signing_secret="secret", token_verification_enabled=False)
    app = create_http_app(bolt, None, ready=readiness(db, redis_url))
    try:
        with BackgroundServer(app) as server, httpx.Client(base_url=server.url) as http:
            # Then it is up and ready
            assert http.get("/healthz").json() == {"ok": True}
            ready = http.get("/readyz")
            assert ready.status_code == 200
            assert ready.json() == {"ok": True, "database": "ok", "redis": "ok"}

            # When Redis goes down
            assert stop_embedded_redis(tmp_path)

            # Then it is still up, but not ready, and says why
            assert http.get("/healthz").status_code == 200
            down = http.get("/readyz")
            assert down.status_code == 503
            assert down.json()["database"] == "ok"
            assert down.json()["redis"] == "ConnectionError"

            # And when Redis is back, it is ready again
            start_embedded_redis(tmp_path)
            assert http.get("/readyz").status_code == 200
    finally:
        stop_embedded_redis(tmp_path)
