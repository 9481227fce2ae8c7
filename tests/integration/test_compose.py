"""docker-compose.yml: every service runs a real ``rollcall`` command, Redis is append-only.

PyYAML is not a dependency, so the file is read with a small parser for the
YAML subset it keeps to (block maps, ``- scalar`` lists, JSON-style flow
lists, ``|`` block scalars, full-line comments).
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import typer.main

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
_KEY = re.compile(r"^([A-Za-z0-9_.\-]+):(?:\s+(.*))?$")

Line = tuple[int, str]


def _scalar(text: str) -> Any:
    if text and text[0] in '[{"':
        return json.loads(text)
    if text and text[0] == "'":
        return text[1:-1]
    if text.isdecimal():
        return int(text)
    return {"true": True, "false": False}.get(text, text)


def _tokenize(text: str) -> list[Line]:
    """(indent, content) per meaningful line; a ``|`` block becomes one line holding its text."""
    raw = text.splitlines()
    lines: list[Line] = []
    i = 0
    while i < len(raw):
        content = raw[i].strip()
        indent = len(raw[i]) - len(raw[i].lstrip(" "))
        i += 1
        if not content or content.startswith("#"):
            continue
        if content.endswith(": |"):
            block = []
            while i < len(raw) and (
                not raw[i].strip() or len(raw[i]) - len(raw[i].lstrip()) > indent
            ):
                block.append(raw[i])
                i += 1
            content = content[:-1] + json.dumps(textwrap.dedent("\n".join(block)).strip() + "\n")
        lines.append((indent, content))
    return lines


def _parse_block(lines: list[Line], pos: int, indent: int) -> tuple[Any, int]:
    if lines[pos][1].startswith("- "):
        items = []
        while pos < len(lines) and lines[pos][0] == indent and lines[pos][1].startswith("- "):
            items.append(_scalar(lines[pos][1][2:].strip()))
            pos += 1
        return items, pos
    mapping: dict[str, Any] = {}
    while pos < len(lines) and lines[pos][0] == indent:
        match = _KEY.match(lines[pos][1])
        assert match, f"unsupported YAML line: {lines[pos][1]!r}"
        key, rest = match.group(1), match.group(2)
        pos += 1
        if rest:
            mapping[key] = _scalar(rest)
        elif pos < len(lines) and lines[pos][0] > indent:
            mapping[key], pos = _parse_block(lines, pos, lines[pos][0])
        else:
            mapping[key] = None
    return mapping, pos


def parse_compose(text: str) -> dict[str, Any]:
    lines = _tokenize(text)
    document, end = _parse_block(lines, 0, lines[0][0])
    assert end == len(lines), f"unparsed YAML from: {lines[end][1]!r}"
    parsed: dict[str, Any] = document
    return parsed


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return parse_compose(COMPOSE.read_text())


@pytest.fixture(scope="module")
def rollcall_commands() -> dict[str, Any]:
    """The commands registered on the console script right now (other modules add theirs)."""
    from cli.main import app

    group = typer.main.get_command(app)
    return dict(group.commands)  # type: ignore[attr-defined]


def _rollcall_services(compose: dict[str, Any]) -> dict[str, list[str]]:
    return {
        name: service["command"]
        for name, service in compose["services"].items()
        if service.get("command", [None])[0] == "rollcall"
    }


def test_the_stack_has_every_service(compose: dict[str, Any]) -> None:
    # Given the compose file, then it declares the whole stack, sandbox only for staging
    services = compose["services"]
    rollcall = {"bot", "worker", "scheduler", "kindertrack-sandbox"}
    assert set(services) >= {"redis", "postgres", *rollcall}
    assert services["kindertrack-sandbox"]["profiles"] == ["staging"]
    assert set(_rollcall_services(compose)) == rollcall


def test_redis_runs_append_only_on_a_volume(compose: dict[str, Any]) -> None:
    # Given the redis service, then it persists every write (DESIGN §3) to a named volume
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[0] == "redis-server"
    assert command[command.index("--appendonly") + 1] == "yes"
    assert "redis-data:/data" in redis["volumes"]
    assert "redis-data" in compose["volumes"]


def test_every_rollcall_service_runs_a_registered_command_with_known_options(
    compose: dict[str, Any], rollcall_commands: dict[str, Any]
) -> None:
    # Given each service that runs the console script
    for service, command in _rollcall_services(compose).items():
        # Then its subcommand is registered on cli.main:app
        name, args = command[1], command[2:]
        assert name in rollcall_commands, f"{service}: `rollcall {name}` is not a command"
        # And every option it passes is one the command declares
        declared = {opt for p in rollcall_commands[name].params for opt in p.opts}
        used = {arg for arg in args if arg.startswith("--")}
        assert used <= declared, f"{service}: unknown options {used - declared}"


def test_workers_scale_and_every_service_reaches_redis_by_name(compose: dict[str, Any]) -> None:
    services = compose["services"]
    # Given the worker service, then it runs several replicas by default
    assert services["worker"]["deploy"]["replicas"] >= 2
    # And every Rollcall service talks to the redis service, never an embedded Redis
    for name in ("bot", "worker", "scheduler"):
        assert services[name]["environment"]["ROLLCALL_REDIS_URL"] == "redis://redis:6379/0"


def test_the_staging_sandbox_is_seeded_with_valid_json(compose: dict[str, Any]) -> None:
    # Given the sandbox's inline seed, then it is the JSON the sandbox expects
    seed = json.loads(compose["configs"]["sandbox_seed"]["content"])
    assert {"api_key", "pay_periods", "providers", "children"} <= set(seed)
    command = compose["services"]["kindertrack-sandbox"]["command"]
    assert command[command.index("--seed") + 1] == "/sandbox_seed"
    assert compose["services"]["kindertrack-sandbox"]["configs"] == ["sandbox_seed"]
