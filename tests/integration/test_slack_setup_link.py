"""Linking children to KinderTrack child IDs from Slack: /kindertrack link, the link
modal, the report's "Link child ID" button, and /kindertrack sync.

Real Bolt app over signed HTTP, the Slack stand-in, the real test database; KinderTrack
is the in-memory fake (roster: Ava Smith 123456, José Núñez 234567, Liam Johnson 345678).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import select

import bot.runtime
import workers.runtime
from bot.blocks import modals
from bot.blocks.modals import ModalMeta
from bot.blocks.report import LINK_ACTION
from bot.blocks.values import StudentRef
from bot.escape import unescape_mrkdwn
from core.errors import KinderTrackUnavailable
from core.ports import RosterChild
from core.services.roster_cache import ROSTER_TTL
from core.services.runtime import Runtime
from core.services.schools import register_provider
from core.services.students import add_student, link_student
from core.services.workspace import create_team_school
from core.store.tables import Student
from tests.fakes import FakeKinderTrack, FrozenClock
from tests.fixtures.slack import BotServer

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers

TEAM = "T0001"
OTHER_TEAM = "T0OTHER"
DIRECTOR = "U0DIRECTOR"
STAFF = "U0STAFF"
CHANNEL = "C0SCHOOL"


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


@pytest.fixture
def school(app_runtime: Runtime) -> int:
    """A registered school (provider 12345) with two students not yet linked."""
    made = create_team_school(
        app_runtime, team_id=TEAM, name="Sunny Days", creator=DIRECTOR, channel_id=CHANNEL
    )
    school_id = made.id or 0
    register_provider(app_runtime, school_id=school_id, provider_id="12345", actor=DIRECTOR)
    for name in ("Ava Smith", "Jose Nunez"):
        add_student(app_runtime, school_id=school_id, name=name, actor=DIRECTOR)
    return school_id


def child_ids(rt: Runtime, school_id: int) -> dict[str, str | None]:
    with rt.session() as session:
        return {
            s.name: s.child_id
            for s in session.exec(select(Student).where(Student.school_id == school_id))
        }


def student_id(rt: Runtime, school_id: int, name: str) -> int:
    with rt.session() as session:
        found = session.exec(
            select(Student).where(Student.school_id == school_id, Student.name == name)
        ).one()
        return found.id or 0


def later_answer(server: BotServer, text: str, **fields: Any) -> str:
    response = server.slash(text, **fields)
    assert response.status_code == 200, response.text
    [call] = server.standin.wait_for("response_url")
    return str(call.args["text"])


# --- /kindertrack link STUDENT CHILD_ID -------------------------------------------------


def test_link_with_a_name_and_child_id_links_them(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    text = later_answer(server, "link  ava   SMITH 123456 ")

    assert text.startswith(":link: Ava Smith is linked to KinderTrack child ID 123456")
    assert child_ids(app_runtime, school)["Ava Smith"] == "123456"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Ava Smith １２３４５６", "uses digits other than 0-9"),
        ("Ava Smith 12345", "has 5 digits"),
        ("Ava Smith 999999", "KinderTrack has no child 999999"),
        ("Nobody Here 123456", "No student named 'Nobody Here'"),
        ("Ava", "Give the student's name and then their 6-digit child ID"),
    ],
)
def test_link_refusals_say_why_and_save_nothing(
    server: BotServer, app_runtime: Runtime, school: int, typed: str, expected: str
) -> None:
    text = later_answer(server, f"link {typed}")

    assert expected in text
    assert set(child_ids(app_runtime, school).values()) == {None}


def test_link_a_child_id_already_linked_is_refused(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    assert "linked" in later_answer(server, "link Ava Smith 123456")
    server.standin.reset()

    text = later_answer(server, "link Jose Nunez 123456")

    assert "Child ID 123456 is already linked to another student (Ava Smith)" in text
    assert child_ids(app_runtime, school)["Jose Nunez"] is None


def test_staff_cannot_link(server: BotServer, app_runtime: Runtime, school: int) -> None:
    text = later_answer(server, "link Ava Smith 123456", user_id=STAFF)

    assert "Only the school's directors" in text
    assert child_ids(app_runtime, school)["Ava Smith"] is None


# --- the link modal ---------------------------------------------------------------------


def test_link_without_arguments_opens_a_modal_with_the_unlinked_roster(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    # Given Ava is already linked
    later_answer(server, "link Ava Smith 123456")
    server.standin.reset()

    # When the director types /kindertrack link
    server.slash("link")

    # Then a loading modal opens at once and is replaced by the pick lists
    [opened] = server.standin.wait_for("views.open")
    assert "roster" in str(opened.args["view"])
    [updated] = server.standin.wait_for("views.update")
    view = updated.args["view"]
    assert view["callback_id"] == modals.LINK_CALLBACK
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[modals.CHILD_BLOCK]["element"]["type"] == "external_select"
    options = menu(server, view, "")
    assert sorted(o["value"] for o in options) == ["234567", "345678"]  # Ava's is taken
    assert "234567 · José Núñez" in [o["text"]["text"] for o in options]
    students = blocks[modals.STUDENT_BLOCK]["element"]["options"]
    assert [o["text"]["text"] for o in students] == ["Jose Nunez"]
    assert ModalMeta.decode(view["private_metadata"]).school_id == school


def test_link_modal_says_so_when_kindertrack_cannot_be_read(
    server: BotServer,
    app_runtime: Runtime,
    school: int,
    fake_kindertrack: FakeKinderTrack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unavailable(provider_id: str) -> list[RosterChild]:
        raise KinderTrackUnavailable("KinderTrack answered 503.")

    monkeypatch.setattr(fake_kindertrack, "list_children", unavailable)

    server.slash("link")

    [updated] = server.standin.wait_for("views.update")
    assert "Could not read KinderTrack's roster" in str(updated.args["view"])
    assert "callback_id" not in updated.args["view"]


def menu(server: BotServer, view: dict[str, Any], typed: str) -> list[dict[str, Any]]:
    """The link menu's options for ``typed``, asked of the app as Slack would."""
    response = server.suggestion(
        modals.CHILD_ACTION, value=typed, block_id=modals.CHILD_BLOCK, view=view
    )
    assert response.status_code == 200, response.text
    options: list[dict[str, Any]] = response.json()["options"]
    assert len(options) <= 100
    assert all(len(o["text"]["text"]) <= 75 and o["text"]["type"] == "plain_text" for o in options)
    return options


def test_link_menu_reaches_the_whole_130_child_roster_by_typing(
    server: BotServer, app_runtime: Runtime, school: int, fake_kindertrack: FakeKinderTrack
) -> None:
    fake_kindertrack.children["12345"] = [
        RosterChild(f"{700000 + i}", f"Kid{i:03d}", "Ångström-Family-Name " * 6) for i in range(130)
    ]
    server.slash("link")
    [updated] = server.standin.wait_for("views.update")
    view = updated.args["view"]

    # The first 100 with nothing typed; every one of the 130 by a fragment of the name
    # ("KID04" → Kid040…Kid049), without accents or capitals, or by the child ID
    assert len(menu(server, view, "")) == 100
    reached: set[str] = set()
    for tens in range(13):
        found = menu(server, view, f"KID{tens:02d}")
        assert [o["value"] for o in found] == [f"{700000 + tens * 10 + i}" for i in range(10)]
        reached.update(o["value"] for o in found)
    assert reached == {f"{700000 + i}" for i in range(130)}
    [by_id] = menu(server, view, "700129")
    assert menu(server, view, "kid129 angstrom-family") == [by_id]
    # A 75-character option keeps the child ID and clips the name
    label = by_id["text"]["text"]
    assert label.startswith("700129 · Kid129 Ångström") and label.endswith("…")
    assert len(label) == 75


def test_typing_in_the_link_menu_reuses_the_roster_read_a_moment_ago(
    server: BotServer,
    app_runtime: Runtime,
    school: int,
    fake_kindertrack: FakeKinderTrack,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[str] = []
    read_roster = fake_kindertrack.list_children

    def counted(provider_id: str) -> list[RosterChild]:
        reads.append(provider_id)
        return read_roster(provider_id)

    monkeypatch.setattr(fake_kindertrack, "list_children", counted)
    server.slash("link")
    [updated] = server.standin.wait_for("views.update")
    view = updated.args["view"]
    assert reads == ["12345"]  # the modal read the roster once

    # When the director types "L", "Li", "Lia", "Liam": no KinderTrack call per keystroke
    for typed in ("L", "Li", "Lia", "Liam"):
        [liam] = menu(server, view, typed)
        assert liam["value"] == "345678"
    assert reads == ["12345"]

    # A child linked meanwhile is no longer offered, still without asking KinderTrack
    link_student(app_runtime, school_id=school, name="Ava Smith", child_id="123456", actor="t")
    read_so_far = len(reads)  # linking checks the child ID against a fresh roster
    assert "123456" not in {o["value"] for o in menu(server, view, "")}
    assert len(reads) == read_so_far

    # A minute later the roster is read again (KinderTrack may have added a child)
    clock.advance(ROSTER_TTL)
    assert menu(server, view, "Liam")
    assert len(reads) == read_so_far + 1


def test_link_menu_is_empty_for_staff_or_another_workspace(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    view = {"id": "V1", "private_metadata": ModalMeta(school, CHANNEL).encode()}
    assert menu(server, view, "")  # the director sees the roster
    response = server.suggestion(modals.CHILD_ACTION, view=view, user_id=STAFF)
    assert response.json()["options"] == []
    response = server.suggestion(modals.CHILD_ACTION, view=view, team_id=OTHER_TEAM)
    assert response.json()["options"] == []


def link_values(child: str | None, student: int | None) -> dict[str, Any]:
    def pick(value: str | None) -> dict[str, Any]:
        return {
            "type": "static_select",
            "selected_option": {"value": value} if value is not None else None,
        }

    return {
        modals.CHILD_BLOCK: {modals.CHILD_ACTION: pick(child)},
        modals.STUDENT_BLOCK: {
            modals.STUDENT_ACTION: pick(str(student) if student is not None else None)
        },
    }


def test_link_modal_submission_acks_linking_then_tells_the_result(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    jose = student_id(app_runtime, school, "Jose Nunez")

    # When the director submits the link modal (opened from the school's channel)
    response = server.view_submission(
        modals.LINK_CALLBACK,
        values=link_values("234567", jose),
        private_metadata=ModalMeta(school, CHANNEL).encode(),
    )

    # Then the ack turns the modal into "Linking…"
    body = response.json()
    assert body["response_action"] == "update"
    assert "Linking Jose Nunez to KinderTrack child ID 234567" in str(body["view"])
    # And the result comes afterwards, to the director only, in that channel
    [told] = server.standin.wait_for("chat.postEphemeral")
    assert told.args["channel"] == CHANNEL
    assert told.args["user"] == DIRECTOR
    assert "Jose Nunez is linked to KinderTrack child ID 234567" in told.args["text"]
    assert child_ids(app_runtime, school)["Jose Nunez"] == "234567"


def test_link_modal_from_the_home_tab_tells_the_result_by_direct_message(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    jose = student_id(app_runtime, school, "Jose Nunez")

    body = server.view_submission(
        modals.LINK_CALLBACK,
        values=link_values("234567", jose),
        private_metadata=ModalMeta(school).encode(),
    ).json()

    assert "in a direct message" in str(body["view"])
    [told] = server.standin.wait_for("chat.postMessage")
    assert told.args["channel"] == DIRECTOR
    assert "Jose Nunez is linked to KinderTrack child ID 234567" in told.args["text"]


def test_link_modal_submission_is_acked_before_a_slow_kindertrack_answers(
    server: BotServer,
    app_runtime: Runtime,
    school: int,
    fake_kindertrack: FakeKinderTrack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given KinderTrack takes 4 seconds to list its roster (more than Slack waits)
    roster = fake_kindertrack.list_children
    answered = threading.Event()

    def slow(provider_id: str) -> list[RosterChild]:
        time.sleep(4)
        answered.set()
        return roster(provider_id)

    monkeypatch.setattr(fake_kindertrack, "list_children", slow)
    jose = student_id(app_runtime, school, "Jose Nunez")

    # When the director submits the link modal
    started = time.monotonic()
    response = server.view_submission(
        modals.LINK_CALLBACK,
        values=link_values("234567", jose),
        private_metadata=ModalMeta(school, CHANNEL).encode(),
    )
    acked_after = time.monotonic() - started

    # Then the modal is acked within Slack's 3 seconds, before KinderTrack has answered
    assert not answered.is_set()
    assert response.json()["response_action"] == "update"
    assert acked_after < 3.0
    # And the link's result arrives afterwards
    [told] = server.standin.wait_for("chat.postEphemeral", timeout=10)
    assert answered.is_set()
    assert "Jose Nunez is linked to KinderTrack child ID 234567" in told.args["text"]
    assert child_ids(app_runtime, school)["Jose Nunez"] == "234567"


def test_link_modal_submission_refused_by_kindertrack_is_told_afterwards(
    server: BotServer,
    app_runtime: Runtime,
    school: int,
    fake_kindertrack: FakeKinderTrack,
) -> None:
    # Given the child left KinderTrack's roster after the modal was opened
    jose = student_id(app_runtime, school, "Jose Nunez")
    fake_kindertrack.children["12345"] = [
        c for c in fake_kindertrack.children["12345"] if c.child_id != "234567"
    ]

    body = server.view_submission(
        modals.LINK_CALLBACK,
        values=link_values("234567", jose),
        private_metadata=ModalMeta(school, CHANNEL).encode(),
    ).json()

    assert body["response_action"] == "update"
    [told] = server.standin.wait_for("chat.postEphemeral")
    assert "Jose Nunez was not linked" in told.args["text"]
    assert "KinderTrack has no child 234567" in told.args["text"]
    assert child_ids(app_runtime, school)["Jose Nunez"] is None


def test_link_modal_submission_with_a_taken_child_id_errors_on_the_field(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    later_answer(server, "link Ava Smith 123456")
    jose = student_id(app_runtime, school, "Jose Nunez")

    body = server.view_submission(
        modals.LINK_CALLBACK,
        values=link_values("123456", jose),
        private_metadata=ModalMeta(school, CHANNEL).encode(),
    ).json()

    assert body["response_action"] == "errors"
    assert "already linked" in body["errors"][modals.CHILD_BLOCK]
    assert child_ids(app_runtime, school)["Jose Nunez"] is None


def test_link_modal_submission_for_an_already_linked_student_errors_on_the_student(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    later_answer(server, "link Ava Smith 123456")
    ava = student_id(app_runtime, school, "Ava Smith")

    body = server.view_submission(
        modals.LINK_CALLBACK,
        values=link_values("234567", ava),
        private_metadata=ModalMeta(school, CHANNEL).encode(),
    ).json()

    assert body["response_action"] == "errors"
    assert modals.STUDENT_BLOCK in body["errors"]
    assert child_ids(app_runtime, school)["Ava Smith"] == "123456"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"user_id": STAFF}, "Only the school's directors"),
        ({"team_id": OTHER_TEAM, "user_id": "U0B"}, "another Slack workspace"),
    ],
)
def test_link_modal_submission_by_staff_or_another_workspace_is_refused(
    server: BotServer,
    app_runtime: Runtime,
    school: int,
    fields: dict[str, str],
    expected: str,
) -> None:
    jose = student_id(app_runtime, school, "Jose Nunez")

    body = server.view_submission(
        modals.LINK_CALLBACK,
        values=link_values("234567", jose),
        private_metadata=ModalMeta(school, CHANNEL).encode(),
        **fields,
    ).json()

    assert body["response_action"] == "errors"
    assert expected in body["errors"][modals.CHILD_BLOCK]
    assert child_ids(app_runtime, school)["Jose Nunez"] is None


# --- the report's "Link child ID" button -----------------------------------------------


def test_report_link_button_opens_the_modal_with_the_student_preselected(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    jose = student_id(app_runtime, school, "Jose Nunez")

    server.action(f"{LINK_ACTION}_{jose}", value=StudentRef(school, jose).encode())

    [updated] = server.standin.wait_for("views.update")
    view = updated.args["view"]
    student_select = next(b for b in view["blocks"] if b.get("block_id") == modals.STUDENT_BLOCK)
    assert student_select["element"]["initial_option"]["value"] == str(jose)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"user_id": STAFF}, "Only the school's directors"),
        ({"team_id": OTHER_TEAM, "user_id": "U0B"}, "another Slack workspace"),
    ],
)
def test_report_link_button_refuses_staff_and_other_workspaces(
    server: BotServer, app_runtime: Runtime, school: int, fields: dict[str, str], expected: str
) -> None:
    jose = student_id(app_runtime, school, "Jose Nunez")

    server.action(f"{LINK_ACTION}_{jose}", value=StudentRef(school, jose).encode(), **fields)

    [call] = server.standin.wait_for("response_url")
    assert expected in call.args["text"]
    assert call.args["replace_original"] is False
    assert server.standin.calls_for("views.open") == []


# --- /kindertrack sync -------------------------------------------------------------------


def test_sync_links_exact_matches_and_lists_the_rest_both_ways(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    add_student(app_runtime, school_id=school, name="<!here> *Zed*", actor=DIRECTOR)

    response = server.slash("sync")

    assert response.json()["text"] == "Syncing with KinderTrack's roster…"
    [call] = server.standin.wait_for("response_url")
    shown = "\n".join(b["text"]["text"] for b in call.args["blocks"])
    # Ava Smith and Jose Nunez match the roster's "Ava Smith" and "José Núñez"
    assert child_ids(app_runtime, school) == {
        "Ava Smith": "123456",
        "Jose Nunez": "234567",
        "<!here> *Zed*": None,
    }
    assert "2 newly linked" in shown
    assert "Liam Johnson (345678)" in shown  # on KinderTrack, not here
    assert "<!here>" not in shown  # our unmatched student, escaped
    assert "<!here> *Zed*" in unescape_mrkdwn(shown)


def test_sync_before_registering_says_to_register(server: BotServer, app_runtime: Runtime) -> None:
    create_team_school(
        app_runtime, team_id=TEAM, name="New School", creator=DIRECTOR, channel_id=CHANNEL
    )

    server.slash("sync")

    [call] = server.standin.wait_for("response_url")
    assert "Register the school's KinderTrack provider ID" in call.args["text"]


def test_staff_cannot_sync(server: BotServer, app_runtime: Runtime, school: int) -> None:
    response = server.slash("sync", user_id=STAFF)

    assert "Only the school's directors" in response.json()["text"]
    assert set(child_ids(app_runtime, school).values()) == {None}


def _sync_answer(server: BotServer) -> list[dict[str, Any]]:
    server.slash("sync")
    [call] = server.standin.wait_for("response_url")
    server.standin.reset()
    return list(call.args["blocks"])


def _link_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in blocks if b.get("accessory", {}).get("type") == "button"]


def test_a_near_match_is_linked_by_one_click_and_an_ambiguous_one_never(
    server: BotServer, app_runtime: Runtime, fake_kindertrack: FakeKinderTrack, school: int
) -> None:
    # Given a typo'd student, and a roster with two children named Ava Smith
    add_student(app_runtime, school_id=school, name="Liam Johnsen", actor=DIRECTOR)
    fake_kindertrack.children["12345"].append(RosterChild("999999", "Ava", "Smith"))

    # When a director syncs
    blocks = _sync_answer(server)

    # Then José links, Liam waits for review with a button, Ava is ambiguous and unlinked
    shown = "\n".join(b["text"]["text"] for b in blocks)
    assert child_ids(app_runtime, school) == {
        "Ava Smith": None,
        "Jose Nunez": "234567",
        "Liam Johnsen": None,
    }
    assert "*Liam Johnsen* here is *Liam Johnson* (345678)" in shown
    assert "Ava Smith: Ava Smith (123456), Ava Smith (999999)" in shown
    [button] = _link_buttons(blocks)

    # When another workspace's user or staff click it, nothing is linked
    for fields, expected in (
        ({"user_id": STAFF}, "Only the school's directors"),
        ({"team_id": OTHER_TEAM, "user_id": "U0B"}, "another Slack workspace"),
    ):
        server.action(button["action_id"], value=button["value"], **fields)
        [refusal] = server.standin.wait_for("response_url")
        assert expected in refusal.args["text"]
        assert refusal.args["replace_original"] is False
        server.standin.reset()
    assert child_ids(app_runtime, school)["Liam Johnsen"] is None

    # When the director clicks it (twice: a double click), it is linked once
    for _ in range(2):
        server.action(button["action_id"], value=button["value"])
        [answer] = server.standin.wait_for("response_url")
        assert "Liam Johnsen is linked to KinderTrack child ID 345678" in answer.args["text"]
        server.standin.reset()
    assert child_ids(app_runtime, school)["Liam Johnsen"] == "345678"


def test_a_confirmed_child_taken_since_is_refused(
    server: BotServer, app_runtime: Runtime, school: int
) -> None:
    add_student(app_runtime, school_id=school, name="Liam Johnsen", actor=DIRECTOR)
    [button] = _link_buttons(_sync_answer(server))
    add_student(app_runtime, school_id=school, name="Liam Johnson", actor=DIRECTOR)
    link_student(
        app_runtime, school_id=school, name="Liam Johnson", child_id="345678", actor=DIRECTOR
    )

    server.action(button["action_id"], value=button["value"])

    [refusal] = server.standin.wait_for("response_url")
    assert "already linked to another student" in refusal.args["text"]
    assert child_ids(app_runtime, school)["Liam Johnsen"] is None
