"""The KinderTrack call histogram of a worker process, made once however many threads
make their first call at the same moment."""

from __future__ import annotations

import threading
import time
from typing import Any

import prometheus_client
import pytest

from workers import metrics


class _RegistersOnce:
    """A histogram that, like Prometheus's registry, refuses to be made twice; slow to
    make, so threads that all find none made would all make one."""

    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        time.sleep(0.05)
        type(self).made += 1
        if type(self).made > 1:
            raise ValueError("Duplicated timeseries in CollectorRegistry")


def test_threads_first_calls_at_once_make_one_histogram(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a process that has not made the histogram yet
    monkeypatch.setattr(metrics, "_calls", None)
    monkeypatch.setattr(prometheus_client, "Histogram", _RegistersOnce)
    _RegistersOnce.made = 0
    start = threading.Barrier(8)
    got: list[object] = []
    failed: list[BaseException] = []

    def first_call() -> None:
        start.wait()
        try:
            got.append(metrics.kindertrack_calls())
        except BaseException as error:
            failed.append(error)

    # When eight worker threads make their first KinderTrack call together
    threads = [threading.Thread(target=first_call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then one histogram was made and every thread records into it
    assert failed == []
    assert _RegistersOnce.made == 1
    assert len({id(histogram) for histogram in got}) == 1
