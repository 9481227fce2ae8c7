"""Drive the Slack app as people in a workspace would, and show what it answers.

:class:`SlackDemo` sends real signed requests (slash commands, button clicks, modal
submissions) to the Bolt app and reads what the app did back from the Slack stand-in:
the HTTP answer itself (an ``ack`` with text, a modal's ``response_action``), posts to a
``response_url`` (answers only the clicker sees), ``chat.postMessage`` / ``chat.update``
in the channel, ``views.open`` / ``views.update`` modals and files uploaded to a thread.
Each answer is printed as readable text (:mod:`standins.slack_render`), its Block Kit JSON is
saved as ``NN-name.json``, and what it must say is checked; the first answer that is
missing or wrong raises :class:`StepFailed` naming the step.

Waits are bounded: the stand-in records every call, and :meth:`Interaction.wait` polls
it every few milliseconds until the expected call arrives or the timeout passes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from standins.slack_render import boxed, display, render_message, render_view
from standins.slack_requests import SlackSender
from standins.slack_web_api import Call, SlackStandin

#: How long to wait for an answer the app gives itself, and for one that takes a worker.
LISTENER_TIMEOUT_S = 10.0
WORKER_TIMEOUT_S = 20.0
POLL_S = 0.02


class StepFailed(Exception):
    """What the app answered a step is missing or wrong; the message says which and how."""


_MESSAGE_KEYS = ("text", "blocks", "response_type", "replace_original", "thread_ts")


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    """How the transcript names them (``Dana › /kindertrack report``)."""
    locale: str = "en-US"
    """Their Slack language (``users.info``): Rollcall answers them in it."""


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str
    block_id: str


@dataclass(frozen=True)
class Shown:
    """A message or modal as the app last drew it, and where it lives."""

    payload: dict[str, Any]
    text: str
    """The rendered text (what the transcript printed), for checks."""
    channel: str | None = None
    ts: str | None = None

    def button(self, label: str) -> Button:
        found = find_buttons(self.payload.get("blocks") or [])
        for button in found:
            if button.label == label:
                return button
        labels = ", ".join(f"[{b.label}]" for b in found) or "none"
        raise StepFailed(f"the message has no [{label}] button (buttons: {labels}).")

    def has_button(self, label: str) -> bool:
        return any(b.label == label for b in find_buttons(self.payload.get("blocks") or []))


def find_buttons(blocks: Iterable[Mapping[str, Any]]) -> list[Button]:
    """Every button of a message: section accessories and actions blocks."""
    found: list[Button] = []
    for block in blocks:
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("type") == "button":
                found.append(
                    Button(
                        label=str(element["text"]["text"]),
                        action_id=str(element["action_id"]),
                        value=str(element.get("value", "")),
                        block_id=str(block.get("block_id", "")),
                    )
                )
    return found


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "message"


class SlackDemo:
    """People in one channel of the demo workspace, using the Slack app."""

    def __init__(
        self,
        standin: SlackStandin,
        sender: SlackSender,
        echo: Callable[[str], None],
        *,
        output_dir: Path,
        channel: str,
        channel_name: str,
        people: Iterable[Person],
    ) -> None:
        self.standin = standin
        self.sender = sender
        self.team_id = standin.team_id
        self.echo = echo
        self.output_dir = output_dir
        self.channel = channel
        self.channel_name = channel_name
        people = list(people)
        self.users = {p.user_id: p.name for p in people}
        self.step_number = 0
        self.step_title = ""
        self.saved: list[Path] = []
        for person in people:
            self.standin.add_user(
                person.user_id,
                name=person.name.lower(),
                real_name=person.name,
                team_id=self.team_id,
                locale=person.locale,
            )

    # --- narration --------------------------------------------------------------------

    def step(self, title: str) -> None:
        self.step_number += 1
        self.step_title = title
        self.echo("")
        self.echo(f"## {self.step_number}. {title}")

    def say(self, text: str) -> None:
        self.echo(text)

    def fail(self, message: str) -> StepFailed:
        return StepFailed(f"step {self.step_number} ({self.step_title}): {message}")

    def expect(self, condition: bool, message: str) -> None:
        if not condition:
            raise self.fail(message)

    # --- what people do ---------------------------------------------------------------

    def slash(self, who: Person, text: str) -> Interaction:
        """``who`` types ``/kindertrack TEXT`` in the channel."""
        self.echo(f"{who.name} › /kindertrack {text}")
        return self._send(
            lambda: self.sender.slash(
                text,
                user_id=who.user_id,
                user_name=who.name.lower(),
                team_id=self.team_id,
                channel_id=self.channel,
                channel_name=self.channel_name,
                response_url=self.standin.new_response_url(),
            ),
            f"/kindertrack {text}",
            who,
        )

    def click(self, who: Person, shown: Shown, label: str) -> Interaction:
        """``who`` clicks the button labelled ``label`` on the message ``shown`` (a copy
        drawn earlier keeps its buttons: clicking it is clicking a stale message)."""
        button = shown.button(label)
        self.echo(f"{who.name} › clicks [{label}]")
        return self._send(
            lambda: self.sender.action(
                button.action_id,
                value=button.value,
                block_id=button.block_id,
                user_id=who.user_id,
                team_id=self.team_id,
                channel_id=shown.channel or self.channel,
                message_ts=shown.ts or "",
                response_url=self.standin.new_response_url(),
            ),
            f"clicks [{label}]",
            who,
        )

    def submit_view(
        self, who: Person, view: Mapping[str, Any], values: dict[str, dict[str, Any]]
    ) -> Interaction:
        """``who`` presses the modal's submit button with ``values`` in its inputs."""
        submit = display(str((view.get("submit") or {}).get("text", "Submit")))
        self.echo(f"{who.name} › presses [{submit}] in “{display(view['title']['text'])}”")
        return self._send(
            lambda: self.sender.view_submission(
                str(view.get("callback_id", "")),
                values=values,
                private_metadata=str(view.get("private_metadata", "")),
                user_id=who.user_id,
                team_id=self.team_id,
                view_id=str(view.get("id", "V0")),
            ),
            f"presses [{submit}]",
            who,
        )

    def type_in_menu(
        self, who: Person, view: Mapping[str, Any], action_id: str, typed: str
    ) -> list[dict[str, Any]]:
        """``who`` types ``typed`` into the modal's menu ``action_id`` whose options the app
        loads (a ``block_suggestion``); the options the app answers."""
        self.echo(f"{who.name} › types “{typed}” in the menu")
        response = self.sender.suggestion(
            action_id,
            value=typed,
            user_id=who.user_id,
            team_id=self.team_id,
            view={k: view[k] for k in ("id", "private_metadata") if k in view},
        )
        if response.status_code != 200:
            raise self.fail(f"the Slack app answered the menu with HTTP {response.status_code}")
        options: list[dict[str, Any]] = response.json().get("options") or []
        return options

    def _send(self, send: Callable[[], httpx.Response], what: str, who: Person) -> Interaction:
        mark = len(self.standin.calls)
        try:
            response = send()
        except httpx.HTTPError as error:
            raise self.fail(f"the Slack app did not answer {what}: {error}") from error
        if response.status_code != 200:
            raise self.fail(
                f"the Slack app answered {what} with HTTP {response.status_code}: "
                f"{response.text[:300]}"
            )
        return Interaction(self, who, what, response, mark)

    # --- showing and saving -----------------------------------------------------------

    def show(
        self,
        name: str,
        heading: str,
        payload: dict[str, Any],
        lines: list[str],
        shows: Iterable[str] = (),
        *,
        lacks: Iterable[str] = (),
    ) -> str:
        """Print ``lines`` in a box, save ``payload`` as JSON, check what it says."""
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / f"{len(self.saved) + 1:02d}-{slug(name)}.json"
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.saved.append(path)
        for line in boxed(f"{heading}  ({path.name})", lines):
            self.echo(line)
        text = "\n".join(lines)
        what = f"{path.name} ({heading})"
        for expected in shows:
            self.expect(
                expected in text,
                f"{what} should say {expected!r}; it says:\n{text}",
            )
        for unexpected in lacks:
            self.expect(
                unexpected not in text,
                f"{what} should not say {unexpected!r}; it says:\n{text}",
            )
        return text

    def message_lines(self, payload: Mapping[str, Any]) -> list[str]:
        return render_message(payload, self.users)

    def view_lines(self, view: Mapping[str, Any]) -> list[str]:
        return render_view(view, self.users)


@dataclass
class Interaction:
    """One request and everything the app did about it (read from the stand-in)."""

    demo: SlackDemo
    who: Person
    what: str
    response: httpx.Response
    mark: int
    taken: set[int] = field(default_factory=set)

    # --- waiting ----------------------------------------------------------------------

    def wait(
        self,
        method: str,
        *,
        match: Callable[[Call], bool] = lambda call: True,
        timeout: float = LISTENER_TIMEOUT_S,
        waiting_for: str = "",
    ) -> Call:
        """The next ``method`` call made since the request (and not taken yet) that matches."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self.demo.standin.calls
            for index in range(self.mark, len(calls)):
                call = calls[index]
                if index not in self.taken and call.method == method and match(call):
                    self.taken.add(index)
                    return call
            if time.monotonic() > deadline:
                seen = sorted({c.method for c in calls[self.mark :]}) or ["nothing"]
                raise self.demo.fail(
                    f"after {self.who.name} {self.what}, waited {timeout:.0f} s for "
                    f"{waiting_for or method}; the app called: {', '.join(seen)}."
                )
            time.sleep(POLL_S)

    # --- answers ----------------------------------------------------------------------

    def ack(self, name: str, *, shows: Iterable[str] = ()) -> Shown:
        """The answer in the HTTP response itself (``ack(text=…)``): only ``who`` sees it."""
        body = self._body()
        self.demo.expect(
            bool(body.get("text") or body.get("blocks")),
            f"the app should have answered {self.what} at once; it answered {body!r}.",
        )
        payload = {k: body[k] for k in _MESSAGE_KEYS if k in body}
        text = self.demo.show(
            name,
            f"Only visible to {self.who.name}",
            payload,
            self.demo.message_lines(payload),
            shows,
        )
        return Shown(payload, text)

    def silent_ack(self) -> None:
        """The request was acknowledged without an answer of its own."""
        self.demo.expect(
            self.response.text == "",
            f"{self.what} should have been acknowledged quietly; the app answered "
            f"{self.response.text[:300]!r}.",
        )

    def reply(
        self, name: str, *, shows: Iterable[str] = (), timeout: float = LISTENER_TIMEOUT_S
    ) -> Shown:
        """A later answer through the request's ``response_url`` (ephemeral by default)."""
        call = self.wait("response_url", timeout=timeout, waiting_for="an answer to the user")
        payload = {k: call.args[k] for k in _MESSAGE_KEYS if k in call.args}
        audience = (
            "Posted in the channel"
            if payload.get("response_type") == "in_channel"
            else f"Only visible to {self.who.name}"
        )
        text = self.demo.show(name, audience, payload, self.demo.message_lines(payload), shows)
        return Shown(payload, text)

    def ephemeral(
        self, name: str, *, shows: Iterable[str] = (), timeout: float = LISTENER_TIMEOUT_S
    ) -> Shown:
        """A later message only ``who`` sees in the channel (chat.postEphemeral)."""
        call = self.wait(
            "chat.postEphemeral", timeout=timeout, waiting_for=f"a message for {self.who.name}"
        )
        payload = {k: call.args[k] for k in _MESSAGE_KEYS if k in call.args}
        text = self.demo.show(
            name,
            f"Only visible to {self.who.name}",
            payload,
            self.demo.message_lines(payload),
            shows,
        )
        return Shown(payload, text)

    def posted(
        self,
        name: str,
        *,
        shows: Iterable[str] = (),
        match: Callable[[Call], bool] = lambda call: True,
        timeout: float = LISTENER_TIMEOUT_S,
    ) -> Shown:
        """A new message the app posted in the channel."""
        call = self.wait(
            "chat.postMessage", match=match, timeout=timeout, waiting_for="a message in the channel"
        )
        return self._message(call, name, "New message in the channel", shows)

    def direct_message(
        self, name: str, *, shows: Iterable[str] = (), timeout: float = WORKER_TIMEOUT_S
    ) -> Shown:
        """A message the app sent ``who`` alone, in their direct messages with Rollcall."""
        call = self.wait(
            "chat.postMessage",
            match=lambda c: str(c.args.get("channel", "")).startswith("D"),
            timeout=timeout,
            waiting_for=f"a direct message to {self.who.name}",
        )
        return self._message(call, name, f"Direct message to {self.who.name}", shows)

    def updated(
        self,
        name: str,
        *,
        shows: Iterable[str] = (),
        lacks: Iterable[str] = (),
        containing: str | None = None,
        timeout: float = WORKER_TIMEOUT_S,
    ) -> Shown:
        """The next ``chat.update`` of a message (whose text has ``containing``, if given)."""
        call = self.wait(
            "chat.update",
            match=lambda c: (
                containing is None or containing in json.dumps(c.args, ensure_ascii=False)
            ),
            timeout=timeout,
            waiting_for=f"the message to change{f' to {containing!r}' if containing else ''}",
        )
        return self._message(call, name, "The message in the channel changes", shows, lacks)

    def _message(
        self,
        call: Call,
        name: str,
        heading: str,
        shows: Iterable[str],
        lacks: Iterable[str] = (),
    ) -> Shown:
        payload = {k: call.args[k] for k in _MESSAGE_KEYS if k in call.args}
        text = self.demo.show(
            name, heading, payload, self.demo.message_lines(payload), shows, lacks=lacks
        )
        channel = str(call.args.get("channel", "")) or None
        ts = str(call.args.get("ts", "")) or None
        if call.method == "chat.postMessage" and channel:
            ts = self._posted_ts(channel, payload)
        return Shown(payload, text, channel, ts)

    def _posted_ts(self, channel: str, payload: Mapping[str, Any]) -> str | None:
        """The ts the stand-in gave a posted message (it keeps every message it holds)."""
        for (held_channel, ts), message in reversed(list(self.demo.standin.messages.items())):
            if held_channel == channel and message.get("blocks") == payload.get("blocks"):
                return str(ts)
        return None

    def modal(
        self, name: str, *, shows: Iterable[str] = (), loading: bool = False
    ) -> dict[str, Any]:
        """The modal the app opened for ``who`` (``loading``: then replaced by views.update)."""
        opened = self.wait("views.open", waiting_for="a modal to open")
        if loading:
            updated = self.wait("views.update", waiting_for="the modal to fill in")
            view_id = str(updated.args.get("view_id", ""))
        else:
            view_id = ""
        view = self._stored_view(opened, view_id)
        self.demo.show(
            name,
            f"Modal opened for {self.who.name}",
            _view_json(view),
            self.demo.view_lines(view),
            shows,
        )
        return view

    def _stored_view(self, opened: Call, view_id: str) -> dict[str, Any]:
        """The view as Slack holds it (with its ``id``), which a submission refers to."""
        views = self.demo.standin.views
        if view_id and view_id in views:
            return dict(views[view_id])
        sent = opened.args.get("view") or {}
        for held in reversed(list(views.values())):
            if held.get("callback_id") == sent.get("callback_id") and held.get(
                "blocks"
            ) == sent.get("blocks"):
                return dict(held)
        return dict(sent)

    def view_answer(self, name: str, *, shows: Iterable[str] = ()) -> dict[str, Any]:
        """The modal's answer to its submission: ``update`` to a new view, or field errors."""
        body = self._body()
        action = body.get("response_action")
        if action == "errors":
            raise self.demo.fail(f"the modal refused the input: {body.get('errors')}")
        if action != "update":
            return {}
        view = dict(body.get("view") or {})
        self.demo.show(
            name, f"The modal changes for {self.who.name}", view, self.demo.view_lines(view), shows
        )
        return view

    def thread_file(self, *, shows: Iterable[str] = (), timeout: float = WORKER_TIMEOUT_S) -> str:
        """A CSV file uploaded to the message's thread: print its name and content."""
        done = self.wait(
            "files.completeUploadExternal", timeout=timeout, waiting_for="a file in the thread"
        )
        files = done.args.get("files") or [{}]
        file_id = str(files[0].get("id", ""))
        title = str(files[0].get("title", file_id))
        content = self.demo.standin.uploads.get(file_id, b"").decode("utf-8")
        lines = content.splitlines()
        self.demo.echo(f"      ↳ in the thread: {title}")
        for line in lines:
            self.demo.echo(f"        {line}")
        for expected in shows:
            self.demo.expect(
                expected in content, f"the file in the thread should hold {expected!r}."
            )
        return content

    def _body(self) -> dict[str, Any]:
        if not self.response.text:
            return {}
        try:
            body = self.response.json()
        except ValueError as error:
            raise self.demo.fail(
                f"the app answered {self.what} with {self.response.text!r}"
            ) from error
        return body if isinstance(body, dict) else {}


def _view_json(view: Mapping[str, Any]) -> dict[str, Any]:
    """The view as the app built it (without the ids and state Slack adds)."""
    added = ("id", "team_id", "app_id", "bot_id", "hash", "state")
    return {k: v for k, v in view.items() if k not in added}
