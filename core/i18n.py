"""Words and dates in the reader's language: English, or Spanish from a gettext catalogue.

Why a context variable: the text a director reads is built deep inside blocks, use cases
and errors; passing a locale through every function would touch all of them. Whoever
knows the reader (a Slack listener from the user, a worker from its job, the notifier from
the recipient) sets it with :func:`using_locale`; everything below translates with
:func:`_`. Nothing sets it on the command line, which stays English.

Writing a message::

    from core.i18n import N_, _, ngettext

    _("Checked in {name}.", name=escape_mrkdwn(student))      # translate, then format
    ngettext("{n} stay", "{n} stays", count)                 # plural; {n} is the count
    ngettext("At {time}", "At {time}", clock_hour(t), time=format_time(t))  # la 1:30, las 2:30
    TITLE = N_("Subsidy Report")  # a module constant: marked here, translated by _(TITLE)

The English text is the message ID. The Spanish catalogue is
``core/locale/es/LC_MESSAGES/messages.po``, read (compiled in memory) on first use, so a
fresh clone needs no build step. ``make messages`` extracts every marked string and
merges it into the catalogue; ``tests/unit/test_catalogue.py`` fails while any has no
Spanish. Placeholders are ``str.format`` names and must appear in both languages.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import date, datetime, time, tzinfo
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # babel loads CLDR data: imported where text is formatted
    from babel import Locale
    from babel.numbers import NumberPattern

ENGLISH = "en"
SPANISH = "es"
SUPPORTED = (ENGLISH, SPANISH)
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: ContextVar[str] = ContextVar("rollcall_locale", default=ENGLISH)


def normalize(tag: object) -> str | None:
    """A supported language from a locale tag (Slack's ``es-LA``, ``en-US``, ``es_ES``,
    ``ES``), or None for anything else (an unsupported language, garbage, None)."""
    if not isinstance(tag, str) or not tag.strip():
        return None
    language = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return language if language in SUPPORTED else None


def current() -> str:
    """The language text is being written in now (``en`` unless someone chose)."""
    return _current.get()


def set_locale(locale: str | None) -> Token[str]:
    """Make ``locale`` (normalised; English when unsupported) current until reset."""
    return _current.set(normalize(locale) or ENGLISH)


def reset_locale(token: Token[str]) -> None:
    _current.reset(token)


@contextmanager
def using_locale(locale: str | None) -> Iterator[str]:
    """Write in ``locale`` (English when None or unsupported) inside the block."""
    token = set_locale(locale)
    try:
        yield current()
    finally:
        _current.reset(token)


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``locale`` (English is the message IDs themselves).

    Compiled from the ``.po`` in memory, without fuzzy entries, so what is reviewed in
    the ``.po`` is exactly what is shown, and no compiled file can be out of date."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale == ENGLISH or not path.exists():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str, /, **values: object) -> str:
    """``message`` in the current language, formatted with ``values`` when given."""
    text = translations(current()).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    """The singular or plural form for ``n`` in the current language; ``{n}`` is ``n``."""
    text = translations(current()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def sentence(text: str) -> str:
    """``text`` with a capital first letter (a translated term may open the sentence)."""
    return text[:1].upper() + text[1:]


def N_(message: str, /) -> str:
    """Mark a constant for the catalogue; translate it where it is shown, with ``_()``."""
    return message


def language_name(locale: str) -> str:
    """A language's own name: ``English``, ``español``."""
    from babel import Locale

    return Locale.parse(normalize(locale) or ENGLISH).display_name or locale


def format_decimal(number: float, digits: int = 2) -> str:
    """A number with ``digits`` decimals as the language writes it (``12.50`` in both:
    US Spanish uses a decimal point too)."""
    shown: str = _decimal_pattern(digits).apply(number, _babel_locale(), group_separator=False)
    return shown


@cache
def _decimal_pattern(digits: int) -> NumberPattern:
    """The CLDR pattern of ``digits`` decimals, parsed once (a report formats thousands)."""
    from babel.numbers import parse_pattern

    return parse_pattern(f"0.{'0' * digits}")


# --- dates and times, as people in the current language write them ----------------------


def _plain(text: str) -> str:
    """CLDR's narrow and thin spaces as plain ones: what people type and search for."""
    return text.replace("\u202f", " ").replace("\u2009", " ")


#: How each language writes dates, times and numbers: as in the United States (Spanish
#: for a US center: 12-hour times, a decimal point).
FORMATS = {ENGLISH: "en_US", SPANISH: "es_US"}


def _babel_locale() -> Locale:
    return _parsed_locale(FORMATS.get(current(), current()))


@cache
def _parsed_locale(name: str) -> Locale:
    """Babel's locale of ``name`` (``en_US``), parsed once per process: every date, time
    and number of a report asks for it."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FORMATS[ENGLISH])


def format_day(day: date | datetime) -> str:
    """A weekday and date: ``Tue, Dec 1`` / ``mar, 1 de dic``."""
    from babel import dates as babel_dates

    return _plain(babel_dates.format_skeleton("MMMEd", day, locale=_babel_locale()))


def format_short_date(day: date | datetime) -> str:
    """A date without weekday or year: ``Nov 24`` / ``24 nov``."""
    from babel import dates as babel_dates

    return _plain(babel_dates.format_skeleton("MMMd", day, locale=_babel_locale()))


def format_date(day: date | datetime) -> str:
    """A date with its year: ``Dec 1, 2026`` / ``1 dic 2026``."""
    from babel import dates as babel_dates

    return _plain(babel_dates.format_date(day, "medium", locale=_babel_locale()))


def format_time(moment: time | datetime, zone: tzinfo | None = None) -> str:
    """A time of day: ``1:24 PM`` / ``1:24 p.m.``; an aware ``datetime`` is shown in
    ``zone``."""
    if isinstance(moment, datetime) and zone is not None:
        moment = moment.astimezone(zone)
    from babel import dates as babel_dates

    return _plain(babel_dates.format_time(moment, "short", locale=_babel_locale()))


def clock_hour(moment: time | datetime, zone: tzinfo | None = None) -> int:
    """The hour as :func:`format_time` writes it: 1 for ``1:30 PM`` (13 where clocks read
    ``13:30``).

    Spanish says *la* 1:30 but *las* 2:30 (and *la una* takes a singular verb), so a text
    with a time in it picks its form by this number, as plurals are picked::

        ngettext("Undo (until {until})", "Undo (until {until})", clock_hour(t), until=…)

    with the Spanish singular (n = 1: ``hasta la {until}``) and plural (``hasta las``);
    the English forms are the same text."""
    digits = re.search(r"\d+", format_time(moment, zone))
    return int(digits.group()) if digits else 0


def format_moment(moment: datetime, zone: tzinfo | None = None) -> str:
    """A weekday, date and time: ``Tue, Dec 1, 1:24 PM`` / ``mar, 1 de dic, 1:24 p.m.``."""
    if zone is not None:
        moment = moment.astimezone(zone)
    return _("{day}, {time}", day=format_day(moment), time=format_time(moment))


def format_numeric_date(day: date | datetime) -> str:
    """A date as a spreadsheet in the language reads it: ``11/9/2026`` / ``9/11/2026``."""
    from babel import dates as babel_dates

    return _plain(babel_dates.format_skeleton("yMd", day, locale=_babel_locale()))


def format_month(day: date | datetime) -> str:
    """A month and year: ``November 2026`` / ``noviembre de 2026``."""
    from babel import dates as babel_dates

    return _plain(babel_dates.format_skeleton("yMMMM", day, locale=_babel_locale()))


def format_zone(name: str) -> str:
    """A time zone as people name it: ``Central Time`` / ``hora central``."""
    from babel import dates as babel_dates

    try:
        return _plain(babel_dates.get_timezone_name(name, locale=_babel_locale()))
    except LookupError:
        return name


def format_period(start: date, end: date) -> str:
    """A pay period: ``Nov 8 – 21, 2026`` / ``8–21 de nov de 2026``."""
    from babel import dates as babel_dates

    return _plain(babel_dates.format_interval(start, end, "yMMMd", locale=_babel_locale()))
