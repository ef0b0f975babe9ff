"""Importing posts from an X archive or CSV: all in one transaction, idempotent on the X id."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from sqlalchemy.orm import Session

from bot.services.people.ambassadors import require_tracked_account
from bot.sources.archive import read_archive
from bot.storage import repositories as repo

BATCH = 500


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
    *, session: Session, workspace_id: int, handle: str, path: Path, progress: bool = False
) -> ImportResult:
    """Read an archive or CSV into storage. The caller's transaction rolls everything back on error."""
    account = require_tracked_account(session=session, workspace_id=workspace_id, handle=handle)
    records = iter(read_archive(path, progress=progress))
    source = "csv" if path.suffix.lower() == ".csv" else "archive"
    read = new = 0
    while batch := list(islice(records, BATCH)):
        read += len(batch)
        new += repo.upsert_posts(session=session, x_account_id=account.id, records=batch, source=source)
    return ImportResult(handle=account.handle, read=read, new=new)
