"""How much slower does Rollcall ack a slash command than a bare Bolt app?

Fires N signed ``/kindertrack`` slash commands, C at a time, at (a) the real app
(``create_app`` with every listener and middleware, on a real SQLite database and Redis —
the embedded one unless ROLLCALL_REDIS_URL is set — with a school bound to the channel,
so ``/kindertrack report`` really posts a placeholder, records it and enqueues the build)
and (b) a bare Bolt app whose only listener acks, each with its own Web API stand-in,
served the same way (uvicorn +
``bot.server.create_http_app``) in a child process so that the load generator does not
share a GIL with the server, one after the other in the same run. Prints p50 and p99
latency of each and the p99 ratio. Loopback only; every child is stopped (and killed
after a grace period) before the script exits.

    .venv/bin/python bench/ack.py [--requests 500] [--concurrency 50] [--text report]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from slack_bolt import Ack, App
from slack_sdk import WebClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import create_app
from bot.request_guard import guard_from_settings
from bot.runtime import runtime
from bot.server import EVENTS_PATH, BackgroundServer, create_http_app
from core.config import Settings, get_settings
from core.services import workspace
from core.services.periods import ASK_SPAN, AskedPeriods, store_periods
from core.store.database import migrate
from core.store.tables import Registration
from standins.slack_requests import FORM, sign, slash_command_body
from standins.slack_web_api import SlackStandin
from workers.embedded_redis import start_embedded_redis, stop_embedded_redis

SECRET = "bench-signing-secret"
TEAM, USER, CHANNEL = "T0BENCH", "U0DIRECTOR", "C0ROOM"
TOKEN = "xoxb-bench"
WARMUP = 20


def bare_app(standin: SlackStandin) -> App:
    app = App(signing_secret=SECRET, client=WebClient(token=TOKEN, base_url=standin.api_url))

    @app.command("/kindertrack")
    def only_ack(ack: Ack) -> None:
        ack()

    return app


def prepare_rollcall(home: Path) -> None:
    """A fresh database with a registered school bound to the channel the bench posts in,
    and a Redis for the workers' queue (nobody consumes it: only the ack is measured)."""
    os.environ["ROLLCALL_HOME"] = str(home)
    os.environ["ROLLCALL_DATABASE_URL"] = f"sqlite:///{home / 'bench.db'}"
    if not os.environ.get("ROLLCALL_REDIS_URL"):
        os.environ["ROLLCALL_REDIS_URL"] = start_embedded_redis(home)
    get_settings.cache_clear()
    rt = runtime()
    migrate(rt.engine)  # runtimes no longer migrate (`rollcall migrate` is a step)
    school = workspace.create_team_school(
        rt, team_id=TEAM, name="Bench School", creator=USER, channel_id=CHANNEL
    )
    # Registered as KinderTrack would have it: its pay periods cached (asked at registration),
    # so a report request never waits on a KinderTrack that the bench does not run.
    today = date.today()
    start, end = today - ASK_SPAN, today + ASK_SPAN
    with rt.session() as session:
        registration = Registration(
            school_id=school.id or 0, provider_id="12345", periods_checked_at=rt.now()
        )
        session.add(registration)
        asked = AskedPeriods(start, end, tuple(rt.calendar.between(start, end)))
        store_periods(session, registration=registration, asked=asked)


def rollcall_settings(standin: SlackStandin) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=standin.api_url,
        slack_client_id=None,
        slack_client_secret=None,
        slack_app_token=None,
    )


def rollcall_app(standin: SlackStandin) -> App:
    return create_app(rollcall_settings(standin))


async def fire(
    client: httpx.AsyncClient,
    url: str,
    *,
    text: str,
    requests: int,
    concurrency: int,
    response_url: str,
) -> list[float]:
    """Latencies in milliseconds; every answer must be a 200."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> float:
        async with gate:
            signed = sign(
                slash_command_body(
                    text, response_url=response_url, team_id=TEAM, user_id=USER, channel_id=CHANNEL
                ),
                secret=SECRET,
                content_type=FORM,
            )
            start = time.perf_counter()
            response = await client.post(url, content=signed.body, headers=signed.headers)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
            return elapsed

    return list(await asyncio.gather(*(one() for _ in range(requests))))


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def serve_in_child(kind: str, urls: Any, stop: Any) -> None:
    """Child process: a stand-in and one app server, until ``stop`` is set (or 10 min)."""
    with tempfile.TemporaryDirectory(prefix="rollcall-ack-") as tmp:
        home = Path(tmp)
        try:
            if kind == "rollcall":
                prepare_rollcall(home)
            with SlackStandin() as standin:
                app = bare_app(standin) if kind == "bare" else rollcall_app(standin)
                guard = None if kind == "bare" else guard_from_settings(rollcall_settings(standin))
                with BackgroundServer(create_http_app(app, guard)) as server:
                    urls.put((kind, server.url + EVENTS_PATH, standin.new_response_url()))
                    stop.wait(600)
                    if kind == "rollcall":
                        posted = len(standin.calls_for("chat.postMessage"))
                        print(f"  (the rollcall app posted {posted} report placeholders)")
        finally:
            stop_embedded_redis(home)


async def run(
    targets: dict[str, tuple[str, str]], args: argparse.Namespace
) -> dict[str, list[float]]:
    """Alternate batches between the apps so machine noise falls on both alike."""
    latencies: dict[str, list[float]] = {kind: [] for kind in targets}
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        for url, response_url in targets.values():
            await fire(
                client,
                url,
                text=args.text,
                requests=WARMUP,
                concurrency=args.concurrency,
                response_url=response_url,
            )
        batch = max(args.concurrency, args.requests // args.batches)
        while any(len(v) < args.requests for v in latencies.values()):
            for kind, (url, response_url) in targets.items():
                n = min(batch, args.requests - len(latencies[kind]))
                latencies[kind] += await fire(
                    client,
                    url,
                    text=args.text,
                    requests=n,
                    concurrency=args.concurrency,
                    response_url=response_url,
                )
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--batches", type=int, default=5, help="alternations between the apps")
    parser.add_argument("--text", default="report", help="the /kindertrack text to send")
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    urls = context.Queue()
    stop = context.Event()
    children = [
        context.Process(target=serve_in_child, args=(kind, urls, stop), daemon=True)
        for kind in ("bare", "rollcall")
    ]
    try:
        for child in children:
            child.start()
        found = [urls.get(timeout=60) for _ in children]
        targets = {kind: (url, response_url) for kind, url, response_url in sorted(found)}
        latencies = asyncio.run(run(targets, args))
    finally:
        stop.set()
        for child in children:
            child.join(10)
            if child.is_alive():
                child.kill()
                child.join()
    print(
        f"{args.requests} signed slash commands per app, {args.concurrency} concurrent, "
        f"in batches alternating between the apps, loopback"
    )
    names = {"bare": "bare Bolt (ack only)", "rollcall": f"rollcall (/kindertrack {args.text})"}
    for kind, values in latencies.items():
        print(
            f"  {names[kind]:36s} p50 {percentile(values, 50):7.1f} ms   "
            f"p99 {percentile(values, 99):7.1f} ms"
        )
    bare, ours = latencies["bare"], latencies["rollcall"]
    print(f"  p99 ratio rollcall / bare: {percentile(ours, 99) / percentile(bare, 99):.2f}")


if __name__ == "__main__":
    main()
