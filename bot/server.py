"""Serve the Bolt app: HTTP (Starlette + uvicorn) or Socket Mode.

HTTP routes: ``POST /slack/events`` (slash commands, interactivity and events share
it), ``GET /slack/install`` and ``GET /slack/oauth_redirect`` in OAuth mode,
``GET /healthz`` (the process is up) and ``GET /readyz`` (the database and Redis answer:
200, else 503 naming what does not; ``bot.health``).

Why a sync Bolt ``App`` behind our own two-line Starlette endpoints rather than Bolt's
``slack_bolt.adapter.starlette.SlackRequestHandler``: that adapter's ``handle`` is
``async`` but calls the sync ``App.dispatch`` directly on the event loop. ``dispatch``
verifies the signature, queries the installation store and then *waits* (polling, up
to 3 s) for the listener thread to call ``ack()``; all of that would stall every other
request on the loop. We reuse the adapter's request/response converters and run
``dispatch`` in Starlette's thread pool instead. The async variant (``AsyncApp``) was
the alternative, but it would force every listener to be ``async`` while the domain
(SQLAlchemy sessions, the KinderTrack client) is synchronous, so each call would need
its own hop to a thread anyway.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import create_app
from bot.health import Readiness, readiness
from bot.request_guard import MAX_BODY_BYTES, RequestGuard, Verdict, guard_from_settings
from core.config import Settings
from workers.embedded_redis import resolve_redis_url

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def create_http_app(
    bolt_app: App, guard: RequestGuard | None, *, ready: Readiness | None = None
) -> Starlette:
    """The ASGI app around ``bolt_app``; OAuth routes appear when the app has a flow, and
    ``/readyz`` when given the ``ready`` checks.

    ``guard`` judges every request to ``/slack/events`` before Bolt parses it: 401 for
    anything unsigned or malformed, 200 without acting for a replayed copy. Only a
    benchmark's bare baseline passes None (Bolt alone)."""

    async def events(request: Request) -> Response:
        if guard is None:
            return to_starlette_response(
                await run_in_threadpool(
                    bolt_app.dispatch, to_bolt_request(request, await request.body())
                )
            )
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            return Response(status_code=401)
        body = await request.body()
        headers = {name.lower(): value for name, value in request.headers.items()}
        verdict = await run_in_threadpool(guard.judge, headers, body)
        if verdict is Verdict.REFUSE:
            return Response(status_code=401)
        if verdict is Verdict.REPLAY:
            log.info("replayed Slack request answered without acting")
            return Response(status_code=200)
        bolt_request = to_bolt_request(request, body)
        bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    routes = [
        Route(EVENTS_PATH, events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    if ready is not None:
        checks = ready

        async def readyz(request: Request) -> Response:
            results = await run_in_threadpool(checks)
            ok = all(result == "ok" for result in results.values())
            return JSONResponse({"ok": ok, **results}, status_code=200 if ok else 503)

        routes.append(Route("/readyz", readyz, methods=["GET"]))
    flow = bolt_app.oauth_flow
    if flow is not None:

        async def install(request: Request) -> Response:
            bolt_request = to_bolt_request(request, await request.body())
            return to_starlette_response(
                await run_in_threadpool(flow.handle_installation, bolt_request)
            )

        async def oauth_redirect(request: Request) -> Response:
            bolt_request = to_bolt_request(request, await request.body())
            return to_starlette_response(
                await run_in_threadpool(flow.handle_callback, bolt_request)
            )

        routes += [
            Route(flow.install_path, install, methods=["GET"]),
            Route(flow.redirect_uri_path, oauth_redirect, methods=["GET"]),
        ]
    return Starlette(routes=routes)


def serve(settings: Settings, port: int, *, host: str = "127.0.0.1") -> None:
    """Run until interrupted: Socket Mode when ``SLACK_APP_TOKEN`` is set, HTTP otherwise.

    Refuses (one line) a database that does not answer or whose schema is behind (`rollcall
    migrate` creates the OAuth stores' tables too); the Runtime is built before serving.
    """
    from bot.runtime import runtime
    from rollcall.bootstrap import check_schema

    check_schema(settings)
    bolt_app = create_app(settings, engine=runtime().engine)
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("Rollcall bot connecting to Slack in Socket Mode")
        SocketModeHandler(bolt_app, app_token=settings.slack_app_token).start()
        return
    log.info(
        f"Rollcall bot listening on http://{host}:{port}{EVENTS_PATH}",
        extra={"event": "listening", "port": port},
    )
    ready = readiness(runtime().engine, resolve_redis_url(settings))
    http_app = create_http_app(bolt_app, guard_from_settings(settings), ready=ready)
    uvicorn.run(http_app, host=host, port=port, log_level="info")


class BackgroundServer:
    """An ASGI app served by uvicorn in a daemon thread on a free loopback port.

    Why: tests, the benchmark and ``rollcall demo`` need the app behind real HTTP
    without a subprocess. The socket is bound before the thread starts, so ``url`` is
    valid at once and no other process can take the port in between.
    """

    def __init__(self, asgi_app: Starlette, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            asgi_app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, *, timeout: float = 10.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the HTTP server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
