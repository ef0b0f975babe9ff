"""Importing posts from an X archive or CSV: all in one transaction, idempotent on the X id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from sqlalchemy.orm import Session

from bot.errors import ArchiveError
from bot.services.people.ambassadors import require_tracked_account
from bot.services.people.membership import me
from bot.sources.archive import read_archive
from bot.sources.archive_owner import archive_owner
from bot.storage import repositories as repo
from bot.storage.tables import XAccount

BATCH = 500
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import read and what it added."""

    handle: str
    read: int
    new: int

    @property
    def already_stored(self) -> int:
        """Posts that were already in storage (re-imports)."""
        return self.read - self.new


def import_archive(
    *,
    session: Session,
    workspace_id: int,
    handle: str,
    path: Path,
    progress: bool = False,
    on_progress: Progress | None = None,
) -> ImportResult:
    """Read an archive or CSV into storage. The caller's transaction rolls everything back on error."""
    account = require_tracked_account(session=session, workspace_id=workspace_id, handle=handle)
    return _store(session, account, path, progress=progress, on_progress=on_progress)


def import_for_person(
    *, session: Session, workspace_id: int, chat_user_id: str, path: Path, on_progress: Progress | None = None
) -> ImportResult:
    """A person's own archive .zip, sent in chat, into their own linked account; an archive of any
    other account is refused whole. The caller's transaction rolls everything back on error."""
    account = me(session=session, workspace_id=workspace_id, chat_user_id=chat_user_id).x_account
    if path.suffix.lower() != ".zip":
        raise ArchiveError(f"{path.name}: not a .zip; send the X archive .zip exactly as X made it")
    owner = archive_owner(path)
    same = (
        owner.x_user_id == account.x_user_id
        if account.x_user_id is not None
        else owner.username.lower() == account.handle_key
    )
    if not same:
        raise ArchiveError(
            f"{path.name} is the archive of another X account, not of @{account.handle} that you "
            "joined with: only your own archive can be imported, and nothing was stored."
        )
    return _store(session, account, path, on_progress=on_progress)


def _store(
    session: Session, account: XAccount, path: Path, *, progress: bool = False, on_progress: Progress | None
) -> ImportResult:
    """Upsert every post in batches, telling `on_progress` the count read after each batch."""
    records = iter(read_archive(path, progress=progress))
    source = "csv" if path.suffix.lower() == ".csv" else "archive"
    read = new = 0
    while batch := list(islice(records, BATCH)):
        read += len(batch)
        new += repo.upsert_posts(session=session, x_account_id=account.id, records=batch, source=source)
        if on_progress is not None:
            on_progress(read)
    return ImportResult(handle=account.handle, read=read, new=new)
