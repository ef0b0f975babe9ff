"""An X archive .zip sent to Plume in the Teams 1:1: the core's flow for a sent archive
(bot.services.ingest.sent_archive), with the file fetched from Teams' pre-authorised download URL
(never with the bot's token) and progress in one 1:1 message updated in place."""

from __future__ import annotations

from pathlib import Path

from bot.messages.model import Message
from bot.services.ingest.sent_archive import fetch, import_sent_archive
from handlers.teams.context import TeamsDeps
from handlers.teams.turns import SentFile, Turn


class _OneToOne:
    """The person's 1:1 (bot.services.ingest.sent_archive.ArchiveChat)."""

    def __init__(self, deps: TeamsDeps, workspace: int, conversation: str) -> None:
        self.deps, self.workspace, self.conversation = deps, workspace, conversation

    def show(self, message: Message) -> str:
        return self.deps.notifier.post(
            workspace_id=self.workspace, channel=self.conversation, message=message, key=""
        )

    def update(self, ref: str, message: Message) -> None:
        where = {"workspace_id": self.workspace, "channel": self.conversation}
        self.deps.notifier.update(**where, ref=ref, message=message)


def import_sent_file(deps: TeamsDeps, workspace: int, turn: Turn, file: SentFile) -> None:
    """Import the archive the person sent, for their own account; every outcome is said in the 1:1."""
    limit = deps.settings.PLUME_MAX_ARCHIVE_BYTES

    def download(path: Path) -> Path:
        return fetch(file.url, path, limit)

    chat = _OneToOne(deps, workspace, turn.conversation_id)
    import_sent_archive(deps.runtime.sessions, (workspace, turn.user_id), file.name, download, chat)
