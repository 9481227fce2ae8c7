"""The review modal's builder: bad records editable in local time, escaped names, and
Slack's view limits held even for a school with many errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.limits import PRIVATE_METADATA, VIEW_BLOCKS, view_violations
from bot.blocks.review import (
    CALLBACK_ID,
    BadRecord,
    ReviewMeta,
    block_id,
    local_value,
    parse_block_id,
    review_view,
)
from bot.escape import ZERO_WIDTH_SPACE
from core.domain.attendance import Record
from core.domain.report import ProviderStatus, Student, SubsidyReport, build_report
from core.errors import InvalidInput

TZ = ZoneInfo("America/Chicago")
START, END = date(2026, 11, 8), date(2026, 11, 21)
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


def _report(
    children: int, *, name: str = "Child {i}"
) -> tuple[SubsidyReport, dict[int, BadRecord]]:
    """``children`` children, each never checked out once (one error, one bad record)."""
    students = [Student(i, name.format(i=i), f"{100000 + i}") for i in range(1, children + 1)]
    records = [Record.at(i, i, _local("2026-11-10T08:00"), None) for i in range(1, children + 1)]
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
    bad = {
        r.id: BadRecord(r.id, r.student_id, students[r.student_id - 1].name, r.check_in, None)
        for r in records
    }
    return report, bad


def _inputs(view: dict[str, Any]) -> dict[str, str]:
    return {
        b["block_id"]: b["element"].get("initial_value", "")
        for b in view["blocks"]
        if b["type"] == "input"
    }


def test_each_bad_record_gets_a_check_in_and_a_check_out_field_in_local_time() -> None:
    report, bad = _report(2)

    view = review_view(report, bad, TZ, ReviewMeta(7, START, END, "C1", "1.2"))

    assert view["callback_id"] == CALLBACK_ID
    assert _inputs(view) == {
        "rec1_in": "2026-11-10 08:00",
        "rec1_out": "",
        "rec2_in": "2026-11-10 08:00",
        "rec2_out": "",
    }
    outs = [b for b in view["blocks"] if b.get("block_id", "").endswith("_out")]
    assert all(b["optional"] for b in outs)
    assert "never checked out" in str(view["blocks"])
    assert view_violations(view) == []


def test_a_school_with_more_errors_than_fit_says_the_rest_are_in_the_report() -> None:
    report, bad = _report(60)

    view = review_view(report, bad, TZ, ReviewMeta(7, START, END))

    assert len(view["blocks"]) <= VIEW_BLOCKS
    assert view_violations(view) == []
    shown = len(_inputs(view)) // 2
    assert 0 < shown < 60
    assert f"{60 - shown} more errors did not fit" in str(view["blocks"][-1])


def test_names_with_slack_markup_are_escaped() -> None:
    report, bad = _report(1, name="<!channel> *Ava* & <@U1>")

    view = review_view(report, bad, TZ, ReviewMeta(7, START, END))

    child = view["blocks"][1]["text"]["text"]
    assert child.startswith("*&lt;!channel&gt; ")
    assert f"{ZERO_WIDTH_SPACE}*{ZERO_WIDTH_SPACE}Ava" in child
    assert "&amp; &lt;@U1&gt;" in child
    assert "<!channel>" not in str(view) and "<@U1>" not in str(view)


def test_a_time_the_clocks_repeat_is_prefilled_with_its_offset() -> None:
    first = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 CDT
    second = first + timedelta(hours=1)  # 01:30 CST

    assert local_value(first, TZ) == "2026-11-01 01:30-05:00"
    assert local_value(second, TZ) == "2026-11-01 01:30-06:00"
    assert local_value(_local("2026-11-09T08:00"), TZ) == "2026-11-09 08:00"
    assert local_value(None, TZ) == ""


def test_metadata_round_trips_within_slacks_limit() -> None:
    meta = ReviewMeta(123456, START, END, "C0123456789", "1700000000.000100")

    assert len(meta.encode()) <= PRIVATE_METADATA
    assert ReviewMeta.decode(meta.encode()) == meta
    with pytest.raises(InvalidInput, match="out of date"):
        ReviewMeta.decode('{"s": "x"}')


def test_block_ids_map_back_to_records() -> None:
    assert parse_block_id(block_id(42, "in")) == (42, "in")
    assert parse_block_id(block_id(42, "out")) == (42, "out")
    assert parse_block_id("rec42_sideways") is None
    assert parse_block_id("intro") is None
