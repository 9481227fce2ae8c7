"""The Slack notifier: how the workers' notices reach directors (``core.ports.Notifier``).

A notice is one of the frozen dataclasses of ``core.notices``, built by the actors
(``workers/actors.py``); :meth:`SlackNotifier.notify` dispatches on its type. Some carry a
*destination*, the plain dict the listener handed to the worker (``bot.destination``)::

    {"team_id": str, "channel_id": str|None, "ts": str|None,
     "user_id": str|None, "response_url": str|None}

and delivery follows it: ``channel_id`` + ``ts`` → ``chat.update`` that message; else
``response_url`` → post to it; else ``channel_id`` → ``chat.postMessage`` there; else a DM
to ``user_id``. A report destination may also carry ``page`` (the Previous/Next buttons):
the message is redrawn on that page and no new CSV is posted.

Notices handled:

- ``ReportReady`` / ``ReportFailed``: the preview (or the refusal) replaces the placeholder;
  the full table goes to the message's thread as CSV. A period already approved shows
  its submission state instead of the Approve button.
- ``SubmissionChanged``: every remembered message of the period is updated (submitting,
  submitted with KinderTrack's confirmation, or refused with its message and, for a
  period already submitted, the corrected-claim contact); after a submission the CSV of
  exactly what was sent goes in each message's thread.
- ``ProviderRegistered`` / ``RegistrationRefused``: the green "Registered" tag, or
  KinderTrack's refusal.
- ``AttendanceImported`` / ``AttendanceImportRefused``: a CSV import's result (records
  added, rows already there, new students) or its refusal naming each bad row; to the
  director by DM (the destination's ``user_id``).
- ``DayProblems``: the day's problems at the school's closing time, a DM to each director.
- ``ReminderDue``: the preview with its buttons, to the
  school's reminder channel when set, else a DM to each director; every posted message
  is remembered so it follows the submission.

Tokens: one workspace uses ``SLACK_BOT_TOKEN``; an installable app (OAuth) uses the
bot token the installation store holds for the school's team. The Web API is called at
``ROLLCALL_SLACK_API_URL`` when set. Logs carry IDs and kinds, never a child's name.
A delivery Slack refuses is logged and skipped: the notice's work (a submission, a
registration) is already recorded in the database, and re-running it would not help.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, assert_never

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.webhook import WebhookClient

from bot.app import SlackSetupError, is_oauth, slack_api_url
from bot.blocks.day_check import day_check_message
from bot.blocks.imports import import_done_message, import_refused_message
from bot.blocks.notices import (
    failure_message,
    registration_message,
    reminder_message,
)
from bot.blocks.report import refused_report_message, report_message
from bot.blocks.submission import submission_message
from bot.conversations import is_private_conversation
from bot.destination import Destination, read_destination
from bot.locale import SLACK_LOCALE_TTL_S, slack_locale
from bot.slack_hosts import is_response_url
from core.config import Settings
from core.domain.exports import report_csv, sent_records_csv
from core.domain.submission import SubmissionState
from core.errors import RollcallError
from core.i18n import ENGLISH, _, current, using_locale
from core.notices import (
    AttendanceImported,
    AttendanceImportRefused,
    DayProblems,
    Notice,
    ProviderRegistered,
    RegistrationRefused,
    ReminderDue,
    ReportFailed,
    ReportReady,
    SubmissionChanged,
)
from core.services import approvals, preferences, reports, submissions, workspace
from core.services.runtime import Runtime
from core.services.schools import get_school, schools_by_id

log = logging.getLogger(__name__)

Message = dict[str, Any]


@dataclass(frozen=True)
class _School:
    id: int
    team_id: str
    reminder_channel: str | None
    name: str


@dataclass(frozen=True)
class _Recipients:
    """Who a school's reminder goes to: its directors and the languages they chose
    (keyed by (team ID, user ID))."""

    school: _School
    directors: list[str]
    chosen: Mapping[tuple[str, str], str]


class NoticeUndelivered(RollcallError):
    """No copy of a notice that must arrive (a reminder) could be delivered."""


def _default_runtime() -> Runtime:
    from workers.runtime import runtime

    return runtime()


class SlackNotifier:
    """Delivers notices through Slack's Web API.

    Keyword-only: ``token_for_team`` maps a school's team ID to a bot token (None when
    the workspace is not installed); ``base_url`` is the Web API address; ``runtime``
    returns the Runtime whose database holds schools, directors and remembered messages
    (default: the worker's, ``workers.runtime.runtime``).
    """

    def __init__(
        self,
        *,
        token_for_team: Callable[[str], str | None],
        base_url: str = WebClient.BASE_URL,
        runtime: Callable[[], Runtime] | None = None,
    ) -> None:
        self._token_for_team = token_for_team
        self._base_url = base_url
        self._runtime = runtime or _default_runtime
        self._clients: dict[str, WebClient] = {}
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._locales: dict[tuple[str, str], tuple[float, str | None]] = {}

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        runtime: Callable[[], Runtime] | None = None,
        installation_store: InstallationStore | None = None,
    ) -> SlackNotifier:
        """Single workspace (``SLACK_BOT_TOKEN``) or OAuth (the installation store's tokens,
        encrypted with ``ROLLCALL_TOKEN_ENCRYPTION_KEY``, on the runtime's database)."""
        base_url = slack_api_url(settings)
        if is_oauth(settings) or installation_store is not None:
            resolver = _InstallationTokens(
                settings, installation_store, runtime or _default_runtime
            )
            return cls(token_for_team=resolver, base_url=base_url, runtime=runtime)
        token = settings.slack_bot_token
        if not token:
            raise SlackSetupError(
                "The Slack notifier needs SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET with an installed workspace."
            )
        return cls(token_for_team=lambda team_id: token, base_url=base_url, runtime=runtime)

    # --- the port ------------------------------------------------------------------------

    def notify(self, notice: Notice) -> None:
        rt = self._runtime()
        school = self._school(rt, notice.school_id)
        client = self.client_for(school.team_id)
        if client is None:
            log.warning(
                "no Slack token for the school's workspace; notice dropped",
                extra={"event": "notice", "kind": notice.kind, "school_id": school.id},
            )
            return
        destination = getattr(notice, "destination", None)
        with using_locale(read_destination(destination)["locale"] if destination else current()):
            self._dispatch(rt, client, school, notice)

    def notify_each(self, notices: Sequence[Notice]) -> Generator[Exception | None, None, None]:
        """Deliver ``notices`` in order (``core.ports.BatchNotifier``), yielding each one's
        outcome. The reminders' schools, directors and chosen languages are read in one
        transaction before the first is sent, and the messages they post are remembered
        in one after the last (also when the batch is stopped midway); other notices go
        through :meth:`notify`."""
        rt = self._runtime()
        known = self._reminder_recipients(rt, [n for n in notices if isinstance(n, ReminderDue)])
        posted: list[workspace.NewMessage] = []
        try:
            for notice in notices:
                try:
                    recipients = known.get(notice.school_id)
                    if isinstance(notice, ReminderDue) and recipients is not None:
                        posted.extend(self._reminder_to(recipients, notice))
                    else:
                        self.notify(notice)
                except Exception as error:
                    yield error
                else:
                    yield None
        finally:
            workspace.remember_messages(rt, posted)

    def _dispatch(self, rt: Runtime, client: WebClient, school: _School, notice: Notice) -> None:
        match notice:
            case ReportReady():
                self._report(rt, client, school, notice)
            case ReportFailed():
                self._deliver(client, _destination(notice), failure_message(notice.message), notice)
            case ProviderRegistered() | RegistrationRefused():
                message = registration_message(notice)
                self._deliver(client, _destination(notice), message, notice)
            case AttendanceImported() | AttendanceImportRefused():
                self._import(client, school, notice)
            case SubmissionChanged():
                self._submission(rt, client, school, notice)
            case ReminderDue():
                self._reminder(rt, client, school, notice)
            case DayProblems():
                self._day_check(rt, client, school, notice)
            case _:
                assert_never(notice)

    # --- notices ---------------------------------------------------------------------------

    def _report(self, rt: Runtime, client: WebClient, school: _School, notice: ReportReady) -> None:
        report = notice.report
        destination = _destination(notice)
        page = destination.get("page")
        status = submissions.submission_status(
            rt, school_id=school.id, start=report.start, end=report.end
        )
        if status is not None and status.state is not SubmissionState.DRAFT:
            message = submission_message(
                report,
                status,
                school_id=school.id,
                undo_until=approvals.undo_deadline(rt, status),
            )
        else:
            message = report_message(report, school_id=school.id, page=int(page or 0))
        channel, ts = self._deliver(client, destination, message, notice)
        if channel is None and destination.get("channel_id") and destination.get("ts"):
            # Slack refused the update (too large, say): never leave the placeholder.
            channel, ts = self._deliver(
                client, destination, refused_report_message(report, school_id=school.id), notice
            )
            page = None
        if channel and ts and page is None:
            self._upload(
                client,
                notice,
                channel=channel,
                thread_ts=ts,
                content=report_csv(report, absences=True),
                filename=f"kindertrack-subsidy-report-{report.start}-{report.end}.csv",
                title=_(
                    "KinderTrack Subsidy Report {start} to {end}",
                    start=report.start,
                    end=report.end,
                ),
            )

    def _import(
        self,
        client: WebClient,
        school: _School,
        notice: AttendanceImported | AttendanceImportRefused,
    ) -> None:
        if isinstance(notice, AttendanceImported):
            message = import_done_message(
                school.name,
                added=notice.added,
                duplicates=notice.duplicates,
                students_added=list(notice.students_added),
                channel_id=notice.channel_id,
            )
        else:
            message = import_refused_message(
                school.name,
                notice.message,
                notice.problems,
                unknown_students=notice.unknown_students,
            )
        self._deliver(client, _destination(notice), message, notice)

    def _submission(
        self, rt: Runtime, client: WebClient, school: _School, notice: SubmissionChanged
    ) -> None:
        view = notice.submission
        report = reports.school_report(
            rt, school_id=school.id, start=view.period_start, end=view.period_end
        )
        posted = workspace.posted_messages(
            rt, school_id=school.id, start=view.period_start, end=view.period_end
        )
        if not posted:
            log.info(
                "no Slack message follows this period",
                extra={"event": "notice", "kind": notice.kind, "school_id": school.id},
            )
        sent = (
            sent_records_csv(submissions.sent_records(rt, submission_id=view.id))
            if view.state is SubmissionState.SUBMITTED
            else None
        )
        for remembered in posted:
            # Each message stays in the language it was posted in.
            with using_locale(remembered.locale):
                message = submission_message(
                    report,
                    view,
                    school_id=school.id,
                    undo_until=approvals.undo_deadline(rt, view),
                )
                channel, ts = remembered.channel_id, remembered.ts
                if not self._call(client.chat_update, notice, channel=channel, ts=ts, **message):
                    continue
                if sent is not None:
                    self._upload(
                        client,
                        notice,
                        channel=channel,
                        thread_ts=ts,
                        content=sent,
                        filename=f"kindertrack-submitted-{view.period_start}-{view.period_end}.csv",
                        title=_(
                            "Sent to KinderTrack (confirmation {confirmation})",
                            confirmation=view.kindertrack_submission_id,
                        ),
                    )

    def _reminder(
        self, rt: Runtime, client: WebClient, school: _School, notice: ReminderDue
    ) -> None:
        with rt.session() as session:
            directors = workspace.directors_of(session, school_id=school.id)
            chosen = preferences.languages_of(session, [(school.team_id, d) for d in directors])
        recipients = _Recipients(school, directors, chosen)
        workspace.remember_messages(rt, self._post_reminder(client, recipients, notice))

    def _reminder_to(
        self, recipients: _Recipients, notice: ReminderDue
    ) -> list[workspace.NewMessage]:
        """A reminder of a batch (:meth:`notify_each`): the messages it posted, to remember."""
        school = recipients.school
        client = self.client_for(school.team_id)
        if client is None:
            log.warning(
                "no Slack token for the school's workspace; notice dropped",
                extra={"event": "notice", "kind": notice.kind, "school_id": school.id},
            )
            return []
        with using_locale(current()):
            return self._post_reminder(client, recipients, notice)

    def _post_reminder(
        self, client: WebClient, recipients: _Recipients, notice: ReminderDue
    ) -> list[workspace.NewMessage]:
        """Post the reminder to the school's reminder channel, else to each director."""
        school, directors, report = recipients.school, recipients.directors, notice.report

        def message() -> Message:
            return reminder_message(
                notice.period_kind,
                report,
                school_id=school.id,
                days_left=notice.days_left,
                errors=notice.errors,
            )

        languages = {
            d: recipients.chosen.get((school.team_id, d))
            or self._slack_locale(client, d)
            or ENGLISH
            for d in directors
        }
        if school.reminder_channel and is_private_conversation(client, school.reminder_channel):
            # A shared channel: the directors' language when they share one, else English.
            # Only a private one: the preview names children with their subsidy status.
            shared = set(languages.values())
            channels = [(school.reminder_channel, shared.pop() if len(shared) == 1 else None)]
        else:
            channels = [
                (channel, languages[user])
                for user in directors
                if (channel := self._dm(client, notice, user))
            ]
        posted: list[workspace.NewMessage] = []
        for channel, language in channels:
            with using_locale(language):
                answer = self._call(client.chat_postMessage, notice, channel=channel, **message())
                if answer is not None:
                    posted.append(
                        workspace.NewMessage(
                            school_id=school.id,
                            start=report.start,
                            end=report.end,
                            channel_id=channel,
                            ts=str(answer["ts"]),
                            kind="reminder",
                            locale=current(),
                        )
                    )
        if channels and not posted:
            # The actor releases its once-only claim on any error: the next pass retries.
            raise NoticeUndelivered("Slack refused every copy of the reminder.")
        return posted

    def _day_check(
        self, rt: Runtime, client: WebClient, school: _School, notice: DayProblems
    ) -> None:
        """The same-day nudge, to each director by DM in their language (never a channel:
        it names children)."""
        with rt.session() as session:
            directors = workspace.directors_of(session, school_id=school.id)
        channels = [
            (channel, self._language(rt, client, school.team_id, user))
            for user in directors
            if (channel := self._dm(client, notice, user))
        ]
        delivered = 0
        for channel, language in channels:
            with using_locale(language):
                message = day_check_message(school.name, notice.check)
                answer = self._call(client.chat_postMessage, notice, channel=channel, **message)
            delivered += answer is not None
        if channels and not delivered:
            raise NoticeUndelivered("Slack refused every copy of the day's problems.")

    # --- delivery ----------------------------------------------------------------------

    def _deliver(
        self, client: WebClient, destination: Destination, message: Message, notice: Notice
    ) -> tuple[str | None, str | None]:
        """Deliver ``message`` where ``destination`` says; the (channel, ts) it now lives at
        when known."""
        channel = destination.get("channel_id") or None
        ts = destination.get("ts") or None
        if channel and ts:
            done = self._call(client.chat_update, notice, channel=channel, ts=ts, **message)
            return (channel, ts) if done else (None, None)
        response_url = destination.get("response_url")
        if response_url and not is_response_url(str(response_url), self._base_url):
            log.warning(
                "a response_url off Slack's hosts ignored; answering by direct message",
                extra={"event": "notice", "kind": notice.kind, "school_id": notice.school_id},
            )
            response_url = None
            channel = None if destination.get("user_id") else channel
        if response_url:
            try:
                WebhookClient(str(response_url)).send_dict(
                    {**message, "response_type": "ephemeral", "replace_original": False}
                )
            except (SlackClientError, OSError) as error:
                _log_failure(notice, "response_url", error)
            return None, None
        if not channel and destination.get("user_id"):
            channel = self._dm(client, notice, str(destination["user_id"]))
        if not channel:
            log.warning(
                "notice without a destination dropped",
                extra={"event": "notice", "kind": notice.kind, "school_id": notice.school_id},
            )
            return None, None
        answer = self._call(client.chat_postMessage, notice, channel=channel, **message)
        return (channel, str(answer["ts"])) if answer is not None else (None, None)

    def _language(self, rt: Runtime, client: WebClient, team_id: str, user_id: str) -> str:
        """The language a recipient reads: their choice, else Slack's locale, else English."""
        with rt.session() as session:
            chosen = preferences.language_of(session, team_id=team_id, user_id=user_id)
        return chosen or self._slack_locale(client, user_id) or ENGLISH

    def _slack_locale(self, client: WebClient, user_id: str) -> str | None:
        """Slack's locale for ``user_id``, asked once per bot token and user every
        :data:`SLACK_LOCALE_TTL_S` (a reminder pass asks once per director, not once per
        reminder)."""
        key = (client.token or "", user_id)
        now = time.monotonic()
        known = self._locales.get(key)
        if known is not None and now - known[0] < SLACK_LOCALE_TTL_S:
            return known[1]
        locale = slack_locale(client, user_id)
        self._locales[key] = (now, locale)
        return locale

    def _dm(self, client: WebClient, notice: Notice, user_id: str) -> str | None:
        """The DM channel with ``user_id``, opened once per bot token and user: Slack
        gives the same channel every time, so a reminder pass asks once per director."""
        key = (client.token or "", user_id)
        known = self._dm_channels.get(key)
        if known is not None:
            return known
        answer = self._call(client.conversations_open, notice, users=user_id)
        if answer is None:
            return None
        channel = str(answer["channel"]["id"])
        self._dm_channels[key] = channel
        return channel

    def _upload(
        self,
        client: WebClient,
        notice: Notice,
        *,
        channel: str,
        thread_ts: str,
        content: str,
        filename: str,
        title: str,
    ) -> None:
        self._call(
            client.files_upload_v2,
            notice,
            channel=channel,
            thread_ts=thread_ts,
            content=content,
            filename=filename,
            title=title,
        )

    def _call(self, method: Callable[..., Any], notice: Notice, **kwargs: Any) -> Any:
        """One Web API call; a refusal is logged (with IDs only) and answers None."""
        try:
            return method(**kwargs)
        except (SlackClientError, OSError) as error:
            _log_failure(notice, getattr(method, "__name__", "web_api"), error, kwargs)
            return None

    # --- lookups -------------------------------------------------------------------------

    def _reminder_recipients(
        self, rt: Runtime, notices: Sequence[ReminderDue]
    ) -> dict[int, _Recipients]:
        """For a batch of reminders: each school's row, directors and chosen languages, in
        one transaction (a school deleted meanwhile is left out)."""
        if not notices:
            return {}
        with rt.session() as session:
            schools = [
                _School(s.id or 0, s.team_id, s.reminder_channel, s.name)
                for s in schools_by_id(session, [n.school_id for n in notices])
            ]
            directors = workspace.directors_of_schools(session, [s.id for s in schools])
            chosen = preferences.languages_of(
                session, [(s.team_id, d) for s in schools for d in directors.get(s.id, [])]
            )
        return {s.id: _Recipients(s, directors.get(s.id, []), chosen) for s in schools}

    def _school(self, rt: Runtime, school_id: int) -> _School:
        with rt.session() as session:
            school = get_school(session, school_id=school_id)
            return _School(school.id or 0, school.team_id, school.reminder_channel, school.name)

    def client_for(self, team_id: str) -> WebClient | None:
        """The Web API client with ``team_id``'s bot token (one per token), or None when
        that workspace has none; the workers also read uploaded files with it."""
        token = self._token_for_team(team_id)
        if not token:
            return None
        client = self._clients.get(token)
        if client is None:
            client = WebClient(
                token=token,
                base_url=self._base_url,
                retry_handlers=[
                    ConnectionErrorRetryHandler(),
                    RateLimitErrorRetryHandler(max_retry_count=2),
                ],
            )
            self._clients[token] = client
        return client


class _InstallationTokens:
    """team ID → the bot token of that workspace's installation (OAuth mode)."""

    def __init__(
        self,
        settings: Settings,
        store: InstallationStore | None,
        runtime: Callable[[], Runtime],
    ) -> None:
        self._settings = settings
        self._store = store
        self._runtime = runtime

    def _installation_store(self) -> InstallationStore:
        if self._store is None:
            from bot.installation_store import EncryptedInstallationStore

            if not self._settings.token_encryption_key:
                raise SlackSetupError(
                    "ROLLCALL_TOKEN_ENCRYPTION_KEY is required in OAuth mode: bot tokens are "
                    "stored encrypted."
                )
            self._store = EncryptedInstallationStore(
                client_id=self._settings.slack_client_id or "",
                engine=self._runtime().engine,
                encryption_key=self._settings.token_encryption_key,
            )
        return self._store

    def __call__(self, team_id: str) -> str | None:
        bot = self._installation_store().find_bot(enterprise_id=None, team_id=team_id or None)
        return bot.bot_token if bot is not None else None


def _destination(
    notice: ReportReady
    | ReportFailed
    | ProviderRegistered
    | RegistrationRefused
    | AttendanceImported
    | AttendanceImportRefused,
) -> Destination:
    return read_destination(notice.destination)


def _log_failure(
    notice: Notice, method: str, error: BaseException, kwargs: Mapping[str, Any] | None = None
) -> None:
    response = getattr(error, "response", None)
    code = response.get("error") if response is not None else type(error).__name__
    log.warning(
        "Slack refused a notice delivery",
        extra={
            "event": "notice_failed",
            "kind": notice.kind,
            "school_id": notice.school_id,
            "method": method,
            "channel": (kwargs or {}).get("channel"),
            "error": code,
        },
    )
