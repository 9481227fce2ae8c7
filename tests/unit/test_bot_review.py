"""The review modal's builder: each bad stay fixable with pickers in local time, one line
per child and day, escaped names, paging by child within Slack's view limits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.limits import PRIVATE_METADATA, VIEW_BLOCKS, view_violations
from bot.blocks.review import (
    CALLBACK_ID,
    SKIP_ACTION,
    AwayDay,
    BadRecord,
    ReviewMeta,
    block_id,
    error_block_id,
    parse_away_block_id,
    parse_block_id,
    review_blocks,
    review_view,
)
from bot.escape import ZERO_WIDTH_SPACE
from core.domain.absences import AbsenceKind
from core.domain.attendance import Record
from core.domain.report import ProviderStatus, Student, SubsidyReport, build_report
from core.errors import InvalidInput

TZ = ZoneInfo("America/Chicago")
START, END = date(2026, 11, 8), date(2026, 11, 21)
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


def _build(
    students: list[Student], records: list[Record]
) -> tuple[SubsidyReport, dict[int, BadRecord]]:
    report = build_report(
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
    names = {s.id: s.name for s in students}
    bad = {
        r.id: BadRecord(r.id, r.student_id, names[r.student_id], r.check_in, r.check_out)
        for r in records
    }
    return report, bad


def _report(
    children: int, *, name: str = "Child {i}", stays: int = 1
) -> tuple[SubsidyReport, dict[int, BadRecord]]:
    """``children`` children, each never checked out on ``stays`` days."""
    students = [Student(i, name.format(i=i), f"{100000 + i}") for i in range(1, children + 1)]
    records = [
        Record.at(i * 100 + d, i, _local(f"2026-11-{10 + d % 10}T{8 + d // 10:02d}:00"), None)
        for i in range(1, children + 1)
        for d in range(stays)
    ]
    return _build(students, records)


def _inputs(view: dict[str, Any]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for b in view["blocks"]:
        if b["type"] == "input":
            element = b["element"]
            found[b["block_id"]] = element.get("initial_date") or element.get("initial_time")
    return found


def test_each_bad_stay_gets_a_day_two_time_pickers_and_a_delete_box() -> None:
    report, bad = _report(1)

    view = review_view(report, bad, TZ, ReviewMeta(7, START, END, "C1", "1.2"))

    assert view["callback_id"] == CALLBACK_ID
    assert _inputs(view) == {
        "rec100_day": "2026-11-10",
        "rec100_in": "08:00",
        "rec100_out": None,
        "rec100_delete": None,
    }
    kinds = [b["element"]["type"] for b in view["blocks"] if b["type"] == "input"]
    assert kinds == ["datepicker", "timepicker", "timepicker", "checkboxes"]
    assert "Delete this stay" in str(view["blocks"])
    assert "*Child 1*, Tue, Nov 10: checked in 8:00 AM, never checked out" in str(view)
    assert view_violations(view) == []


def test_an_overlap_is_one_line_for_the_child_and_day_with_both_stays() -> None:
    report, bad = _build(
        [Student(1, "Ava Smith", "123456")],
        [
            Record.at(1, 1, _local("2026-11-09T07:30"), _local("2026-11-09T12:00")),
            Record.at(2, 1, _local("2026-11-09T11:30"), _local("2026-11-09T17:00")),
        ],
    )

    view = review_view(report, bad, TZ, ReviewMeta(7, START, END))

    child = view["blocks"][1]["text"]["text"]
    assert child == "*Ava Smith*, Mon, Nov 9: 7:30 AM–12:00 PM and 11:30 AM–5:00 PM overlap"
    assert "record" not in str(view).lower()
    assert sorted(_inputs(view)) == sorted(
        block_id(r, f) for r in (1, 2) for f in ("day", "in", "out", "delete")
    )


def test_many_children_are_paged_and_skip_reaches_every_one() -> None:
    report, bad = _report(60, stays=2)
    seen: set[int] = set()
    skip = 0
    while True:
        _, used, shown = review_blocks(report, bad, TZ, skip=skip)
        view = review_view(report, bad, TZ, ReviewMeta(7, START, END, skip=skip))
        assert len(view["blocks"]) <= VIEW_BLOCKS and view_violations(view) == []
        assert shown > 0 and used == skip
        seen |= {
            int(b["block_id"].removeprefix("rec").partition("_")[0]) // 100
            for b in view["blocks"]
            if b["type"] == "input"
        }
        assert SKIP_ACTION in str(view["blocks"])
        skip += shown
        if skip >= 60:
            break
    assert seen == set(range(1, 61))
    assert review_blocks(report, bad, TZ, skip=skip)[1] == 0  # past the last: back to the first


def test_a_child_with_more_stays_than_fit_shows_as_many_as_fit() -> None:
    report, bad = _report(1, stays=30)

    view = review_view(report, bad, TZ, ReviewMeta(7, START, END))

    assert len(view["blocks"]) <= VIEW_BLOCKS and view_violations(view) == []
    assert len(_inputs(view)) // 4 >= 20


def test_names_with_slack_markup_are_escaped() -> None:
    report, bad = _report(1, name="<!channel> *Ava* & <@U1>")

    view = review_view(report, bad, TZ, ReviewMeta(7, START, END))

    child = view["blocks"][1]["text"]["text"]
    assert child.startswith("*&lt;!channel&gt; ")
    assert f"{ZERO_WIDTH_SPACE}*{ZERO_WIDTH_SPACE}Ava" in child
    assert "&amp; &lt;@U1&gt;" in child
    assert "<!channel>" not in str(view) and "<@U1>" not in str(view)


def test_metadata_round_trips_within_slacks_limit() -> None:
    meta = ReviewMeta(123456, START, END, "C0123456789", "1700000000.000100", skip=40)

    assert len(meta.encode()) <= PRIVATE_METADATA
    assert ReviewMeta.decode(meta.encode()) == meta
    assert meta.skipped(5).skip == 45
    with pytest.raises(InvalidInput, match="out of date"):
        ReviewMeta.decode('{"s": "x"}')


def test_block_ids_map_back_to_stays() -> None:
    for field in ("day", "in", "out", "delete"):
        assert parse_block_id(block_id(42, field)) == (42, field)
    assert parse_block_id("rec42_sideways") is None
    assert parse_block_id("intro") is None


def test_a_stay_can_be_marked_absent_instead() -> None:
    report, bad = _report(1)

    view = review_view(report, bad, TZ, ReviewMeta(7, START, END))

    (box,) = [b for b in view["blocks"] if b.get("block_id") == "rec100_delete"]
    assert [o["value"] for o in box["element"]["options"]] == ["delete", "absent"]
    assert box["element"]["options"][1]["text"]["text"] == "Absent that day: delete it"


def _both_away() -> tuple[SubsidyReport, dict[tuple[int, date], AwayDay]]:
    """Two children who attended on Nov 10 and 11; one recorded absent on the 10th, and the
    center closed on the 11th: three days recorded both attended and away."""
    students = [Student(1, "Ava Smith", "100001"), Student(2, "Ben Ode", "100002")]
    records = [
        Record.at(i * 100 + d, i, _local(f"2026-11-{d}T08:00"), _local(f"2026-11-{d}T12:00"))
        for i in (1, 2)
        for d in (10, 11)
    ]
    report = build_report(
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
        absences={1: {date(2026, 11, 10): AbsenceKind.ABSENT}},
        closures={date(2026, 11, 11): AbsenceKind.CLOSED},
    )
    away = {
        (1, date(2026, 11, 10)): AwayDay(1, date(2026, 11, 10), AbsenceKind.ABSENT, False),
        (1, date(2026, 11, 11)): AwayDay(1, date(2026, 11, 11), AbsenceKind.CLOSED, True),
        (2, date(2026, 11, 11)): AwayDay(2, date(2026, 11, 11), AbsenceKind.CLOSED, True),
    }
    return report, away


def test_a_day_recorded_both_attended_and_away_gets_a_box_removing_the_absence() -> None:
    report, away = _both_away()
    assert {(e.student_id, e.day) for e in report.errors} == set(away)

    view = review_view(report, {}, TZ, ReviewMeta(7, START, END), away)

    boxes = {
        b["block_id"]: b["element"]["options"][0]["text"]["text"]
        for b in view["blocks"]
        if b["type"] == "input"
    }
    # the child's own absence, and the closure once for both children (it is everyone's)
    assert boxes == {
        "away1_2026-11-10": "Remove the absence recorded on Tue, Nov 10",
        "away0_2026-11-11": "Remove the closure of Wed, Nov 11 (for every child)",
    }
    assert "*Ben Ode*" in str(view["blocks"])  # listed, its fix is the closure's box above
    assert view["submit"] is not None and view_violations(view) == []
    assert parse_away_block_id("away1_2026-11-10") == (1, date(2026, 11, 10))
    assert parse_away_block_id("away0_2026-11-11") == (None, date(2026, 11, 11))
    assert parse_away_block_id("rec12_day") is None
    assert error_block_id(0, "away:2026-11-11") == "away0_2026-11-11"
    assert error_block_id(12, "out") == "rec12_out"
