"""The notifier's Web API clients: one per bot token, the token chosen per workspace.

One workspace uses ``SLACK_BOT_TOKEN``; an installable app (OAuth) uses the bot token the
installation store holds for the school's team. The Web API is called at
``ROLLCALL_SLACK_API_URL`` when set.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store import InstallationStore

from bot.app import SlackSetupError, is_oauth
from core.config import Settings
from core.services.runtime import Runtime


class SlackClients:
    """``token_for_team`` maps a team ID to its bot token (None when the workspace is not
    installed); ``base_url`` is the Web API address."""

    def __init__(self, token_for_team: Callable[[str], str | None], base_url: str) -> None:
        self._token_for_team = token_for_team
        self.base_url = base_url
        self._clients: dict[str, WebClient] = {}

    def client_for(self, team_id: str) -> WebClient | None:
        """The Web API client with ``team_id``'s bot token (one per token), or None when
        that workspace has none; the workers also read uploaded files with it."""
        token = self._token_for_team(team_id)
        if not token:
            return None
        client = self._clients.get(token)
        if client is None:
            client = WebClient(
                token=token,
                base_url=self.base_url,
                retry_handlers=[
                    ConnectionErrorRetryHandler(),
                    RateLimitErrorRetryHandler(max_retry_count=2),
                ],
            )
            self._clients[token] = client
        return client


def token_resolver(
    settings: Settings,
    *,
    installation_store: InstallationStore | None,
    runtime: Callable[[], Runtime],
) -> Callable[[str], str | None]:
    """Single workspace (``SLACK_BOT_TOKEN``) or OAuth (the installation store's tokens,
    encrypted with ``ROLLCALL_TOKEN_ENCRYPTION_KEY``, on the runtime's database)."""
    if is_oauth(settings) or installation_store is not None:
        return _InstallationTokens(settings, installation_store, runtime)
    token = settings.slack_bot_token
    if not token:
        raise SlackSetupError(
            "The Slack notifier needs SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET with an installed workspace."
        )
    return lambda team_id: token


class _InstallationTokens:
    """team ID → the bot token of that workspace's installation (OAuth mode)."""

    def __init__(
        self,
        settings: Settings,
        store: InstallationStore | None,
        runtime: Callable[[], Runtime],
    ) -> None:
        self._settings = settings
        self._store = store
        self._runtime = runtime

    def _installation_store(self) -> InstallationStore:
        if self._store is None:
            from bot.installation_store import EncryptedInstallationStore

            if not self._settings.token_encryption_key:
                raise SlackSetupError(
                    "ROLLCALL_TOKEN_ENCRYPTION_KEY is required in OAuth mode: bot tokens are "
                    "stored encrypted."
                )
            self._store = EncryptedInstallationStore(
                client_id=self._settings.slack_client_id or "",
                engine=self._runtime().engine,
                encryption_key=self._settings.token_encryption_key,
            )
        return self._store

    def __call__(self, team_id: str) -> str | None:
        bot = self._installation_store().find_bot(enterprise_id=None, team_id=team_id or None)
        return bot.bot_token if bot is not None else None
