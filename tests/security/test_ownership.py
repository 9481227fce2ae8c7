"""Issue 9, case 1: in a new workspace anyone could register another center's provider ID
and read its roster (names and KinderTrack child IDs); whoever registered first locked the
real center out, and the refusal told anyone whether an ID was in use.

Signed requests over HTTP to the real Bolt app, a real worker, and the sandbox over HTTP
requiring provider authorization (contract version 2). A hostile KinderTrack, answering
for another provider than the one asked about, is not believed.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dramatiq
import pytest
from sqlmodel import select

import bot.runtime
import workers.runtime
from bot.notifier import SlackNotifier
from core.errors import KinderTrackError
from core.services import schools
from core.services.runtime import Runtime
from core.services.workspace import create_team_school
from core.store.tables import Registration, Student
from kindertrack.client import HttpKinderTrack
from kindertrack.sandbox import RunningSandbox
from standins.slack_web_api import SlackStandin
from tests.fixtures.sandbox import SandboxHarness, seed_with_link_codes
from tests.fixtures.slack import BOT_TOKEN, BotServer

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers

PRAIRIE, PRAIRIE_CODE = "67890", "H4RT9WXY"
SUNNY_CODE = "K7PM2QXA"
ATTACKER_TEAM, ATTACKER, ATTACKER_CHANNEL = "T0ATTACK", "U0MALLORY", "C0CEDAR"


@pytest.fixture
def v2_sandbox(sandbox: SandboxHarness, tmp_path: Path) -> RunningSandbox:
    return sandbox.start(
        seed_path=seed_with_link_codes(tmp_path, {"12345": [SUNNY_CODE], PRAIRIE: [PRAIRIE_CODE]})
    )


@pytest.fixture
def live_runtime(
    rt: Runtime,
    slack_standin: SlackStandin,
    sandbox: SandboxHarness,
    v2_sandbox: RunningSandbox,
) -> Iterator[Runtime]:
    """The app and the workers asking the version 2 sandbox over HTTP, answering through
    the real Slack notifier on the stand-in."""
    holder: list[Runtime] = []
    notifier = SlackNotifier(
        token_for_team=lambda team_id: BOT_TOKEN,
        base_url=slack_standin.api_url,
        runtime=lambda: holder[0],
    )
    holder.append(
        dataclasses.replace(rt, kindertrack=sandbox.client(v2_sandbox), notifier=notifier)
    )
    bot.runtime.use_runtime(holder[0])
    workers.runtime.use_runtime(holder[0])
    yield holder[0]
    bot.runtime.use_runtime(None)
    workers.runtime.use_runtime(None)


def _registrations(rt: Runtime) -> list[Registration]:
    with rt.session() as session:
        return list(session.exec(select(Registration)))


def _shown(server: BotServer, text: str, *, answers_later: int) -> str:
    """Everything the typist sees: the ack, then ``answers_later`` answers on the
    command's response_url (from the listener or a worker)."""
    server.standin.reset()
    response = server.slash(
        text, team_id=ATTACKER_TEAM, user_id=ATTACKER, channel_id=ATTACKER_CHANNEL
    )
    assert response.status_code == 200
    later = server.standin.wait_for("response_url", count=answers_later, timeout=15)
    return response.text + json.dumps([c.args for c in later][:answers_later])


@pytest.mark.parametrize(
    ("typed", "answers_later"),
    [
        (f"register {PRAIRIE}", 0),
        (f"register {PRAIRIE} {SUNNY_CODE}", 1),
        (f"register {PRAIRIE} ZZZZ2222", 1),
    ],
    ids=["no-code", "another-providers-code", "made-up-code"],
)
def test_case_1_another_centers_id_is_refused_and_nothing_of_it_is_shown(
    bot_server_factory: Callable[..., BotServer],
    live_runtime: Runtime,
    worker: dramatiq.Worker,
    typed: str,
    answers_later: int,
) -> None:
    # Given someone in their own new workspace makes a school (and so directs it)
    server = bot_server_factory()
    assert "Cedar" in _shown(server, "school Cedar", answers_later=1)

    # When they register another center's provider ID without that center's link code,
    # then ask for its roster
    answered = _shown(server, typed, answers_later=answers_later)
    roster = _shown(server, "sync", answers_later=1)

    # Then it is refused, nothing is stored, and neither the center's name nor a child is shown
    assert "Not registered" in answered or "link code" in answered
    assert _registrations(live_runtime) == []
    for shown in (answered, roster):
        assert "Prairie" not in shown and "Sprouts" not in shown
        assert "Mateo" not in shown and "876543" not in shown
    with live_runtime.session() as session:
        assert session.exec(select(Student)).all() == []


def test_case_1_the_real_center_is_not_locked_out_and_the_refusal_names_no_school(
    live_runtime: Runtime, v2_sandbox: RunningSandbox
) -> None:
    squatter = create_team_school(
        live_runtime, team_id="T0REAL", name="Prairie Sprouts", creator="U0REAL"
    )
    schools.register_provider(
        live_runtime,
        school_id=squatter.id or 0,
        provider_id=PRAIRIE,
        link_code=PRAIRIE_CODE,
        actor="U0REAL",
    )
    other = create_team_school(live_runtime, team_id="T0NEW", name="Elsewhere", creator="U0NEW")

    with pytest.raises(KinderTrackError) as refused:
        schools.register_provider(
            live_runtime,
            school_id=other.id or 0,
            provider_id=PRAIRIE,
            link_code=PRAIRIE_CODE,  # used already: no proof any more
            actor="U0NEW",
        )
    assert "Prairie" not in str(refused.value)

    fresh = v2_sandbox.mint_link_code(PRAIRIE)
    schools.register_provider(
        live_runtime, school_id=other.id or 0, provider_id=PRAIRIE, link_code=fresh, actor="U0NEW"
    )
    assert [(r.school_id, r.provider_id) for r in _registrations(live_runtime)] == [
        (other.id, PRAIRIE)
    ]


class _HostileKinderTrack:
    """Accepts any link code, and answers for a provider other than the one asked about."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                body = json.dumps(
                    {"provider_id": "12345", "name": "Sunny Days", "authorized_at": "2026-11-25"}
                ).encode()
                self.send_response(201)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_case_1_a_kindertrack_answering_for_another_provider_is_not_believed(
    rt: Runtime,
) -> None:
    hostile = _HostileKinderTrack()
    try:
        with HttpKinderTrack(base_url=hostile.url, api_key="k", max_retries=0) as client:
            live = dataclasses.replace(rt, kindertrack=client)
            school = create_team_school(live, team_id="T0001", name="Cedar", creator="U0")
            with pytest.raises(KinderTrackError):
                schools.register_provider(
                    live,
                    school_id=school.id or 0,
                    provider_id=PRAIRIE,
                    link_code=PRAIRIE_CODE,
                    actor="U0",
                )
    finally:
        hostile.stop()
    assert _registrations(rt) == []
