"""Slack as a notifier: channel posts and DMs tagged with message metadata, found again by that tag
(one narrow history call, only for a message a crash left in doubt)."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.messages.model import Message
from bot.runtime import Runtime
from bot.services.delivery.notifiers import DeliveryFailed, LookUpUnsupported, notifier_registry
from bot.storage.db import transaction
from bot.storage.tables import Workspace
from handlers.slack.app import web_client
from handlers.slack.installation import installation_store
from handlers.slack.pacing import RateLimitGate
from handlers.slack.render import fallback_text, to_blocks

EVENT_TYPE = "plume_delivery"
POST_METHOD = "chat.postMessage"
PERMANENT = {
    "channel_not_found",
    "is_archived",
    "not_in_channel",
    "channel_is_archived",
    "restricted_action",
    "user_not_found",
    "cannot_dm_bot",
    "account_inactive",
    "invalid_auth",
    "token_revoked",
}
RATE_LIMIT_RETRIES = 30
# Slack's cap for apps outside the Marketplace: one look-up reads at most this many messages.
LOOK_UP_LIMIT = 15
AUTH_ERRORS = {"invalid_auth", "token_revoked", "account_inactive", "not_authed"}
log = logging.getLogger(__name__)


def slack_configured(settings: Settings) -> bool:
    """A bot token, or the OAuth client of a multi-workspace install."""
    return settings.SLACK_BOT_TOKEN is not None or bool(
        settings.SLACK_CLIENT_ID and settings.SLACK_CLIENT_SECRET
    )


@notifier_registry.register("slack")
def slack_notifier(settings: Settings, runtime: Runtime) -> SlackNotifier:
    """The notifier for jobs: each workspace's own token from its installation under OAuth (many
    workspaces), else SLACK_BOT_TOKEN."""
    multi = bool(settings.SLACK_CLIENT_ID and settings.SLACK_CLIENT_SECRET)
    return SlackNotifier(settings, runtime, installation_store(settings, runtime.engine) if multi else None)


class SlackNotifier:
    """Implements bot.services.delivery.notifiers.Notifier with the Slack Web API."""

    def __init__(self, settings: Settings, runtime: Runtime, installation_store=None) -> None:
        self.settings, self.runtime, self.store = settings, runtime, installation_store
        self.can_look_up = settings.SLACK_HISTORY_LOOKUP
        self._clients: dict[int, WebClient] = {}
        self._gates: dict[int, RateLimitGate] = {}

    def client(self, workspace_id: int) -> WebClient:
        """The bot's client for a workspace: its installation's token, or the single-workspace token."""
        if workspace_id not in self._clients:
            token = (
                self.settings.SLACK_BOT_TOKEN.get_secret_value() if self.settings.SLACK_BOT_TOKEN else None
            )
            if self.store is not None:
                with transaction(self.runtime.sessions) as session:
                    team = session.get(Workspace, workspace_id).external_id
                bot = self.store.find_bot(enterprise_id=None, team_id=team)
                token = bot.bot_token if bot else None
            if token is None:
                raise DeliveryFailed("no Slack token for this workspace (uninstalled?)", permanent=True)
            # Background deliveries wait out rate limits (each wait is Slack's Retry-After): a message
            # given up on here would only be retried by the next run, a quarter of an hour later.
            self._clients[workspace_id] = web_client(
                self.settings, token, rate_limit_retries=RATE_LIMIT_RETRIES, gate=self._gate(workspace_id)
            )
        return self._clients[workspace_id]

    def _gate(self, workspace_id: int) -> RateLimitGate:
        """The workspace's gate, one for all its threads (setdefault is atomic: no two gates)."""
        return self._gates.get(workspace_id) or self._gates.setdefault(workspace_id, RateLimitGate())

    def post(self, *, workspace_id: int, channel: str, message: Message, key: str) -> str:
        client = self.client(workspace_id)
        self._gate(workspace_id).wait(POST_METHOD)  # another thread was told to wait: so would this one
        try:
            return self._send(client, channel, message, key)
        except SlackApiError as exc:
            error = exc.response.get("error", "")
            if error in AUTH_ERRORS and self._reinstalled(workspace_id, client):
                try:
                    return self._send(self.client(workspace_id), channel, message, key)
                except SlackApiError as again:
                    error = again.response.get("error", "")
            raise DeliveryFailed(f"Slack said {error}", permanent=error in PERMANENT) from None

    def _send(self, client: WebClient, channel: str, message: Message, key: str) -> str:
        files = self._upload_images(client, message)
        response = client.chat_postMessage(
            channel=channel,
            text=fallback_text(message),
            blocks=to_blocks(message, files),
            metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}},
        )
        return str(response["ts"])

    def _reinstalled(self, workspace_id: int, stale: WebClient) -> bool:
        """Whether the workspace has another token than the cached client's: reinstalled since (a
        long-running worker would otherwise keep the revoked one, and fail for good, until restarted)."""
        self._clients.pop(workspace_id, None)
        try:
            return self.client(workspace_id).token != stale.token
        except DeliveryFailed:
            return False

    def direct(self, *, workspace_id: int, user_id: str, message: Message, key: str) -> str:
        # A user id as channel posts to the app's DM with them: no conversations.open per message,
        # which matters at ten thousand recaps (that method has its own, lower rate limit).
        return self.post(workspace_id=workspace_id, channel=user_id, message=message, key=key)

    def update(self, *, workspace_id: int, channel: str, ref: str, message: Message) -> str:
        """Replace the message `ref` (its ts) in `channel` with `message` (chat.update)."""
        client = self.client(workspace_id)
        try:
            files = self._upload_images(client, message)
            response = client.chat_update(
                channel=channel, ts=ref, text=fallback_text(message), blocks=to_blocks(message, files)
            )
        except SlackApiError as exc:
            error = exc.response.get("error", "")
            raise DeliveryFailed(f"Slack said {error}", permanent=error in PERMANENT) from None
        return str(response["ts"])

    def find(
        self, *, workspace_id: int, channel: str | None, user_id: str | None, key: str, since: datetime
    ) -> str | None:
        """The ts of a message carrying `key` posted since `since` (a crashed run's message), if any:
        one history call of at most LOOK_UP_LIMIT messages, no pagination (a 429 waits Retry-After)."""
        if not self.can_look_up:
            raise LookUpUnsupported("history look-ups are off (SLACK_HISTORY_LOOKUP)")
        where = channel or self._dm(workspace_id, user_id or "")
        try:
            page = self.client(workspace_id).conversations_history(
                channel=where,
                oldest=f"{since.timestamp():.6f}",
                limit=LOOK_UP_LIMIT,
                include_all_metadata=True,
            )
        except SlackApiError as exc:
            error = exc.response.get("error", "")
            raise DeliveryFailed(f"Slack said {error}", permanent=error in PERMANENT) from None
        for item in page.get("messages", []):
            meta = item.get("metadata") or {}
            if meta.get("event_type") == EVENT_TYPE and (meta.get("event_payload") or {}).get("key") == key:
                return str(item["ts"])
        return None

    def is_calm(self, *, workspace_id: int, user_id: str, now: datetime) -> bool:
        """Not in Do Not Disturb at `now` (snoozed, or inside the DND window)."""
        info = self.client(workspace_id).dnd_info(user=user_id)
        if info.get("snooze_enabled"):
            return False
        start, end = info.get("next_dnd_start_ts") or 0, info.get("next_dnd_end_ts") or 0
        return not (info.get("dnd_enabled") and start <= now.timestamp() < end)

    def _dm(self, workspace_id: int, user_id: str) -> str:
        try:
            return self.client(workspace_id).conversations_open(users=user_id)["channel"]["id"]
        except SlackApiError as exc:
            error = exc.response.get("error", "")
            raise DeliveryFailed(f"Slack said {error}", permanent=error in PERMANENT) from None

    def _upload_images(self, client: WebClient, message: Message) -> dict[str, str]:
        """Charts go up first (privately); the message shows them by file id."""
        files = {}
        for image in message.images:
            uploaded = client.files_upload_v2(
                file=image.path, filename=image.path.rsplit("/", 1)[-1], title=image.title
            )
            files[image.path] = uploaded["file"]["id"]
        return files
