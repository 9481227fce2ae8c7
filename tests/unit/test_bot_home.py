"""The App Home tab's Block Kit: one card per school, within Slack's 100 blocks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.blocks import home
from bot.blocks.home import MAX_SCHOOLS, SchoolCard, home_dict
from bot.blocks.limits import view_violations
from core.domain.pay_periods import PayPeriod
from core.domain.report import ProviderStatus
from core.domain.submission import SubmissionState
from core.errors import InvalidInput
from core.services.submissions import SubmissionView

CURRENT = PayPeriod(date(2026, 11, 22), date(2026, 12, 5))
LAST = PayPeriod(date(2026, 11, 8), date(2026, 11, 21))


def card(i: int = 1, *, director: bool = True, **changes: object) -> SchoolCard:
    values: dict[str, object] = {
        "school_id": i,
        "name": f"School {i}",
        "director": director,
        "provider_status": ProviderStatus.REGISTERED,
        "provider_id": "12345",
        "current": CURRENT,
        "days_left": 10,
        "errors": 0,
        "unlinked": 0,
        "last_closed": LAST,
        "last_submission": None,
    }
    values.update(changes)
    return SchoolCard(**values)  # type: ignore[arg-type]


def submission(state: SubmissionState, error: str | None = None) -> SubmissionView:
    return SubmissionView(
        id=1,
        school_id=1,
        period_start=LAST.start,
        period_end=LAST.end,
        state=state,
        provider_id="12345",
        record_count=3,
        approved_by="U0DIRECTOR",
        approved_at=datetime(2026, 11, 22, tzinfo=UTC),
        kindertrack_submission_id="kt-1" if state is SubmissionState.SUBMITTED else None,
        received_at=None,
        error=error,
    )


def texts(view: dict[str, Any]) -> str:
    return str(view["blocks"])


def test_a_directors_card_has_the_facts_and_four_buttons() -> None:
    view = home_dict([card(errors=1, unlinked=3)])

    assert view_violations(view) == []
    shown = texts(view)
    assert ":large_green_circle: Registered · provider ID 12345" in shown
    assert "Pay period Nov 22 – Dec 5 · *10* days left" in shown
    assert "*1* attendance error to fix" in shown
    assert "*3* children without a KinderTrack child ID" in shown
    assert "not submitted yet" in shown
    [actions] = [b for b in view["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == [
        home.PREVIEW_ACTION,
        home.REGISTER_ACTION,
        home.LINK_ACTION,
        home.SYNC_ACTION,
    ]
    assert {home.decode_school(e["value"]) for e in actions["elements"]} == {1}


def test_staff_cards_have_no_buttons() -> None:
    view = home_dict([card(director=False, provider_status=ProviderStatus.UNREGISTERED)])

    assert not [b for b in view["blocks"] if b["type"] == "actions"]
    assert ":white_circle: Not registered" in texts(view)


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (submission(SubmissionState.SUBMITTED), "submitted, confirmation `kt-1`"),
        (submission(SubmissionState.SUBMITTING), "submitting"),
        (submission(SubmissionState.APPROVED), "submitting"),
        (submission(SubmissionState.DRAFT), "approval withdrawn"),
        (
            submission(SubmissionState.REJECTED, "<!channel> no"),
            "refused by KinderTrack: &lt;!channel&gt; no",
        ),
    ],
)
def test_the_last_submission_state(view: SubmissionView, expected: str) -> None:
    assert expected in home.submission_line(card(last_submission=view))


def test_many_schools_stay_under_100_blocks_and_say_how_many_more() -> None:
    cards = [card(i) for i in range(MAX_SCHOOLS)]

    view = home_dict(cards, note="A note", total=MAX_SCHOOLS + 7)

    assert len(view["blocks"]) <= 100
    assert view_violations(view) == []
    assert "…and 7 more schools" in texts(view)


def test_directed_schools_come_first() -> None:
    view = home_dict([card(1, director=False, name="Acorns"), card(2, name="Zinnia")])

    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Rollcall", "Zinnia", "Acorns"]


def test_no_school_says_how_to_create_one() -> None:
    assert "/kindertrack school NAME" in texts(home_dict([]))


@pytest.mark.parametrize("value", ["", "{}", "7", '{"s": "x"}'])
def test_a_forged_home_value_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput):
        home.decode_school(value)
