"""Sending a batch of pay-period reminders: claimed together, their previews read
together, each delivered (and recorded as delivered) once.

A batch is one queued message for many schools; the once-only row of each reminder still
decides who sends it (``core.services.reminders``), so batches that overlap, a batch
redelivered, or two schedulers' passes never send a reminder twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.notices import ReminderDue
from core.services.reminders import (
    DueReminder,
    ReminderKind,
    claim_reminders,
    days_left,
    mark_delivered,
    release_reminders,
)
from core.services.reports import ReportRequest, school_reports
from core.services.runtime import Runtime


def deliver_reminders(rt: Runtime, dues: Sequence[DueReminder]) -> list[DueReminder]:
    """Claim what is still owed of ``dues``, build their previews in one read and notify
    each school; returns the reminders delivered.

    A reminder that could not be delivered has its claim released (the next pass sends
    it) and, once the rest of the batch is done, its error is raised so the message is
    retried; one that was delivered is never sent again by the retry."""
    claimed = claim_reminders(rt, dues)
    if not claimed:
        return []
    requests = {
        due: ReportRequest(due.school_id, due.period.start, due.period.end) for due in claimed
    }
    try:
        previews = school_reports(rt, list(requests.values()))
    except BaseException:
        release_reminders(rt, claimed)
        raise
    delivered: list[DueReminder] = []
    failure: Exception | None = None
    for index, due in enumerate(claimed):
        report = previews.get(requests[due])
        if report is None:  # the school was deleted meanwhile: nothing to send
            continue
        try:
            rt.notifier.notify(
                ReminderDue(
                    school_id=due.school_id,
                    period_kind="closing" if due.kind is ReminderKind.CLOSING else "closed",
                    report=report,
                    days_left=days_left(due.period, report.as_of or due.period.end),
                    errors=len(report.errors),
                )
            )
        except Exception as error:
            release_reminders(rt, [due])
            failure = failure or error
            continue
        except BaseException:
            release_reminders(rt, claimed[index:])
            raise
        mark_delivered(rt, due)
        delivered.append(due)
    if failure is not None:
        raise failure
    return delivered
