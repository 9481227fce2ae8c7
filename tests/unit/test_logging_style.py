"""One logging style in product code: a fixed message plus IDs in ``extra``, never %-args.

A %-format argument is where a name or a message body slips into a log line unseen; the
JSON formatter (workers/logging.py) only writes the whitelisted ``extra`` fields.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("core", "kindertrack", "workers", "bot", "cli", "rollcall")
LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}


def format_argument_lines(source: str) -> list[int]:
    """Lines of ``log.info("... %s", x)``-style calls (any logger named ``*log``)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in LEVELS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id.endswith("log")
        and len(node.args) > 1
    ]


def test_no_log_call_in_product_code_passes_format_arguments() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in format_argument_lines(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_check_tells_the_two_styles_apart() -> None:
    source = (
        'log.info("record %s checked", record_id)\n'
        'log.info("checked", extra={"event": "checked", "record_id": record_id})\n'
        'access_log.warning("%s %s", a, b)\n'
    )
    assert format_argument_lines(source) == [1, 3]
