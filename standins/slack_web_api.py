"""A local stand-in for Slack's Web API: a real HTTP server on 127.0.0.1.

Why: tests and ``rollcall demo`` must exercise the real ``slack_sdk`` client (its
serialisation, its error handling, ``files_upload_v2``'s three-step upload) without a
Slack account or a network. The stand-in answers the methods Rollcall uses the way
Slack documents them and records every call so tests can assert on what was sent.

Point ``slack_sdk.WebClient(base_url=standin.api_url)`` at it (``api_url`` is
``url + "/api/"``). Paths served:

- ``POST /api/<method>``: Web API methods; unknown ones answer
  ``{"ok": false, "error": "unknown_method"}`` (and are recorded).
- ``POST /response/<id>``: a slash command's or action's ``response_url``
  (see :meth:`SlackStandin.new_response_url`), recorded as method ``"response_url"``.
- ``POST /upload/<file_id>``: the upload URL handed out by
  ``files.getUploadURLExternal``, recorded as method ``"upload"``.
- ``GET /files-pri/<file_id>/<name>``: a file's ``url_private_download`` (see
  :meth:`SlackStandin.add_file`), recorded as method ``"file_download"``. Like Slack, it
  answers the bytes only to ``Authorization: Bearer`` with a token of the file's
  workspace; any other request gets a 200 HTML sign-in page, which is what Slack sends
  when a token lacks ``files:read``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Answer = dict[str, Any]

#: What Slack answers a file download it does not authorise: a sign-in page, status 200.
SIGN_IN_PAGE = b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>"


@dataclass(frozen=True)
class StandinFile:
    """A file a user shared with the app (a modal's file_input), as ``files.info`` shows it.

    ``size`` is what ``files.info`` reports (the content's length unless a test says
    otherwise); ``token`` is the bot token that may read it; ``user`` uploaded it.
    """

    id: str
    name: str
    filetype: str
    mimetype: str
    content: bytes
    size: int
    token: str
    user: str
    redirect_to: str | None = None
    """Where the download answers 302 instead of the bytes (a hostile redirect)."""


@dataclass(frozen=True)
class Reply:
    """A raw (non-JSON) answer: a downloaded file, a sign-in page, or a redirect."""

    body: bytes
    content_type: str
    location: str | None = None


@dataclass(frozen=True)
class Call:
    """One request the stand-in received.

    ``args`` merges query-string and body arguments; JSON bodies are parsed, and form
    fields holding JSON (``blocks``, ``view``, ``files`` ...) are decoded too. ``token``
    comes from ``Authorization: Bearer`` or a ``token`` argument.
    """

    method: str
    args: dict[str, Any]
    token: str | None
    headers: dict[str, str]
    path: str
    body: bytes = field(repr=False, default=b"")


@dataclass
class StandinUser:
    id: str
    name: str
    real_name: str
    team_id: str
    tz: str = "America/Chicago"
    is_admin: bool = False
    locale: str = "en-US"
    """The user's Slack language (``es-LA``, ``es-ES``, ``en-US``…)."""

    def as_slack(self, *, include_locale: bool = False) -> dict[str, Any]:
        """The user as ``users.info`` shows it; ``locale`` only when asked for, as Slack."""
        shown = {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "is_bot": False,
            "is_admin": self.is_admin,
            "tz": self.tz,
            "profile": {"real_name": self.real_name, "display_name": self.name},
        }
        if include_locale:
            shown["locale"] = self.locale
        return shown


class SlackStandin:
    """Slack's Web API, locally. Start with ``start()`` (or use it as a context manager).

    Keyword-only options: ``team_id`` / ``team_name`` (the workspace ``auth.test`` and
    ``oauth.v2.access`` report), ``bot_user_id``, ``bot_id``, ``app_id``.
    """

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_name: str = "Sunny Days",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0001",
        app_id: str = "A0001",
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self._lock = threading.Condition()
        self._calls: list[Call] = []
        self._counter = itertools.count(1)
        self._failures: dict[str, list[str]] = {}
        self.users: dict[str, StandinUser] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.files: dict[str, StandinFile] = {}
        self.public_channels: set[str] = set()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[dict[str, Any]], Answer]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "files.info": self._files_info,
            "oauth.v2.access": self._oauth_v2_access,
        }

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> SlackStandin:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.standin = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> SlackStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the stand-in is not running; call start()")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The ``base_url`` for ``slack_sdk.WebClient`` (and ``ROLLCALL_SLACK_API_URL``)."""
        return f"{self.url}/api/"

    # --- what tests use --------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_for(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, *, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` arrived (listeners run after ack)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self._calls if c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(found)} of {count} {method} calls after {timeout}s")
                self._lock.wait(remaining)

    def reset(self) -> None:
        """Forget calls, messages, views, uploads, files, users and queued failures: a test
        never meets another test's users (a Spanish-speaking director, say)."""
        with self._lock:
            self.users.clear()
            self._calls.clear()
            self._failures.clear()
            self.messages.clear()
            self.views.clear()
            self.uploads.clear()
            self.files.clear()
            self.public_channels.clear()

    def add_file(
        self,
        content: bytes,
        *,
        token: str,
        user: str,
        name: str = "attendance.csv",
        filetype: str = "csv",
        mimetype: str = "text/csv",
        size: int | None = None,
        redirect_to: str | None = None,
    ) -> str:
        """Register a file as if ``user`` had uploaded it through a file_input; returns its
        ID. Only ``token`` may see it (``files.info``) and download it; ``size`` overrides
        what ``files.info`` reports (a file whose real length differs); ``redirect_to``
        makes its download answer 302 to that address.
        """
        file_id = f"F{next(self._counter):08d}"
        with self._lock:
            self.files[file_id] = StandinFile(
                file_id,
                name,
                filetype,
                mimetype,
                content,
                len(content) if size is None else size,
                token,
                user,
                redirect_to,
            )
        return file_id

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "America/Chicago",
        team_id: str | None = None,
        is_admin: bool = False,
        locale: str = "en-US",
    ) -> StandinUser:
        """Make ``users.info`` know ``user_id`` (unknown users get ``user_not_found``);
        ``locale`` is their Slack language, answered with ``include_locale=true``."""
        user = StandinUser(
            id=user_id,
            name=name or user_id.lower(),
            real_name=real_name or name or user_id,
            team_id=team_id or self.team_id,
            tz=tz,
            is_admin=is_admin,
            locale=locale,
        )
        with self._lock:
            self.users[user_id] = user
        return user

    def fail_next(self, method: str, error: str) -> None:
        """Make the next call of ``method`` answer ``{"ok": false, "error": error}``."""
        with self._lock:
            self._failures.setdefault(method, []).append(error)

    def new_response_url(self) -> str:
        """A fresh ``response_url`` on this stand-in, as Slack gives one per command."""
        return f"{self.url}/response/{next(self._counter)}"

    # --- request handling (called from the server's threads) ------------------------

    def _handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Answer | Reply]:
        parts = urlsplit(path)
        route = parts.path
        if route.startswith("/files-pri/"):
            reply = self._download(route, headers, path)
            return (302 if reply.location else 200), reply
        if route.startswith("/upload/"):
            file_id = route.removeprefix("/upload/")
            self._record(Call("upload", {"file_id": file_id}, None, headers, path, body))
            with self._lock:
                self.uploads[file_id] = body
            return 200, {"ok": True}
        args = dict(parse_qsl(parts.query))
        args.update(_parse_body(headers.get("content-type", ""), body))
        token = _token(headers, args)
        if route.startswith("/response/"):
            args["response_url_id"] = route.removeprefix("/response/")
            self._record(Call("response_url", args, token, headers, path, body))
            return 200, {"ok": True}
        if not route.startswith("/api/"):
            return 404, {"ok": False, "error": "not_found"}
        method = route.removeprefix("/api/")
        self._record(Call(method, args, token, headers, path, body))
        with self._lock:
            queued = self._failures.get(method)
            error = queued.pop(0) if queued else None
        if error is not None:
            return 200, {"ok": False, "error": error}
        answer = self._methods.get(method)
        if answer is None:
            return 200, {"ok": False, "error": "unknown_method"}
        if method != "oauth.v2.access" and token is None:
            return 200, {"ok": False, "error": "not_authed"}
        return 200, answer({**args, "_token": token})

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._counter):06d}"

    # --- methods ---------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> Answer:
        return {
            "ok": True,
            "url": f"{self.url}/",
            "team": self.team_name,
            "user": "rollcall",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict[str, Any]) -> Answer:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "ts": ts,
            "text": args.get("text", ""),
            "blocks": args.get("blocks", []),
            "thread_ts": args.get("thread_ts"),
        }
        with self._lock:
            self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_update(self, args: dict[str, Any]) -> Answer:
        key = (args.get("channel", ""), args.get("ts", ""))
        with self._lock:
            message = self.messages.get(key)
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            for name in ("text", "blocks"):
                if name in args:
                    message[name] = args[name]
        return {
            "ok": True,
            "channel": key[0],
            "ts": key[1],
            "text": message["text"],
            "message": message,
        }

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> Answer:
        if not args.get("channel") or not args.get("user"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_get_permalink(self, args: dict[str, Any]) -> Answer:
        channel, ts = args.get("channel", ""), args.get("message_ts", "")
        with self._lock:
            known = (channel, ts) in self.messages
        if not known:
            return {"ok": False, "error": "message_not_found"}
        link = f"{self.url}/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _store_view(self, view: dict[str, Any], *, view_id: str | None = None) -> Answer:
        view_id = view_id or f"V{next(self._counter):08d}"
        stored = {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "hash": f"{time.time():.6f}",
            "state": {"values": {}},
        }
        with self._lock:
            self.views[view_id] = stored
        return {"ok": True, "view": stored}

    def _views_open(self, args: dict[str, Any]) -> Answer:
        view = args.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return self._store_view(view)

    def _views_update(self, args: dict[str, Any]) -> Answer:
        view = args.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = args.get("view_id")
        if view_id is None and args.get("external_id") is not None:
            with self._lock:
                external_id = args["external_id"]
                view_id = next(
                    (k for k, v in self.views.items() if v.get("external_id") == external_id), None
                )
        with self._lock:
            known = view_id in self.views
        if not known:
            return {"ok": False, "error": "not_found"}
        return self._store_view(view, view_id=view_id)

    def _views_publish(self, args: dict[str, Any]) -> Answer:
        view = args.get("view")
        if not isinstance(view, dict) or view.get("type") != "home" or not args.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        return self._store_view(view, view_id=f"VHOME{args['user_id']}")

    def _conversations_open(self, args: dict[str, Any]) -> Answer:
        users = str(args.get("users", "")).split(",")
        if not users or not users[0]:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": "D" + "".join(u.lstrip("UW") for u in users)}}

    def _conversations_info(self, args: dict[str, Any]) -> Answer:
        """A ``D…`` ID is a direct message; a channel named in ``public_channels`` is public;
        any other is a private channel (a school's own, as most tests use)."""
        channel = str(args.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        im = channel.startswith("D")
        public = channel in self.public_channels
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "is_channel": not im,
                "is_group": False,
                "is_im": im,
                "is_mpim": False,
                "is_private": not im and not public,
            },
        }

    def _users_info(self, args: dict[str, Any]) -> Answer:
        with self._lock:
            user = self.users.get(str(args.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        include_locale = str(args.get("include_locale", "")).lower() in ("1", "true")
        return {"ok": True, "user": user.as_slack(include_locale=include_locale)}

    def _files_get_upload_url(self, args: dict[str, Any]) -> Answer:
        if not args.get("filename") or not str(args.get("length", "")).isdecimal():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._counter):08d}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: dict[str, Any]) -> Answer:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            missing = [f["id"] for f in files if f.get("id") not in self.uploads]
        if missing:
            return {"ok": False, "error": "file_not_found"}
        return {
            "ok": True,
            "files": [
                {
                    "id": f["id"],
                    "title": f.get("title", ""),
                    "name": f.get("title", ""),
                    "size": len(self.uploads[f["id"]]),
                }
                for f in files
            ],
        }

    def _file_for(self, args: dict[str, Any]) -> StandinFile | None:
        """The file ``args["file"]`` names, when the caller's token may see it."""
        with self._lock:
            found = self.files.get(str(args.get("file", "")))
        if found is None or found.token != args.get("_token"):
            return None
        return found

    def _files_info(self, args: dict[str, Any]) -> Answer:
        found = self._file_for(args)
        if found is None:
            return {"ok": False, "error": "file_not_found"}
        private = f"{self.url}/files-pri/{found.id}/{found.name}"
        return {
            "ok": True,
            "file": {
                "id": found.id,
                "user": found.user,
                "name": found.name,
                "title": found.name,
                "mimetype": found.mimetype,
                "filetype": found.filetype,
                "pretty_type": found.filetype.upper(),
                "size": found.size,
                "mode": "hosted",
                "is_external": False,
                "url_private": private,
                "url_private_download": private + "?download=1",
            },
        }

    def _download(self, route: str, headers: dict[str, str], path: str) -> Reply:
        file_id = route.removeprefix("/files-pri/").split("/", 1)[0]
        token = _token(headers, {})
        self._record(Call("file_download", {"file_id": file_id}, token, headers, path))
        found = self._file_for({"file": file_id, "_token": token})
        if found is None:
            return Reply(SIGN_IN_PAGE, "text/html; charset=utf-8")
        if found.redirect_to:
            return Reply(b"", "text/plain", location=found.redirect_to)
        return Reply(found.content, found.mimetype)

    def _oauth_v2_access(self, args: dict[str, Any]) -> Answer:
        if not args.get("code"):
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": "U0INSTALLER"},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": f"xoxb-standin-{self.team_id}-{args['code']}",
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": self.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    text = body.decode("utf-8")
    if content_type.startswith("application/json"):
        parsed = json.loads(text)
        return parsed if isinstance(parsed, dict) else {"_json": parsed}
    return {k: _maybe_json(v) for k, v in parse_qsl(text, keep_blank_values=True)}


def _maybe_json(value: str) -> Any:
    """slack_sdk sends ``blocks``/``view``/``files`` as JSON strings in form bodies."""
    if value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _token(headers: dict[str, str], args: dict[str, Any]) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:]
    token = args.get("token")
    return str(token) if token else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        standin: SlackStandin = self.server.standin  # type: ignore[attr-defined]
        status, answer = standin._handle(self.path, headers, body)
        location = None
        if isinstance(answer, Reply):
            payload, content_type, location = answer.body, answer.content_type, answer.location
        else:
            payload, content_type = json.dumps(answer).encode(), "application/json; charset=utf-8"
        self.send_response(status)
        if location:
            self.send_header("location", location)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read calls from the recorder, not from stderr."""


@contextmanager
def running_standin(**options: Any) -> Iterator[SlackStandin]:
    """``with running_standin() as slack: ...`` for scripts such as the benchmark."""
    standin = SlackStandin(**options).start()
    try:
        yield standin
    finally:
        standin.stop()
