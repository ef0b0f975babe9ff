"""The Teams SDK for Python, built from Plume's settings and nothing else.

Every import of `microsoft_teams.apps` goes through here. The SDK loads `.env` at import time and
falls back to generic variables (`CLIENT_ID`, `CLIENT_SECRET`, `TENANT_ID`, `SERVICE_URL`, `CLOUD`,
`PORT`, …) for any option left empty (docs/teams-sdk-notes.md §2): so its `.env` loading is switched
off for its own module, and every option is passed explicitly. The bot's token comes from the SDK's
client-credentials path (MSAL) against `TEAMS_LOGIN_URL`; inbound tokens are checked against the keys
next to `TEAMS_OPENID_METADATA_URL`.
"""

from __future__ import annotations

import logging
import os
import warnings

import dotenv

from bot.config import Settings

_load_dotenv = dotenv.load_dotenv
dotenv.load_dotenv = lambda *args, **kwargs: False  # binds inside the SDK's module, at its import
# Importing the SDK also announces, on stderr, a preview feature Plume does not use (HTML widgets).
warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
try:
    from microsoft_teams.api import ActivityTypeAdapter, ApiClientSettings
    from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides
    from microsoft_teams.apps import App, FastAPIAdapter, InboundActivityTokenValidator
    from microsoft_teams.apps.events import CoreActivity
    from microsoft_teams.apps.http.adapter import HttpServerAdapter
    from microsoft_teams.common import ClientOptions
finally:
    dotenv.load_dotenv = _load_dotenv

# What the rest of handlers/teams takes from the SDK goes through here (see the module's docstring).
__all__ = [
    "ActivityTypeAdapter",
    "App",
    "CoreActivity",
    "HttpServerAdapter",
    "InboundActivityTokenValidator",
    "build_teams_app",
    "inbound_validator",
    "teams_configured",
]
MESSAGING_ENDPOINT = "/api/messages"
# Connector calls are small; without a timeout (httpx's default in the SDK is none) a stuck Bot
# Connector would hold a delivery thread for ever.
HTTP_TIMEOUT_SECONDS = 15.0
# Where proactive calls go before a tenant's own service URL is known (Teams' global one).
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams"
MULTI_TENANT = "botframework.com"
log = logging.getLogger(__name__)


class TeamsNotConfigured(Exception):
    """TEAMS_APP_ID or TEAMS_APP_PASSWORD is missing."""


def teams_configured(settings: Settings) -> bool:
    """The bot's app id and secret are both set."""
    return bool(settings.TEAMS_APP_ID and settings.TEAMS_APP_PASSWORD)


def cloud(settings: Settings) -> CloudEnvironment:
    """The public cloud with Plume's login and key endpoints (sovereign clouds and tests differ)."""
    return with_overrides(
        PUBLIC,
        login_endpoint=settings.TEAMS_LOGIN_URL.rstrip("/"),
        openid_metadata_url=settings.TEAMS_OPENID_METADATA_URL,
    )


def inbound_validator(settings: Settings) -> InboundActivityTokenValidator:
    """The SDK's own check of inbound Bot Framework tokens, for this bot, against Plume's key endpoint."""
    return InboundActivityTokenValidator(settings.TEAMS_APP_ID, cloud=cloud(settings))


def build_teams_app(settings: Settings, adapter: HttpServerAdapter | None = None) -> App:
    """The SDK's App with every option explicit; `adapter` mounts its messaging route on our server."""
    if not teams_configured(settings):
        raise TeamsNotConfigured("Set TEAMS_APP_ID and TEAMS_APP_PASSWORD to serve Teams.")
    _trust_ssl_cert_file()
    app = App(
        client_id=settings.TEAMS_APP_ID,
        client_secret=settings.TEAMS_APP_PASSWORD.get_secret_value(),
        # An empty tenant would make the SDK read TENANT_ID from the environment; a multi-tenant bot
        # gets its token from the botframework.com tenant, which is what the SDK would use.
        tenant_id=settings.TEAMS_TENANT_ID or MULTI_TENANT,
        managed_identity_client_id=None,
        cloud=cloud(settings),
        service_url=DEFAULT_SERVICE_URL,
        http_server_adapter=adapter or FastAPIAdapter(),
        messaging_endpoint=MESSAGING_ENDPOINT,
        dangerously_allow_unauthenticated_requests=False,
        client=ClientOptions(timeout=HTTP_TIMEOUT_SECONDS),
        api_client_settings=ApiClientSettings(oauth_url=PUBLIC.token_service_url),
        state=False,
        plugins=[],
        telemetry={"agent365": False},
    )
    return app


def _warnings_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING


def _dropped(record: logging.LogRecord) -> bool:
    return False


# httpx logs every request's full URL at INFO, and each SDK client resets httpx's logger level to the
# SDK's own as it is made (one per service URL): a filter stays where a level does not.
logging.getLogger("httpx").addFilter(_warnings_only)
# The SDK's token validator logs every refused token at ERROR, quoting the activity's service URL and
# the token's claims: anyone can send one. Plume's front logs each refusal itself, as one WARNING line
# (handlers.teams.front.refuse).
logging.getLogger("microsoft_teams.apps.auth.token_validator").addFilter(_dropped)


def _trust_ssl_cert_file() -> None:
    """MSAL uses requests, which trusts REQUESTS_CA_BUNDLE but not SSL_CERT_FILE; httpx and urllib trust
    SSL_CERT_FILE. One bundle named either way is trusted by all three."""
    bundle = os.environ.get("SSL_CERT_FILE")
    if bundle and not os.environ.get("REQUESTS_CA_BUNDLE"):
        os.environ["REQUESTS_CA_BUNDLE"] = bundle
