"""What a worker does with failures of Rollcall's own: retry the passing ones, and answer
the director when a message fails for good.

A database or Redis that does not answer, a pool that is exhausted or a schema not yet
migrated is a failure of the infrastructure, not of the message: :func:`is_transient` says
so, and ``workers.broker.should_retry`` retries it with backoff. A message that still
fails for good (retries used up, or an error nobody foresaw) must not end in silence:
:class:`AnswerFailures` tells the director what did not happen and what to do, through
the notifier, for each actor whose work a director waits for. A submission needs no such
answer: the database records it as owed and the sweep re-drives it.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any

import redis.exceptions
import sqlalchemy.exc
from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy

from core.i18n import N_, _, using_locale
from core.notices import (
    AttendanceImportRefused,
    Notice,
    RegistrationRefused,
    ReportFailed,
)

log = logging.getLogger(__name__)

#: Exceptions that say the infrastructure, not the message, failed.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)

REPORT_FAILED = N_(
    "The report could not be built: something went wrong on Rollcall's side. Nothing was "
    "changed. Try again in a few minutes; if it keeps failing, tell your Rollcall operator."
)
REGISTRATION_FAILED = N_(
    "The provider ID was not registered: Rollcall could not finish checking it with "
    "KinderTrack. Nothing was changed. Try `/kindertrack register` again in a few minutes; "
    "if it keeps failing, tell your Rollcall operator."
)
IMPORT_FAILED = N_(
    "Nothing was imported: something went wrong on Rollcall's side while reading the file. "
    "Try again in a few minutes; if it keeps failing, tell your Rollcall operator."
)


def is_transient(exception: BaseException) -> bool:
    """True when the exception (or what caused it) is an infrastructure hiccup."""
    seen: BaseException | None = exception
    while seen is not None:
        if isinstance(seen, TRANSIENT_ERRORS):
            return True
        if type(seen).__name__ == "SchemaBehind":  # rollcall.bootstrap: migrate is on its way
            return True
        seen = seen.__cause__
    return False


def _report_failed(job: Mapping[str, Any]) -> Notice:
    return ReportFailed(
        school_id=job["school_id"], message=_(REPORT_FAILED), destination=job["destination"]
    )


def _registration_failed(job: Mapping[str, Any]) -> Notice:
    return RegistrationRefused(
        school_id=job["school_id"],
        message=_(REGISTRATION_FAILED),
        destination=job["destination"],
    )


def _import_failed(job: Mapping[str, Any]) -> Notice:
    return AttendanceImportRefused(
        school_id=job["school_id"],
        file_id=job["file_id"],
        channel_id=job["channel_id"],
        destination=job["destination"],
        message=_(IMPORT_FAILED),
    )


#: Per actor, the notice that tells the director its work did not happen.
ANSWERS: dict[str, Callable[[Mapping[str, Any]], Notice]] = {
    "build_report": _report_failed,
    "register_provider": _registration_failed,
    "import_attendance_file": _import_failed,
}


class AnswerFailures(Middleware):
    """Tell the director when a message they wait for has failed for good, in the
    language of the job's destination (as ``workers.language`` does for the actor).

    Listed before ``Retries`` (Dramatiq runs ``after_*`` hooks in reverse order), so it
    sees the message after ``Retries`` decided: ``message.failed`` means no retry follows.
    """

    def __init__(self, notifier: Callable[[], Any]) -> None:
        self._notifier = notifier

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None or not message.failed:
            return
        log.error(
            "message failed for good",
            extra={
                "event": "message_failed",
                "actor": message.actor_name,
                "message_id": message.message_id,
                "error": type(exception).__name__,
            },
        )
        answer = ANSWERS.get(message.actor_name)
        if answer is None:
            return
        try:
            fn = broker.get_actor(message.actor_name).fn
            job = inspect.signature(fn).bind(*message.args, **message.kwargs).arguments
            destination = job.get("destination")
            locale = destination.get("locale") if isinstance(destination, Mapping) else None
            with using_locale(locale if isinstance(locale, str) else None):
                self._notifier().notify(answer(job))
        except Exception as error:
            log.error(
                "could not tell the director a message failed",
                extra={
                    "event": "failure_notice_failed",
                    "actor": message.actor_name,
                    "message_id": message.message_id,
                    "error": type(error).__name__,
                },
            )
