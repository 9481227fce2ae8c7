"""Build the Bolt app: one workspace with a bot token, or many through OAuth.

Why one factory: the HTTP server, Socket Mode, tests and the benchmark all need the
same app with the same safety settings; only the Web API address and the token source
differ. Settings decide the mode:

- ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET``: OAuth. Tokens come from the encrypted
  installation store (``ROLLCALL_TOKEN_ENCRYPTION_KEY``), install state from
  slack_sdk's SQLAlchemy state store, both on the database engine.
- otherwise ``SLACK_BOT_TOKEN``: a single workspace (Bolt checks it with ``auth.test``
  at start, so a wrong token fails fast instead of on the first command).

Always: the Web API is called at ``ROLLCALL_SLACK_API_URL`` when set (the stand-in,
a proxy), Slack's own otherwise; signature verification is on; listeners run after
``ack()`` (``process_before_response=False``, right for a long-running server);
retried deliveries are acked and skipped (``bot.middleware``); a request without a
workspace, or from a user of another workspace (Slack Connect), is refused
(``bot.tenancy``); typed text with a control character is refused
(``bot.control_input``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from bot import listeners
from bot.control_input import refuse_control_input
from bot.locale import CarryContext, LocaleResolver, reader_locale_middleware
from bot.middleware import skip_slack_retries
from bot.runtime import runtime as bot_runtime
from bot.tenancy import refuse_foreign_requests
from core.config import Settings
from core.errors import RollcallError

# Kept in step with manifest.yml (a test checks); the reasons are there.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "files:write",
    "files:read",
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
)
OAUTH_STATE_EXPIRATION_S = 600
LISTENER_THREADS = 5  # Bolt's own default


class SlackSetupError(RollcallError):
    """The Slack settings cannot make a working app."""


def slack_api_url(settings: Settings) -> str:
    """``ROLLCALL_SLACK_API_URL`` (with the trailing slash slack_sdk needs), or Slack's."""
    if not settings.slack_api_url:
        return WebClient.BASE_URL
    return settings.slack_api_url.rstrip("/") + "/"


def is_oauth(settings: Settings) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret)


def create_app(
    settings: Settings,
    *,
    installation_store: InstallationStore | None = None,
    engine: Engine | None = None,
    listener_executor: Executor | None = None,
    register_listeners: Callable[[App], None] = listeners.register,
) -> App:
    """The Rollcall Bolt app.

    Keyword-only: ``installation_store`` replaces the encrypted SQL store (OAuth mode);
    ``engine`` is the database for that store and the OAuth state (default: a new
    engine on ``settings.resolved_database_url``); ``listener_executor`` runs listeners
    after ack, each in a copy of its request's context (default: a pool of 5 threads, as
    Bolt's); ``register_listeners`` (default :func:`bot.listeners.register`) lets a
    benchmark build a bare app.
    """
    if not settings.slack_signing_secret and not settings.slack_app_token:
        raise SlackSetupError("SLACK_SIGNING_SECRET is required to verify requests from Slack.")
    options: dict[str, Any] = {
        "name": "rollcall",
        "signing_secret": settings.slack_signing_secret or "",
        "process_before_response": False,
        "request_verification_enabled": True,
    }
    # Listeners run in a copy of the request's context: the reader's language goes along.
    options["listener_executor"] = CarryContext(
        listener_executor or ThreadPoolExecutor(max_workers=LISTENER_THREADS)
    )
    base_url = slack_api_url(settings)
    _refuse_half_oauth(settings)
    if is_oauth(settings):
        options["oauth_settings"] = _oauth_settings(settings, installation_store, engine)
        options["client"] = WebClient(base_url=base_url)
    elif installation_store is not None:
        options["installation_store"] = installation_store
        options["client"] = WebClient(base_url=base_url)
    elif settings.slack_bot_token:
        options["client"] = WebClient(token=settings.slack_bot_token, base_url=base_url)
    else:
        raise SlackSetupError(
            "Set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
            "(installable app)."
        )
    app = App(**options)
    app.use(skip_slack_retries)
    app.use(refuse_foreign_requests)
    app.use(reader_locale_middleware(LocaleResolver(bot_runtime)))
    app.use(refuse_control_input)
    register_listeners(app)
    return app


def _refuse_half_oauth(settings: Settings) -> None:
    """Bolt switches itself to OAuth whenever SLACK_CLIENT_ID and SLACK_CLIENT_SECRET exist
    in the environment, even empty; refuse that half-configured state with a clear reason."""
    if is_oauth(settings):
        return
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        if os.environ.get(name) is not None:
            raise SlackSetupError(
                f"{name} is set but OAuth is not configured (it needs both SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET, non-empty): unset it to run for a single workspace."
            )


def _oauth_settings(
    settings: Settings,
    installation_store: InstallationStore | None,
    engine: Engine | None,
) -> Any:
    # Imported here: slack_sdk's SQLAlchemy stores need greenlet (sqlalchemy.ext.asyncio),
    # which single-workspace deployments do not have to install.
    from slack_bolt.oauth.oauth_settings import OAuthSettings
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    from bot.installation_store import EncryptedInstallationStore

    engine = engine or create_engine(settings.resolved_database_url)
    client_id = settings.slack_client_id or ""
    if installation_store is None:
        if not settings.token_encryption_key:
            raise SlackSetupError(
                "ROLLCALL_TOKEN_ENCRYPTION_KEY is required in OAuth mode: bot tokens are "
                "stored encrypted."
            )
        installation_store = EncryptedInstallationStore(
            client_id=client_id, engine=engine, encryption_key=settings.token_encryption_key
        )
    return OAuthSettings(
        client_id=client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installation_store,
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(
            expiration_seconds=OAUTH_STATE_EXPIRATION_S, engine=engine
        ),
    )
