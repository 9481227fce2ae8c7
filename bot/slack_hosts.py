"""Where the bot may send a request: Slack's own hosts, or the Web API host it is told to
use (``ROLLCALL_SLACK_API_URL``: the stand-in in tests and the demo, a proxy).

Why: addresses arrive inside payloads (a file's download URL, a ``response_url`` carried
in a modal's metadata or a button). Followed blindly, one that points elsewhere makes a
worker hand the bot token, or a report naming children, to whoever chose it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

RESPONSE_URL_HOST = "hooks.slack.com"


def _same_origin(url: str, api_base_url: str) -> bool:
    found, api = urlsplit(url), urlsplit(api_base_url)
    return (found.scheme, (found.hostname or "").lower(), found.port) == (
        api.scheme,
        (api.hostname or "").lower(),
        api.port,
    )


def is_slack_url(url: str, api_base_url: str) -> bool:
    """https on slack.com or a subdomain of it, or the configured Web API's own origin."""
    found = urlsplit(url)
    host = (found.hostname or "").lower()
    on_slack = host == "slack.com" or host.endswith(".slack.com")
    if found.scheme == "https" and found.port in (None, 443) and on_slack:
        return True
    return _same_origin(url, api_base_url)


def is_response_url(url: str, api_base_url: str) -> bool:
    """A ``response_url`` Rollcall will post to: https on hooks.slack.com, or the
    configured Web API's own origin."""
    found = urlsplit(url)
    if found.scheme == "https" and (found.hostname or "").lower() == RESPONSE_URL_HOST:
        return found.port in (None, 443)
    return _same_origin(url, api_base_url)
