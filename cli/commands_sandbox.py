"""``rollcall sandbox``: serve the KinderTrack sandbox (docs/KINDERTRACK.md) from a seed file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from kindertrack.sandbox import DEFAULT_SEED_PATH, SeedError, serve


def sandbox(
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on; 0 picks a free one.")
    ] = 8765,
    seed: Annotated[
        Path, typer.Option(help="Seed file (JSON): API key, pay periods, providers, children.")
    ] = DEFAULT_SEED_PATH,
    state: Annotated[
        Path | None, typer.Option(help="Keep submissions in this file across restarts.")
    ] = None,
    latency_ms: Annotated[
        int, typer.Option(min=0, help="Delay before handling each request (before committing).")
    ] = 0,
    fail_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Fraction of requests answered 503.")
    ] = 0.0,
    drop_after_commit_rate: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Fraction of new submissions committed, then left unanswered."
        ),
    ] = 0.0,
    latency_jitter_ms: Annotated[
        int, typer.Option(min=0, help="Up to this much more delay, drawn per request.")
    ] = 0,
    ignore_idempotency_key: Annotated[
        bool,
        typer.Option(
            "--ignore-idempotency-key",
            help="Play a KinderTrack that does not deduplicate: a replay gets 409.",
        ),
    ] = False,
    rng_seed: Annotated[
        int | None, typer.Option(help="Seed the fault draws (reproducible runs).")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
) -> None:
    """Serve a KinderTrack sandbox until Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    def announce(url: str) -> None:
        where = f", state in {state}" if state else ""
        typer.echo(f"KinderTrack sandbox listening on {url} (seed {seed}{where})")

    try:
        serve(
            port,
            seed,
            state,
            latency_ms=latency_ms,
            fail_rate=fail_rate,
            drop_after_commit_rate=drop_after_commit_rate,
            latency_jitter_ms=latency_jitter_ms,
            ignore_idempotency_key=ignore_idempotency_key,
            rng_seed=rng_seed,
            host=host,
            on_ready=announce,
        )
    except (SeedError, OSError, ValueError) as exc:
        typer.echo(f"rollcall sandbox: {exc}", err=True)
        raise typer.Exit(1) from exc


def register(app: typer.Typer) -> None:
    """Add ``rollcall sandbox`` to the app."""
    app.command("sandbox")(sandbox)
