"""Trials side by side never share a port: each holds its ports (a lock file every runner
respects) from start to end, below the kernel's ephemeral range, skipping ports in use."""

from __future__ import annotations

import random
import socket

import pytest

from tests.chaos.cluster import LOWEST_PORT, PortLease, _bindable, _ephemeral_low


def test_leases_held_at_once_never_share_a_port() -> None:
    leases = [PortLease(2) for _ in range(20)]
    try:
        ports = [port for lease in leases for port in lease.ports]

        assert len(ports) == len(set(ports)) == 40
        assert all(LOWEST_PORT <= port < _ephemeral_low() for port in ports)
    finally:
        for lease in leases:
            lease.release()


def _start_at(port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random.SystemRandom, "randrange", lambda _self, _low, _high: port)


def test_a_held_port_and_a_port_in_use_are_skipped_and_a_released_one_is_free_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = next(p for p in range(LOWEST_PORT + 5000, _ephemeral_low()) if _bindable(p))
    _start_at(start, monkeypatch)
    first = PortLease(1)
    leases = [first]
    try:
        with socket.socket() as listener:  # someone else listens on the next free port
            busy = next(p for p in range(start + 1, _ephemeral_low()) if _bindable(p))
            listener.bind(("127.0.0.1", busy))
            listener.listen()
            second = PortLease(1)
            leases.append(second)

        assert first.ports == [start]
        assert second.ports[0] not in (start, busy)
        first.release()
        leases.append(PortLease(1))
        assert leases[-1].ports == [start]
    finally:
        for lease in leases:
            lease.release()
