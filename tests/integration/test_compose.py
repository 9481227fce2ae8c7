"""docker-compose.yml: every service runs a real ``rollcall`` command, Redis is append-only,
and ``rollcall migrate`` runs once before the services that use the database.

Read with PyYAML (a dev dependency), as Compose reads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


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
    rollcall = {"migrate", "bot", "worker", "scheduler", "kindertrack-sandbox"}
    assert set(services) >= {"redis", "postgres", *rollcall}
    assert services["kindertrack-sandbox"]["profiles"] == ["staging"]
    assert set(_rollcall_services(compose)) == rollcall


def test_redis_runs_append_only_on_a_volume(compose: dict[str, Any]) -> None:
    # Given the redis service, then it persists every write (docs/ARCHITECTURE.md) to a named volume
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


def test_migrate_runs_once_before_the_services_that_use_the_database(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    # Given the one-shot migrate service, then it runs `rollcall migrate` once, after PostgreSQL
    migrate = services["migrate"]
    assert migrate["command"] == ["rollcall", "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    # And the bot and the workers start only once it has succeeded, on the same database
    for name in ("bot", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        url = services[name]["environment"]["ROLLCALL_DATABASE_URL"]
        assert url == migrate["environment"]["ROLLCALL_DATABASE_URL"]
