"""Every text people read in Slack exists in English and in Spanish.

The texts are found as ``make messages`` finds them (Babel's extractor with ``babel.cfg``:
every ``_()``, ``ngettext()`` and ``N_()`` in core/, bot/ and workers/), so a new text
wrapped in ``_()`` without a Spanish entry fails here, naming it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from core import i18n, messages
from core.domain.absences import parse_kind
from core.domain.pay_periods import ListedPeriods, UnknownPeriod
from core.errors import AlreadySubmitted, InactiveProvider, InvalidInput, PeriodsNotCached
from core.i18n import _, ngettext, using_locale
from core.services.reports import check_range

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "core" / "locale" / "es" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")

Message = str | tuple[str, ...]


def marked_texts() -> dict[Message, str]:
    """Every marked text in the source → where it is (file:line)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found: dict[Message, str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        key = tuple(m for m in message if m) if isinstance(message, tuple) else message
        if isinstance(key, tuple) and len(key) == 1:
            key = key[0]
        if key:
            found.setdefault(key, f"{filename}:{line}")
    return found


def spanish() -> Catalog:
    with CATALOGUE.open("rb") as source:
        return read_po(source, locale="es", abort_invalid=True)


def problems(texts: dict[Message, str], catalogue: Catalog) -> list[str]:
    """Why each text is not shown in Spanish: missing, empty, fuzzy or placeholders that
    differ from the English."""
    found = []
    for text, where in sorted(texts.items(), key=lambda item: item[1]):
        msgid = text if isinstance(text, str) else text[0]
        entry = catalogue.get(msgid)
        shown = repr(msgid if len(msgid) < 70 else msgid[:67] + "...")
        if entry is None:
            found.append(f"{where}: {shown} has no Spanish entry")
            continue
        string = entry.string
        translations = tuple(string) if isinstance(string, (tuple, list)) else (string or "",)
        if entry.fuzzy or not all(translations):
            found.append(f"{where}: {shown} has no checked Spanish (empty or fuzzy)")
            continue
        english = set(PLACEHOLDER.findall(msgid if isinstance(text, str) else text[-1]))
        for translation in translations:
            if set(PLACEHOLDER.findall(translation)) != english:
                found.append(f"{where}: {shown} has placeholders {sorted(english)} in English")
                break
    return found


def test_every_marked_text_has_checked_spanish_with_the_same_placeholders() -> None:
    found = problems(marked_texts(), spanish())

    assert not found, (
        f"{len(found)} text(s) cannot be shown in Spanish. Run `make messages`, then write "
        f"their msgstr in {CATALOGUE.relative_to(ROOT)}:\n" + "\n".join(found)
    )


def test_no_text_is_marked_inside_an_f_string() -> None:
    """The extractor does not read inside f-strings, so a text marked there would never
    reach the catalogue: name it outside (``why = _("…")``) and interpolate the name."""
    hidden = re.compile(r"""\bf(["']).*\{[^}]*\b(_|ngettext)\(\s*["']""")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("core", "bot", "workers")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if hidden.search(line)
    ]

    assert not found, f"texts marked inside f-strings: {found}"


def test_the_check_names_a_new_english_only_text() -> None:
    catalogue = Catalog(locale="es")
    catalogue.add("Checked in {name}.", "Entrada registrada: {name}.")
    catalogue.add("Ready", "", flags=("fuzzy",))
    catalogue.add("{n} stay", ("{n} estancia", "{n} estancias"))
    texts: dict[Message, str] = {
        "Checked in {name}.": "bot/a.py:1",
        "A brand new text": "bot/a.py:2",
        "Ready": "bot/a.py:3",
        ("{n} stay", "{n} stays"): "bot/a.py:4",
    }

    assert problems(texts, catalogue) == [
        "bot/a.py:2: 'A brand new text' has no Spanish entry",
        "bot/a.py:3: 'Ready' has no checked Spanish (empty or fuzzy)",
    ]
    dropped = Catalog(locale="es")
    dropped.add("Checked in {name}.", "Entrada registrada.")
    assert problems({"Checked in {name}.": "bot/a.py:1"}, dropped) == [
        "bot/a.py:1: 'Checked in {name}.' has placeholders ['name'] in English"
    ]


def test_each_text_is_in_the_catalogue_once() -> None:
    """Branches merge the catalogue by keeping both sides (.gitattributes): a text both
    added must not be left twice."""
    ids = re.findall(r'^msgid ((?:".*"\n)+)', CATALOGUE.read_text("utf-8") + "\n", re.M)
    twice = sorted({i for i in ids if ids.count(i) > 1})

    assert not twice, f"texts twice in {CATALOGUE.name} (keep one entry each): {twice}"


def test_the_catalogue_holds_no_text_the_source_no_longer_marks() -> None:
    marked = {t if isinstance(t, str) else t[0] for t in marked_texts()}
    stale = sorted(
        m.id
        for m in spanish()
        if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in marked
    )

    assert not stale, f"run `make messages` to drop texts no longer used: {stale}"


def test_texts_follow_the_current_language_and_english_is_the_default() -> None:
    assert _("this list") == "this list"
    with using_locale("es-LA"):
        assert _("this list") == "esta lista"
        assert _("Sorry, I don't know `{command}`.", command="x") == "Lo siento, no conozco `x`."
        with using_locale("en-US"):
            assert _("this list") == "this list"
        assert i18n.current() == "es"
    with using_locale("fr-FR"):
        assert _("this list") == "this list"
    assert i18n.current() == "en"


def test_plurals_use_the_count() -> None:
    assert ngettext("{n} stay", "{n} stays", 1) == "1 stay"
    assert ngettext("{n} stay", "{n} stays", 3) == "3 stays"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("es-LA", "es"),
        ("es_ES", "es"),
        ("ES", "es"),
        ("en-US", "en"),
        ("fr-FR", None),
        ("", None),
        (None, None),
    ],
)
def test_slack_locales_normalise_to_a_supported_language(tag: object, expected: str | None) -> None:
    assert i18n.normalize(tag) == expected


def test_dates_and_times_read_as_each_language_writes_them() -> None:
    moment = datetime(2026, 12, 1, 19, 24, tzinfo=UTC)
    chicago = ZoneInfo("America/Chicago")

    assert i18n.format_moment(moment, chicago) == "Tue, Dec 1, 1:24 PM"
    assert i18n.format_period(date(2026, 11, 8), date(2026, 11, 21)) == "Nov 8 \u2013 21, 2026"
    with using_locale("es"):
        assert i18n.format_moment(moment, chicago) == "mar, 1 de dic, 1:24 p.m."
        assert i18n.format_period(date(2026, 11, 8), date(2026, 11, 21)) == (
            "8\u201321 de nov de 2026"
        )
        assert i18n.format_decimal(1234.5) == "1234.50"


def test_kindertrack_fixed_messages_stay_as_kindertrack_words_them() -> None:
    with using_locale("es"):
        assert str(InactiveProvider()) == messages.INACTIVE_PROVIDER
        assert str(AlreadySubmitted()).startswith(messages.ALREADY_SUBMITTED)
    catalogued = {m.id for m in spanish()}
    assert messages.INACTIVE_PROVIDER not in catalogued
    assert messages.ALREADY_SUBMITTED not in catalogued


def test_absence_and_pay_period_refusals_read_in_spanish() -> None:
    with using_locale("es"):
        with pytest.raises(InvalidInput) as kind:
            parse_kind("sick", whole_center=False)
        with pytest.raises(InvalidInput) as closure:
            parse_kind("closed", whole_center=False)
        with pytest.raises(UnknownPeriod) as unknown:
            ListedPeriods(()).containing(date(2026, 11, 9))
        with pytest.raises(InvalidInput) as too_long:
            check_range(date(2026, 9, 1), date(2026, 11, 30))
        waiting = str(PeriodsNotCached())

    assert str(kind.value).startswith("Tipo de ausencia desconocido 'sick'")
    assert "para todo el centro" in str(closure.value)
    assert str(unknown.value) == (
        "KinderTrack no tiene ningún período de pago que incluya el 2026-11-09."
    )
    assert str(too_long.value) == "Un informe abarca como máximo 62 días."
    assert waiting.startswith("Rollcall está pidiendo a KinderTrack los períodos de pago")


def test_no_spanish_time_is_followed_by_a_second_period() -> None:
    # A Spanish time ends with its own period ("8:01 p.m."): a sentence ending right after
    # a time placeholder would read "p.m.."
    ends_on_a_time = re.compile(r"\{(time|until|when|moment)\}\.")
    doubled = [
        message.id
        for message in spanish()
        if message.id
        for text in ([message.string] if isinstance(message.string, str) else message.string or [])
        if ends_on_a_time.search(text)
    ]
    assert doubled == []
