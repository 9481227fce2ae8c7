"""The test fixtures' Redis claim: a new run never shares a database with leftover clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.fixtures.redis import LOCAL_REDIS, TEST_DATABASES, _Claim, _local_redis


@pytest.fixture
def local_redis() -> Iterator[redis.Redis]:
    client = _local_redis(LOCAL_REDIS)
    if client is None:
        pytest.skip("the claim exists only for the local Redis server; the embedded one is private")
    try:
        yield client
    finally:
        client.close()


def test_a_database_with_a_leftover_client_is_not_claimed(local_redis: redis.Redis) -> None:
    probe = _Claim(_local_redis(LOCAL_REDIS) or local_redis)
    free = probe.db
    probe.release()
    orphan = redis.Redis.from_url(f"{LOCAL_REDIS}/{free}")
    orphan.ping()
    try:
        claim = _Claim(_local_redis(LOCAL_REDIS) or local_redis)
        try:
            assert claim.db != free
            assert claim.db in TEST_DATABASES
        finally:
            claim.release()
    finally:
        orphan.close()
