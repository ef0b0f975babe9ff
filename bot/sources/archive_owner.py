"""Whose X archive this is: `data/account.js` names the account that downloaded it (every post in
`tweets.js` is that account's own, retweets included), so an import can be held to one account."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.errors import ArchiveError
from bot.sources.archive import _PREFIX, _open_member, _open_zip, _read_small, _zip_members


@dataclass(frozen=True, slots=True)
class ArchiveOwner:
    """The account an archive belongs to, as its account.js says."""

    x_user_id: int
    username: str


def archive_owner(path: Path) -> ArchiveOwner:
    """The owner of an archive .zip, read from the account.js next to its tweet files."""
    with _open_zip(path) as archive:
        folder = PurePosixPath(_zip_members(archive, path.name)[0].filename).parent
        name = "account.js" if str(folder) == "." else f"{folder}/account.js"
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise ArchiveError(
                f"{path.name}: no {name} inside, so it cannot say whose archive it is; "
                "send the zip exactly as X made it"
            ) from None
        label = f"{path.name}:{name}"
        with _open_member(archive, info, label) as raw:
            return _parse_owner(_read_small(raw, label), label)


def _parse_owner(data: bytes, label: str) -> ArchiveOwner:
    """`window.YTD.account.part0 = [{"account": {"accountId": "…", "username": "…"}}]`."""
    match = _PREFIX.match(data)
    if match is None or match["name"] != b"account":
        raise ArchiveError(f"{label}: byte 0: does not start with 'window.YTD.account.part0 = '")
    try:
        entries = json.loads(data[match.end() :])
        account = entries[0]["account"]
        return ArchiveOwner(int(account["accountId"]), str(account["username"]))
    except (ValueError, TypeError, KeyError, IndexError, UnicodeDecodeError):
        raise ArchiveError(f"{label}: no accountId and username in it; is this an X archive?") from None
