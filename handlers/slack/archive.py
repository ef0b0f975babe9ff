"""An X archive .zip sent to Plume in a DM: Slack's `file_shared` event, the file's download with the
bot token, and the core's flow for a sent archive (bot.services.ingest.sent_archive: streamed to a
temporary folder, refused past PLUME_MAX_ARCHIVE_BYTES, imported in one transaction for the person's
own account, progress in one DM message updated in place).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import PlumeError
from bot.messages.archive import archive_refused_message
from bot.messages.model import Message
from bot.services.ingest.sent_archive import FileUnavailable, fetch, import_sent_archive, too_big
from handlers.slack.context import SlackDeps, SlackUnavailable, field, member, workspace_id
from handlers.slack.render import fallback_text, to_blocks

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ArchiveJob:
    """A file shared in a DM, as plain data: what the import needs, in or out of the web process."""

    team_id: str
    user_id: str
    channel_id: str
    file_id: str
    bot_token: str | None


def archive_job(event: object, context) -> ArchiveJob | None:
    """The job for a `file_shared` event, or None when it is not a person's file in a DM with Plume
    (Plume's own uploads, say its Home charts, raise the event too). Malformed raises `Malformed`."""
    user_id = field(member(event, "user_id"), "event.user_id")
    channel_id = field(member(event, "channel_id"), "event.channel_id")
    file_id = field(member(event, "file_id") or member(member(event, "file"), "id"), "event.file_id")
    if user_id == context.bot_user_id or not channel_id.startswith("D"):  # D…: a direct message
        return None
    team = field(context.team_id or member(event, "team_id"), "team_id")
    return ArchiveJob(team, user_id, channel_id, file_id, context.bot_token)


def import_shared_archive(job: ArchiveJob, client: WebClient, deps: SlackDeps) -> None:
    """Download the file and import it for the person who sent it; every outcome is said in the DM."""
    ws = workspace_id(deps, job.team_id)
    limit = deps.settings.PLUME_MAX_ARCHIVE_BYTES
    info: dict = {}

    def download(path: Path) -> Path:
        return fetch_shared(info, client.token or "", path, limit)

    try:
        info = _file_info(client, job.file_id)
    except PlumeError as exc:
        _SlackDM(client, job.channel_id).show(archive_refused_message(exc.text))
        return
    name, dm = str(info.get("name") or "archive.zip"), _SlackDM(client, job.channel_id)
    import_sent_archive(deps.runtime.sessions, (ws, job.user_id), name, download, dm)


def fetch_shared(info: dict, token: str, path: Path, limit: int) -> Path:
    """Stream Slack's `url_private_download` to `path` with the bot token, refusing past `limit` bytes."""
    size = info.get("size")
    if isinstance(size, int) and size > limit:
        raise too_big(path.name, limit)
    url = field(info.get("url_private_download"), "file.url_private_download")
    try:
        return fetch(url, path, limit, {"Authorization": f"Bearer {token}"})
    except FileUnavailable:
        raise SlackUnavailable("Slack didn't hand over the file; please send it again.") from None


def _file_info(client: WebClient, file_id: str) -> dict:
    """files.info of the shared file (needs the files:read scope)."""
    try:
        return client.files_info(file=file_id)["file"]
    except SlackApiError as exc:
        log.warning("slack api error", extra={"fields": {"error": exc.response.get("error")}})
        raise SlackUnavailable("Slack didn't hand over the file; please send it again.") from None


class _SlackDM:
    """The DM where the person hears about their archive (bot.services.ingest.sent_archive.ArchiveChat)."""

    def __init__(self, client: WebClient, channel: str) -> None:
        self._client, self._channel = client, channel

    def show(self, message: Message) -> str:
        posted = self._client.chat_postMessage(
            channel=self._channel, blocks=to_blocks(message), text=fallback_text(message)
        )
        return posted["ts"]

    def update(self, ref: str, message: Message) -> None:
        try:
            self._client.chat_update(
                channel=self._channel, ts=ref, blocks=to_blocks(message), text=fallback_text(message)
            )
        except SlackApiError as exc:
            log.warning("slack api error", extra={"fields": {"error": exc.response.get("error")}})
