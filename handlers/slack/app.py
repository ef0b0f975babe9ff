"""The Slack composition root: a Bolt app wired to the core, single- or multi-workspace."""

from __future__ import annotations

import json
import logging
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.config import Settings
from bot.errors import ConfigError
from bot.jobs.deferral import Handover, try_again_message
from bot.runtime import Runtime
from handlers.slack import actions, commands, events
from handlers.slack.authorize import RememberingAuthorize
from handlers.slack.client import web_client
from handlers.slack.context import SlackDeps
from handlers.slack.installation import installation_store
from handlers.slack.render import fallback_text, to_blocks
from handlers.slack.shape import guard_payload_shape

SCOPES = [
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "files:write",
    "files:read",  # an X archive sent in a DM: files.info and its download
    "dnd:read",  # nudges wait while a person is in Do Not Disturb
    "channels:history",
    "groups:history",
    "im:history",  # find a delivery after a crash, never post twice
]
log = logging.getLogger(__name__)


def _oauth_settings(settings: Settings, runtime: Runtime) -> OAuthSettings:
    """Multi-workspace install, with installations and OAuth state in Plume's own database."""
    store = installation_store(settings, runtime.engine)
    state = SQLAlchemyOAuthStateStore(
        expiration_seconds=600, engine=runtime.engine, table_name="slack_oauth_states"
    )
    state.metadata.create_all(runtime.engine)
    return OAuthSettings(
        client_id=settings.SLACK_CLIENT_ID,
        client_secret=settings.SLACK_CLIENT_SECRET.get_secret_value(),
        scopes=SCOPES,
        installation_store=store,
        state_store=state,
    )


def _authorize(oauth: OAuthSettings | None, client) -> RememberingAuthorize | None:
    """Bolt's installation-store authorization, acking through a database outage (multi-workspace)."""
    if oauth is None:
        return None
    return RememberingAuthorize(
        installation_store=oauth.installation_store,
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        logger=log,
        client=client,
        user_token_resolution=oauth.user_token_resolution,
    )


def build_app(
    settings: Settings,
    runtime: Runtime,
    *,
    listener_executor: Executor | None = None,
    deps=None,
    command_pool: Handover | None = None,
) -> App:
    """The Bolt app. With SLACK_CLIENT_ID/SECRET it installs into many workspaces; else SLACK_BOT_TOKEN.

    Every listener is an ack function plus lazy work: with `process_before_response` the ack runs in
    the request thread and the HTTP response leaves at once, while the work runs on the executor. (A
    listener that acks and then works would hold one of the executor's threads per request, and new
    acks would queue behind old work: measured at 4.9 s p99 under 50 concurrent commands.)"""
    if settings.SLACK_SIGNING_SECRET is None:
        raise ConfigError("Bad setting SLACK_SIGNING_SECRET: required to verify requests from Slack.")
    multi = bool(settings.SLACK_CLIENT_ID and settings.SLACK_CLIENT_SECRET)
    if not multi and settings.SLACK_BOT_TOKEN is None:
        raise ConfigError(
            "Bad setting SLACK_BOT_TOKEN: required (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)."
        )
    token = None if multi else settings.SLACK_BOT_TOKEN.get_secret_value()
    client = web_client(settings, token)
    oauth = _oauth_settings(settings, runtime) if multi else None
    app = App(
        signing_secret=settings.SLACK_SIGNING_SECRET.get_secret_value(),
        client=client,
        oauth_settings=oauth,
        authorize=_authorize(oauth, client),
        process_before_response=True,
        listener_executor=listener_executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="plume"),
        token_verification_enabled=False,
        # Bolt's own warning for a request no listener takes spans many lines and quotes the payload;
        # raised instead, `_on_error` logs one line with its type.
        raise_error_for_unhandled_request=True,
        logger=log,
    )
    deps = deps or SlackDeps(runtime=runtime, settings=settings, command_pool=command_pool)
    guard_payload_shape(app)
    events.register(app, deps)
    commands.register(app, deps)
    actions.register(app, deps)

    verifier = SignatureVerifier(settings.SLACK_SIGNING_SECRET.get_secret_value())

    @app.error
    def _on_error(error, body, request, logger):  # one place for the unexpected: log it, never a trace
        if not _verifiable(verifier, request):
            # slack_sdk's check raises on a timestamp that is not an integer (say, a doubled header,
            # joined "1700000000, 1700000001"): a refusal, not a failure of ours.
            log.warning("unverifiable slack request refused")
            return BoltResponse(status=401, body="")
        if isinstance(error, BoltUnhandledRequestError):
            kind = body.get("type") if isinstance(body, dict) else None
            log.warning("unhandled slack request", extra={"fields": {"type": str(kind)[:40]}})
            return BoltResponse(status=404, body="")
        database_down = isinstance(error, DATABASE_DOWN) and isinstance(body, dict)
        if database_down and body.get("command"):
            # The installation lookup before the ack needs the database: a command that cannot be
            # authorized now is answered in the ack itself, never acked and dropped (chaos test).
            log.warning("slash command while the database is unreachable: told to try again")
            return _try_again_ack()
        if database_down and body.get("type") == "event_callback":
            # Slack redelivers an event not acked with a 2xx (at once, after a minute, after five), and
            # its dedupe record was never written: the redelivery is handled as new. A 200 here lost the
            # event for good (an X archive sent in a DM while PostgreSQL restarted).
            log.warning("slack event while the database is unreachable: 503, for Slack to send it again")
            return BoltResponse(status=503, body="")
        logger.exception("listener failed", exc_info=error)
        return BoltResponse(status=200, body="")

    return app


DATABASE_DOWN = (OperationalError, InterfaceError)


def _try_again_ack() -> BoltResponse:
    """A slash command's ack whose body Slack shows the person: try again in a moment."""
    message = try_again_message()
    body = {"response_type": "ephemeral", "text": fallback_text(message), "blocks": to_blocks(message)}
    return BoltResponse(status=200, body=json.dumps(body), headers={"content-type": "application/json"})


def _verifiable(verifier: SignatureVerifier, request) -> bool:
    """Whether the request's signature checks out; any malformed header is a no, not an exception."""
    try:
        return verifier.is_valid(
            body=request.raw_body,
            timestamp=request.headers.get("x-slack-request-timestamp", [""])[0],
            signature=request.headers.get("x-slack-signature", [""])[0],
        )
    except (ValueError, TypeError):
        return False
