"""The image starts: what the Dockerfile copies, installed the way it installs it, runs
`rollcall --help`, `rollcall migrate` and every compose service's command.

There is no Docker engine here, so the test does what the image build does without one:
it copies exactly the paths of the Dockerfile's COPY lines into an empty directory, builds
the project from there (``pip install --no-deps .``, as the Dockerfile does) into a fresh
virtual environment, and runs the console script from outside the source tree. The
dependencies come from this checkout's environment (the image installs the same lock),
through a path entry that does not make this checkout's own code importable.
"""

from __future__ import annotations

import os
import shlex
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def copied_paths(dockerfile: str) -> list[str]:
    """The build-context paths of the Dockerfile's COPY lines (not ``--from`` stages)."""
    paths: list[str] = []
    for line in dockerfile.splitlines():
        if not line.lstrip().upper().startswith("COPY "):
            continue
        words = shlex.split(line, comments=True)
        args = [w for w in words[1:] if not w.startswith("--")]
        assert not any(w.startswith("--from") for w in words), line
        paths += args[:-1]
    return paths


def _install_image(tmp_path: Path) -> Path:
    """A fresh venv holding the project built from only the Dockerfile's copies."""
    context = tmp_path / "context"
    for name in copied_paths((ROOT / "Dockerfile").read_text()):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, context / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, context / name)
    image = tmp_path / "image"
    venv.create(image, with_pip=False)
    [image_site] = (image / "lib").glob("python3*/site-packages")
    # Dependencies from this environment; a plain path entry, so its .pth files (this
    # checkout's editable install among them) are not processed.
    (image_site / "dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(image / "bin" / "python")),
            *("install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index"),
            str(context),
        ],
        check=True,
        timeout=240,
        cwd=tmp_path,
    )
    return image / "bin" / "rollcall"


def _run(rollcall: Path, args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ROLLCALL_", "SLACK_")) and k != "PYTHONPATH"
    }
    env["ROLLCALL_HOME"] = str(home)
    return subprocess.run(
        [str(rollcall), *args],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_what_the_dockerfile_copies_installs_and_runs_every_service(tmp_path: Path) -> None:
    # Given the project installed from exactly what the Dockerfile copies
    rollcall = _install_image(tmp_path)
    home = tmp_path / "home"
    home.mkdir()

    # Then the console script runs, from the installed copy and not this checkout
    helped = _run(rollcall, ["--help"], home)
    assert helped.returncode == 0, helped.stderr
    where = _run(
        rollcall.with_name("python"), ["-c", "import rollcall; print(rollcall.__file__)"], home
    )
    assert str(tmp_path / "image") in where.stdout, where.stdout + where.stderr

    # And the migrations (package data) are there: `rollcall migrate` builds a database
    migrated = _run(rollcall, ["migrate"], home)
    assert migrated.returncode == 0, migrated.stderr
    assert "up to date" in migrated.stdout

    # And every compose service's command parses and loads its code (`--help` stops there)
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    commands = [
        service["command"]
        for service in compose["services"].values()
        if service.get("command", [None])[0] == "rollcall"
    ]
    assert len(commands) >= 5
    for command in commands:
        answered = _run(rollcall, [*command[1:], "--help"], home)
        assert answered.returncode == 0, f"{command}: {answered.stderr}"
        assert "Usage: rollcall" in answered.stdout
