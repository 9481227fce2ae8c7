"""Slack messages and modals as readable terminal text, for the demo's transcript.

Block Kit is JSON; a director sees a formatted message. This renders the blocks Rollcall
uses the way Slack lays them out, in plain lines: a header underlined, sections and
context as text (with a section's button at the end of its first line), fields side by
side, inputs as ``Label: [value]``, selects as ``[choice ▾]``, buttons as ``[Label]``.

mrkdwn is shown as written (``*bold*`` keeps its stars, emoji keep their ``:codes:``)
except for what would only get in the way in a terminal: the zero-width spaces
:func:`bot.escape.escape_mrkdwn` puts around formatting characters, the three HTML
entities Slack decodes (``&lt;`` ``&gt;`` ``&amp;``), and user mentions (``<@U0DANA>``
shows as ``@Dana`` when the name is known).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.escape import ZERO_WIDTH_SPACE

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


def display(text: str, users: Mapping[str, str] | None = None) -> str:
    """One mrkdwn (or plain_text) string as a terminal shows it best."""

    def mention(match: re.Match[str]) -> str:
        name = (users or {}).get(match.group(1)) or match.group(2) or match.group(1)
        return f"@{name}"

    text = _MENTION.sub(mention, text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = text.replace(ZERO_WIDTH_SPACE, "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any, users: Mapping[str, str] | None) -> str:
    if isinstance(obj, str):
        return display(obj, users)
    if isinstance(obj, Mapping):
        return display(str(obj.get("text", "")), users)
    return ""


def _element(element: Mapping[str, Any], users: Mapping[str, str] | None) -> str:
    """A button, select or input as one bracketed token."""
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'), users)}]"
    if kind in ("static_select", "external_select", "users_select", "conversations_select"):
        chosen = element.get("initial_option")
        label = (
            _text(chosen.get("text"), users) if chosen else _text(element.get("placeholder"), users)
        )
        return f"[{label or 'choose'} ▾]"
    if kind == "plain_text_input":
        value = element.get("initial_value") or ""
        hint = _text(element.get("placeholder"), users)
        shown = value or (f"e.g. {hint}" if hint else "")
        return f"[{shown:<16}]"
    if kind == "datepicker":
        return f"[{element.get('initial_date') or 'pick a date'} ▾]"
    if kind == "timepicker":
        return f"[{element.get('initial_time') or '--:--'} ▾]"
    if kind == "checkboxes":
        return "  ".join(f"[ ] {_text(o.get('text'), users)}" for o in element.get("options") or [])
    if kind == "image":
        return f"(image: {element.get('alt_text', '')})"
    if kind in ("mrkdwn", "plain_text"):
        return _text(element, users)
    return f"({kind})"


def _indent(text: str, first: str, rest: str) -> list[str]:
    lines = text.splitlines() or [""]
    return [first + lines[0], *(rest + line for line in lines[1:])]


def render_blocks(
    blocks: list[Mapping[str, Any]], users: Mapping[str, str] | None = None
) -> list[str]:
    """Lines for a list of blocks (a message's or a view's)."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"), users)
            lines += [title, "═" * min(len(title), 72)]
        elif kind == "section":
            text = _text(block.get("text"), users)
            body = text.splitlines() or [""]
            accessory = block.get("accessory")
            if accessory:
                body[0] = f"{body[0]}   {_element(accessory, users)}"
            lines += body
            fields = [_text(f, users) for f in block.get("fields") or []]
            for left, right in zip(fields[::2], [*fields[1::2], ""], strict=False):
                lines.append(f"{left:<34} {right}".rstrip())
        elif kind == "context":
            parts = [_element(e, users) for e in block.get("elements") or []]
            lines += _indent("  ·  ".join(p for p in parts if p), "  ", "  ")
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "actions":
            lines.append("  ".join(_element(e, users) for e in block.get("elements") or []))
        elif kind == "input":
            label = _text(block.get("label"), users)
            optional = " (optional)" if block.get("optional") else ""
            element = block.get("element") or {}
            lines.append(f"{label}{optional}: {_element(element, users)}")
            if element.get("type") != "checkboxes":
                lines += [
                    f"    ◦ {_text(o.get('text'), users)}" for o in element.get("options") or []
                ]
            hint = _text(block.get("hint"), users)
            if hint:
                lines.append(f"  ({hint})")
        elif kind == "image":
            lines.append(f"(image: {block.get('alt_text', '')})")
        else:
            lines.append(f"({kind} block)")
    return lines


def render_message(message: Mapping[str, Any], users: Mapping[str, str] | None = None) -> list[str]:
    """A message's blocks, or its ``text`` when it has none (Slack shows the text then)."""
    blocks = message.get("blocks") or []
    if blocks:
        return render_blocks(blocks, users)
    return display(str(message.get("text") or ""), users).splitlines() or [""]


def render_view(view: Mapping[str, Any], users: Mapping[str, str] | None = None) -> list[str]:
    """A modal: its title, its blocks, and its Submit / Close buttons."""
    title = _text(view.get("title"), users)
    lines = [f"▣ {title}", "═" * (len(title) + 2)]
    lines += render_blocks(view.get("blocks") or [], users)
    buttons = [f"[{_text(view.get(key), users)}]" for key in ("close", "submit") if view.get(key)]
    if buttons:
        lines.append("  ".join(buttons))
    return lines


def boxed(heading: str, lines: list[str], *, indent: str = "    ") -> list[str]:
    """``heading`` over ``lines``, drawn as a box edge so a transcript separates them."""
    out = [f"{indent}┌─ {heading}"]
    out += [f"{indent}│ {line}".rstrip() for line in lines]
    out.append(f"{indent}└─")
    return out
