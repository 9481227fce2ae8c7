"""The core's refusals name no interface; Slack and the command line each add their own way out."""

from __future__ import annotations

from datetime import date

from bot.refusals import refusal_text
from cli.errors import refusal_line
from core.errors import (
    ImportRefused,
    NotADirector,
    OlderStayOpen,
    SchoolNotFound,
    StudentNotFound,
    UnknownStudent,
)

OLDER = OlderStayOpen(name="Ava", day=date(2026, 11, 25), older=date(2026, 11, 20), record_id=7)


def test_core_texts_name_no_interface() -> None:
    for refusal in (NotADirector(1), SchoolNotFound("Nowhere"), StudentNotFound("Zoe"), OLDER):
        assert "rollcall" not in str(refusal) and "/kindertrack" not in str(refusal)
        assert "Review" not in str(refusal)


def test_slack_adds_its_own_hints() -> None:
    assert refusal_text(NotADirector(1)) == (
        "Only the school's directors can do that. "
        "A director can add you with /kindertrack directors add @you."
    )
    assert refusal_text(OLDER).endswith(
        "from Fri, Nov 20, was never checked out. Fix it in the report's Review."
    )
    assert refusal_text(SchoolNotFound("Nowhere")) == "No school named 'Nowhere'."


def test_the_command_line_adds_its_own_hints() -> None:
    assert refusal_line(SchoolNotFound("Nowhere")) == (
        "No school named 'Nowhere'. Add it with `rollcall school add`."
    )
    assert refusal_line(StudentNotFound("Zoe")) == (
        "No student named 'Zoe' in this school. Add them first (rollcall student add)."
    )
    assert refusal_line(OLDER).endswith("Fix it with `rollcall attendance edit`.")
    assert refusal_line(NotADirector(1)) == "Only the school's directors can do that."
    unknown = ImportRefused([(2, str(UnknownStudent("Zoe")))], unknown_students=True)
    assert refusal_line(unknown).endswith("or import with --add-students.")
    assert "--add-students" not in refusal_line(ImportRefused([(2, "expected 3 columns")]))
