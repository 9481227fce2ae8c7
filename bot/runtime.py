"""The Slack app's Runtime: built once from settings, replaceable by tests.

Listeners answer the director themselves (ack/respond/client), so the app's Runtime
carries no notifier; slow work goes to the workers through ``workers.dispatch``.
"""

from __future__ import annotations

import threading

from core.services.runtime import Runtime
from rollcall.bootstrap import build_runtime

_runtime: Runtime | None = None
_building = threading.Lock()


def runtime() -> Runtime:
    """The app's Runtime, built once (``rollcall bot`` builds it before it serves)."""
    global _runtime
    if _runtime is None:
        with _building:
            if _runtime is None:
                _runtime = build_runtime()
    return _runtime


def use_runtime(rt: Runtime | None) -> None:
    """Tests run the app against their own Runtime (None restores the default)."""
    global _runtime
    _runtime = rt
