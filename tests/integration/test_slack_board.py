"""Checking children in and out from Slack: /kindertrack in|out and the roll-call board.

Real Bolt app over signed HTTP, the Slack stand-in, the real test database; the clock is
frozen at 2026-11-25 18:00 UTC (12:00 PM in Iowa), inside the 2026-11-22 pay period.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

import bot.runtime
import workers.runtime
from bot.blocks import board
from bot.blocks.board import BoardRef
from bot.blocks.limits import MESSAGE_BLOCKS, violations
from core.services.board import PostedBoard, posted_boards
from core.services.reports import school_report
from core.services.runtime import Runtime
from core.services.students import add_student
from core.services.workspace import create_team_school
from core.store.tables import AttendanceRecord, Student, Submission
from tests.fakes import FrozenClock
from tests.fixtures.slack import BotServer

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers

TEAM = "T0001"
OTHER_TEAM = "T0OTHER"
DIRECTOR = "U0DIRECTOR"
STAFF = "U0STAFF"
CHANNEL = "C0SCHOOL"
CLICKS = 5


@pytest.fixture
def app_runtime(rt: Runtime) -> Iterator[Runtime]:
    bot.runtime.use_runtime(rt)
    workers.runtime.use_runtime(rt)
    yield rt
    bot.runtime.use_runtime(None)
    workers.runtime.use_runtime(None)


@pytest.fixture
def server(bot_server_factory: Callable[..., BotServer], app_runtime: Runtime) -> BotServer:
    return bot_server_factory()


def make_school(rt: Runtime, students: list[str]) -> int:
    made = create_team_school(
        rt, team_id=TEAM, name="Sunny Days", creator=DIRECTOR, channel_id=CHANNEL
    )
    school_id = made.id or 0
    for name in students:
        add_student(rt, school_id=school_id, name=name, actor=DIRECTOR)
    return school_id


@pytest.fixture
def school(app_runtime: Runtime) -> int:
    return make_school(app_runtime, ["Ava Smith", "Liam Johnson"])


def records(rt: Runtime, school_id: int) -> list[AttendanceRecord]:
    with rt.session() as session:
        return list(
            session.exec(
                select(AttendanceRecord)
                .where(AttendanceRecord.school_id == school_id)
                .order_by(col(AttendanceRecord.id))
            )
        )


def student_id(rt: Runtime, school_id: int, name: str) -> int:
    with rt.session() as session:
        return (
            session.exec(
                select(Student).where(Student.school_id == school_id, Student.name == name)
            )
            .one()
            .id
            or 0
        )


def later_answer(server: BotServer, text: str, **fields: Any) -> str:
    response = server.slash(text, **fields)
    assert response.status_code == 200, response.text
    [call] = server.standin.wait_for("response_url")
    return str(call.args["text"])


# --- /kindertrack in | out --------------------------------------------------------------


def test_staff_check_a_child_in_and_out_in_the_schools_time_zone(
    server: BotServer, app_runtime: Runtime, school: int, clock: FrozenClock
) -> None:
    # When a staff member checks Ava in (typing her name loosely)
    text = later_answer(server, "in  ava smith", user_id=STAFF)

    # Then the answer shows her stored name and the local time
    assert text == "Ava Smith checked in at 12:00 PM"

    # When they check her out 3.5 hours later
    clock.advance(timedelta(hours=3, minutes=30))
    server.standin.reset()
    assert later_answer(server, "out Ava Smith", user_id=STAFF) == (
        "Ava Smith checked out at 3:30 PM"
    )

    # Then one closed record, logged from Slack
    [record] = records(app_runtime, school)
    assert record.source == "slack"
    assert record.check_out is not None
    assert (record.check_out - record.check_in) == timedelta(hours=3, minutes=30)


def test_checking_in_twice_is_refused_privately(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    later_answer(server, "in Ava Smith")
    server.standin.reset()

    response = server.slash("in Ava Smith")

    assert response.status_code == 200
    [call] = server.standin.wait_for("response_url")
    assert "Ava Smith is already checked in since Wed, Nov 25, 12:00 PM" in call.args["text"]
    assert call.args["response_type"] == "ephemeral"
    assert len(records(app_runtime, school)) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("out Ava Smith", "Ava Smith is not checked in."),
        ("in Nobody", "No child here is named “Nobody”"),
        ("in", "Name the student"),
        ("out", "Name the student"),
    ],
)
def test_in_and_out_refusals(
    server: BotServer, app_runtime: Runtime, school: int, text: str, expected: str
) -> None:
    assert expected in later_answer(server, text)
    assert records(app_runtime, school) == []


def test_a_submitted_period_refuses_check_ins_with_the_corrected_claim_contact(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    with app_runtime.session() as session:
        session.add(
            Submission(
                school_id=school,
                period_start=date(2026, 11, 22),
                period_end=date(2026, 12, 5),
                state="submitted",
                provider_id="12345",
                fingerprint="f" * 64,
                idempotency_key="k",
            )
        )

    text = later_answer(server, "in Ava Smith", user_id=STAFF)

    assert "was already submitted to KinderTrack and can no longer be edited" in text
    assert "pay period Nov 22, 2026 to Dec 5, 2026" in text  # dates as a person writes them
    assert "866-448-4605" in text
    assert records(app_runtime, school) == []


def test_names_with_slack_markup_are_escaped_in_the_answer(
    server: BotServer, app_runtime: Runtime
) -> None:
    make_school(app_runtime, ["<!channel> *Ava*"])

    text = later_answer(server, "in <!channel> *Ava*")

    assert "<!channel>" not in text
    assert text.startswith("&lt;!channel&gt;")
    assert "checked in at 12:00 PM" in text


def test_in_from_another_workspace_finds_no_school_and_records_nothing(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    text = later_answer(server, "in Ava Smith", team_id=OTHER_TEAM, user_id="U0B")

    assert "does not work on a school yet" in text
    assert records(app_runtime, school) == []


# --- the board --------------------------------------------------------------------------


def post_board(server: BotServer, **fields: Any) -> tuple[str, dict[str, Any]]:
    """Run /kindertrack rollcall; the (ts, message) the app posted in the channel."""
    server.slash("rollcall", **fields)
    [call] = server.standin.wait_for("chat.postMessage")
    assert call.args["channel"] == fields.get("channel_id", CHANNEL)
    ts = next(ts for (channel, ts) in server.standin.messages if channel == call.args["channel"])
    return ts, call.args


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Section accessories by the child's name shown in the section."""
    found = {}
    for block in blocks:
        accessory = block.get("accessory")
        if block["type"] == "section" and accessory:
            name = block["text"]["text"].split("*")[1]
            found[name] = accessory
    return found


def click(server: BotServer, ts: str, button: dict[str, Any], **fields: Any) -> httpx.Response:
    return server.action(button["action_id"], value=button["value"], message_ts=ts, **fields)


def test_rollcall_posts_each_child_with_an_in_or_out_button(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    later_answer(server, "in Liam Johnson")

    _, message = post_board(server, user_id=STAFF)

    shown = buttons(message["blocks"])
    assert shown["Ava Smith"]["text"]["text"] == "In"
    assert shown["Liam Johnson"]["text"]["text"] == "Out"
    texts = " ".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    assert "in since 12:00 PM" in texts
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []


def test_a_click_records_the_time_and_updates_the_board_in_place(
    server: BotServer, app_runtime: Runtime, school: int, clock: FrozenClock
) -> None:
    ts, message = post_board(server)

    # When a staff member taps In for Ava at 8:02 AM local
    clock.now = clock.now.replace(hour=14, minute=2)
    click(server, ts, buttons(message["blocks"])["Ava Smith"], user_id=STAFF)

    # Then the board message is updated in place with an Out button and the time
    [update] = server.standin.wait_for("chat.update")
    assert update.args["channel"] == CHANNEL and update.args["ts"] == ts
    shown = buttons(update.args["blocks"])
    assert shown["Ava Smith"]["text"]["text"] == "Out"
    assert "in since 8:02 AM" in str(update.args["blocks"])
    [record] = records(app_runtime, school)
    assert record.student_id == student_id(app_runtime, school, "Ava Smith")

    # When they tap Out at 11:30 AM
    clock.now = clock.now.replace(hour=17, minute=30)
    click(server, ts, shown["Ava Smith"], user_id=STAFF)

    # Then the stay is closed and the board shows In again
    [_, second] = server.standin.wait_for("chat.update", count=2)
    assert buttons(second.args["blocks"])["Ava Smith"]["text"]["text"] == "In"
    [record] = records(app_runtime, school)
    assert record.check_out is not None
    assert record.check_out - record.check_in == timedelta(hours=3, minutes=28)


def test_double_clicks_on_in_check_the_child_in_once(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    ts, message = post_board(server)
    ava = buttons(message["blocks"])["Ava Smith"]

    # When the same In button is clicked five times at once
    start = threading.Barrier(CLICKS)

    def impatient_click() -> None:
        start.wait()
        click(server, ts, ava)

    threads = [threading.Thread(target=impatient_click) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then Ava has exactly one open stay, and the extra clicks were told so privately
    server.standin.wait_for("chat.update", count=CLICKS)
    refusals = server.standin.wait_for("response_url", count=CLICKS - 1)
    assert all("already checked in" in c.args["text"] for c in refusals)
    assert all(c.args["replace_original"] is False for c in refusals)
    assert len(records(app_runtime, school)) == 1


def test_a_click_from_another_workspace_is_refused_and_changes_nothing(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    ts, message = post_board(server)

    click(server, ts, buttons(message["blocks"])["Ava Smith"], team_id=OTHER_TEAM, user_id="U0B")

    [call] = server.standin.wait_for("response_url")
    assert "another Slack workspace" in call.args["text"]
    assert records(app_runtime, school) == []
    assert server.standin.calls_for("chat.update") == []


def test_a_forged_board_value_is_refused(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    server.action(f"{board.IN_ACTION}_1", value="not json", message_ts="1.2")

    [call] = server.standin.wait_for("response_url")
    assert "out of date" in call.args["text"]
    assert records(app_runtime, school) == []


def private_answers(server: BotServer, count: int) -> list[dict[str, Any]]:
    """What the app sent through response_urls: messages only the clicker sees."""
    calls = server.standin.wait_for("response_url", count=count)
    assert all(c.args["response_type"] == "ephemeral" for c in calls)
    return [c.args for c in calls]


def test_a_300_child_board_pages_privately_and_never_moves_the_shared_message(
    server: BotServer, app_runtime: Runtime
) -> None:
    names = [f"Child {i:03d} {'Longname' * 8}" for i in range(300)]
    school_id = make_school(app_runtime, names)

    ts, message = post_board(server)

    assert len(message["blocks"]) <= MESSAGE_BLOCKS
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    assert len(buttons(message["blocks"])) == board.PAGE_SIZE
    assert "page 1 of 8" in str(message["blocks"])

    # When a staff member pages to the last page and checks in the last child there
    pages = 0
    current = message["blocks"]
    while True:
        nav = next(
            b for b in current if b["type"] == "actions" and b["elements"][0]["type"] == "button"
        )
        forward = [e for e in nav["elements"] if e["action_id"] == f"{board.PAGE_ACTION}_next"]
        if not forward:
            break
        pages += 1
        # the first Next is on the shared message, the others in the private page
        server.action(
            forward[0]["action_id"], value=forward[0]["value"], message_ts=ts, ephemeral=pages > 1
        )
        answer = private_answers(server, pages)[-1]
        assert answer["replace_original"] is (pages > 1)
        current = answer["blocks"]
        assert violations(current, max_blocks=MESSAGE_BLOCKS) == []
    assert pages == 7
    assert "page 8 of 8" in str(current)
    last = buttons(current)[names[-1]]
    assert BoardRef.decode(last["value"]).page == 7
    click(server, ts, last, ephemeral=True)
    redrawn = private_answers(server, pages + 1)[-1]

    # Then their private page shows the child in, in place
    assert redrawn["replace_original"] is True
    assert buttons(redrawn["blocks"])[names[-1]]["text"]["text"] == "Out"
    [record] = records(app_runtime, school_id)
    assert record.student_id == student_id(app_runtime, school_id, names[-1])
    # and the channel's shared message never moved: it stays on page 1, only its count
    # follows the check-in
    [update] = server.standin.wait_for("chat.update")
    assert update.args["ts"] == ts
    assert "page 1 of 8" in str(update.args["blocks"])
    assert "*1* of 300 children checked in" in str(update.args["blocks"])
    assert buttons(update.args["blocks"]) == buttons(message["blocks"])


def test_a_300_child_board_finds_a_child_by_an_accentless_fragment(
    server: BotServer, app_runtime: Runtime
) -> None:
    names = [f"Child {i:03d} {'Ñandú' * 20}" for i in range(299)] + ["Zoë Ångström"]
    school_id = make_school(app_runtime, names)
    ts, message = post_board(server)
    [search] = [b for b in message["blocks"] if b.get("block_id", "").startswith("board_search")]
    assert search["elements"][0]["type"] == "external_select"

    def options(typed: str, **fields: Any) -> list[dict[str, Any]]:
        response = server.suggestion(
            board.SEARCH_ACTION, value=typed, block_id=search["block_id"], message_ts=ts, **fields
        )
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["options"]
        assert len(found) <= 100
        assert all(
            o["text"]["type"] == "plain_text" and len(o["text"]["text"]) <= 75 for o in found
        )
        return found

    # Typing a fragment without accents or capitals finds her; a common one stops at 100
    [zoe] = options("zoe ANGS", user_id=STAFF)
    assert zoe["text"]["text"] == "Zoë Ångström"
    assert len(options("nandu")) == 100
    assert options("zoe", team_id=OTHER_TEAM, user_id="U0B") == []

    # When the staff member picks her, her In button shows to them alone
    server.action(
        board.SEARCH_ACTION,
        selected_option={"value": zoe["value"]},
        block_id=search["block_id"],
        message_ts=ts,
        user_id=STAFF,
    )
    [card] = private_answers(server, 1)
    assert card["replace_original"] is False
    assert violations(card["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    zoe_in = buttons(card["blocks"])["Zoë Ångström"]
    assert zoe_in["text"]["text"] == "In"

    # When they tap In, the card turns to Out in place and the shared message stays
    click(server, ts, zoe_in, ephemeral=True, user_id=STAFF)
    [_, redrawn] = private_answers(server, 2)
    assert redrawn["replace_original"] is True
    assert buttons(redrawn["blocks"])["Zoë Ångström"]["text"]["text"] == "Out"
    [record] = records(app_runtime, school_id)
    assert record.student_id == student_id(app_runtime, school_id, "Zoë Ångström")
    [update] = server.standin.wait_for("chat.update")  # the shared board's count only
    assert update.args["ts"] == ts and "page 1 of 8" in str(update.args["blocks"])
    assert "*1* of 300 children checked in" in str(update.args["blocks"])


def test_in_with_a_loose_name_asks_did_you_mean_with_an_in_button(
    server: BotServer, app_runtime: Runtime
) -> None:
    school_id = make_school(app_runtime, ["Zoë Ångström", "Zoe <!here>", "Ava Smith"])

    server.slash("in Zoe", user_id=STAFF)

    [answer] = private_answers(server, 1)
    question = answer["blocks"][0]["text"]["text"]
    assert "Did you mean *Zoe &lt;!here&gt;* or *Zoë Ångström*?" in question
    assert "<!here>" not in str(answer)
    assert "rollcall student add" not in str(answer)
    shown = buttons(answer["blocks"])
    assert {k: v["text"]["text"] for k, v in shown.items()} == {
        "Zoë Ångström": "In",
        "Zoe &lt;!here&gt;": "In",
    }
    assert records(app_runtime, school_id) == []
    assert violations(answer["blocks"], max_blocks=MESSAGE_BLOCKS) == []

    # When they tap In for Zoë, she is checked in and the answer shows her Out button
    click(server, "1.2", shown["Zoë Ångström"], ephemeral=True, user_id=STAFF)
    [_, redrawn] = private_answers(server, 2)
    assert redrawn["replace_original"] is True
    assert buttons(redrawn["blocks"])["Zoë Ångström"]["text"]["text"] == "Out"
    [record] = records(app_runtime, school_id)
    assert record.student_id == student_id(app_runtime, school_id, "Zoë Ångström")


def test_did_you_mean_in_spanish_for_a_spanish_speaking_staff_member(
    server: BotServer, app_runtime: Runtime
) -> None:
    make_school(app_runtime, ["Zoë Ångström"])
    server.standin.add_user("U0LUCIA", name="lucia", locale="es-LA")

    server.slash("in Zoe", user_id="U0LUCIA")

    [answer] = private_answers(server, 1)
    assert "¿Quiso decir *Zoë Ångström*?" in answer["blocks"][0]["text"]["text"]
    assert buttons(answer["blocks"])["Zoë Ångström"]["text"]["text"] == "Entrada"


def test_in_with_no_name_close_says_so_without_a_command_line(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    text = later_answer(server, "in Xavier Q", user_id=STAFF)

    assert "No child here is named “Xavier Q”" in text
    assert "rollcall student add" not in text
    assert records(app_runtime, school) == []


def test_rollcall_where_the_bot_cannot_post_says_to_invite_it(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    server.standin.fail_next("chat.postMessage", "not_in_channel")

    server.slash("rollcall")

    [call] = server.standin.wait_for("response_url")
    assert "Invite me" in call.args["text"]


def remembered(rt: Runtime, school_id: int, boards: list[PostedBoard]) -> None:
    """Wait until the school's remembered boards are ``boards`` (the listener remembers a
    board after Slack answered its post)."""
    deadline = time.monotonic() + 5
    while posted_boards(rt, school_id=school_id) != boards:
        assert time.monotonic() < deadline, posted_boards(rt, school_id=school_id)
        time.sleep(0.02)


def test_the_latest_board_of_a_channel_is_remembered_in_its_posters_language(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    # Given a board posted in the channel in English
    first, _ = post_board(server, user_id=STAFF)
    remembered(app_runtime, school, [PostedBoard(CHANNEL, first, "en")])
    server.standin.reset()

    # When a Spanish-speaking director posts another one there
    server.standin.add_user(DIRECTOR, locale="es-LA")
    second, message = post_board(server, user_id=DIRECTOR)

    # Then the channel's board is the new one, in Spanish: the one an import redraws
    assert "Asistencia — Sunny Days" in str(message["blocks"])
    remembered(app_runtime, school, [PostedBoard(CHANNEL, second, "es")])


def test_a_board_slack_refuses_to_post_is_not_remembered(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    server.standin.fail_next("chat.postMessage", "not_in_channel")

    server.slash("rollcall")

    server.standin.wait_for("response_url")
    assert posted_boards(app_runtime, school_id=school) == []


# --- a stay left open on an earlier day --------------------------------------------------


def forget_a_check_out(rt: Runtime, school_id: int, name: str) -> None:
    """A stay of Nov 20 (five days before the frozen clock) that was never checked out."""
    with rt.session() as session:
        session.add(
            AttendanceRecord(
                school_id=school_id,
                student_id=student_id(rt, school_id, name),
                check_in=datetime(2026, 11, 20, 14, 0, tzinfo=UTC),
                source="slack",
            )
        )


def test_a_child_left_open_on_an_earlier_day_shows_in_and_can_be_checked_in(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    # Given Ava was never checked out on Nov 20
    forget_a_check_out(app_runtime, school, "Ava Smith")

    # When the board is posted today, Ava is not shown as checked in
    ts, message = post_board(server)
    ava = buttons(message["blocks"])["Ava Smith"]
    assert ava["text"]["text"] == "In"
    assert "*0* of 2 children checked in" in str(message["blocks"])

    # When a staff member taps In for her
    click(server, ts, ava, user_id=STAFF)

    # Then she is checked in today (no refusal), and the old stay is left for the report
    [update] = server.standin.wait_for("chat.update")
    assert buttons(update.args["blocks"])["Ava Smith"]["text"]["text"] == "Out"
    assert server.standin.calls_for("response_url") == []
    old, today = records(app_runtime, school)
    assert old.check_out is None and today.check_out is None
    assert today.check_in.date() == date(2026, 11, 25)


def test_out_with_only_an_older_open_stay_says_to_fix_it_in_the_review(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    forget_a_check_out(app_runtime, school, "Ava Smith")

    text = later_answer(server, "out Ava Smith", user_id=STAFF)

    assert "Ava Smith is not checked in on Wed, Nov 25" in text
    assert "last open stay, from Fri, Nov 20, was" in text and "Review" in text
    [old] = records(app_runtime, school)
    assert old.check_out is None


# --- refusals that name a child with Slack markup ----------------------------------------

MARKUP_CHILD = "<!here> *Ava*"


def test_refusals_naming_a_child_with_slack_markup_are_escaped(
    server: BotServer, app_runtime: Runtime
) -> None:
    # Given a child whose stored name is Slack markup, checked in already
    school_id = make_school(app_runtime, [MARKUP_CHILD])
    later_answer(server, f"in {MARKUP_CHILD}")
    server.standin.reset()

    # When she is checked in again with the slash command
    refused = later_answer(server, f"in {MARKUP_CHILD}")

    # Then the refusal names her escaped: no broadcast, no bold
    assert "is already checked in since" in refused
    assert refused.startswith("&lt;!here&gt; \u200b*\u200bAva\u200b*\u200b is already")
    assert "<!here>" not in refused and "*Ava*" not in refused

    # When the board's In button is pressed for her from an out-of-date board
    server.standin.reset()
    ref = BoardRef(school_id, student_id(app_runtime, school_id, MARKUP_CHILD))
    server.action(f"{board.IN_ACTION}_{ref.student_id}", value=ref.encode(), message_ts="1.2")

    # Then the private refusal is escaped too
    call = server.standin.wait_for("response_url")[0]
    assert "is already checked in since" in call.args["text"]
    assert call.args["text"].startswith("&lt;!here&gt;")
    assert "<!here>" not in call.args["text"] and "*Ava*" not in call.args["text"]
    assert len(records(app_runtime, school_id)) == 1
    # (and the board is redrawn from the database before the test's tables are emptied)
    server.standin.wait_for("chat.update")


def test_absences_and_closures_from_slack_reach_the_report(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    # When staff record Ava absent on a past weekday (written the US way) and the center
    # closed for a holiday
    absent = later_answer(server, "absent ava smith 11/19/2026", user_id=STAFF)
    server.standin.reset()
    closed = later_answer(server, "closed 2026-11-20 holiday", user_id=STAFF)
    server.standin.reset()
    refused = later_answer(server, "closed tomorrow", user_id=STAFF)

    # Then each is confirmed in words, and a bad date is refused
    assert absent == "Ava Smith is recorded absent on Thu, Nov 19."
    assert closed == "The center is recorded closed for a holiday on Fri, Nov 20."
    assert "date" in refused
    report = school_report(
        app_runtime, school_id=school, start=date(2026, 11, 8), end=date(2026, 11, 21)
    )
    ava = next(r for r in report.rows if r.student == "Ava Smith")
    assert (ava.absences, ava.away[-1]) == (1, (date(2026, 11, 20), "holiday"))


def test_a_director_removes_an_absence_or_closure_recorded_by_mistake(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    later_answer(server, "absent ava smith 2026-11-19", user_id=STAFF)
    server.standin.reset()
    later_answer(server, "closed 2026-11-20 holiday", user_id=STAFF)
    server.standin.reset()

    # When staff try to remove the absence, then a director removes it and the closure
    refused = later_answer(server, "delete-absence ava smith 2026-11-19", user_id=STAFF)
    server.standin.reset()
    removed = later_answer(server, "delete-absence ava smith 11/19/2026")
    server.standin.reset()
    reopened = later_answer(server, "delete-absence * 2026-11-20")
    server.standin.reset()
    again = later_answer(server, "delete-absence ava smith 2026-11-19")

    # Then staff are refused, each removal is confirmed, and nothing is left to remove
    assert "Only the school's directors can do that" in refused
    assert removed == "The absence of Ava Smith on Thu, Nov 19 is removed."
    assert reopened == "The closure of Fri, Nov 20 is removed."
    assert again == "No absence of Ava Smith is recorded on Nov 19, 2026."
    report = school_report(
        app_runtime, school_id=school, start=date(2026, 11, 8), end=date(2026, 11, 21)
    )
    ava = next(r for r in report.rows if r.student == "Ava Smith")
    assert (ava.absences, ava.away) == (0, ())


def test_the_board_marks_a_child_absent_today(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    later_answer(server, "in Liam Johnson")
    server.standin.reset()
    ts, message = post_board(server, user_id=STAFF)

    # When staff switch the board to absences and tap Absent for Ava
    mode = next(
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == board.MODE_ACTION
    )
    click(server, ts, mode, user_id=STAFF)
    [switched] = server.standin.wait_for("chat.update")
    shown = buttons(switched.args["blocks"])
    assert shown["Ava Smith"]["text"]["text"] == "Absent"
    assert "Liam Johnson" not in shown  # checked in: no Absent button
    click(server, ts, shown["Ava Smith"], user_id=STAFF)

    # Then Ava is absent today, the board says so, and nothing was checked in for her
    [_, after] = server.standin.wait_for("chat.update", count=2)
    assert "Ava Smith* — away today" in str(after.args["blocks"])
    report = school_report(
        app_runtime, school_id=school, start=date(2026, 11, 22), end=date(2026, 12, 5)
    )
    ava = next(r for r in report.rows if r.student == "Ava Smith")
    assert (ava.absences, ava.days) == (1, 0)


def test_a_check_in_or_out_typed_in_the_channel_redraws_the_posted_board(
    server: BotServer, app_runtime: Runtime, school: int, clock: FrozenClock
) -> None:
    ts, message = post_board(server, user_id=STAFF)
    remembered(app_runtime, school, [PostedBoard(CHANNEL, ts, "en")])
    assert buttons(message["blocks"])["Ava Smith"]["text"]["text"] == "In"

    # When staff type Ava's check-in, then her check-out, instead of tapping the board
    server.slash("in Ava Smith", user_id=STAFF)
    [checked_in] = server.standin.wait_for("chat.update")
    clock.advance(timedelta(hours=3))
    server.slash("out Ava Smith", user_id=STAFF)
    [_, checked_out] = server.standin.wait_for("chat.update", count=2)

    # Then the channel's board shows each at once, in place
    assert (checked_in.args["channel"], checked_in.args["ts"]) == (CHANNEL, ts)
    assert buttons(checked_in.args["blocks"])["Ava Smith"]["text"]["text"] == "Out"
    assert checked_out.args["ts"] == ts
    assert buttons(checked_out.args["blocks"])["Ava Smith"]["text"]["text"] == "In"
    assert len(records(app_runtime, school)) == 1


def test_an_absence_typed_in_the_channel_shows_on_the_board_until_it_is_removed(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    ts, _message = post_board(server, user_id=STAFF)
    remembered(app_runtime, school, [PostedBoard(CHANNEL, ts, "en")])

    # When staff record Ava absent today, and a director removes it as a mistake
    server.slash("absent Ava Smith", user_id=STAFF)
    [marked] = server.standin.wait_for("chat.update")
    server.slash("delete-absence Ava Smith 11/25/2026")
    [_, unmarked] = server.standin.wait_for("chat.update", count=2)

    # Then the board says she is away today, then no longer
    assert marked.args["ts"] == ts and unmarked.args["ts"] == ts
    assert "Ava Smith* — away today" in str(marked.args["blocks"])
    assert "away today" not in str(unmarked.args["blocks"])
    assert buttons(unmarked.args["blocks"])["Ava Smith"]["text"]["text"] == "In"


def test_a_closure_typed_in_the_channel_redraws_the_board_in_its_language(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    server.standin.add_user(STAFF, locale="es-LA")
    ts, _message = post_board(server, user_id=STAFF)
    remembered(app_runtime, school, [PostedBoard(CHANNEL, ts, "es")])

    # When a director (reading English) records the center closed today
    server.slash("closed 11/25/2026")
    [closed] = server.standin.wait_for("chat.update")

    # Then the board, posted in Spanish, is redrawn in Spanish with everyone away
    shown = str(closed.args["blocks"])
    assert closed.args["ts"] == ts
    assert "Ava Smith* — ausente hoy" in shown and "Liam Johnson* — ausente hoy" in shown
