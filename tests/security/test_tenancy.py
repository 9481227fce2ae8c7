"""Issue 9, cases 2-4: a channel, a workspace and a school stay their own.

2. A staff member ran `/kindertrack school Hijack Corp` in Sunny Days' channel and took
   the channel over. 3. A Slack Connect user of another organisation checked a child in.
4. A request without a workspace acted on a school made from the command line.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.errors import Conflict
from core.services.runtime import Runtime
from core.services.schools import add_school
from core.services.students import add_student
from core.services.workspace import create_team_school, link_to_workspace, school_for_channel
from core.store.tables import AttendanceRecord, School
from tests.fixtures.slack import BotServer

pytestmark = pytest.mark.slow  # the bot app over signed HTTP

TEAM = "T0001"
CONNECT_TEAM = "T0CONNECT"
DIRECTOR = "U0DIRECTOR"
STAFF = "U0STAFF"
CHANNEL = "C0SCHOOL"


def _sunny_days(rt: Runtime) -> int:
    school = create_team_school(
        rt, team_id=TEAM, name="Sunny Days", creator=DIRECTOR, channel_id=CHANNEL
    )
    add_student(rt, school_id=school.id or 0, name="Ava Smith", actor=DIRECTOR)
    return school.id or 0


def _schools(rt: Runtime) -> list[str]:
    with rt.session() as session:
        return sorted(s.name for s in session.exec(select(School)))


def _records(rt: Runtime) -> list[AttendanceRecord]:
    with rt.session() as session:
        return list(session.exec(select(AttendanceRecord)))


def _answer(server: BotServer, text: str, **fields: str) -> str:
    server.standin.reset()
    response = server.slash(text, **fields)
    assert response.status_code == 200
    if response.content:
        return str(response.json().get("text", ""))
    [call] = server.standin.wait_for("response_url")
    return str(call.args["text"])


def test_case_2_staff_cannot_take_a_schools_channel_over(
    server: BotServer, app_runtime: Runtime
) -> None:
    sunny = _sunny_days(app_runtime)
    create_team_school(app_runtime, team_id=TEAM, name="Other Place", creator=STAFF)

    created = _answer(server, "school Hijack Corp", user_id=STAFF)
    rebound = _answer(server, "school Other Place", user_id=STAFF)

    for text in (created, rebound):
        assert "only its directors can make it work on another school" in text
    assert _schools(app_runtime) == ["Other Place", "Sunny Days"]
    with app_runtime.session() as session:
        bound = school_for_channel(session, team_id=TEAM, channel_id=CHANNEL)
    assert bound is not None and bound.id == sunny


def test_case_2_the_schools_director_may_still_move_its_channel(
    server: BotServer, app_runtime: Runtime
) -> None:
    _sunny_days(app_runtime)

    assert "Created" in _answer(server, "school Annex", user_id=DIRECTOR)

    with app_runtime.session() as session:
        bound = school_for_channel(session, team_id=TEAM, channel_id=CHANNEL)
    assert bound is not None and bound.name == "Annex"


def test_case_3_a_slack_connect_user_of_another_workspace_is_refused(
    server: BotServer, app_runtime: Runtime
) -> None:
    _sunny_days(app_runtime)
    server.slash("rollcall", user_id=STAFF)
    [board] = server.standin.wait_for("chat.postMessage")
    [button] = [
        b["accessory"]
        for b in board.args["blocks"]
        if b["type"] == "section" and b.get("accessory")
    ]
    server.standin.reset()

    # a shared channel's member from another organisation taps In, and types a command
    clicked = server.action(
        button["action_id"], value=button["value"], user_id="U0STRANGER", user_team_id=CONNECT_TEAM
    )
    submitted = server.view_submission(
        "setup_register", user_id="U0STRANGER", user_team_id=CONNECT_TEAM
    )

    assert clicked.status_code == 200 and submitted.status_code == 200
    assert submitted.content in (b"", b"{}")
    assert _records(app_runtime) == []
    assert server.standin.calls_for("chat.update") == []


def test_case_4_a_request_without_a_workspace_cannot_reach_a_command_line_school(
    server: BotServer, app_runtime: Runtime
) -> None:
    school = add_school(app_runtime, name="Made From CLI")
    add_student(app_runtime, school_id=school.id or 0, name="Ava Smith", actor="operator")

    text = _answer(server, "in Ava Smith", team_id="", user_id=STAFF)

    assert "could not tell which Slack workspace" in text
    assert _records(app_runtime) == []


def test_case_4_a_command_line_school_is_reached_from_slack_only_once_linked(
    server: BotServer, app_runtime: Runtime
) -> None:
    school = add_school(app_runtime, name="Made From CLI")
    add_student(app_runtime, school_id=school.id or 0, name="Ava Smith", actor="operator")

    # Not from a workspace that has not been given it
    before = _answer(server, "in Ava Smith", user_id=STAFF)
    assert "does not work on a school yet" in before
    assert _records(app_runtime) == []

    # Once the operator links it (and names its first director), it is that workspace's
    link_to_workspace(app_runtime, school_id=school.id or 0, team_id=TEAM, director=DIRECTOR)
    with pytest.raises(Conflict, match="already belongs"):
        link_to_workspace(app_runtime, school_id=school.id or 0, team_id="T0OTHER", director="U0X")
    after = _answer(server, "in Ava Smith", user_id=STAFF)
    assert "Ava Smith checked in" in after
    assert len(_records(app_runtime)) == 1
