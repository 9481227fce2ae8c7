"""CSV import from Slack: /kindertrack import, its modal's submission, and the worker that
downloads the file and imports it.

Signed requests to the real Bolt app over HTTP, the Slack stand-in (which serves
files.info and the private download URL, checking the bot token), the real test
database. Listener tests run on a StubBroker and look at what was enqueued; the flow
tests run a real Dramatiq worker on the real Redis, which answers through the real Slack
notifier by DM.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import Engine
from sqlmodel import select

import bot.runtime
import core.services.imports
import workers.actors  # declares the actors the worker consumes
import workers.dispatch
import workers.runtime
from bot.blocks import imports
from bot.blocks.limits import MESSAGE_BLOCKS, violations
from bot.blocks.modals import ModalMeta
from bot.escape import unescape_mrkdwn
from bot.files import MAX_CSV_BYTES
from bot.notifier import SlackNotifier
from core.messages import CORRECTED_CLAIM_CONTACT
from core.services import approvals, board, schools, sending, students, workspace
from core.services.imports import import_csv
from core.services.runtime import Runtime
from core.store.tables import AttendanceRecord, Student
from standins.slack_web_api import Call, SlackStandin
from tests.fakes import FakeKinderTrack, FrozenClock
from tests.fixtures.database import CALENDAR
from tests.fixtures.slack import BOT_TOKEN, BotServer, make_bot_settings

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers

TEAM, OTHER_TEAM, CHANNEL = "T0001", "T0OTHER", "C0SCHOOL"
DIRECTOR, STAFF = "U0DIRECTOR", "U0STAFF"
DM = "D0DIRECTOR"  # the stand-in's conversations.open answer for U0DIRECTOR
START, END = date(2026, 11, 8), date(2026, 11, 21)
GOOD_CSV = (
    "student,check_in,check_out\n"
    "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n"
    "Ava Smith,2026-11-10T08:00-06:00,2026-11-10T12:00-06:00\n"
)
MARKUP_NAME = "<!channel> *Bo*"


@dataclass
class Env:
    rt: Runtime
    server: BotServer
    slack: SlackStandin

    def school(self, name: str = "Sunny Days", *, team: str = TEAM) -> int:
        """A school worked on in C0SCHOOL (by U0DIRECTOR), with Ava Smith on its roster."""
        made = workspace.create_team_school(
            self.rt, team_id=team, name=name, creator=DIRECTOR, channel_id=CHANNEL
        )
        sid = made.id or 0
        students.add_student(self.rt, school_id=sid, name="Ava Smith", actor=DIRECTOR)
        return sid

    def upload(self, content: bytes | str, **options: Any) -> str:
        """A file the director picked in the modal's file_input (readable with the bot token)."""
        data = content.encode() if isinstance(content, str) else content
        options.setdefault("token", BOT_TOKEN)
        options.setdefault("user", DIRECTOR)
        return self.slack.add_file(data, **options)

    def submit(
        self,
        file_ids: list[str],
        *,
        school_id: int,
        add_students: bool = False,
        **fields: Any,
    ) -> dict[str, Any]:
        """Submit the import modal; returns the ack's JSON ({} when it just closes)."""
        values: dict[str, Any] = {
            imports.FILE_BLOCK: {
                imports.FILE_ACTION: {
                    "type": "file_input",
                    "files": [
                        {"id": f, "name": "attendance.csv", "filetype": "csv"} for f in file_ids
                    ],
                }
            },
            imports.ADD_BLOCK: {
                imports.ADD_ACTION: {
                    "type": "checkboxes",
                    "selected_options": (
                        [{"value": imports.ADD_VALUE, "text": {"type": "plain_text", "text": "x"}}]
                        if add_students
                        else []
                    ),
                }
            },
        }
        fields.setdefault("private_metadata", ModalMeta(school_id, CHANNEL).encode())
        fields.setdefault("user_id", DIRECTOR)
        response = self.server.view_submission(imports.IMPORT_CALLBACK, values=values, **fields)
        assert response.status_code == 200, response.text
        return response.json() if response.content else {}

    def result(self, count: int = 1) -> Call:
        """The count-th message the worker posted to the director's DM."""
        posted = self.slack.wait_for("chat.postMessage", count=count, timeout=15)
        call = posted[count - 1]
        assert call.args["channel"] == DM
        return call


def records(rt: Runtime, school_id: int) -> list[AttendanceRecord]:
    with rt.session() as session:
        return list(
            session.exec(select(AttendanceRecord).where(AttendanceRecord.school_id == school_id))
        )


def shown(call: Call) -> str:
    """Everything the message shows, unescaped, as one string."""
    texts = [call.args.get("text", "")]
    texts += [json.dumps(b, ensure_ascii=False) for b in call.args.get("blocks", [])]
    return unescape_mrkdwn("\n".join(texts))


def raw(call: Call) -> str:
    return json.dumps(call.args, ensure_ascii=False)


def start_env(
    db: Engine, clock: FrozenClock, slack: SlackStandin, factory: Callable[..., BotServer]
) -> Env:
    rt = Runtime(engine=db, kindertrack=FakeKinderTrack(), calendar=CALENDAR, clock=clock)
    rt.notifier = SlackNotifier.from_settings(make_bot_settings(slack), runtime=lambda: rt)
    bot.runtime.use_runtime(rt)
    workers.runtime.use_runtime(rt)
    return Env(rt, factory(), slack)


@pytest.fixture
def app(
    db: Engine,
    clock: FrozenClock,
    slack_standin: SlackStandin,
    bot_server_factory: Callable[..., BotServer],
    stub_broker: StubBroker,
) -> Iterator[Env]:
    """The app with a StubBroker: what the listeners enqueue stays in its queue."""
    try:
        yield start_env(db, clock, slack_standin, bot_server_factory)
    finally:
        bot.runtime.use_runtime(None)
        workers.runtime.use_runtime(None)


@pytest.fixture
def env(
    db: Engine,
    clock: FrozenClock,
    slack_standin: SlackStandin,
    bot_server_factory: Callable[..., BotServer],
    redis_broker: RedisBroker,
) -> Iterator[Env]:
    """The app and a real worker consuming the real Redis broker."""
    worker = dramatiq.Worker(redis_broker, worker_timeout=100, worker_threads=2)
    worker.start()
    try:
        yield start_env(db, clock, slack_standin, bot_server_factory)
    finally:
        worker.stop()
        bot.runtime.use_runtime(None)
        workers.runtime.use_runtime(None)


def queued_imports(broker: StubBroker) -> list[dramatiq.Message[Any]]:
    queue = broker.queues.get("imports")
    return [dramatiq.Message.decode(m) for m in list(queue.queue)] if queue is not None else []


# --- /kindertrack import ----------------------------------------------------------------


def test_import_opens_a_modal_with_one_csv_file_input(app: Env) -> None:
    sid = app.school()

    response = app.server.slash("import", channel_id=CHANNEL, user_id=DIRECTOR)

    assert response.status_code == 200
    [opened] = app.slack.wait_for("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == imports.IMPORT_CALLBACK
    file_block = next(b for b in view["blocks"] if b.get("block_id") == imports.FILE_BLOCK)
    assert file_block["element"] == {
        "type": "file_input",
        "action_id": imports.FILE_ACTION,
        "filetypes": ["csv"],
        "max_files": 1,
    }
    assert "student,check_in,check_out" in json.dumps(view)
    assert ModalMeta.decode(view["private_metadata"]) == ModalMeta(sid, CHANNEL)


def test_import_by_staff_is_refused_without_a_modal(app: Env) -> None:
    app.school()

    app.server.slash("import", channel_id=CHANNEL, user_id=STAFF)

    [answer] = app.slack.wait_for("response_url")
    assert "Only the school's directors" in answer.args["text"]
    assert app.slack.calls_for("views.open") == []


def test_import_in_a_channel_without_a_school_is_refused(app: Env) -> None:
    # Given two schools, each bound to its own channel (so no default school)
    app.school()
    workspace.create_team_school(
        app.rt, team_id=TEAM, name="Second", creator=DIRECTOR, channel_id="C0SECOND"
    )

    app.server.slash("import", channel_id="C0ELSEWHERE", user_id=DIRECTOR)

    [answer] = app.slack.wait_for("response_url")
    assert "does not work on a school yet" in answer.args["text"]
    assert app.slack.calls_for("views.open") == []


def test_help_lists_import(app: Env) -> None:
    response = app.server.slash("help")

    assert "`/kindertrack import`: import attendance from a CSV file" in response.json()["text"]


# --- the modal's submission (listener only) ----------------------------------------------


def test_submission_closes_the_modal_and_enqueues_ids_only(
    app: Env, stub_broker: StubBroker
) -> None:
    sid = app.school()
    file_id = app.upload(GOOD_CSV)

    body = app.submit([file_id], school_id=sid, add_students=True)

    assert body == {}  # a plain ack closes the modal
    [message] = queued_imports(stub_broker)
    assert message.actor_name == "import_attendance_file"
    assert message.args == (
        sid,
        file_id,
        True,
        DIRECTOR,
        TEAM,
        CHANNEL,
        {
            "team_id": TEAM,
            "channel_id": None,
            "ts": None,
            "user_id": DIRECTOR,
            "response_url": None,
            "locale": "en",
        },
    )
    assert "Ava" not in json.dumps(message.asdict())


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"user_id": STAFF}, "Only the school's directors"),
        ({"team_id": OTHER_TEAM, "user_id": "U0B"}, "another Slack workspace"),
        ({"private_metadata": "{not json"}, "out of date"),
    ],
)
def test_submission_refused_on_the_field_and_nothing_enqueued(
    app: Env, stub_broker: StubBroker, fields: dict[str, str], expected: str
) -> None:
    sid = app.school()

    body = app.submit([app.upload(GOOD_CSV)], school_id=sid, **fields)  # type: ignore[arg-type]

    assert body["response_action"] == "errors"
    assert expected in body["errors"][imports.FILE_BLOCK]
    assert queued_imports(stub_broker) == []


def test_a_forged_school_id_of_another_workspace_is_refused(
    app: Env, stub_broker: StubBroker
) -> None:
    # Given a school of another workspace, and a director of ours
    app.school()
    theirs = app.school("Their School", team=OTHER_TEAM)

    # When our director submits a form whose metadata names their school
    body = app.submit(
        [app.upload(GOOD_CSV)],
        school_id=theirs,
        private_metadata=ModalMeta(theirs, CHANNEL).encode(),
    )

    # Then it is refused on the field, and nothing is enqueued or written
    assert body["response_action"] == "errors"
    assert "another Slack workspace" in body["errors"][imports.FILE_BLOCK]
    assert queued_imports(stub_broker) == []
    assert records(app.rt, theirs) == []


def test_submission_without_a_file_asks_for_one(app: Env, stub_broker: StubBroker) -> None:
    sid = app.school()

    body = app.submit([], school_id=sid)

    assert body == {
        "response_action": "errors",
        "errors": {imports.FILE_BLOCK: "Choose one CSV file."},
    }
    assert queued_imports(stub_broker) == []


# --- the whole flow, through a real worker ------------------------------------------------


def test_a_good_csv_is_imported_and_the_director_gets_the_counts(env: Env) -> None:
    sid = env.school()
    file_id = env.upload(GOOD_CSV)

    assert env.submit([file_id], school_id=sid) == {}

    result = env.result()
    assert result.args["text"] == "Imported into Sunny Days: 2 records added, 0 already there."
    assert violations(result.args["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    assert f"<#{CHANNEL}>" in raw(result)
    stored = sorted((r.check_in, r.check_out) for r in records(env.rt, sid))
    assert [(i.isoformat(), o.isoformat() if o else None) for i, o in stored] == [
        ("2026-11-09T14:00:00+00:00", "2026-11-09T22:30:00+00:00"),
        ("2026-11-10T14:00:00+00:00", "2026-11-10T18:00:00+00:00"),
    ]
    # And the file was read with the bot token: files.info, then the private URL
    [info] = env.slack.calls_for("files.info")
    [download] = env.slack.calls_for("file_download")
    assert info.token == download.token == BOT_TOKEN
    assert download.args["file_id"] == file_id


def test_importing_the_same_file_again_adds_nothing(env: Env) -> None:
    sid = env.school()
    env.submit([env.upload(GOOD_CSV)], school_id=sid)
    env.result()

    env.submit([env.upload(GOOD_CSV)], school_id=sid)

    again = env.result(2)
    assert again.args["text"] == "Imported into Sunny Days: 0 records added, 2 already there."
    assert "Nothing was new" in shown(again)
    assert len(records(env.rt, sid)) == 2


def test_a_csv_with_bad_rows_writes_nothing_and_names_each_bad_row(env: Env) -> None:
    sid = env.school()
    bad = GOOD_CSV + (
        "Ava Smith,2026-11-11T25:00,2026-11-11T16:00\n"  # line 4: no such hour
        "Nobody Here,2026-11-12T08:00,2026-11-12T12:00\n"  # line 5: unknown student
        "Ava Smith,2026-11-13T08:00\n"  # line 6: two columns
    )

    env.submit([env.upload(bad)], school_id=sid)

    result = env.result()
    text = shown(result)
    assert result.args["text"] == "Nothing was imported into Sunny Days: 3 bad rows."
    assert (
        "line 4: Check_in '2026-11-11T25:00' is not a date and time like 11/09/2026 8:15 AM" in text
    )
    assert "line 5: no student named 'Nobody Here'" in text
    assert "tick “Add students who are new” in /kindertrack import" in text
    assert "line 6: expected 3 columns, found 2" in text
    assert "line 2:" not in text and "line 3:" not in text
    assert records(env.rt, sid) == []


def test_a_director_whose_slack_is_in_spanish_gets_the_modal_and_the_refusal_in_spanish(
    env: Env,
) -> None:
    # Given a director whose Slack is in Spanish
    sid = env.school()
    known = dict(env.slack.users)
    env.slack.add_user(DIRECTOR, locale="es-LA")
    try:
        # When they open the import modal and submit a file with two bad rows
        env.server.slash("import", user_id=DIRECTOR, channel_id=CHANNEL)
        [opened] = env.slack.wait_for("views.open")
        bad = GOOD_CSV + "Nobody Here,2026-11-12T08:00,2026-11-12T12:00\nAva Smith,x\n"
        env.submit([env.upload(bad)], school_id=sid)
        result = env.result()
    finally:
        env.slack.users.clear()
        env.slack.users.update(known)

    # Then the modal and the worker's DM are in Spanish, naming each bad row
    modal = opened.args["view"]
    assert modal["title"]["text"] == "Importar asistencia"
    assert modal["submit"]["text"] == "Importar"
    text = shown(result)
    assert result.args["text"] == "No se importó nada en Sunny Days: 2 filas con error."
    assert "línea 4: no hay ningún niño llamado 'Nobody Here'" in text
    assert "marque “Agregar a los niños nuevos” en /kindertrack import" in text
    assert "línea 5: se esperaban 3 columnas y hay 2" in text
    assert records(env.rt, sid) == []


def test_a_thousand_bad_rows_fit_slack_and_the_rest_are_counted(env: Env) -> None:
    sid = env.school()
    rows = "".join(f"{MARKUP_NAME} {i},2026-11-09T08:00,2026-11-09T12:00\n" for i in range(1000))

    env.submit([env.upload("student,check_in,check_out\n" + rows)], school_id=sid)

    result = env.result()
    assert violations(result.args["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    assert "1000 bad rows" in result.args["text"]
    assert "…and 980 more bad rows" in shown(result)
    assert "line 21: no student named '<!channel> *Bo* 19'" in shown(result)
    assert "<!channel>" not in raw(result)
    assert records(env.rt, sid) == []


def test_new_students_are_added_when_ticked_and_their_names_escaped(env: Env) -> None:
    sid = env.school()
    csv = f"student,check_in,check_out\n{MARKUP_NAME},2026-11-09T08:00,2026-11-09T12:00\n"

    env.submit([env.upload(csv)], school_id=sid, add_students=True)

    result = env.result()
    assert "1 records added" not in shown(result) and "1 record added" in shown(result)
    assert f"• {MARKUP_NAME}" in shown(result)
    assert "<!channel>" not in raw(result)
    assert "*Bo*" not in raw(result)  # the asterisks are kept apart from the word
    with env.rt.session() as session:
        names = {s.name for s in session.exec(select(Student).where(Student.school_id == sid))}
    assert names == {"Ava Smith", MARKUP_NAME}


def test_an_unknown_student_with_markup_is_escaped_in_the_refusal(env: Env) -> None:
    sid = env.school()
    csv = f"student,check_in,check_out\n{MARKUP_NAME},2026-11-09T08:00,2026-11-09T12:00\n"

    env.submit([env.upload(csv)], school_id=sid)

    result = env.result()
    assert f"no student named '{MARKUP_NAME}'" in shown(result)
    assert "<!channel>" not in raw(result)
    assert records(env.rt, sid) == []


def test_a_file_over_the_cap_is_refused_before_it_is_downloaded(env: Env) -> None:
    sid = env.school()
    big = GOOD_CSV + "Ava Smith,2026-11-11T08:00,2026-11-11T12:00\n" * 60_000

    env.submit([env.upload(big)], school_id=sid)

    result = env.result()
    assert "a Slack import reads at most 2.0 MB" in shown(result)
    assert f"the file is {len(big) / 1_000_000:.1f} MB" in shown(result)
    assert env.slack.calls_for("file_download") == []
    assert records(env.rt, sid) == []


def test_a_file_larger_than_slack_said_is_cut_off_while_downloading(env: Env) -> None:
    sid = env.school()
    big = GOOD_CSV + "x" * (MAX_CSV_BYTES + 1)

    env.submit([env.upload(big, size=100)], school_id=sid)

    result = env.result()
    assert "a Slack import reads at most 2.0 MB" in shown(result)
    assert len(env.slack.calls_for("file_download")) == 1
    assert records(env.rt, sid) == []


@pytest.mark.parametrize(
    ("content", "options", "expected"),
    [
        (GOOD_CSV.encode("utf-16"), {}, "the file is not UTF-8 text"),
        (GOOD_CSV.encode("latin-1") + "Zoë,,\n".encode("latin-1"), {}, "not UTF-8 text"),
        (b"%PDF-1.4 binary", {"name": "times.pdf", "filetype": "pdf"}, "not a CSV file"),
        (b"", {}, "the file is empty"),
        (b"name,when\nAva,today\n", {}, "the first line must be the header"),
    ],
)
def test_files_that_are_not_utf8_csv_are_refused_clearly(
    env: Env, content: bytes, options: dict[str, str], expected: str
) -> None:
    sid = env.school()

    env.submit([env.upload(content, **options)], school_id=sid)

    result = env.result()
    assert result.args["text"].startswith("Nothing was imported into Sunny Days")
    assert expected in shown(result)
    assert records(env.rt, sid) == []


def test_a_utf8_bom_is_accepted(env: Env) -> None:
    sid = env.school()

    env.submit([env.upload(b"\xef\xbb\xbf" + GOOD_CSV.encode())], school_id=sid)

    assert "2 records added" in env.result().args["text"]
    assert len(records(env.rt, sid)) == 2


def test_a_file_the_bot_may_not_read_gets_a_clear_refusal(env: Env) -> None:
    sid = env.school()
    # Given a file only another token may read (files.info says file_not_found)
    file_id = env.upload(GOOD_CSV, token="xoxb-another-workspace")

    env.submit([file_id], school_id=sid)

    assert "Slack did not let me read the file (file_not_found)" in shown(env.result())
    assert records(env.rt, sid) == []


def test_rows_in_a_submitted_period_are_refused_with_the_corrected_claim_contact(
    env: Env,
) -> None:
    # Given a registered school whose 2026-11-08 period was submitted to KinderTrack
    sid = env.school()
    schools.register_provider(env.rt, school_id=sid, provider_id="12345", actor=DIRECTOR)
    students.link_student(
        env.rt, school_id=sid, name="Ava Smith", child_id="123456", actor=DIRECTOR
    )
    import_csv(env.rt, school_id=sid, content=GOOD_CSV, actor=DIRECTOR)
    view = approvals.approve(env.rt, school_id=sid, start=START, end=END, approved_by=DIRECTOR)
    sending.run_submission(env.rt, submission_id=view.id)
    late = (
        "student,check_in,check_out\n"
        "Ava Smith,2026-11-12T08:00,2026-11-12T12:00\n"
        "Ava Smith,2026-11-13T08:00,2026-11-13T12:00\n"
    )

    # When the director imports more rows for that period
    env.submit([env.upload(late)], school_id=sid)

    # Then nothing is written; each row says why with human dates, and the contact once
    result = env.result()
    text = shown(result)
    assert "line 2: Attendance for the pay period Nov 8, 2026 to Nov 21, 2026" in text
    assert "line 3: Attendance for the pay period" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert text.count(CORRECTED_CLAIM_CONTACT) == 1
    assert len(records(env.rt, sid)) == 2


def test_a_file_someone_else_uploaded_is_not_read(env: Env) -> None:
    """A forged form naming another person's file: the bot never downloads it."""
    sid = env.school()
    file_id = env.upload(GOOD_CSV, user="U0SOMEONEELSE")

    env.submit([file_id], school_id=sid)

    assert "that is not a file you uploaded" in shown(env.result())
    assert env.slack.calls_for("file_download") == []
    assert records(env.rt, sid) == []


def test_an_app_installed_without_files_read_says_to_reinstall(env: Env) -> None:
    sid = env.school()
    env.slack.fail_next("files.info", "missing_scope")

    env.submit([env.upload(GOOD_CSV)], school_id=sid)

    text = shown(env.result())
    assert "ask your Slack admin to reinstall the app" in text
    assert "Upload it again" not in text
    assert records(env.rt, sid) == []


def test_an_unforeseen_failure_still_answers_the_director(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The modal has closed: whatever goes wrong, the director hears back by DM."""
    sid = env.school()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("Ava Smith's row broke something")  # text must not reach logs

    monkeypatch.setattr(core.services.imports, "import_csv", broken)
    env.submit([env.upload(GOOD_CSV)], school_id=sid)

    text = shown(env.result())
    assert "something went wrong on Rollcall's side" in text
    assert "Ava Smith" not in text
    assert records(env.rt, sid) == []


def test_a_queue_that_cannot_be_reached_is_said_on_the_field(
    app: Env, stub_broker: StubBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = app.school()

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(workers.dispatch, "enqueue_import", unreachable)
    answer = app.submit([app.upload(GOOD_CSV)], school_id=sid)

    assert answer["response_action"] == "errors"
    assert "could not start the import" in answer["errors"][imports.FILE_BLOCK]
    assert queued_imports(stub_broker) == []


def test_a_modal_slack_will_not_open_is_answered(app: Env) -> None:
    app.school()
    app.slack.fail_next("views.open", "expired_trigger_id")

    response = app.server.slash("import", channel_id=CHANNEL, user_id=DIRECTOR)

    assert response.status_code == 200
    [answer] = app.slack.wait_for("response_url", timeout=5)
    assert answer.args["response_type"] == "ephemeral"
    assert unescape_mrkdwn(answer.args["text"]) == (
        "Slack did not open the import form (expired_trigger_id). Run /kindertrack import again."
    )


# --- the roll-call boards, after an import ---------------------------------------------------

TODAY_CSV = "student,check_in,check_out\nAva Smith,2026-11-25T08:00,\n"
"""Ava checked in at 8:00 AM on the clock's day (2026-11-25, noon in Iowa), not out yet."""


def post_board(env: Env, channel: str = CHANNEL, *, user: str = STAFF) -> str:
    """Run /kindertrack rollcall in ``channel``; the ts of the board the app posted there,
    once the app remembered it."""
    posted = len(env.slack.calls_for("chat.postMessage"))
    env.server.slash("rollcall", channel_id=channel, user_id=user)
    env.slack.wait_for("chat.postMessage", count=posted + 1)
    ts = max(ts for (where, ts) in env.slack.messages if where == channel)
    with env.rt.session() as session:
        school = workspace.school_for_channel(session, team_id=TEAM, channel_id=channel)
    sid = school.id or 0 if school is not None else 0
    _eventually(lambda: any(b.ts == ts for b in board.posted_boards(env.rt, school_id=sid)))
    return ts


def board_updates(env: Env, ts: str) -> list[Call]:
    return [c for c in env.slack.calls_for("chat.update") if c.args["ts"] == ts]


def ava_line(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return next(b for b in blocks if b["type"] == "section" and "Ava Smith" in b["text"]["text"])


def _eventually(check: Callable[[], bool], *, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_an_import_redraws_the_channels_board_in_the_language_it_was_posted_in(
    env: Env,
) -> None:
    # Given the roll-call board posted by a staff member whose Slack is in Spanish: Ava out
    sid = env.school()
    env.slack.add_user(STAFF, locale="es-LA")
    ts = post_board(env, user=STAFF)
    before = ava_line(env.slack.messages[(CHANNEL, ts)]["blocks"])
    assert before["accessory"]["text"]["text"] == "Entrada"
    assert board.posted_boards(env.rt, school_id=sid) == [board.PostedBoard(CHANNEL, ts, "es")]

    # When the director (in English) imports a file that checks Ava in at 8 this morning
    env.submit([env.upload(TODAY_CSV)], school_id=sid)
    assert env.result(2).args["text"].startswith("Imported into Sunny Days: 1 record")

    # Then the board is redrawn in place, still in Spanish: Ava in since 8:00, an Out button
    _eventually(lambda: bool(board_updates(env, ts)))
    [update] = board_updates(env, ts)
    assert update.args["channel"] == CHANNEL
    after = ava_line(update.args["blocks"])
    assert "presente desde 8:00 a.m." in after["text"]["text"]
    assert after["accessory"]["text"]["text"] == "Salida"
    assert "*1* de 1 niños presentes" in raw(update)
    assert env.slack.messages[(CHANNEL, ts)]["blocks"] == update.args["blocks"]


def test_an_import_redraws_only_its_own_schools_boards(env: Env) -> None:
    # Given a board of this school, one of a second school of the workspace in its own
    # channel, and one remembered for a school of another workspace
    sid = env.school()
    second = workspace.create_team_school(
        env.rt, team_id=TEAM, name="Second", creator=DIRECTOR, channel_id="C0SECOND"
    )
    students.add_student(env.rt, school_id=second.id or 0, name="Ava Smith", actor=DIRECTOR)
    other = env.school("Elsewhere", team=OTHER_TEAM)
    ours = post_board(env)
    theirs = post_board(env, "C0SECOND")
    board.remember_board(env.rt, school_id=other, channel_id="C0THEIRS", ts="1.000001", locale="en")

    # When an import checks Ava in at this school
    env.submit([env.upload(TODAY_CSV)], school_id=sid)
    env.result(3)

    # Then only this school's board is redrawn
    _eventually(lambda: bool(board_updates(env, ours)))
    assert "in since 8:00 AM" in raw(board_updates(env, ours)[0])
    assert board_updates(env, theirs) == [] and board_updates(env, "1.000001") == []
    assert {c.args["channel"] for c in env.slack.calls_for("chat.update")} == {CHANNEL}


@pytest.mark.parametrize(
    ("error", "forgotten"),
    [("message_not_found", True), ("channel_not_found", True), ("ratelimited", False)],
)
def test_a_board_slack_no_longer_has_is_forgotten_and_not_redrawn_again(
    env: Env, error: str, forgotten: bool
) -> None:
    # Given a posted board that Slack no longer has (deleted, or its channel), or that
    # Slack refuses to update for now (a rate limit); and a later board in another channel
    sid = env.school()
    ts = post_board(env)
    later = post_board(env, "C0LATER")
    env.slack.fail_next("chat.update", error)

    # When an import redraws them
    env.submit([env.upload(TODAY_CSV)], school_id=sid)
    env.result(3)
    _eventually(lambda: bool(board_updates(env, later)))

    # Then a board that is gone is forgotten; one refused for now is kept
    assert len(board_updates(env, ts)) == 1
    left = [b.ts for b in board.posted_boards(env.rt, school_id=sid)]
    assert left == ([later] if forgotten else [ts, later])

    # And the next import redraws the kept one, and never asks Slack for a forgotten one
    env.submit([env.upload(GOOD_CSV)], school_id=sid)
    env.result(4)
    _eventually(lambda: len(board_updates(env, later)) == 2)
    assert len(board_updates(env, ts)) == (1 if forgotten else 2)
    if not forgotten:
        assert "in since 8:00 AM" in raw(board_updates(env, ts)[-1])
