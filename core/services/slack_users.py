"""What Slack told us about a user, remembered across processes: the DM channel
``conversations.open`` gave and the locale ``users.info`` reported.

Why: every pass of the reminder scheduler runs in whichever worker process takes its
batches, so a memory kept per process made each reminder cost three Slack calls (open the
DM, ask the locale, post) where one (post) does; ``conversations.open`` is also one of
Slack's slower-rated methods for a whole workspace. A batch reads its users' rows in one
query and writes what it learned in one statement.

No Slack code: a user is a (team ID, user ID) pair, and a row serves only the user of
its own workspace. The ``/kindertrack language`` choice (``core.services.preferences``)
is kept apart and always wins over the locale remembered here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, tuple_, update
from sqlmodel import Session, col

from core import i18n
from core.store.tables import SlackUserRow
from core.store.upsert import insert_or_skip

UserKey = tuple[str, str]
"""(team ID, user ID)."""

LOCALE_RECHECK = timedelta(days=1)
"""How long a locale Slack reported is trusted before Slack is asked again. A director
rarely changes Slack's language, and a day keeps ``users.info`` to about one call per
director a day (a reminder pass runs every 15 minutes); a change shows within a day, and
``/kindertrack language`` changes it at once."""


@dataclass(frozen=True)
class SlackUser:
    """One user as remembered; as *learned* by a batch, None means "not learned"."""

    dm_channel: str | None = None
    locale: str | None = None
    locale_checked_at: datetime | None = None

    def knows_locale(self, now: datetime) -> bool:
        """Slack was asked for this user's locale less than :data:`LOCALE_RECHECK` ago."""
        return self.locale_checked_at is not None and now - self.locale_checked_at < LOCALE_RECHECK


def slack_users(session: Session, users: Iterable[UserKey]) -> dict[UserKey, SlackUser]:
    """The remembered rows of ``users`` in one query (users never seen are left out)."""
    wanted = sorted(set(users))
    if not wanted:
        return {}
    rows = session.execute(
        select(
            col(SlackUserRow.team_id),
            col(SlackUserRow.user_id),
            col(SlackUserRow.dm_channel),
            col(SlackUserRow.locale),
            col(SlackUserRow.locale_checked_at),
        ).where(tuple_(col(SlackUserRow.team_id), col(SlackUserRow.user_id)).in_(wanted))
    )
    return {
        (team_id, user_id): SlackUser(dm_channel, i18n.normalize(locale), checked_at)
        for team_id, user_id, dm_channel, locale, checked_at in rows
    }


def remember_slack_users(
    session: Session,
    learned: Mapping[UserKey, SlackUser],
    *,
    forgotten: Mapping[UserKey, str] | None = None,
) -> None:
    """Write what a batch learned in one statement (an upsert: a DM channel or a locale
    left None keeps the stored one), after dropping the DM channels Slack refused
    (``forgotten``: the refused channel, dropped only if still the one stored)."""
    for (team_id, user_id), channel in sorted((forgotten or {}).items()):
        session.execute(
            update(SlackUserRow)
            .where(
                col(SlackUserRow.team_id) == team_id,
                col(SlackUserRow.user_id) == user_id,
                col(SlackUserRow.dm_channel) == channel,
            )
            .values(dm_channel=None)
        )
    if not learned:
        return
    rows = [
        {
            "team_id": team_id,
            "user_id": user_id,
            "dm_channel": user.dm_channel,
            "locale": user.locale,
            "locale_checked_at": user.locale_checked_at,
        }
        # In key order: two batches writing the same users lock their rows in one order.
        for (team_id, user_id), user in sorted(learned.items())
    ]
    insert = insert_or_skip(session, SlackUserRow).values(rows)
    stored, new = SlackUserRow.__table__.c, insert.excluded  # type: ignore[attr-defined]
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["team_id", "user_id"],
            set_={
                "dm_channel": func.coalesce(new.dm_channel, stored.dm_channel),
                "locale": case((new.locale_checked_at.is_(None), stored.locale), else_=new.locale),
                "locale_checked_at": func.coalesce(new.locale_checked_at, stored.locale_checked_at),
            },
        )
    )
