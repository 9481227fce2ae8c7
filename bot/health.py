"""Readiness: does the database answer, does Redis answer? For ``GET /readyz``.

``/healthz`` says the process is up; ``/readyz`` says it can do its work: a director's
command needs the database, and every slow one goes to the workers through Redis. Each
check is one round trip with a short timeout, and reports an error's type only.
"""

from __future__ import annotations

from collections.abc import Callable

import redis
from sqlalchemy import Engine, text

#: How long one check may wait for its service, in seconds.
CHECK_TIMEOUT_S = 2.0

Readiness = Callable[[], dict[str, str]]
"""Runs every check: ``{"database": "ok", "redis": "ConnectionError"}``."""


def check_database(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return type(error).__name__
    return "ok"


def check_redis(client: redis.Redis) -> str:
    try:
        client.ping()
    except Exception as error:
        return type(error).__name__
    return "ok"


def readiness(engine: Engine, redis_url: str) -> Readiness:
    """The checks of a Slack app on ``engine`` that hands work to Redis at ``redis_url``."""
    client = redis.Redis.from_url(
        redis_url, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
    )

    def run() -> dict[str, str]:
        return {"database": check_database(engine), "redis": check_redis(client)}

    return run
