"""The Slack notifier: how the workers' notices reach directors (``core.ports.Notifier``).

A notice is one of the frozen dataclasses of ``core.notices``, built by the actors
(``workers/actors.py``); :meth:`SlackNotifier.notify` dispatches on its type and each
kind is drawn by its handler below. Where a message goes is the notice's *destination*
(``bot/slack_delivery.py``); which bot token reaches the school's workspace is
``bot/slack_clients.py``. A report destination may also carry ``page`` (the
Previous/Next buttons): the message is redrawn on that page and no new CSV is posted.

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
  director by DM (the destination's ``user_id``). An import redraws the school's open
  reports and its roll-call boards (``bot/redraw.py``).
- ``DayProblems``: the day's problems at the school's closing time, a DM to each director.
- ``ReminderDue``: the preview with its buttons, to the
  school's reminder channel when set, else a DM to each director; every posted message
  is remembered so it follows the submission.

Logs carry IDs and kinds, never a child's name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, assert_never
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore

from bot.app import slack_api_url
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
from bot.redraw import redraw_boards, redraw_school_reports
from bot.slack_clients import SlackClients, token_resolver
from bot.slack_delivery import Message, SlackDelivery, SlackUsers
from core.config import Settings
from core.domain.exports import (
    report_csv_for_people,
    report_file_name,
    sent_file_name,
    sent_records_csv,
)
from core.domain.submission import SubmissionState
from core.errors import RollcallError
from core.i18n import ENGLISH, _, current, format_date, using_locale
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


@dataclass(frozen=True)
class _School:
    id: int
    team_id: str
    reminder_channel: str | None
    name: str


@dataclass(frozen=True)
class _Recipients:
    """Who a school's reminder goes to: its directors, the languages they chose (keyed by
    (team ID, user ID)) and what Slack told us about them (shared by a batch)."""

    school: _School
    directors: list[str]
    chosen: Mapping[tuple[str, str], str]
    users: SlackUsers


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
        self._clients = SlackClients(token_for_team, base_url)
        self._runtime = runtime or _default_runtime
        self._slack = SlackDelivery(base_url, self._runtime)

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
        resolver = token_resolver(
            settings, installation_store=installation_store, runtime=runtime or _default_runtime
        )
        return cls(token_for_team=resolver, base_url=slack_api_url(settings), runtime=runtime)

    def client_for(self, team_id: str) -> WebClient | None:
        """The Web API client with ``team_id``'s bot token, or None when that workspace
        has none; the workers also read uploaded files with it."""
        return self._clients.client_for(team_id)

    # --- the port ------------------------------------------------------------------------

    def notify(self, notice: Notice) -> None:
        rt = self._runtime()
        school = self._school(rt, notice.school_id)
        client = self._clients.client_for(school.team_id)
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
        outcome. The reminders' schools, directors, chosen languages and remembered Slack
        users (DM channels, locales) are read in one transaction before the first is sent;
        the messages they post, and what Slack told about the users, are remembered after
        the last (also when the batch is stopped midway); other notices go through
        :meth:`notify`."""
        rt = self._runtime()
        known, users = self._reminder_recipients(
            rt, [n for n in notices if isinstance(n, ReminderDue)]
        )
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
            self._slack.remember(rt, users)

    def _dispatch(self, rt: Runtime, client: WebClient, school: _School, notice: Notice) -> None:
        match notice:
            case ReportReady():
                self._report(rt, client, school, notice)
            case ReportFailed():
                self._slack.deliver(
                    client, _destination(notice), failure_message(notice.message), notice
                )
            case ProviderRegistered() | RegistrationRefused():
                message = registration_message(notice)
                self._slack.deliver(client, _destination(notice), message, notice)
            case AttendanceImported() | AttendanceImportRefused():
                self._import(rt, client, school, notice)
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
        channel, ts = self._slack.deliver(client, destination, message, notice)
        if channel is None and destination.get("channel_id") and destination.get("ts"):
            # Slack refused the update (too large, say): never leave the placeholder.
            channel, ts = self._slack.deliver(
                client, destination, refused_report_message(report, school_id=school.id), notice
            )
            page = None
        if channel and ts and page is None:
            self._slack.upload(
                client,
                notice,
                channel=channel,
                thread_ts=ts,
                content=report_csv_for_people(report),
                filename=report_file_name(report.start, report.end),
                title=_(
                    "KinderTrack Subsidy Report {start} to {end}",
                    start=format_date(report.start),
                    end=format_date(report.end),
                ),
            )

    def _import(
        self,
        rt: Runtime,
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
        self._slack.deliver(client, _destination(notice), message, notice)
        if isinstance(notice, AttendanceImported):
            # The import changed what the school's open reports show: redraw them.
            redraw_school_reports(
                rt,
                school_id=school.id,
                team_id=school.team_id,
                user_id=_destination(notice).get("user_id"),
            )
            # And maybe who is in or away today: its roll-call boards too.
            redraw_boards(rt, client, school_id=school.id)

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
            submissions.sent_records(rt, submission_id=view.id)
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
                if not self._slack.call(
                    client.chat_update, notice, channel=channel, ts=ts, **message
                ):
                    continue
                if sent is not None:
                    self._slack.upload(
                        client,
                        notice,
                        channel=channel,
                        thread_ts=ts,
                        content=sent_records_csv(sent, report.tz or ZoneInfo("UTC")),
                        filename=sent_file_name(view.period_start, view.period_end),
                        title=_(
                            "Sent to KinderTrack (confirmation {confirmation})",
                            confirmation=view.kindertrack_submission_id,
                        ),
                    )

    def _reminder(
        self, rt: Runtime, client: WebClient, school: _School, notice: ReminderDue
    ) -> None:
        recipients = self._recipients(rt, school)
        try:
            workspace.remember_messages(rt, self._post_reminder(client, recipients, notice))
        finally:
            self._slack.remember(rt, recipients.users)

    def _recipients(self, rt: Runtime, school: _School) -> _Recipients:
        """One school's directors, the languages they chose and what Slack told about
        them, in one transaction (a batch reads many: :meth:`_reminder_recipients`)."""
        with rt.session() as session:
            directors = workspace.directors_of(session, school_id=school.id)
            keys = [(school.team_id, d) for d in directors]
            chosen = preferences.languages_of(session, keys)
            users = self._slack.remembered(rt, session, keys)
        return _Recipients(school, directors, chosen, users)

    def _language(self, client: WebClient, recipients: _Recipients, user_id: str) -> str:
        """The language a director reads: their choice, else Slack's locale, else English."""
        key = (recipients.school.team_id, user_id)
        return (
            recipients.chosen.get(key)
            or self._slack.slack_locale(client, recipients.users, key)
            or ENGLISH
        )

    def _reminder_to(
        self, recipients: _Recipients, notice: ReminderDue
    ) -> list[workspace.NewMessage]:
        """A reminder of a batch (:meth:`notify_each`): the messages it posted, to remember."""
        school = recipients.school
        client = self._clients.client_for(school.team_id)
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

        users = recipients.users
        languages = {d: self._language(client, recipients, d) for d in directors}
        # (channel, Slack's answer or None when refused, the language it was written in)
        sent: list[tuple[str, Any, str]] = []
        if school.reminder_channel and is_private_conversation(client, school.reminder_channel):
            # A shared channel: the directors' language when they share one, else English.
            # Only a private one: the preview names children with their subsidy status.
            shared = set(languages.values())
            with using_locale(shared.pop() if len(shared) == 1 else None):
                channel = school.reminder_channel
                answer = self._slack.call(
                    client.chat_postMessage, notice, channel=channel, **message()
                )
                sent.append((channel, answer, current()))
        else:
            for user in directors:
                with using_locale(languages[user]):
                    dm, answer = self._slack.post_dm(
                        client, notice, users, (school.team_id, user), message()
                    )
                    if dm is not None:
                        sent.append((dm, answer, current()))
        posted = [
            workspace.NewMessage(
                school_id=school.id,
                start=report.start,
                end=report.end,
                channel_id=channel,
                ts=str(answer["ts"]),
                kind="reminder",
                locale=locale,
            )
            for channel, answer, locale in sent
            if answer is not None
        ]
        if sent and not posted:
            # The actor releases its once-only claim on any error: the next pass retries.
            raise NoticeUndelivered("Slack refused every copy of the reminder.")
        return posted

    def _day_check(
        self, rt: Runtime, client: WebClient, school: _School, notice: DayProblems
    ) -> None:
        """The same-day nudge, to each director by DM in their language (never a channel:
        it names children)."""
        recipients = self._recipients(rt, school)
        channels = delivered = 0
        try:
            for user in recipients.directors:
                with using_locale(self._language(client, recipients, user)):
                    message = day_check_message(school.name, notice.check)
                    channel, answer = self._slack.post_dm(
                        client, notice, recipients.users, (school.team_id, user), message
                    )
                channels += channel is not None
                delivered += answer is not None
        finally:
            self._slack.remember(rt, recipients.users)
        if channels and not delivered:
            raise NoticeUndelivered("Slack refused every copy of the day's problems.")

    # --- delivery ----------------------------------------------------------------------

    # --- lookups -------------------------------------------------------------------------

    def _reminder_recipients(
        self, rt: Runtime, notices: Sequence[ReminderDue]
    ) -> tuple[dict[int, _Recipients], SlackUsers]:
        """For a batch of reminders: each school's row, directors, chosen languages and
        remembered Slack users, in one transaction, one query each (a school deleted
        meanwhile is left out)."""
        if not notices:
            return {}, SlackUsers({}, rt.now())
        with rt.session() as session:
            schools = [
                _School(s.id or 0, s.team_id, s.reminder_channel, s.name)
                for s in schools_by_id(session, [n.school_id for n in notices])
            ]
            directors = workspace.directors_of_schools(session, [s.id for s in schools])
            keys = [(s.team_id, d) for s in schools for d in directors.get(s.id, [])]
            chosen = preferences.languages_of(session, keys)
            users = self._slack.remembered(rt, session, keys)
        found = {s.id: _Recipients(s, directors.get(s.id, []), chosen, users) for s in schools}
        return found, users

    def _school(self, rt: Runtime, school_id: int) -> _School:
        with rt.session() as session:
            school = get_school(session, school_id=school_id)
            return _School(school.id or 0, school.team_id, school.reminder_channel, school.name)


def _destination(
    notice: ReportReady
    | ReportFailed
    | ProviderRegistered
    | RegistrationRefused
    | AttendanceImported
    | AttendanceImportRefused,
) -> Destination:
    return read_destination(notice.destination)
