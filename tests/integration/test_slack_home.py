"""The App Home tab and its buttons, over signed HTTP against the Slack stand-in and the
real test database. The clock is frozen at 2026-11-25 18:00 UTC: the current pay period
is Nov 22 – Dec 5, the last closed one Nov 8 – Nov 21.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine
from sqlmodel import select

import bot.runtime
import workers.runtime
from bot.blocks import home, modals
from bot.blocks.limits import view_violations
from bot.notifier import SlackNotifier
from core.services.imports import import_csv
from core.services.runtime import Runtime
from core.services.schools import register_provider
from core.services.students import add_student
from core.services.workspace import add_director, create_team_school
from core.store.tables import Student, Submission
from standins.slack_requests import app_home_opened_event
from standins.slack_web_api import SlackStandin
from tests.fakes import FakeKinderTrack, FrozenClock
from tests.fixtures.database import CALENDAR
from tests.fixtures.slack import BOT_TOKEN, BotServer

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers

TEAM = "T0001"
OTHER_TEAM = "T0OTHER"
DIRECTOR = "U0DIRECTOR"
STAFF = "U0STAFF"


@pytest.fixture
def app_runtime(
    db: Engine, fake_kindertrack: FakeKinderTrack, clock: FrozenClock, slack_standin: SlackStandin
) -> Iterator[Runtime]:
    """App and workers on the test database; the workers answer through the real Slack
    notifier on the stand-in."""
    holder: list[Runtime] = []
    rt = Runtime(
        engine=db,
        kindertrack=fake_kindertrack,
        calendar=CALENDAR,
        notifier=SlackNotifier(
            token_for_team=lambda team_id: BOT_TOKEN,
            base_url=slack_standin.api_url,
            runtime=lambda: holder[0],
        ),
        clock=clock,
    )
    holder.append(rt)
    bot.runtime.use_runtime(rt)
    workers.runtime.use_runtime(rt)
    yield rt
    bot.runtime.use_runtime(None)
    workers.runtime.use_runtime(None)


@pytest.fixture
def server(bot_server_factory: Callable[..., BotServer], app_runtime: Runtime) -> BotServer:
    return bot_server_factory()


@pytest.fixture
def sunny(app_runtime: Runtime) -> int:
    """A registered school with 3 students (1 linked), attendance errors in both periods,
    and the last closed period submitted."""
    rt = app_runtime
    school_id = (
        create_team_school(rt, team_id=TEAM, name="Sunny Days", creator=DIRECTOR, channel_id="C1")
    ).id or 0
    register_provider(rt, school_id=school_id, provider_id="12345", actor=DIRECTOR)
    add_student(rt, school_id=school_id, name="Ava Smith", child_id="123456", actor=DIRECTOR)
    add_student(rt, school_id=school_id, name="Liam Johnson", actor=DIRECTOR)
    add_student(rt, school_id=school_id, name="<!channel> *Zed*", actor=DIRECTOR)
    import_csv(
        rt,
        school_id=school_id,
        actor=DIRECTOR,
        content=(
            "student,check_in,check_out\n"
            # an overlap in the last closed period
            "Ava Smith,2026-11-10T08:00,2026-11-10T12:00\n"
            "Ava Smith,2026-11-10T11:00,2026-11-10T15:00\n"
            # a missing check-out in the current period (not today)
            "Liam Johnson,2026-11-23T08:00,\n"
        ),
    )
    with rt.session() as session:
        session.add(
            Submission(
                school_id=school_id,
                period_start=date(2026, 11, 8),
                period_end=date(2026, 11, 21),
                state="submitted",
                provider_id="12345",
                fingerprint="f" * 64,
                idempotency_key="k",
                kindertrack_submission_id="kt-77",
                received_at=datetime(2026, 11, 22, tzinfo=UTC),
            )
        )
    return school_id


def open_home(server: BotServer, user_id: str = DIRECTOR, **fields: Any) -> dict[str, Any]:
    server.event(app_home_opened_event(user_id), **fields)
    [call] = server.standin.wait_for("views.publish")
    assert call.args["user_id"] == user_id
    view: dict[str, Any] = call.args["view"]
    assert view["type"] == "home"
    assert view_violations(view) == []
    return view


def mrkdwn_texts(view: dict[str, Any]) -> str:
    texts = []
    for block in view["blocks"]:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        if block["type"] == "context":
            texts += [e["text"] for e in block["elements"]]
    return "\n".join(texts)


def action_ids(view: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def home_button(view: dict[str, Any], action_id: str, school_id: int) -> dict[str, Any]:
    for block in view["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if (
                element["action_id"] == action_id
                and home.decode_school(element["value"]) == school_id
            ):
                return dict(element)
    raise AssertionError(f"no {action_id} button for school {school_id}")


def click(server: BotServer, button: dict[str, Any], **fields: Any) -> None:
    view = {"id": "VHOME", "type": "home", "blocks": []}
    response = server.action(button["action_id"], value=button["value"], view=view, **fields)
    assert response.status_code == 200


# --- the tab ------------------------------------------------------------------------------


def test_a_director_sees_a_card_per_school_they_direct(
    server: BotServer, app_runtime: Runtime, sunny: int
) -> None:
    # Given another school of the workspace the director does not direct
    create_team_school(app_runtime, team_id=TEAM, name="Prairie Sprouts", creator="U0OTHER")

    view = open_home(server)

    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Rollcall", "Sunny Days"]
    text = mrkdwn_texts(view)
    assert ":large_green_circle: Registered · provider ID 12345" in text
    assert "Pay period Nov 22 – Dec 5 · *10* days left" in text
    # the overlap (one error on each of its two records) and the missing check-out
    assert "*3* attendance errors to fix" in text
    assert "*2* children without a KinderTrack child ID" in text
    assert "Last closed period (Nov 8 – Nov 21): :white_check_mark: submitted" in text
    assert "kt-77" in text
    assert action_ids(view) == [
        home.PREVIEW_ACTION,
        home.REGISTER_ACTION,
        home.LINK_ACTION,
        home.SYNC_ACTION,
    ]


def test_a_director_whose_slack_is_in_spanish_reads_the_tab_in_spanish(
    server: BotServer, sunny: int
) -> None:
    known = server.standin.users.get(DIRECTOR)  # the stand-in keeps users between tests
    server.standin.add_user(DIRECTOR, name="dana", locale="es-LA")
    try:
        view = open_home(server)
    finally:
        if known is None:
            server.standin.users.pop(DIRECTOR)
        else:
            server.standin.users[DIRECTOR] = known

    text = mrkdwn_texts(view)
    assert ":large_green_circle: Registrado · ID de proveedor 12345" in text
    assert "Período de pago 22 nov – 5 dic · quedan *10* días" in text
    assert "*3* errores de asistencia por corregir" in text
    assert "*2* niños sin ID de niño de KinderTrack" in text
    assert "Último período cerrado (8 nov – 21 nov): :white_check_mark: enviado" in text
    buttons = [
        e["text"]["text"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["Ver reporte", "Registrar", "Vincular niños", "Sincronizar lista"]


def test_staff_see_every_school_read_only(
    server: BotServer, app_runtime: Runtime, sunny: int
) -> None:
    create_team_school(app_runtime, team_id=TEAM, name="Prairie Sprouts", creator="U0OTHER")

    view = open_home(server, STAFF)

    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Rollcall", "Prairie Sprouts", "Sunny Days"]
    assert action_ids(view) == []
    assert ":white_circle: Not registered" in mrkdwn_texts(view)


def test_another_workspace_sees_none_of_these_schools(
    server: BotServer, app_runtime: Runtime, sunny: int
) -> None:
    view = open_home(server, DIRECTOR, team_id=OTHER_TEAM)

    assert "Sunny Days" not in str(view)
    assert "No school in this workspace yet" in mrkdwn_texts(view)


def test_many_schools_stay_within_100_blocks(server: BotServer, app_runtime: Runtime) -> None:
    for i in range(30):
        create_team_school(app_runtime, team_id=TEAM, name=f"School {i:02d}", creator=DIRECTOR)

    view = open_home(server)

    assert len(view["blocks"]) <= 100
    assert "…and 10 more schools" in mrkdwn_texts(view)


def test_names_and_refusals_are_escaped(
    server: BotServer, app_runtime: Runtime, sunny: int
) -> None:
    with app_runtime.session() as session:
        row = session.get(Submission, 1)
        assert row is not None
        row.state = "rejected"
        row.error = "<!channel> refused *loudly*"
        session.add(row)

    text = mrkdwn_texts(open_home(server))

    assert "<!channel>" not in text
    assert "&lt;!channel&gt; refused" in text


# --- the buttons --------------------------------------------------------------------------


@pytest.fixture
def worker(redis_broker: RedisBroker) -> Iterator[dramatiq.Worker]:
    import workers.actors  # noqa: F401  (declares the actors on the test broker)

    running = dramatiq.Worker(redis_broker, worker_timeout=100, worker_threads=2)
    running.start()
    yield running
    running.stop()


def test_preview_report_builds_it_in_a_worker_and_sends_it_by_dm(
    server: BotServer, app_runtime: Runtime, sunny: int, worker: dramatiq.Worker
) -> None:
    view = open_home(server)

    click(server, home_button(view, home.PREVIEW_ACTION, sunny))

    # Then the report of the current period arrives in the director's DM
    [posted] = server.standin.wait_for("chat.postMessage", timeout=10)
    assert posted.args["text"].startswith("KinderTrack Subsidy Report for Sunny Days")
    assert "Nov 22, 2026 to Dec 5, 2026" in posted.args["text"]
    opened = server.standin.calls_for("conversations.open")
    assert posted.args["channel"] == DIRECTOR or (opened and opened[0].args["users"] == DIRECTOR)
    # And the tab says it is on its way
    republished = server.standin.wait_for("views.publish", count=2)[-1]
    assert "arrive in your Messages tab" in mrkdwn_texts(republished.args["view"])


def test_register_button_opens_the_register_modal(
    server: BotServer, app_runtime: Runtime, sunny: int
) -> None:
    click(server, home_button(open_home(server), home.REGISTER_ACTION, sunny))

    [opened] = server.standin.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == modals.REGISTER_CALLBACK
    assert modals.ModalMeta.decode(opened.args["view"]["private_metadata"]).school_id == sunny


def test_link_button_opens_the_link_modal(
    server: BotServer, app_runtime: Runtime, sunny: int
) -> None:
    click(server, home_button(open_home(server), home.LINK_ACTION, sunny))

    [updated] = server.standin.wait_for("views.update")
    assert updated.args["view"]["callback_id"] == modals.LINK_CALLBACK
    assert "Liam Johnson" in str(updated.args["view"])


def test_sync_button_links_matches_and_dms_the_result(
    server: BotServer, app_runtime: Runtime, sunny: int
) -> None:
    click(server, home_button(open_home(server), home.SYNC_ACTION, sunny))

    [dm] = server.standin.wait_for("chat.postMessage")
    assert dm.args["channel"] == DIRECTOR
    assert dm.args["text"].startswith("Synced with KinderTrack: 1 linked")
    republished = server.standin.wait_for("views.publish", count=2)[-1]
    assert "*1* child without a KinderTrack child ID" in mrkdwn_texts(republished.args["view"])


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"user_id": STAFF}, "Only the school's directors"),
        ({"team_id": OTHER_TEAM, "user_id": "U0B"}, "another Slack workspace"),
    ],
)
@pytest.mark.parametrize(
    "action_id",
    [home.PREVIEW_ACTION, home.REGISTER_ACTION, home.LINK_ACTION, home.SYNC_ACTION],
)
def test_home_buttons_refuse_staff_and_other_workspaces(
    server: BotServer,
    app_runtime: Runtime,
    sunny: int,
    fields: dict[str, str],
    expected: str,
    action_id: str,
) -> None:
    click(server, {"action_id": action_id, "value": home.encode_school(sunny)}, **fields)

    [dm] = server.standin.wait_for("chat.postMessage")
    assert expected in dm.args["text"]
    assert server.standin.calls_for("views.open") == []
    assert server.standin.calls_for("views.publish") == []
    with app_runtime.session() as session:
        liam = session.exec(select(Student).where(Student.name == "Liam Johnson")).one()
        assert liam.child_id is None  # a refused Sync linked nobody


def test_a_second_director_sees_the_same_school(
    server: BotServer, app_runtime: Runtime, sunny: int
) -> None:
    add_director(app_runtime, school_id=sunny, user_id="U0MARIA", by=DIRECTOR, team_id=TEAM)

    view = open_home(server, "U0MARIA")

    assert home.PREVIEW_ACTION in action_ids(view)
