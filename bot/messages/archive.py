"""Replies to an X archive sent in chat: progress, what was imported, why it was refused."""

from __future__ import annotations

from bot.messages.model import Message
from bot.messages.replies import notice
from bot.messages.text import Text
from bot.services.ingest.imports import ImportResult

TITLE = "Your X archive"


def archive_progress_message(name: str, read: int) -> Message:
    """Shown while a large archive imports, updated in place."""
    so_far = f", {read:,} posts so far" if read else ""
    return notice(TITLE, f"Importing {name}{so_far}…")


def archive_imported_message(name: str, result: ImportResult) -> Message:
    """What the import added; it cost no X reads."""
    return notice(
        TITLE,
        f"Imported {result.read:,} posts for @{result.handle} from {name}: {result.new:,} new, "
        f"{result.already_stored:,} already stored. Reading your archive cost no X reads.",
    )


def archive_refused_message(reason: str | Text) -> Message:
    """Why the file was not imported; nothing of it was stored."""
    return notice(TITLE, reason, kind="error")
