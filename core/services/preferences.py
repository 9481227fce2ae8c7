"""A Slack user's own choices: the language Rollcall writes to them in.

No Slack code: the user is a (team ID, user ID) pair. The stored language overrides the
locale Slack reports; clearing it follows Slack again.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from core import i18n
from core.errors import InvalidInput
from core.i18n import _
from core.services.runtime import Runtime
from core.store.tables import UserPreference, utcnow
from core.store.upsert import upsert


def language_of(session: Session, *, team_id: str, user_id: str) -> str | None:
    """The language the user chose (``en``/``es``), or None to follow Slack's locale."""
    chosen = session.exec(
        select(UserPreference.language).where(
            UserPreference.team_id == team_id, UserPreference.user_id == user_id
        )
    ).first()
    return i18n.normalize(chosen)


def languages_of(session: Session, users: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """:func:`language_of` for many (team ID, user ID) pairs in one query: the users who
    chose a language, and that language."""
    wanted = set(users)
    if not wanted:
        return {}
    rows = session.exec(
        select(
            col(UserPreference.team_id), col(UserPreference.user_id), col(UserPreference.language)
        ).where(col(UserPreference.user_id).in_(sorted({pair[1] for pair in wanted})))
    )
    return {
        (team_id, user_id): chosen
        for team_id, user_id, language in rows
        if (team_id, user_id) in wanted and (chosen := i18n.normalize(language))
    }


def set_language(rt: Runtime, *, team_id: str, user_id: str, language: str | None) -> str | None:
    """Choose the user's language (None: follow Slack again); answers what is stored."""
    chosen = None if language is None else i18n.normalize(language)
    if language is not None and chosen is None:
        raise InvalidInput(_("Choose a language: es (español) or en (English)."))
    with rt.session() as session:
        upsert(
            session,
            UserPreference,
            {"team_id": team_id, "user_id": user_id, "language": chosen, "updated_at": utcnow()},
            key=["team_id", "user_id"],
            update=["language", "updated_at"],
        )
    return chosen
