"""Setting a school up from Slack: /kindertrack school, register, directors.

Every test drives the real Bolt app over HTTP with signed requests, against the Slack
stand-in and the real test database. Registration goes through a real Dramatiq worker
on the real Redis, asking the real KinderTrack sandbox over HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import time as wall_time
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import Engine
from sqlmodel import select

import bot.runtime
import workers.runtime
from bot.blocks import modals
from bot.blocks.modals import ModalMeta
from bot.notifier import SlackNotifier
from core.services.runtime import Runtime
from core.services.schools import get_school, register_provider
from core.services.workspace import create_team_school, directors_of, school_for_channel
from core.store.tables import ChannelSchool, Registration, School
from kindertrack.client import HttpKinderTrack
from standins.slack_web_api import SlackStandin
from tests.fakes import FrozenClock
from tests.fixtures.database import CALENDAR
from tests.fixtures.slack import BOT_TOKEN, BotServer

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers

TEAM = "T0001"
OTHER_TEAM = "T0OTHER"
DIRECTOR = "U0DIRECTOR"
STAFF = "U0STAFF"
CHANNEL = "C0SCHOOL"


def eventually(check: Callable[[], Any], *, timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy (bounded; no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(0.05)


@pytest.fixture
def app_runtime(rt: Runtime) -> Iterator[Runtime]:
    """The app and the workers on the test database, with the fake KinderTrack."""
    bot.runtime.use_runtime(rt)
    workers.runtime.use_runtime(rt)
    yield rt
    bot.runtime.use_runtime(None)
    workers.runtime.use_runtime(None)


@pytest.fixture
def server(bot_server_factory: Callable[..., BotServer], app_runtime: Runtime) -> BotServer:
    return bot_server_factory()


@pytest.fixture
def sandbox_runtime(
    db: Engine, kindertrack_client: HttpKinderTrack, clock: FrozenClock, slack_standin: SlackStandin
) -> Iterator[Runtime]:
    """The app and the workers on the test database, asking the real sandbox over HTTP;
    the workers answer through the real Slack notifier (bot/notifier.py) on the stand-in."""
    holder: list[Runtime] = []
    notifier = SlackNotifier(
        token_for_team=lambda team_id: BOT_TOKEN,
        base_url=slack_standin.api_url,
        runtime=lambda: holder[0],
    )
    rt = Runtime(
        engine=db,
        kindertrack=kindertrack_client,
        calendar=CALENDAR,
        notifier=notifier,
        clock=clock,
    )
    holder.append(rt)
    bot.runtime.use_runtime(rt)
    workers.runtime.use_runtime(rt)
    yield rt
    bot.runtime.use_runtime(None)
    workers.runtime.use_runtime(None)


@pytest.fixture
def worker(redis_broker: RedisBroker) -> Iterator[dramatiq.Worker]:
    import workers.actors  # noqa: F401  (declares the actors on the test broker)

    running = dramatiq.Worker(redis_broker, worker_timeout=100, worker_threads=2)
    running.start()
    yield running
    running.stop()


def school_of(rt: Runtime, name: str = "Sunny Days", *, team: str = TEAM) -> int:
    school = create_team_school(rt, team_id=team, name=name, creator=DIRECTOR, channel_id=CHANNEL)
    return school.id or 0


def registration(rt: Runtime, school_id: int) -> Registration | None:
    with rt.session() as session:
        return session.exec(select(Registration).where(Registration.school_id == school_id)).first()


def answer(server: BotServer, text: str, **fields: Any) -> str:
    """Run a slash command and return its later answer (posted to the response_url)."""
    response = server.slash(text, **fields)
    assert response.status_code == 200, response.text
    [call] = server.standin.wait_for("response_url")
    return str(call.args["text"])


def ack_text(server: BotServer, text: str, **fields: Any) -> str:
    response = server.slash(text, **fields)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    return str(body["text"])


# --- school ----------------------------------------------------------------------------


def test_school_without_a_name_in_a_new_workspace_says_how_to_start(server: BotServer) -> None:
    text = answer(server, "school")

    assert "does not work on a school yet" in text
    assert "/kindertrack school NAME" in text


def test_school_with_a_new_name_creates_it_with_the_creator_as_director(
    server: BotServer, app_runtime: Runtime
) -> None:
    # When a user creates a school from a channel
    text = answer(server, "school Sunny Days", user_id="U0MARIA", channel_id="C0SUNNY")

    # Then it exists in this workspace, the creator directs it, the channel works on it
    assert "Created *Sunny Days*" in text
    with app_runtime.session() as session:
        school = session.exec(select(School).where(School.team_id == TEAM)).one()
        assert directors_of(session, school_id=school.id or 0) == ["U0MARIA"]
        bound = school_for_channel(session, team_id=TEAM, channel_id="C0SUNNY")
        assert bound is not None and bound.id == school.id
    # And asking again names it
    server.standin.reset()
    assert "This channel works on *Sunny Days*" in answer(server, "school", channel_id="C0SUNNY")


def test_school_with_an_existing_name_binds_the_channel_for_its_directors_only(
    server: BotServer, app_runtime: Runtime
) -> None:
    # Given two schools of the workspace (multi-site)
    first = school_of(app_runtime, "Sunny Days")
    school_of(app_runtime, "Prairie Sprouts")

    # When a staff member tries to bind another channel to Sunny Days
    refused = answer(server, "school sunny days", user_id=STAFF, channel_id="C0OTHER")

    # Then they are refused and the channel works on nothing
    assert "Only the school's directors" in refused
    with app_runtime.session() as session:
        assert school_for_channel(session, team_id=TEAM, channel_id="C0OTHER") is None

    # When its director does it
    server.standin.reset()
    bound = answer(server, "school sunny days", channel_id="C0OTHER")

    # Then the channel works on it, and the list names both schools
    assert "now works on *Sunny Days*" in bound
    with app_runtime.session() as session:
        school = school_for_channel(session, team_id=TEAM, channel_id="C0OTHER")
        assert school is not None and school.id == first
    server.standin.reset()
    status = answer(server, "school", channel_id="C0OTHER")
    assert "Prairie Sprouts" in status and "Sunny Days" in status


def test_school_names_with_slack_markup_are_escaped(server: BotServer) -> None:
    text = answer(server, "school <!channel> *Stars*")

    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
    assert "*Stars*" not in text  # the asterisks are neutralised with zero-width spaces


def test_school_of_another_workspace_is_not_visible_here(
    server: BotServer, app_runtime: Runtime
) -> None:
    # Given workspace A's school
    school_of(app_runtime, "Sunny Days", team=TEAM)

    # When a user of workspace B names it
    text = answer(server, "school Sunny Days", team_id=OTHER_TEAM, user_id="U0B")

    # Then B gets its own new school; A's school and its binding are untouched
    assert "Created" in text
    with app_runtime.session() as session:
        schools = session.exec(select(School).where(School.name == "Sunny Days")).all()
        assert sorted(s.team_id for s in schools) == sorted([TEAM, OTHER_TEAM])
        a_binding = session.exec(select(ChannelSchool).where(ChannelSchool.team_id == TEAM)).one()
        assert a_binding.school_id == next(s.id for s in schools if s.team_id == TEAM)


# --- register with an ID (through the real worker and the real sandbox) ---------------


def test_register_with_an_id_acks_then_a_worker_registers_it_with_kindertrack(
    bot_server_factory: Callable[..., BotServer],
    sandbox_runtime: Runtime,
    worker: dramatiq.Worker,
) -> None:
    # Given a school whose channel the director types in
    school_id = school_of(sandbox_runtime)
    server = bot_server_factory()

    # When they register the sandbox's active provider
    text = ack_text(server, "register 12345 K7PM2QXA")

    # Then the ack says what is happening
    assert text == "Checking provider ID 12345 with KinderTrack…"
    # And the worker verified it with KinderTrack and stored it
    stored = eventually(lambda: registration(sandbox_runtime, school_id))
    assert stored.provider_id == "12345"
    assert stored.provider_name == "Sunny Days"
    assert stored.registered_by == DIRECTOR
    # And the result reaches the director through the command's response_url
    [result] = server.standin.wait_for("response_url", timeout=10)
    assert result.args["text"] == "Registered with KinderTrack: provider ID 12345 — Sunny Days"
    assert ":large_green_circle:" in str(result.args["blocks"])


def test_register_an_inactive_provider_stores_nothing_and_says_kindertracks_words(
    bot_server_factory: Callable[..., BotServer],
    sandbox_runtime: Runtime,
    worker: dramatiq.Worker,
) -> None:
    school_id = school_of(sandbox_runtime)
    server = bot_server_factory()

    assert "Checking provider ID 54321" in ack_text(server, "register 54321 K7PM2QXA")

    [result] = server.standin.wait_for("response_url", timeout=10)
    assert result.args["text"] == "Not registered: Inactive KinderTrack provider ID."
    assert registration(sandbox_runtime, school_id) is None


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("１２３４５", "uses digits other than 0-9"),
        ("١٢٣٤٥", "uses digits other than 0-9"),
        ("1234", "has 4 digits"),
        ("12-345", "characters other than the digits 0-9"),
    ],
)
def test_register_refuses_a_malformed_id_at_once_and_enqueues_nothing(
    server: BotServer, app_runtime: Runtime, stub_broker: StubBroker, typed: str, reason: str
) -> None:
    school_id = school_of(app_runtime)

    text = ack_text(server, f"register {typed} K7PM2QXA")

    assert reason in text
    assert "exactly 5 digits 0-9, like 12345" in text
    assert stub_broker.queues.get("registrations") is None or (
        stub_broker.queues["registrations"].qsize() == 0
    )
    assert registration(app_runtime, school_id) is None


def test_staff_cannot_register(
    server: BotServer, app_runtime: Runtime, stub_broker: StubBroker
) -> None:
    school_id = school_of(app_runtime)

    text = ack_text(server, "register 12345 K7PM2QXA", user_id=STAFF)

    assert "Only the school's directors" in text
    assert "Checking" not in text
    assert registration(app_runtime, school_id) is None


@pytest.mark.parametrize("typed", ["12345", "12345 K7PM2QX", "12345 K7PM2QX0"])
def test_register_without_a_well_formed_link_code_is_refused_at_once(
    server: BotServer, app_runtime: Runtime, stub_broker: StubBroker, typed: str
) -> None:
    school_id = school_of(app_runtime)

    text = ack_text(server, f"register {typed}")

    assert "link code" in text
    assert "Checking" not in text
    assert stub_broker.queues.get("registrations") is None or (
        stub_broker.queues["registrations"].qsize() == 0
    )
    assert registration(app_runtime, school_id) is None


# --- register modal ---------------------------------------------------------------------


def test_register_without_an_id_opens_the_modal(server: BotServer, app_runtime: Runtime) -> None:
    school_id = school_of(app_runtime)

    response = server.slash("register")

    assert response.status_code == 200
    [call] = server.standin.wait_for("views.open")
    view = call.args["view"]
    assert view["callback_id"] == modals.REGISTER_CALLBACK
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    agency = blocks[modals.AGENCY_BLOCK]["element"]
    assert agency["type"] == "static_select"
    assert [o["text"]["text"] for o in agency["options"]] == ["IA - KinderTrack"]
    assert blocks[modals.PROVIDER_BLOCK]["element"]["type"] == "plain_text_input"
    assert blocks[modals.LINK_CODE_BLOCK].get("optional", False) is False
    assert blocks[modals.USERNAME_BLOCK]["optional"] is True
    meta = ModalMeta.decode(view["private_metadata"])
    assert meta.school_id == school_id
    assert meta.channel_id == CHANNEL


def register_values(
    provider_id: str, username: str | None = None, link_code: str | None = "K7PM2QXA"
) -> dict[str, Any]:
    return {
        modals.LINK_CODE_BLOCK: {
            modals.LINK_CODE_ACTION: {"type": "plain_text_input", "value": link_code}
        },
        modals.AGENCY_BLOCK: {
            modals.AGENCY_ACTION: {
                "type": "static_select",
                "selected_option": {"value": modals.AGENCY_KINDERTRACK},
            }
        },
        modals.PROVIDER_BLOCK: {
            modals.PROVIDER_ACTION: {"type": "plain_text_input", "value": provider_id}
        },
        modals.USERNAME_BLOCK: {
            modals.USERNAME_ACTION: {"type": "plain_text_input", "value": username}
        },
    }


def test_register_modal_submission_enqueues_and_the_worker_registers(
    bot_server_factory: Callable[..., BotServer],
    sandbox_runtime: Runtime,
    worker: dramatiq.Worker,
) -> None:
    school_id = school_of(sandbox_runtime)
    server = bot_server_factory()

    response = server.view_submission(
        modals.REGISTER_CALLBACK,
        values=register_values(" 67890 ", "maria.k"),
        private_metadata=ModalMeta(school_id, CHANNEL, None).encode(),
    )

    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "update"
    assert "Checking provider ID 67890" in str(body["view"])
    stored = eventually(lambda: registration(sandbox_runtime, school_id))
    assert stored.provider_id == "67890"
    assert stored.setup_username == "maria.k"
    # And, with no response_url in the modal, the result is posted in the school's channel
    [posted] = server.standin.wait_for("chat.postMessage", timeout=10)
    assert posted.args["channel"] == CHANNEL
    assert posted.args["text"].startswith("Registered with KinderTrack: provider ID 67890")


@pytest.mark.parametrize("typed", ["１２３４５", "1234", "abcde", ""])
def test_register_modal_with_a_bad_id_answers_an_error_on_the_field(
    server: BotServer, app_runtime: Runtime, stub_broker: StubBroker, typed: str
) -> None:
    school_id = school_of(app_runtime)

    response = server.view_submission(
        modals.REGISTER_CALLBACK,
        values=register_values(typed),
        private_metadata=ModalMeta(school_id, CHANNEL).encode(),
    )

    body = response.json()
    assert body["response_action"] == "errors"
    assert "exactly 5 digits 0-9" in body["errors"][modals.PROVIDER_BLOCK]
    assert stub_broker.queues.get("registrations") is None or (
        stub_broker.queues["registrations"].qsize() == 0
    )
    assert registration(app_runtime, school_id) is None


@pytest.mark.parametrize("typed", [None, "K7PM", "K7PM2QXO"])
def test_register_modal_without_a_well_formed_link_code_answers_an_error_on_its_field(
    server: BotServer, app_runtime: Runtime, stub_broker: StubBroker, typed: str | None
) -> None:
    school_id = school_of(app_runtime)

    response = server.view_submission(
        modals.REGISTER_CALLBACK,
        values=register_values("12345", link_code=typed),
        private_metadata=ModalMeta(school_id, CHANNEL).encode(),
    )

    body = response.json()
    assert body["response_action"] == "errors"
    assert "link code is 8 letters and digits" in body["errors"][modals.LINK_CODE_BLOCK]
    assert stub_broker.queues.get("registrations") is None or (
        stub_broker.queues["registrations"].qsize() == 0
    )
    assert registration(app_runtime, school_id) is None


def test_register_modal_from_another_workspace_or_by_staff_is_refused(
    server: BotServer, app_runtime: Runtime, stub_broker: StubBroker
) -> None:
    school_id = school_of(app_runtime)
    meta = ModalMeta(school_id, CHANNEL).encode()

    other = server.view_submission(
        modals.REGISTER_CALLBACK,
        values=register_values("12345"),
        private_metadata=meta,
        team_id=OTHER_TEAM,
        user_id="U0B",
    ).json()
    staff = server.view_submission(
        modals.REGISTER_CALLBACK,
        values=register_values("12345"),
        private_metadata=meta,
        user_id=STAFF,
    ).json()

    assert other["response_action"] == "errors"
    assert "another Slack workspace" in other["errors"][modals.PROVIDER_BLOCK]
    assert staff["response_action"] == "errors"
    assert "Only the school's directors" in staff["errors"][modals.PROVIDER_BLOCK]
    assert registration(app_runtime, school_id) is None


# --- directors --------------------------------------------------------------------------


def test_directors_add_list_and_remove(server: BotServer, app_runtime: Runtime) -> None:
    school_id = school_of(app_runtime)

    added = answer(server, "directors add <@U0MARIA|maria>")
    assert "<@U0MARIA> is now a director" in added
    server.standin.reset()
    again = answer(server, "directors add <@U0MARIA>")
    assert "already directs" in again
    server.standin.reset()
    listed = answer(server, "directors")
    assert "<@U0DIRECTOR>" in listed and "<@U0MARIA>" in listed
    server.standin.reset()
    removed = answer(server, "directors remove <@U0DIRECTOR|me>", user_id="U0MARIA")
    assert "<@U0DIRECTOR> is no longer a director" in removed
    with app_runtime.session() as session:
        assert directors_of(session, school_id=school_id) == ["U0MARIA"]


def test_a_school_keeps_at_least_one_director(server: BotServer, app_runtime: Runtime) -> None:
    school_id = school_of(app_runtime)

    text = answer(server, "directors remove <@U0DIRECTOR>")

    assert "at least one director" in text
    with app_runtime.session() as session:
        assert directors_of(session, school_id=school_id) == [DIRECTOR]


@pytest.mark.parametrize("typed", ["add @maria", "add maria", "promote <@U0MARIA>", "add"])
def test_directors_with_a_typed_name_asks_to_pick_the_person(
    server: BotServer, app_runtime: Runtime, typed: str
) -> None:
    school_id = school_of(app_runtime)

    text = answer(server, f"directors {typed}")

    assert "@" in text
    with app_runtime.session() as session:
        assert directors_of(session, school_id=school_id) == [DIRECTOR]


def test_staff_cannot_add_or_remove_directors(server: BotServer, app_runtime: Runtime) -> None:
    school_id = school_of(app_runtime)

    added = answer(server, "directors add <@U0STAFF|me>", user_id=STAFF)
    server.standin.reset()
    removed = answer(server, "directors remove <@U0DIRECTOR>", user_id=STAFF)

    assert "Only the school's directors" in added
    assert "Only the school's directors" in removed
    with app_runtime.session() as session:
        assert directors_of(session, school_id=school_id) == [DIRECTOR]


def test_directors_of_another_workspace_cannot_act_here(
    server: BotServer, app_runtime: Runtime
) -> None:
    # Given workspace A's only school, bound to its channel
    school_id = school_of(app_runtime, team=TEAM)
    register_provider(app_runtime, school_id=school_id, provider_id="12345", actor=DIRECTOR)

    # When a user of workspace B (even one with A's director's ID) acts from B
    text = answer(server, "directors add <@U0EVIL>", team_id=OTHER_TEAM)

    # Then B has no school: nothing changes in A
    assert "does not work on a school yet" in text
    with app_runtime.session() as session:
        assert directors_of(session, school_id=school_id) == [DIRECTOR]


# --- closing time -----------------------------------------------------------------------


def test_directors_set_the_closing_time_and_anyone_may_read_it(
    server: BotServer, app_runtime: Runtime
) -> None:
    school_id = school_of(app_runtime)

    shown = answer(server, "closing", user_id=STAFF)
    assert "closes at 6:00 PM" in shown
    server.standin.reset()
    refused = answer(server, "closing 17:30", user_id=STAFF)
    assert "Only the school's directors" in refused
    server.standin.reset()
    bad = answer(server, "closing 5pm")
    assert "write it as HH:MM" in bad
    server.standin.reset()
    done = answer(server, "closing 17:30")
    assert "closes at 5:30 PM" in done

    with app_runtime.session() as session:
        assert get_school(session, school_id=school_id).closing_time == wall_time(17, 30)
