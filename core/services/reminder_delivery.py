"""Sending a batch of pay-period reminders: claimed together, their previews read
together, each delivered (and recorded as delivered) once.

A batch is one queued message for many schools; the once-only row of each reminder still
decides who sends it (``core.services.reminders``), so batches that overlap, a batch
redelivered, or two schedulers' passes never send a reminder twice. A batch costs a fixed
number of transactions: the claim, the previews, the notifier's lookups and what it
remembers, and one that records every outcome.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextlib import closing

from core.notices import Notice, ReminderDue
from core.ports import BatchNotifier, Notifier
from core.services.reminders import (
    DueReminder,
    ReminderKind,
    claim_reminders,
    days_left,
    release_reminders,
    settle_reminders,
)
from core.services.reports import ReportRequest, school_reports
from core.services.runtime import Runtime

Outcomes = Generator[Exception | None, None, None]
"""Each notice's outcome in order: None when delivered, else the error."""


def deliver_reminders(rt: Runtime, dues: Sequence[DueReminder]) -> list[DueReminder]:
    """Claim what is still owed of ``dues``, build their previews in one read and notify
    each school; returns the reminders delivered.

    A reminder that could not be delivered has its claim released (the next pass sends
    it) and, once the rest of the batch is done, its error is raised so the message is
    retried; one that was delivered is never sent again by the retry. Outcomes are
    recorded together after the batch; if the worker is stopped mid-batch, what was
    delivered so far is recorded and the rest released."""
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
    notices: list[tuple[DueReminder, ReminderDue]] = []
    for due in claimed:
        report = previews.get(requests[due])
        if report is None:  # the school was deleted meanwhile: nothing to send
            continue
        notices.append(
            (
                due,
                ReminderDue(
                    school_id=due.school_id,
                    period_kind="closing" if due.kind is ReminderKind.CLOSING else "closed",
                    report=report,
                    days_left=days_left(due.period, report.as_of or due.period.end),
                    errors=len(report.errors),
                ),
            )
        )
    delivered: list[DueReminder] = []
    failed: list[DueReminder] = []
    failure: Exception | None = None
    try:
        with closing(notify_each(rt.notifier, [notice for _, notice in notices])) as outcomes:
            for (due, _), outcome in zip(notices, outcomes, strict=True):
                if outcome is None:
                    delivered.append(due)
                else:
                    failed.append(due)
                    failure = failure or outcome
    except BaseException:
        done = set(delivered)
        settle_reminders(rt, delivered=delivered, failed=[d for d in claimed if d not in done])
        raise
    settle_reminders(rt, delivered=delivered, failed=failed)
    if failure is not None:
        raise failure
    return delivered


def notify_each(notifier: Notifier, notices: Sequence[Notice]) -> Outcomes:
    """Each notice's outcome in order (None: delivered), through the notifier's batch path
    when it has one, else one ``notify`` at a time."""
    if isinstance(notifier, BatchNotifier):
        return notifier.notify_each(notices)
    return _one_by_one(notifier, notices)


def _one_by_one(notifier: Notifier, notices: Sequence[Notice]) -> Outcomes:
    for notice in notices:
        try:
            notifier.notify(notice)
        except Exception as error:
            yield error
        else:
            yield None
