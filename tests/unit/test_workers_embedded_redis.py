"""Where the shared embedded Redis lives (pure path logic, no server)."""

from __future__ import annotations

import os
from pathlib import Path

from workers.embedded_redis import embedded_paths, embedded_redis_url


def test_every_process_computes_the_same_socket_under_home(tmp_path: Path) -> None:
    # Given a Rollcall home, then the socket and URL are fixed places under it
    paths = embedded_paths(tmp_path)
    assert paths.socket == tmp_path.resolve() / "redis" / "redis.sock"
    assert embedded_redis_url(tmp_path) == f"unix://{paths.socket}?db=0"


def test_a_home_too_deep_for_a_unix_socket_gets_a_short_stable_socket(tmp_path: Path) -> None:
    # Given a home whose socket path would exceed the AF_UNIX limit
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    # Then the socket moves to a short path that is the same for every process
    first, second = embedded_paths(deep), embedded_paths(deep)
    assert len(os.fsencode(first.socket)) <= 100
    assert first.socket == second.socket
    assert first.socket != embedded_paths(tmp_path / "other").socket
    assert first.directory == deep.resolve() / "redis"
