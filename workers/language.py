"""A job answers in the language of the person who asked for it.

The listener that queues a job hands it a *destination* (``bot.destination``) that
carries the asker's ``locale``; running the actor inside that language makes its
refusals (``error.worded(format_date)``, dates as the asker writes them) and the notice
the notifier renders read as the asker reads.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

from core.i18n import using_locale

P = ParamSpec("P")
T = TypeVar("T")


def in_reader_language(actor: Callable[P, T]) -> Callable[P, T]:
    """Run ``actor`` in the language of its ``destination`` argument (English without)."""
    signature = inspect.signature(actor)

    @functools.wraps(actor)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        destination = signature.bind_partial(*args, **kwargs).arguments.get("destination")
        locale = destination.get("locale") if isinstance(destination, Mapping) else None
        with using_locale(locale if isinstance(locale, str) else None):
            return actor(*args, **kwargs)

    return run
