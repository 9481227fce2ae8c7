"""What the notifier says: registration results, reminders, refusals, status, and the
CSV of what was sent — escaped, and within Slack's limits."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.limits import MESSAGE_BLOCKS, violations
from bot.blocks.notices import (
    failure_message,
    registration_message,
    reminder_message,
    status_message,
)
from core import messages
from core.domain.attendance import Record
from core.domain.exports import sent_records_csv
from core.domain.pay_periods import PayPeriod
from core.domain.report import ProviderStatus, Student, SubsidyReport, build_report
from core.domain.submission import SubmissionState
from core.i18n import using_locale
from core.messages import ALREADY_SUBMITTED, CORRECTED_CLAIM_CONTACT
from core.notices import ProviderRegistered, RegistrationRefused
from core.services.submissions import SubmissionView

TZ = ZoneInfo("America/Chicago")
PERIOD = PayPeriod(date(2026, 11, 8), date(2026, 11, 21))
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
MARKUP = "<!channel> *Sunny* & <@U1>"


def _report(*, school: str = "Sunny Days", children: int = 2) -> SubsidyReport:
    students = [Student(i, f"Child {i}", f"{100000 + i}") for i in range(1, children + 1)]
    records = [
        Record.at(i, i, datetime(2026, 11, 10, 14, tzinfo=UTC), None)
        for i in range(1, children + 1)
    ]
    return build_report(
        school=school,
        provider_id="12345",
        provider_status=ProviderStatus.REGISTERED,
        start=PERIOD.start,
        end=PERIOD.end,
        pay_period_match=True,
        already_submitted=False,
        students=students,
        records=records,
        now=NOW,
        tz=TZ,
    )


def _view(state: SubmissionState, **changes: object) -> SubmissionView:
    values: dict[str, object] = {
        "id": 3,
        "school_id": 1,
        "period_start": PERIOD.start,
        "period_end": PERIOD.end,
        "state": state,
        "provider_id": "12345",
        "record_count": 4,
        "approved_by": "U0DIRECTOR",
        "approved_at": NOW,
        "kindertrack_submission_id": None,
        "received_at": None,
        "error": None,
    }
    values.update(changes)
    return SubmissionView(**values)  # type: ignore[arg-type]


def _mrkdwn(message: dict[str, Any]) -> str:
    texts = [message["text"]]
    for block in message["blocks"]:
        for part in [block.get("text") or {}, *block.get("elements", [])]:
            if isinstance(part, dict) and part.get("type") == "mrkdwn":
                texts.append(part["text"])
    return "\n".join(texts)


def test_a_registration_shows_the_green_tag_with_the_id_and_the_escaped_name() -> None:
    message = registration_message(
        ProviderRegistered(school_id=1, provider_id="12345", provider_name=MARKUP, destination={})
    )

    shown = _mrkdwn(message)
    assert ":large_green_circle: Registered · provider ID 12345" in shown
    assert "&lt;!channel&gt;" in shown and "&lt;@U1&gt;" in shown and "&amp;" in shown
    assert "<!channel>" not in shown and "<@U1>" not in shown
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []


def test_a_refused_registration_carries_kindertracks_message() -> None:
    message = registration_message(
        RegistrationRefused(
            school_id=1, message="Inactive KinderTrack provider ID.", destination={}
        )
    )

    assert "Inactive KinderTrack provider ID." in message["text"]
    assert ":large_green_circle:" not in _mrkdwn(message)


def test_a_closing_reminder_counts_days_left_and_errors() -> None:
    message = reminder_message("closing", _report(), school_id=1, days_left=3, errors=2)

    assert "3 days left, 2 errors to fix" in message["text"]
    assert "Review errors" in str(message["blocks"])
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []


def test_a_closed_reminder_says_the_preview_is_ready_to_approve() -> None:
    message = reminder_message("closed", _report(school=MARKUP), school_id=1, days_left=0, errors=0)

    shown = _mrkdwn(message)
    assert "has closed and is not submitted" in shown
    assert "the preview is ready to approve" in shown
    assert "<!channel>" not in shown and "*Sunny*" not in shown


def test_a_reminder_for_a_large_school_stays_within_the_block_limit() -> None:
    message = reminder_message(
        "closing", _report(children=300), school_id=1, days_left=1, errors=300
    )

    assert "1 day left, 300 errors to fix" in message["text"]
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []


def test_a_failure_is_escaped() -> None:
    message = failure_message("No school named '<!here>'.")

    assert "&lt;!here&gt;" in message["text"] and "<!here>" not in _mrkdwn(message)


def test_status_of_each_state() -> None:
    draft = status_message(None, school=MARKUP, period=PERIOD, tz=TZ)
    submitting = status_message(_view(SubmissionState.SUBMITTING), school="S", period=PERIOD, tz=TZ)
    submitted = status_message(
        _view(SubmissionState.SUBMITTED, kindertrack_submission_id="kt-9", received_at=NOW),
        school="S",
        period=PERIOD,
        tz=TZ,
    )
    rejected = status_message(
        _view(SubmissionState.REJECTED, error=ALREADY_SUBMITTED),
        school="S",
        period=PERIOD,
        tz=TZ,
    )

    assert "not approved yet" in draft and "&lt;!channel&gt;" in draft
    assert "approved by <@U0DIRECTOR> and being submitted" in submitting
    # The school's wall clock and human dates: 18:00 UTC is noon in Chicago.
    assert "submitted to KinderTrack on Wed, Nov 25, 12:00 PM" in submitted
    assert "UTC" not in submitted and "2026-11" not in submitted
    assert "`kt-9`" in submitted and "Nov 8, 2026 to Nov 21, 2026" in submitted
    assert ALREADY_SUBMITTED in rejected and CORRECTED_CLAIM_CONTACT in rejected


def test_a_submission_held_elsewhere_is_its_own_outcome_escaped() -> None:
    view = _view(
        SubmissionState.REJECTED,
        error=messages.held_elsewhere("<!channel>" + "9" * 200),
        held_elsewhere_id="<!channel>" + "9" * 200,
    )
    status = status_message(view, school="S", period=PERIOD, tz=TZ)
    assert "Rollcall did not send" in status and CORRECTED_CLAIM_CONTACT in status
    assert "refused" not in status
    assert "<!channel>" not in status and "&lt;!channel&gt;" in status
    assert len(status) < 1500


def test_the_sent_csv_shows_the_records_sent_on_the_school_clock() -> None:
    sent = [
        {
            "child_id": "123456",
            "check_in": "2026-11-09T14:00:00+00:00",
            "check_out": "2026-11-09T22:30:00+00:00",
        },
        {"child_id": "123456", "date": "2026-11-10", "absence": "holiday"},
    ]

    rows = list(csv.reader(io.StringIO(sent_records_csv(sent, TZ))))
    with using_locale("es"):
        spanish = list(csv.reader(io.StringIO(sent_records_csv(sent, TZ))))

    assert rows == [
        ["Child ID", "Date", "Check-in", "Check-out", "Away"],
        ["123456", "11/9/2026", "8:00 AM", "4:30 PM", ""],
        ["123456", "11/10/2026", "", "", "holiday"],
    ]
    assert spanish[0][0] == "ID de niño"
    assert spanish[1][:2] == ["123456", "9/11/2026"] and spanish[2][4] == "día festivo"
