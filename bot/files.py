"""Read a CSV file a director uploaded to Slack (the import modal's file_input).

Why here and not in core: it is Slack's part of an import. ``files.info`` (through
slack_sdk, with the workspace's bot token) says what the file is; its
``url_private_download`` is then fetched with one plain HTTP GET carrying
``Authorization: Bearer <bot token>`` (Slack's rule for private file URLs; the bot needs
the ``files:read`` scope). The bytes go to ``core.services.imports.import_csv``,
which decodes them (UTF-8, with or without a BOM) and checks every row.

Refused before anything is written, each with a reason a director can act on: a file
someone else uploaded (a forged form must not make the bot read another private file), a
file Slack does not call CSV, one over :data:`MAX_CSV_BYTES` (checked against
``files.info`` and again while downloading, undecoded, so a wrong size or a compressed
answer cannot make the worker read more), a download URL that is not Slack's (the bot
token goes nowhere else), and an answer that is not the file (Slack sends a 200 HTML
sign-in page when a token may not read it). Nothing is retried: the director is told to
try again, or to have the app reinstalled when it lacks the ``files:read`` permission.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack_hosts import is_slack_url
from core.errors import InvalidInput
from core.i18n import N_, _

log = logging.getLogger(__name__)

#: The largest CSV a Slack import reads (a school's year of attendance is far smaller).
MAX_CSV_BYTES = 2_000_000

#: Slack's ``filetype`` for CSV files; a ``.csv`` name is accepted too.
CSV_FILETYPE = "csv"

DOWNLOAD_TIMEOUT = httpx.Timeout(30.0, connect=5.0)

#: files.info errors that mean the app's token lacks a permission (installed before the
#: import existed, without files:read): uploading again cannot help, reinstalling does.
PERMISSION_ERRORS = frozenset({"missing_scope", "not_allowed_token_type", "no_permission"})

_REINSTALL = N_(
    "Rollcall needs the files:read permission: ask your Slack admin to reinstall the app."
)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _too_big(size: int | None, max_bytes: int) -> InvalidInput:
    split = _("Split it into smaller files (a month each, say) and import them one by one.")
    if size is None:
        return InvalidInput(
            _(
                "Nothing was imported: the file is larger than that; a Slack import reads "
                "at most {most}.",
                most=_megabytes(max_bytes),
            )
            + " "
            + split
        )
    return InvalidInput(
        _(
            "Nothing was imported: the file is {size}; a Slack import reads at most {most}.",
            size=_megabytes(size),
            most=_megabytes(max_bytes),
        )
        + " "
        + split
    )


def is_csv(info: dict[str, Any]) -> bool:
    """Whether Slack's file object describes a CSV file."""
    filetype = str(info.get("filetype") or "").lower()
    name = str(info.get("name") or "").lower()
    return filetype == CSV_FILETYPE or name.endswith(".csv")


def read_csv_upload(
    client: WebClient,
    file_id: str,
    *,
    uploader: str,
    max_bytes: int = MAX_CSV_BYTES,
    transport: httpx.BaseTransport | None = None,
) -> bytes:
    """The bytes of the CSV ``file_id`` that the user ``uploader`` uploaded, or an
    :class:`InvalidInput` saying why not.

    Keyword-only: ``max_bytes`` caps the file (default :data:`MAX_CSV_BYTES`);
    ``transport`` replaces httpx's (default: its own, with 2 connection retries).
    """
    try:
        info = dict(client.files_info(file=file_id)["file"])
    except SlackApiError as error:
        code = str(error.response.get("error"))
        log.info("files.info refused", extra={"event": "import_file", "error": code})
        if code in PERMISSION_ERRORS:
            raise InvalidInput(_("Nothing was imported: {why}", why=_(_REINSTALL))) from error
        raise InvalidInput(
            _(
                "Nothing was imported: Slack did not let me read the file ({code}). Upload it "
                "again with /kindertrack import.",
                code=code,
            )
        ) from error
    if info.get("user") != uploader:
        raise InvalidInput(
            _(
                "Nothing was imported: that is not a file you uploaded. Upload yours with "
                "/kindertrack import."
            )
        )
    if not is_csv(info):
        kind = str(info.get("pretty_type") or info.get("filetype") or _("another kind of file"))
        raise InvalidInput(
            _(
                "Nothing was imported: the file is not a CSV file (Slack sees {kind}). Save it "
                "from your spreadsheet as 'CSV UTF-8' and upload that.",
                kind=kind,
            )
        )
    size = info.get("size")
    if isinstance(size, int) and size > max_bytes:
        raise _too_big(size, max_bytes)
    url = info.get("url_private_download") or info.get("url_private")
    if not url:
        raise InvalidInput(
            _("Nothing was imported: Slack gave no way to download the file; upload it again.")
        )
    if not is_slack_url(str(url), client.base_url):
        log.warning("a file's download URL is not Slack's", extra={"event": "import_file"})
        raise InvalidInput(
            _("Nothing was imported: Slack gave an unexpected download address; upload again.")
        )
    return _download(
        str(url),
        token=client.token or "",
        api_base_url=client.base_url,
        max_bytes=max_bytes,
        transport=transport,
    )


class _LeftSlack(httpx.RequestError):
    """A redirect pointed off Slack's hosts: it is not followed."""


def _download(
    url: str,
    *,
    token: str,
    api_base_url: str,
    max_bytes: int,
    transport: httpx.BaseTransport | None,
) -> bytes:
    """GET ``url`` with the bot token, reading at most ``max_bytes``; a redirect is
    followed only to another of Slack's addresses (checked before each hop is made)."""

    def stay_on_slack(response: httpx.Response) -> None:
        if not response.has_redirect_location:
            return
        target = response.request.url.join(response.headers["location"])
        if not is_slack_url(str(target), api_base_url):
            log.warning("a file download redirected off Slack", extra={"event": "import_file"})
            raise _LeftSlack("redirect off Slack's hosts", request=response.request)

    try:
        with (
            httpx.Client(
                timeout=DOWNLOAD_TIMEOUT,
                follow_redirects=True,
                max_redirects=3,
                event_hooks={"response": [stay_on_slack]},
                transport=transport or httpx.HTTPTransport(retries=2),
            ) as http,
            http.stream(
                "GET",
                url,
                # Undecoded: the size cap counts the bytes received, not what they inflate to.
                headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
            ) as response,
        ):
            if response.status_code != 200:
                raise InvalidInput(
                    _(
                        "Nothing was imported: Slack answered {status} when I downloaded the "
                        "file. Try again in a minute.",
                        status=response.status_code,
                    )
                )
            if "text/html" in response.headers.get("content-type", ""):
                raise InvalidInput(
                    _("Nothing was imported: Slack sent a sign-in page instead of the file.")
                    + " "
                    + _(_REINSTALL)
                )
            received = bytearray()
            for chunk in response.iter_raw():
                received += chunk
                if len(received) > max_bytes:
                    raise _too_big(None, max_bytes)
            return bytes(received)
    except httpx.HTTPError as error:
        log.info(
            "file download failed", extra={"event": "import_file", "error": type(error).__name__}
        )
        raise InvalidInput(
            _(
                "Nothing was imported: I could not download the file from Slack. Try again in "
                "a minute."
            )
        ) from error
