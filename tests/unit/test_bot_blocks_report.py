"""The report preview stays within Slack's limits and never lets a name format or ping."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.blocks.limits import MESSAGE_BLOCKS, text_length, violations
from bot.blocks.report import (
    APPROVE_ACTION,
    EARLY_ACTION,
    MESSAGE_TEXT_BUDGET,
    REVIEW_ACTION,
    ROWS_PER_PAGE,
    report_message,
)
from bot.blocks.submission import submission_message
from bot.blocks.values import PeriodRef
from core.domain.absences import AbsenceKind
from core.domain.attendance import Record
from core.domain.report import ProviderStatus, Student, SubsidyReport, build_report
from core.domain.submission import SubmissionState
from core.i18n import using_locale
from core.messages import CORRECTED_CLAIM_CONTACT
from core.services.submissions import SubmissionView

TZ = ZoneInfo("America/Chicago")
START, END = date(2026, 11, 8), date(2026, 11, 21)
NOW = datetime(2026, 11, 25, 18, tzinfo=UTC)


def _report(children: int, *, names: list[str] | None = None, errors: int = 0) -> SubsidyReport:
    students = [
        Student(i, (names[i] if names and i < len(names) else f"Child {i:03d}"), f"{100000 + i}")
        for i in range(children)
    ]
    records = []
    rid = 0
    for s in students:
        for day in range(12):  # every weekday of the period: nothing unrecorded
            start = datetime(2026, 11, 9, 14, tzinfo=UTC) + timedelta(days=day)
            rid += 1
            records.append(Record.at(rid, s.id, start, start + timedelta(hours=8)))
    for i in range(errors):
        rid += 1
        records.append(Record.at(rid, i, datetime(2026, 11, 9, 15, tzinfo=UTC), None))
    return build_report(
        school="Sunny Days",
        provider_id="12345",
        provider_status=ProviderStatus.REGISTERED,
        start=START,
        end=END,
        pay_period_match=True,
        already_submitted=False,
        students=students,
        records=records,
        now=NOW,
        tz=TZ,
    )


def test_a_300_child_report_fits_one_message() -> None:
    message = report_message(_report(300, errors=25), school_id=1)

    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    text = json.dumps(message)
    assert "Child 000" in text and "Child 029" in text and "Child 030" not in text
    assert "page 1 of 10" in text


def test_every_page_of_300_long_accented_names_and_100_errors_stays_within_the_budget() -> None:
    names = [f"{'Zoë Ångström-Øvergård Ñandú ' * 5}"[:116] + f"{i:03d}" for i in range(300)]
    report = _report(300, names=names, errors=100)

    for page in range(-(-300 // ROWS_PER_PAGE)):
        message = report_message(report, school_id=1, page=page)

        assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
        assert text_length(message) <= MESSAGE_TEXT_BUDGET


def test_the_next_page_shows_the_next_children() -> None:
    message = report_message(_report(300), school_id=1, page=9)

    text = json.dumps(message)
    assert "Child 299" in text and "Child 000" not in text
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []


def test_errors_show_a_red_banner_and_no_approve_button() -> None:
    message = report_message(_report(3, errors=1), school_id=1)

    actions = [
        e.get("action_id")
        for b in message["blocks"]
        for e in [*b.get("elements", []), b.get("accessory", {})]
    ]
    assert REVIEW_ACTION in actions
    assert APPROVE_ACTION not in actions


def test_a_clean_report_offers_approve_with_a_confirm_dialog() -> None:
    message = report_message(_report(3), school_id=7)

    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    approve = next(b for b in buttons if b["action_id"] == APPROVE_ACTION)
    assert "only once" in approve["confirm"]["text"]["text"]
    report = _report(3)
    assert PeriodRef.decode(approve["value"]) == PeriodRef(7, START, END).with_seen(
        report.fingerprint
    )


def test_a_period_not_over_offers_only_submit_early_naming_the_days_left_out() -> None:
    # Given a clean report made on Nov 18, three days before its period ends
    report = replace(_report(3), as_of=date(2026, 11, 18))

    message = report_message(report, school_id=7)

    buttons = {
        e["action_id"]: e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert APPROVE_ACTION not in buttons
    early = buttons[EARLY_ACTION]
    text = early["confirm"]["text"]["text"]
    assert text.startswith("Attendance for Wed, Nov 18 through Sat, Nov 21 can never be added")
    assert len(text) <= 300 and "style" not in early
    assert PeriodRef.decode(early["value"]).early
    assert "runs until Sat, Nov 21" in json.dumps(message)


def test_names_with_slack_markup_are_inert() -> None:
    names = ["<!channel> Bobby", "*Star* Kid", "<@U123> & Co"]
    message = report_message(_report(3, names=names, errors=3), school_id=1)

    text = json.dumps(message["blocks"])
    assert "<!channel>" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt;" in text
    assert "*Star*" not in text


def test_the_submitted_message_has_no_buttons_left() -> None:
    report = _report(2)
    view = SubmissionView(
        id=4,
        school_id=1,
        period_start=START,
        period_end=END,
        state=SubmissionState.SUBMITTED,
        provider_id="12345",
        record_count=20,
        approved_by="U0DANA",
        approved_at=NOW,
        kindertrack_submission_id="kt_1",
        received_at=NOW,
        error=None,
    )

    message = submission_message(report, view, school_id=1)

    assert not [b for b in message["blocks"] if b["type"] == "actions"]
    assert "Submitted to KinderTrack" in json.dumps(message)
    assert "<@U0DANA>" in json.dumps(message)


def _submitted(report: SubsidyReport, **changes: object) -> SubmissionView:
    view = SubmissionView(
        id=4,
        school_id=1,
        period_start=START,
        period_end=END,
        state=SubmissionState.SUBMITTED,
        provider_id="12345",
        record_count=24,
        approved_by="U0DANA",
        approved_at=NOW - timedelta(minutes=1),
        kindertrack_submission_id="KT-2026-0042",
        received_at=NOW,
        error=None,
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def _status(message: dict[str, object]) -> str:
    """The submission's state: the section right under the header and its context."""
    blocks = message["blocks"]
    assert isinstance(blocks, list) and blocks[2]["type"] == "section"
    return str(blocks[2]["text"]["text"])


def test_the_submitted_message_reads_as_success_then_says_how_corrections_work() -> None:
    # Given a clean two-child report, already submitted, sent at 12:00 PM in Chicago
    report = replace(_report(2), already_submitted=True)

    message = submission_message(report, _submitted(report), school_id=1)

    # Then the status says who approved, when it went (school's time), what it covered,
    # KinderTrack's confirmation, and then how corrections work; no "already submitted" lock
    status = _status(message)
    assert status.startswith(":white_check_mark: *Submitted to KinderTrack*")
    assert "`KT-2026-0042`" in status
    assert "Approved by <@U0DANA>, sent Wed, Nov 25, 12:00 PM." in status
    assert "*2* children · *24* stays · *192.00 h* · about *" in status
    assert f"*{report.total_units}* units" in status
    assert status.index("KT-2026-0042") < status.index(CORRECTED_CLAIM_CONTACT)
    assert "already submitted" not in json.dumps(message)
    assert ":lock:" not in json.dumps(message)
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []


def test_the_submitted_message_in_spanish_keeps_kindertracks_words() -> None:
    report = replace(_report(1), already_submitted=True)
    refused = (("100000", "Care outside the authorization"),)

    with using_locale("es"):
        view = _submitted(report, refused=refused, accepted=11)
        message = submission_message(report, view, school_id=1)

    status = _status(message)
    assert "*Enviado a KinderTrack*" in status
    assert "Aprobado por <@U0DANA>, enviado el " in status
    assert "*1* niño · *12* estancias" in status
    assert CORRECTED_CLAIM_CONTACT in status  # KinderTrack's fixed words, verbatim
    assert "100000" in status and "Care outside the authorization" in status


def test_days_over_the_authorized_units_show_as_labelled_estimates() -> None:
    # 8 hours a day is 2 units; Ava is authorized 1 (a preschooler: $19.50 a unit)
    ava = Student(1, "Ava Smith", "123456", units_per_day=1, birth_date=date(2022, 3, 14))
    start = datetime(2026, 11, 9, 14, tzinfo=UTC)
    report = build_report(
        school="Sunny Days",
        provider_id="12345",
        provider_status=ProviderStatus.REGISTERED,
        start=START,
        end=END,
        pay_period_match=True,
        already_submitted=False,
        students=[ava],
        records=[Record.at(1, 1, start, start + timedelta(hours=8))],
        now=NOW,
        tz=TZ,
    )

    message = report_message(report, school_id=1)

    shown = json.dumps(message)
    assert "Mon, Nov 9: 2 units of care, 1 over the 1 authorized a day" in shown
    assert "estimate: $19.50 at Iowa's base preschool center rate" in shown
    assert "2026-11-09" not in shown  # a human date, not the machine one
    assert APPROVE_ACTION in shown  # a warning never blocks
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    with using_locale("es"):
        spanish = json.dumps(report_message(report, school_id=1), ensure_ascii=False)
    assert "lun, 9 de nov: 2 unidades de cuidado" in spanish
    assert "tarifa base de centro de Iowa para preescolar" in spanish


def test_absences_show_per_child_and_absent_and_present_blocks() -> None:
    ava = Student(1, "Ava Smith", "123456")
    start = datetime(2026, 11, 9, 14, tzinfo=UTC)
    report = build_report(
        school="Sunny Days",
        provider_id="12345",
        provider_status=ProviderStatus.REGISTERED,
        start=START,
        end=END,
        pay_period_match=True,
        already_submitted=False,
        students=[ava],
        records=[Record.at(1, 1, start, start + timedelta(hours=8))],
        now=NOW,
        tz=TZ,
        absences={
            1: {date(2026, 11, 9): AbsenceKind.ABSENT, date(2026, 11, 2): AbsenceKind.ABSENT}
        },
        absence_allowance=4,
    )

    message = report_message(report, school_id=1)

    shown = json.dumps(message, ensure_ascii=False)
    assert "1 absent, 2/4 this month" in shown
    assert "both absent and present on a day" in shown
    assert APPROVE_ACTION not in shown
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
