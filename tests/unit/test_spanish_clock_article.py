"""Spanish says *la* 1:30 but *las* 2:30 (and *la una* takes a singular verb): each text
with an article before a time picks its form by the hour the clock shows
(``core.i18n.clock_hour``), for every minute of one o'clock, in the morning and the
afternoon, and for 13:xx where clocks read 24 hours."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from bot.blocks.board import board_message
from bot.blocks.setup import checked_text, closing_time_text
from bot.refusals import refusal_text
from core import i18n
from core.errors import UnplaceableTime
from core.i18n import clock_hour, format_time, using_locale
from core.services.board import RollCallEntry
from tests.unit.test_catalogue import CATALOGUE

CHICAGO = ZoneInfo("America/Chicago")
DAY = date(2026, 11, 1)
ONE_OCLOCK = [time(h, m) for h in (1, 13) for m in range(60)]
OTHER_HOURS = [time(h, m) for h in (0, 2, 3, 10, 11, 12, 14, 23) for m in (0, 1, 30, 59)]


def spanish_time(moment: time) -> str:
    with using_locale("es"):
        return format_time(moment)


def refusals(moment: time) -> tuple[str, str]:
    """The repeated and the skipped refusal of ``moment`` on Nov 1, in Spanish."""
    naive = datetime.combine(DAY, moment)
    with using_locale("es"):
        return (
            refusal_text(UnplaceableTime(naive, CHICAGO, skipped=False)),
            refusal_text(UnplaceableTime(naive, CHICAGO, skipped=True)),
        )


def test_the_clock_hour_is_the_hour_the_time_shows() -> None:
    afternoon = datetime(2026, 11, 25, 19, 45, tzinfo=UTC)  # 1:45 PM in Iowa

    for locale in ("en", "es"):
        with using_locale(locale):
            assert [clock_hour(time(h, 30)) for h in (0, 1, 2, 12, 13, 23)] == [
                12,
                1,
                2,
                12,
                1,
                11,
            ]
            assert clock_hour(afternoon, CHICAGO) == 1
            assert clock_hour(afternoon) == 7


SINGULAR = ("La", "ocurre", "la primera", "la segunda", "no existe")
PLURAL = ("Las", "ocurren", "las primeras", "las segundas", "no existen")


@pytest.mark.parametrize(
    ("moment", "words"),
    [(m, SINGULAR) for m in ONE_OCLOCK] + [(m, PLURAL) for m in OTHER_HOURS],
    ids=lambda value: str(value) if isinstance(value, time) else value[0],
)
def test_the_refusals_of_a_repeated_or_skipped_time_read_la_at_one_oclock_and_las_else(
    moment: time, words: tuple[str, str, str, str, str]
) -> None:
    article, happens, first, second, does_not_exist = words
    repeated, skipped = refusals(moment)
    shown = spanish_time(moment)

    assert repeated.startswith(
        f"{article} {shown} del 1 nov 2026 {happens} dos veces en hora central"
    )
    assert f"no puede distinguir {first} {shown} de {second}." in repeated
    assert skipped.startswith(f"{article} {shown} del 1 nov 2026 {does_not_exist} en hora central")
    assert "m.." not in repeated + skipped
    if words is SINGULAR:
        assert "Las " not in repeated + skipped


def test_where_clocks_read_24_hours_13_30_reads_las_and_1_30_la(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(i18n.FORMATS, i18n.SPANISH, "es_ES")  # H:mm
    assert spanish_time(time(13, 30)) == "13:30"

    with using_locale("es"):
        assert clock_hour(time(13, 30)) == 13
    assert refusals(time(13, 30))[0].startswith("Las 13:30 del")
    assert refusals(time(1, 30))[0].startswith("La 1:30 del")
    assert refusals(time(0, 30))[0].startswith("Las 0:30 del")


def test_the_english_refusals_are_unchanged_at_one_oclock() -> None:
    naive = datetime.combine(DAY, time(1, 30))

    assert refusal_text(UnplaceableTime(naive, CHICAGO, skipped=False)).startswith(
        "1:30 AM on Nov 1, 2026 happens twice in Central Time"
    )


@pytest.mark.parametrize(
    ("utc_hour", "article"), [(19, "la"), (20, "las"), (18, "las"), (7, "la"), (8, "las")]
)
def test_check_ins_the_board_and_closing_time_pick_the_article_by_the_hour(
    utc_hour: int, article: str
) -> None:
    instant = datetime(2026, 11, 25, utc_hour, 5, tzinfo=UTC)  # Iowa: UTC-6
    local = instant.astimezone(CHICAGO)
    with using_locale("es"):
        shown = format_time(local)
        checked_in = checked_text("Ava", instant, CHICAGO, direction="in")
        checked_out = checked_text("Ava", instant, CHICAGO, direction="out")
        closing = closing_time_text("Sunny Days", local.time())
        entries = [RollCallEntry(1, "Ava", instant)]
        board = json.dumps(
            board_message("Sunny Days", 1, entries, tz=CHICAGO, now=instant), ensure_ascii=False
        )

    assert checked_in == f"Entrada de Ava a {article} {shown}"
    assert checked_out == f"Salida de Ava a {article} {shown}"
    assert closing.startswith(f"*Sunny Days* cierra a {article} {shown}:")
    assert f"actualizado a {article} {shown} ·" in board


def test_each_spanish_article_pick_says_la_when_singular_and_las_when_plural() -> None:
    """A text whose two English forms are the same is picked by ``clock_hour``: its
    Spanish singular must say "la" before the time, its plural "las"."""
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source, locale="es")
    picks = {
        m.id[0]: tuple(m.string)
        for m in catalogue
        if isinstance(m.id, tuple) and m.id[0] == m.id[1] and isinstance(m.string, tuple)
    }

    assert len(picks) >= 10
    for english, (one, other) in picks.items():
        assert "las {" not in one.lower() and "la {" in one.lower(), english
        assert "las {" in other.lower() and "la {" not in other.lower(), english
