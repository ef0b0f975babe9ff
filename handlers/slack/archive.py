"""An X archive .zip sent to Plume in a DM: Slack's `file_shared` event, the file's download with the
bot token, and the core's import for that person's own account (bot.services.ingest.imports).

The download streams to a temporary folder (never whole into memory), refused past
PLUME_MAX_ARCHIVE_BYTES; the import is one transaction, so a bad file stores nothing. One message in
the DM says what is happening and is updated in place: every PROGRESS_EVERY posts, then the outcome.
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import ArchiveError, PlumeError
from bot.messages.archive import archive_imported_message, archive_progress_message, archive_refused_message
from bot.messages.model import Message
from bot.services.ingest.imports import import_for_person
from bot.services.people.membership import me
from bot.storage.db import transaction
from handlers.slack.context import SlackDeps, SlackUnavailable, field, member, workspace_id
from handlers.slack.render import fallback_text, to_blocks

log = logging.getLogger(__name__)
PROGRESS_EVERY = 5_000  # posts between two progress updates: a few per minute, never one per post
CHUNK = 1_048_576
TIMEOUT = (10, 60)  # connect, then seconds between two chunks
FAILED = "Something went wrong while importing your archive, and nothing was stored; please try again later."
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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
    try:
        with transaction(deps.runtime.sessions) as session:
            me(session=session, workspace_id=ws, chat_user_id=job.user_id)  # joined? else told how
    except PlumeError as exc:
        _post(client, job.channel_id, archive_refused_message(exc.text))
        return
    shown = _Progress(client, job.channel_id)
    try:
        info = _file_info(client, job.file_id)
        name = safe_name(str(info.get("name") or "archive.zip"))
        shown.start(name)
        with tempfile.TemporaryDirectory(prefix="plume-archive-") as folder:
            path = download(
                info, client.token or "", Path(folder) / name, deps.settings.PLUME_MAX_ARCHIVE_BYTES
            )
            with transaction(deps.runtime.sessions) as session:
                result = import_for_person(
                    session=session,
                    workspace_id=ws,
                    chat_user_id=job.user_id,
                    path=path,
                    on_progress=shown.read,
                )
    except PlumeError as exc:
        log.info("archive refused", extra={"fields": {"reason": type(exc).__name__}})
        shown.finish(archive_refused_message(exc.text))
        return
    except Exception:
        shown.finish(archive_refused_message(FAILED))
        raise
    log.info("archive imported", extra={"fields": {"read": result.read, "new": result.new}})
    shown.finish(archive_imported_message(name, result))


def safe_name(name: str) -> str:
    """The file's own name, reduced to harmless characters (it names the temp file and the errors)."""
    cleaned = _UNSAFE.sub("_", Path(name).name).strip("._")[:100]
    return cleaned or "archive.zip"


def download(info: dict, token: str, path: Path, limit: int) -> Path:
    """Stream Slack's `url_private_download` to `path` with the bot token, refusing past `limit` bytes."""
    most = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 1024} KB"
    too_big = ArchiveError(f"{path.name}: larger than {most}, the most Plume accepts")
    size = info.get("size")
    if isinstance(size, int) and size > limit:
        raise too_big
    url = field(info.get("url_private_download"), "file.url_private_download")
    try:
        with requests.get(
            url, headers={"Authorization": f"Bearer {token}"}, stream=True, timeout=TIMEOUT
        ) as got:
            if got.status_code != 200 or got.headers.get("content-type", "").startswith("text/html"):
                log.warning("slack file download refused", extra={"fields": {"status": got.status_code}})
                raise SlackUnavailable("Slack didn't hand over the file; please send it again.")
            written = 0
            with path.open("wb") as out:
                for chunk in got.iter_content(CHUNK):
                    written += len(chunk)
                    if written > limit:
                        raise too_big
                    out.write(chunk)
    except requests.RequestException as exc:
        log.warning("slack file download failed", extra={"fields": {"error": type(exc).__name__}})
        raise SlackUnavailable("The file could not be downloaded from Slack; please send it again.") from None
    return path


def _file_info(client: WebClient, file_id: str) -> dict:
    """files.info of the shared file (needs the files:read scope)."""
    try:
        return client.files_info(file=file_id)["file"]
    except SlackApiError as exc:
        log.warning("slack api error", extra={"fields": {"error": exc.response.get("error")}})
        raise SlackUnavailable("Slack didn't hand over the file; please send it again.") from None


def _post(client: WebClient, channel: str, message: Message) -> str:
    return client.chat_postMessage(channel=channel, blocks=to_blocks(message), text=fallback_text(message))[
        "ts"
    ]


class _Progress:
    """One message in the DM, posted when the import starts and updated in place."""

    def __init__(self, client: WebClient, channel: str) -> None:
        self._client, self._channel = client, channel
        self._ts: str | None = None
        self._name = ""
        self._shown = 0

    def start(self, name: str) -> None:
        self._name = name
        self._ts = _post(self._client, self._channel, archive_progress_message(name, 0))

    def read(self, count: int) -> None:
        """Called after each batch; updates the message every PROGRESS_EVERY posts."""
        if count - self._shown >= PROGRESS_EVERY:
            self._shown = count
            self._show(archive_progress_message(self._name, count))

    def finish(self, message: Message) -> None:
        if self._ts is None:
            _post(self._client, self._channel, message)
        else:
            self._show(message)

    def _show(self, message: Message) -> None:
        """Update in place; a failed update is logged, and the import goes on."""
        blocks, fallback = to_blocks(message), fallback_text(message)
        try:
            self._client.chat_update(channel=self._channel, ts=self._ts, blocks=blocks, text=fallback)
        except SlackApiError as exc:
            log.warning("slack api error", extra={"fields": {"error": exc.response.get("error")}})
