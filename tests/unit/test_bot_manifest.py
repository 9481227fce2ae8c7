"""manifest.yml asks Slack for what the code uses, and no more."""

from __future__ import annotations

from pathlib import Path

from bot.app import BOT_SCOPES

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def _list_under(key: str, lines: list[str]) -> list[str]:
    """The ``- item`` lines directly under ``key:`` (enough YAML for this file)."""
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{key}:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    items = []
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(line) - len(line.lstrip()) <= indent:
            break
        if stripped.startswith("- "):
            items.append(stripped[2:])
    return items


def test_bot_scopes_match_the_code() -> None:
    lines = MANIFEST.read_text().splitlines()

    assert _list_under("bot", lines) == list(BOT_SCOPES)


def test_command_events_and_urls() -> None:
    text = MANIFEST.read_text()
    lines = text.splitlines()

    assert "- command: /kindertrack" in text
    assert _list_under("bot_events", lines) == ["app_home_opened"]
    assert "home_tab_enabled: true" in text
    assert text.count("https://rollcall.example.org/slack/events") == 3
