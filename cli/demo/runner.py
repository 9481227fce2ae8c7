"""Run ``rollcall …`` in process as a narrated transcript, checking every step."""

from __future__ import annotations

import json
import shlex
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from typer.testing import CliRunner

from cli.demo.environment import DemoEnvironment


class DemoFailed(Exception):
    """A step did not do what a director should see; the message says which and how."""


@dataclass(frozen=True)
class Outcome:
    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    @property
    def command(self) -> str:
        return shlex.join(["rollcall", *self.args])

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        try:
            return json.loads(self.stdout)
        except ValueError as error:
            raise DemoFailed(
                f"`{self.command}` did not print JSON: {self.stdout[:200]!r}"
            ) from error


class DemoCli:
    """The real command line (``cli.main:app``), invoked in this process with the demo's
    environment. ``step`` prints the command and its output; ``check`` runs one quietly
    (to look up record IDs or verify a report) and must succeed."""

    def __init__(self, environment: DemoEnvironment, echo: Callable[[str], None]) -> None:
        from cli.main import app

        self._app = app
        self._runner = CliRunner(env=environment.env)
        self.echo = echo
        self.cwd = environment.home
        self.steps = 0

    def _invoke(self, args: Iterable[str]) -> Outcome:
        argv = tuple(args)
        result = self._runner.invoke(self._app, list(argv), prog_name="rollcall")
        outcome = Outcome(argv, result.exit_code, result.stdout, result.stderr)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            trace = "".join(traceback.format_exception(result.exception))
            raise DemoFailed(f"`{outcome.command}` crashed:\n{trace}")
        return outcome

    def say(self, narration: str) -> None:
        """Start a step: a numbered line saying what the director does and why."""
        self.steps += 1
        self.echo("")
        self.echo(f"# {self.steps}. {narration}")

    def show(self, text: str) -> None:
        self.echo(text.rstrip("\n"))

    def step(
        self,
        *args: str,
        refused: bool = False,
        shows: Iterable[str] = (),
        stderr: str | None = None,
    ) -> Outcome:
        """Run and print one command; check its exit status and what it says.

        ``refused``: the command must fail with exit status 1 and a one-line reason on stderr
        (equal to ``stderr`` when given). ``shows``: texts its output must contain.
        """
        outcome = self._invoke(args)
        self.echo(f"$ {outcome.command}")
        for text in (outcome.stdout, outcome.stderr):
            if text.strip():
                self.show(text)
        if refused:
            self.echo(f"(refused: exit status {outcome.exit_code})")
        self._expect(outcome, refused=refused, shows=shows, stderr=stderr)
        return outcome

    def check(self, *args: str) -> Outcome:
        """Run a command without printing it; it must succeed."""
        outcome = self._invoke(args)
        self._expect(outcome, refused=False, shows=(), stderr=None)
        return outcome

    def _expect(
        self, outcome: Outcome, *, refused: bool, shows: Iterable[str], stderr: str | None
    ) -> None:
        where = f"step {self.steps} (`{outcome.command}`)"
        if refused:
            lines = outcome.stderr.splitlines()
            if outcome.exit_code != 1 or len(lines) != 1:
                raise DemoFailed(
                    f"{where} should have been refused with one line on stderr and exit "
                    f"status 1; it exited {outcome.exit_code} and said {outcome.output!r}."
                )
            if stderr is not None and lines[0] != stderr:
                raise DemoFailed(f"{where} should have said {stderr!r}; it said {lines[0]!r}.")
        elif outcome.exit_code != 0:
            raise DemoFailed(
                f"{where} failed with exit status {outcome.exit_code}: "
                f"{outcome.stderr.strip() or outcome.stdout.strip()}"
            )
        for text in shows:
            if text not in outcome.output:
                raise DemoFailed(
                    f"{where} should have shown {text!r}; it printed:\n{outcome.output}"
                )

    def expect(self, condition: bool, message: str) -> None:
        """A check on what a quiet command returned."""
        if not condition:
            raise DemoFailed(f"step {self.steps}: {message}")
