"""An X archive .zip a person sends Plume in chat, on any platform: check they joined, fetch the file
to a temporary folder (streamed, refused past PLUME_MAX_ARCHIVE_BYTES), import it for their own
account in one transaction (bot.services.ingest.imports), and say what happens in one chat message
updated in place: every PROGRESS_EVERY posts, then the outcome.

A platform gives how to fetch its file and how to show a message and update it (`ArchiveChat`).
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import requests
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import ArchiveError, PlumeError
from bot.messages.archive import archive_imported_message, archive_progress_message, archive_refused_message
from bot.messages.model import Message
from bot.services.ingest.imports import import_for_person
from bot.services.people.membership import me
from bot.storage.db import transaction

log = logging.getLogger(__name__)
PROGRESS_EVERY = 5_000  # posts between two progress updates: a few per minute, never one per post
CHUNK = 1_048_576
TIMEOUT = (10, 60)  # connect, then seconds between two chunks
FAILED = "Something went wrong while importing your archive, and nothing was stored; please try again later."
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FileUnavailable(PlumeError):
    """The chat platform did not hand the file over; the person is asked to send it again."""


class ArchiveChat(Protocol):
    """Where the person hears about their archive: a message, then updates of it."""

    def show(self, message: Message) -> str: ...

    def update(self, ref: str, message: Message) -> None: ...


def safe_name(name: str) -> str:
    """The file's own name, reduced to harmless characters (it names the temp file and the errors)."""
    cleaned = _UNSAFE.sub("_", Path(name).name).strip("._")[:100]
    return cleaned or "archive.zip"


def too_big(name: str, limit: int) -> ArchiveError:
    most = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 1024} KB"
    return ArchiveError(f"{name}: larger than {most}, the most Plume accepts")


def fetch(url: str, path: Path, limit: int, headers: Mapping[str, str] | None = None) -> Path:
    """Stream `url` to `path`, refusing past `limit` bytes; FileUnavailable when it cannot be had."""
    try:
        with requests.get(url, headers=dict(headers or {}), stream=True, timeout=TIMEOUT) as got:
            if got.status_code != 200 or got.headers.get("content-type", "").startswith("text/html"):
                log.warning("archive download refused", extra={"fields": {"status": got.status_code}})
                raise FileUnavailable("The file could not be had from chat; please send it again.")
            written = 0
            with path.open("wb") as out:
                for chunk in got.iter_content(CHUNK):
                    written += len(chunk)
                    if written > limit:
                        raise too_big(path.name, limit)
                    out.write(chunk)
    except requests.RequestException as exc:
        log.warning("archive download failed", extra={"fields": {"error": type(exc).__name__}})
        raise FileUnavailable("The file could not be downloaded; please send it again.") from None
    return path


class _Progress:
    """One message in the chat, shown when the import starts and updated in place."""

    def __init__(self, chat: ArchiveChat) -> None:
        self._chat, self._ref, self._name, self._shown = chat, None, "", 0

    def start(self, name: str) -> None:
        self._name = name
        self._ref = self._chat.show(archive_progress_message(name, 0))

    def read(self, count: int) -> None:
        """Called after each batch; updates the message every PROGRESS_EVERY posts."""
        if count - self._shown >= PROGRESS_EVERY:
            self._shown = count
            self._update(archive_progress_message(self._name, count))

    def finish(self, message: Message) -> None:
        if self._ref is None:
            self._chat.show(message)
        else:
            self._update(message)

    def _update(self, message: Message) -> None:
        """A failed update is logged, and the import goes on."""
        try:
            self._chat.update(self._ref, message)
        except Exception as exc:
            log.warning("archive progress not shown", extra={"fields": {"error": type(exc).__name__}})


def import_sent_archive(
    sessions: sessionmaker[Session],
    who: tuple[int, str],
    name: str,
    download: Callable[[Path], Path],
    chat: ArchiveChat,
) -> None:
    """Import the archive a person (workspace id, user id) sent as `name`; `download(path)` writes it
    there. Every outcome is said in `chat`; nothing is stored unless all of it imports."""
    workspace_id, user_id = who
    try:
        with transaction(sessions) as session:
            me(session=session, workspace_id=workspace_id, chat_user_id=user_id)  # joined? else told how
    except PlumeError as exc:
        chat.show(archive_refused_message(exc.text))
        return
    shown, name = _Progress(chat), safe_name(name)
    try:
        shown.start(name)
        with tempfile.TemporaryDirectory(prefix="plume-archive-") as folder:
            path = download(Path(folder) / name)
            with transaction(sessions) as session:
                result = import_for_person(
                    session=session,
                    workspace_id=workspace_id,
                    chat_user_id=user_id,
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
