"""Issue 9, case 9: NUL bytes in a CSV time field were accepted. Every text field of a CSV
and of Slack input now refuses NUL and the other control characters."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.blocks import modals
from bot.blocks.modals import ModalMeta
from core.domain.instants import parse_date, parse_instant
from core.errors import ImportRefused, InvalidInput
from core.services import imports
from core.services.runtime import Runtime
from core.services.students import add_student
from core.services.workspace import create_team_school
from core.store.tables import AttendanceRecord
from tests.fixtures.slack import BotServer

TEAM, DIRECTOR, CHANNEL = "T0001", "U0DIRECTOR", "C0SCHOOL"
HEADER = "student,check_in,check_out\n"


def _school(rt: Runtime) -> int:
    sid = (
        create_team_school(
            rt, team_id=TEAM, name="Sunny Days", creator=DIRECTOR, channel_id=CHANNEL
        ).id
        or 0
    )
    add_student(rt, school_id=sid, name="Ava Smith", actor="t")
    return sid


def _records(rt: Runtime) -> list[AttendanceRecord]:
    with rt.session() as session:
        return list(session.exec(select(AttendanceRecord)))


@pytest.mark.parametrize(
    "row",
    [
        "Ava Smith,2026-11-09T08:00\x00,2026-11-09T16:00",
        "Ava Smith,2026-11-09T08:00,2026-11-09T16:00\x00",
        "Ava Smith,\x1f2026-11-09T08:00\x1f,2026-11-09T16:00",
        "Ava\x00 Smith,2026-11-09T08:00,2026-11-09T16:00",
        "Ava Smith,2026-11-09T08:00,2026-11-09T16:00\x0b",
    ],
    ids=["nul-in-check-in", "nul-in-check-out", "unit-separators", "nul-in-name", "vtab"],
)
def test_case_9_a_csv_field_with_a_control_character_refuses_the_file(
    rt: Runtime, row: str
) -> None:
    sid = _school(rt)
    good = "Ava Smith,2026-11-10T08:00,2026-11-10T16:00"

    with pytest.raises(ImportRefused) as refused:
        imports.import_csv(rt, school_id=sid, content=f"{HEADER}{good}\n{row}\n", actor="t")

    [(line, why)] = refused.value.problems
    assert line == 3 and "control character" in why
    assert _records(rt) == []


def test_case_9_times_and_dates_typed_anywhere_refuse_control_characters() -> None:
    chicago = ZoneInfo("America/Chicago")
    with pytest.raises(InvalidInput, match="U\\+0000 \\(NUL\\)"):
        parse_instant("2026-11-09T08:00\x00", chicago, what="check-in time")
    with pytest.raises(InvalidInput, match="control character"):
        parse_date("2026-11-09\x00", what="start date")


def test_case_9_a_slash_command_with_a_nul_is_refused(
    server: BotServer, app_runtime: Runtime
) -> None:
    _school(app_runtime)

    answer = server.slash("in Ava Smith\x00")

    assert "control character (U+0000 (NUL))" in answer.json()["text"]
    assert _records(app_runtime) == []


def test_case_9_a_modal_field_with_a_nul_is_refused_on_that_field(
    server: BotServer, app_runtime: Runtime
) -> None:
    sid = _school(app_runtime)
    values = {
        modals.PROVIDER_BLOCK: {
            modals.PROVIDER_ACTION: {"type": "plain_text_input", "value": "12345"}
        },
        modals.LINK_CODE_BLOCK: {
            modals.LINK_CODE_ACTION: {"type": "plain_text_input", "value": "K7PM2QXA"}
        },
        modals.USERNAME_BLOCK: {
            modals.USERNAME_ACTION: {"type": "plain_text_input", "value": "maria\x00"}
        },
    }

    body = server.view_submission(
        modals.REGISTER_CALLBACK, values=values, private_metadata=ModalMeta(sid, CHANNEL).encode()
    ).json()

    assert body["response_action"] == "errors"
    assert "control character" in body["errors"][modals.USERNAME_BLOCK]
