"""A director whose Slack is in Spanish goes from /kindertrack report to "Enviado a
KinderTrack" entirely in Spanish: the report, the review modal, the fix, the redraw, the
confirm, the submitting and submitted states. Signed HTTP to the Bolt app, a real worker
on the real Redis, the Slack stand-in, the real test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.blocks.report import APPROVE_ACTION, REVIEW_ACTION
from bot.blocks.review import CALLBACK_ID
from bot.blocks.values import PeriodRef
from standins.slack_web_api import SlackStandin
from tests.fakes import FakeKinderTrack
from tests.integration.test_slack_report import (  # the report flow's own fixtures and helpers
    CHANNEL,
    DIRECTOR,
    END,
    ERROR_CSV,
    START,
    Env,
    _all_text,
    _eventually,
    _records,
    _shown_values,
    env,
    env_factory,
)

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers

__all__ = ["env", "env_factory"]  # fixtures used by name below


@pytest.fixture
def spanish_director(slack_standin: SlackStandin) -> Iterator[str]:
    """The director's Slack language is Latin-American Spanish (the stand-in keeps users
    between tests, so the previous ones come back afterwards)."""
    known = dict(slack_standin.users)
    slack_standin.add_user(DIRECTOR, name="dana", locale="es-LA")
    yield DIRECTOR
    slack_standin.users.clear()
    slack_standin.users.update(known)


def test_a_spanish_director_fixes_and_submits_a_period_all_in_spanish(
    env: Env, spanish_director: str, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = env.school(csv=ERROR_CSV)
    ref = PeriodRef(sid, START, END)

    # /kindertrack report: the answer, the placeholder and the report are Spanish
    answer = env.server.slash("report", channel_id=CHANNEL, user_id=DIRECTOR)
    assert answer.json()["text"].startswith("Preparando el reporte de subsidio")
    placeholder = env.slack.wait_for("chat.postMessage")[-1]
    assert "Preparando el reporte de subsidio" in placeholder.args["text"]
    filled = env.slack.wait_for("chat.update", timeout=10)[-1]
    channel, ts = filled.args["channel"], filled.args["ts"]
    _eventually(lambda: "Revisar errores" in _all_text(env.slack.messages[(channel, ts)]))
    report = _all_text(env.slack.messages[(channel, ts)])
    assert "Reporte de subsidio de KinderTrack — Sunny Days" in report
    assert "necesita corrección" in report and "nunca se registró la salida" in report
    assert "se enciman" in report and "Aprobar y enviar" not in report
    assert "Approve & submit" not in report and "Review errors" not in report

    # Revisar errores: the modal is Spanish, with US Spanish times
    env.server.action(
        REVIEW_ACTION, value=ref.encode(), user_id=DIRECTOR, channel_id=channel, message_ts=ts
    )
    view = dict(env.slack.wait_for("views.open")[-1].args["view"])
    shown = _all_text(view)
    assert view["title"]["text"] == "Corregir asistencia"
    assert view["submit"]["text"] == "Guardar"
    assert "Borrar esta estancia" in shown and "a.m." in shown

    # Fix: delete the duplicate and give the open stay its check-out, then save
    values = _shown_values(view)
    duplicate = max(_records(env.rt, sid))
    values[f"rec{duplicate}_delete"]["delete"]["selected_options"] = [{"value": "delete"}]
    for block_id, actions in values.items():
        picked = actions.get("time")
        if block_id.endswith("_out") and picked is not None and not picked["selected_time"]:
            picked["selected_time"] = "17:00"
    saved = env.server.view_submission(
        CALLBACK_ID, values=values, private_metadata=view["private_metadata"], user_id=DIRECTOR
    )
    assert saved.status_code == 200
    answer_view = saved.json().get("view") if saved.content else None
    assert answer_view is None or "No queda nada por corregir" in _all_text(answer_view)
    assert duplicate not in _records(env.rt, sid)

    # The report redraws in Spanish, now with Aprobar y enviar and its Spanish confirm
    _eventually(lambda: "Aprobar y enviar" in _all_text(env.slack.messages[(channel, ts)]))
    redrawn = _all_text(env.slack.messages[(channel, ts)])
    assert "¿Enviar a KinderTrack?" in redrawn and "listo para enviar" in redrawn

    # Aprobar y enviar: "Enviando…" at once, then "Enviado a KinderTrack"
    env.server.action(
        APPROVE_ACTION, value=ref.encode(), user_id=DIRECTOR, channel_id=channel, message_ts=ts
    )
    _eventually(lambda: "Enviado a KinderTrack" in _all_text(env.slack.messages[(channel, ts)]))
    done = _all_text(env.slack.messages[(channel, ts)])
    assert f"Aprobado por <@{DIRECTOR}>, enviado el " in done and "kt-1" in done
    assert fake_kindertrack.posts == 1

    # The CSVs threaded under it are named in Spanish words
    env.slack.wait_for("files.getUploadURLExternal", count=3, timeout=10)
    names = [c.args["filename"] for c in env.slack.calls_for("files.getUploadURLExternal")]
    assert names[0] == "kindertrack-reporte-del-8-nov-al-21-nov-2026.csv"
    assert names[-1] == "kindertrack-enviado-del-8-nov-al-21-nov-2026.csv"
