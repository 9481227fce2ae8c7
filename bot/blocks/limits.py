"""Slack's documented Block Kit limits, and a checker the tests run on every builder."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
PRIVATE_METADATA = 3000
VIEW_TITLE = 24
MESSAGE_TEXT = 40000


def text_length(obj: Any) -> int:
    """Every ``text`` string in a message or view, counted together: what Slack's total
    message size limit weighs."""
    if isinstance(obj, dict):
        return sum(
            len(value) if key == "text" and isinstance(value, str) else text_length(value)
            for key, value in obj.items()
        )
    if isinstance(obj, list):
        return sum(text_length(item) for item in obj)
    return 0


def clip(text: str, limit: int) -> str:
    """Shorten to ``limit`` characters with an ellipsis (for plain text fields)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def violations(blocks: Iterable[dict[str, Any]], *, max_blocks: int) -> list[str]:
    """Every limit a list of block dicts breaks (empty when Slack would accept it)."""
    found: list[str] = []
    blocks = list(blocks)
    if len(blocks) > max_blocks:
        found.append(f"{len(blocks)} blocks > {max_blocks}")
    for index, block in enumerate(blocks):
        kind = block.get("type")
        text = block.get("text") or {}
        if kind == "section":
            if len(text.get("text", "")) > SECTION_TEXT:
                found.append(f"block {index}: section text {len(text['text'])} > {SECTION_TEXT}")
            for field in block.get("fields", []):
                if len(field.get("text", "")) > SECTION_FIELD_TEXT:
                    found.append(f"block {index}: field text > {SECTION_FIELD_TEXT}")
        if kind == "header" and len(text.get("text", "")) > HEADER_TEXT:
            found.append(f"block {index}: header > {HEADER_TEXT}")
        if kind == "actions" and len(block.get("elements", [])) > ACTIONS_ELEMENTS:
            found.append(f"block {index}: {len(block['elements'])} actions > {ACTIONS_ELEMENTS}")
        if kind == "context" and len(block.get("elements", [])) > CONTEXT_ELEMENTS:
            found.append(f"block {index}: context elements > {CONTEXT_ELEMENTS}")
        elements = list(block.get("elements", []))
        if "accessory" in block:
            elements.append(block["accessory"])
        if "element" in block:
            elements.append(block["element"])
        for element in elements:
            found.extend(f"block {index}: {v}" for v in _element_violations(element))
    return found


def _element_violations(element: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if element.get("type") == "button":
        if len(element.get("value", "")) > BUTTON_VALUE:
            found.append(f"button value {len(element['value'])} > {BUTTON_VALUE}")
        if len(element.get("text", {}).get("text", "")) > BUTTON_TEXT:
            found.append(f"button text > {BUTTON_TEXT}")
    if len(element.get("action_id", "")) > ACTION_ID:
        found.append("action_id too long")
    options = element.get("options", [])
    if len(options) > SELECT_OPTIONS:
        found.append(f"{len(options)} options > {SELECT_OPTIONS}")
    for option in options:
        if len(option.get("text", {}).get("text", "")) > OPTION_TEXT:
            found.append("option text too long")
        if len(option.get("value", "")) > OPTION_VALUE:
            found.append("option value too long")
    return found


def view_violations(view: dict[str, Any]) -> list[str]:
    found = violations(view.get("blocks", []), max_blocks=VIEW_BLOCKS)
    if len(view.get("private_metadata", "")) > PRIVATE_METADATA:
        found.append("private_metadata too long")
    if len(view.get("title", {}).get("text", "")) > VIEW_TITLE:
        found.append("view title too long")
    return found
