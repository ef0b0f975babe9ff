"""Read posts from a CSV file in Plume's documented format, streaming.

Format: UTF-8 (a byte-order mark is fine), comma-separated, standard CSV quoting (a text containing a
comma, a double quote or a line break is wrapped in double quotes, with inner quotes doubled). The first
row is a header; column order is free, header names are matched case-insensitively, and columns not
listed here are ignored.

| column           | required | value                                                                    |
|------------------|----------|--------------------------------------------------------------------------|
| `id`             | yes      | the post's X id, digits                                                  |
| `created_at`     | yes      | ISO 8601 with an offset or `Z`, e.g. `2026-11-02T08:15:00Z`               |
| `text`           | yes      | the post's text (may be empty)                                           |
| `kind`           | no       | `original`, `reply`, `retweet` or `quote`; empty or absent: derived       |
| `lang`           | no       | language code such as `en` (at most 16 characters)                       |
| `likes`          | no       | whole number, default 0 (also `reposts`, `replies`, `quotes`)             |
| `in_reply_to_id` | no       | the X id of the post this one replies to                                 |

A derived kind is `retweet` if the text starts with `RT @`, else `reply` if `in_reply_to_id` is set,
else `original`. Timestamps are converted to UTC; one without an offset is an error, since its time
zone would be a guess.

The value helpers below (`BadValue`, `whole_number`, `derive_kind`, ...) are shared with `archive.py`.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

from bot.errors import ArchiveError
from bot.sources.records import PostKind, PostRecord

# The storage columns: posts.x_id is a signed 64-bit BIGINT, counts are 32-bit INTEGER, lang VARCHAR(16).
MAX_ID = 2**63 - 1
MAX_COUNT = 2**31 - 1
MAX_LANG = 16

REQUIRED_COLUMNS = ("id", "created_at", "text")
OPTIONAL_COLUMNS = ("kind", "lang", "likes", "reposts", "replies", "quotes", "in_reply_to_id")
_COUNT_COLUMNS = ("likes", "reposts", "replies", "quotes")
# A single physical line longer than this is not a CSV of posts; refusing it bounds memory.
_MAX_LINE_BYTES = 4 * 1024 * 1024
_DIGITS = re.compile(r"[0-9]+")
_KINDS = {kind.value: kind for kind in PostKind}


class BadValue(Exception):
    """One value is malformed; the caller adds the file and position to make an ArchiveError."""


@dataclass(frozen=True, slots=True)
class _Header:
    """Where each known column sits, and how many columns the header has."""

    columns: dict[str, int]
    width: int


def show(value: object) -> str:
    """Describe a value briefly for an error message, without recursing into containers."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "…")
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int | Decimal):
        text = str(value) if not isinstance(value, int) or value.bit_length() < 1000 else "a huge number"
        return text if len(text) <= 40 else text[:40] + "…"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def whole_number(field: str, value: object, limit: int) -> int:
    """Return a number given as ASCII digits (or a JSON integer) as an int between 0 and `limit`."""
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        digits = value.lstrip("0") or "0"
        # Checking the length first keeps int() away from absurdly long digit strings.
        number = int(digits) if len(digits) <= len(str(limit)) else limit + 1
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise BadValue(f"{field} {show(value)} is not a whole number")
    if not 0 <= number <= limit:
        raise BadValue(f"{field} {show(value)} is out of range (0 to {limit})")
    return number


def language(value: object) -> str | None:
    """Return a language code, None when absent, or raise BadValue if it cannot be one."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_LANG:
        raise BadValue(f"lang {show(value)} is not a language code of at most {MAX_LANG} characters")
    return value


def derive_kind(text: str, in_reply_to_id: int | None, *, quotes_a_post: bool = False) -> PostKind:
    """Classify a post as X's archive implies it: retweet, then reply, then quote, else original."""
    if text.startswith("RT @"):
        return PostKind.RETWEET
    if in_reply_to_id is not None:
        return PostKind.REPLY
    if quotes_a_post:
        return PostKind.QUOTE
    return PostKind.ORIGINAL


def progress_bar(enabled: bool, total: int | None, label: str) -> tqdm:
    """A byte-counting progress bar on stderr, or a silent one when not enabled."""
    return tqdm(
        total=total,
        desc=label,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=not enabled,
    )


def read_csv_posts(path: Path, *, progress: bool = False) -> Iterator[PostRecord]:
    """Yield one PostRecord per data row of a CSV file in the documented format."""
    label = path.name
    with _open_csv(path, label) as raw, progress_bar(progress, _size(raw), label) as bar:
        rows = csv.reader(_text_lines(raw, label, bar), strict=True)
        header = _header(_next_row(rows, label), label)
        line = rows.line_num + 1
        while (row := _next_row(rows, label)) is not None:
            if row:  # the csv module reports a blank line as an empty row
                yield _row_record(row, header, label, line)
            line = rows.line_num + 1


def _open_csv(path: Path, label: str) -> BinaryIO:
    """Open the CSV file for binary reading, or raise ArchiveError saying why not."""
    if not path.exists():
        raise ArchiveError(f"{path}: no such file")
    if path.is_dir():
        raise ArchiveError(f"{path}: is a folder, not a CSV file")
    try:
        return path.open("rb")
    except OSError as exc:
        raise ArchiveError(f"{label}: cannot be opened ({exc.strerror or exc})") from None


def _size(raw: BinaryIO) -> int | None:
    """The file's size in bytes for the progress bar, if the OS knows it."""
    try:
        return Path(raw.name).stat().st_size
    except (OSError, TypeError, AttributeError):
        return None


def _text_lines(raw: BinaryIO, label: str, bar: tqdm) -> Iterator[str]:
    """Decode the file line by line, keeping line endings as the csv module expects."""
    number = 0
    while line := raw.readline(_MAX_LINE_BYTES + 1):
        number += 1
        if len(line) > _MAX_LINE_BYTES:
            raise ArchiveError(f"{label}: line {number}: longer than 4 MiB; is this a CSV file of posts?")
        bar.update(len(line))
        try:
            # A line break byte never occurs inside a UTF-8 sequence, so lines decode independently.
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            where = f"{label}: line {number}: byte {exc.start + 1} of the line"
            raise ArchiveError(f"{where} is not UTF-8; save the file as UTF-8") from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def _next_row(rows: Iterator[list[str]], label: str) -> list[str] | None:
    """The next parsed row, None at the end, or ArchiveError for broken CSV quoting."""
    try:
        return next(rows, None)
    except csv.Error as exc:
        line = getattr(rows, "line_num", "?")
        raise ArchiveError(f"{label}: line {line}: not valid CSV ({exc}); check its quotes") from None


def _header(row: list[str] | None, label: str) -> _Header:
    """Locate the known columns in the header row, checking the required ones are present."""
    example = ",".join(REQUIRED_COLUMNS)
    if row is None:
        raise ArchiveError(f"{label}: the file is empty; the first line must be a header such as {example}")
    columns: dict[str, int] = {}
    for index, name in enumerate(cell.strip().lower() for cell in row):
        if name in REQUIRED_COLUMNS or name in OPTIONAL_COLUMNS:
            if name in columns:
                raise ArchiveError(f"{label}: line 1: column {name!r} appears twice in the header")
            columns[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        hint = "; values must be separated by ',' not ';'" if ";" in ",".join(row) else ""
        raise ArchiveError(
            f"{label}: line 1: missing required column(s) {', '.join(missing)}; "
            f"the header must name at least {example}{hint}"
        )
    return _Header(columns, len(row))


def _row_record(row: list[str], header: _Header, label: str, line: int) -> PostRecord:
    """Build a PostRecord from one data row, or raise ArchiveError naming the line and column."""
    if len(row) != header.width:
        raise ArchiveError(
            f"{label}: line {line}: {len(row)} values but the header has {header.width} columns; "
            "is a text containing a comma missing its double quotes?"
        )
    try:
        return _record(lambda name: row[header.columns[name]] if name in header.columns else "")
    except BadValue as exc:
        raise ArchiveError(f"{label}: line {line}: {exc}") from None


def _record(get: Callable[[str], str]) -> PostRecord:
    """Convert one row's raw strings to a PostRecord, raising BadValue for the first bad one."""
    x_id = _required_id(get("id").strip())
    created_at = _timestamp(get("created_at").strip())
    text = get("text")
    reply_to = get("in_reply_to_id").strip()
    in_reply_to_id = whole_number("in_reply_to_id", reply_to, MAX_ID) if reply_to else None
    counts = {name: _count(name, get(name).strip()) for name in _COUNT_COLUMNS}
    return PostRecord(
        x_id=x_id,
        created_at=created_at,
        kind=_kind(get("kind").strip(), text, in_reply_to_id),
        text=text,
        lang=language(get("lang").strip()),
        in_reply_to_id=in_reply_to_id,
        **counts,
    )


def _required_id(value: str) -> int:
    """The post id, which every row needs."""
    if not value:
        raise BadValue("id is empty; every row needs one")
    return whole_number("id", value, MAX_ID)


def _count(name: str, value: str) -> int:
    """An optional engagement count: empty means 0."""
    return whole_number(name, value, MAX_COUNT) if value else 0


def _timestamp(value: str) -> datetime:
    """Parse an ISO 8601 timestamp that carries an offset, and return it in UTC."""
    if not value:
        raise BadValue("created_at is empty; every row needs one")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadValue(
            f"created_at {show(value)} is not an ISO 8601 timestamp like 2026-11-02T08:15:00Z"
        ) from None
    if moment.utcoffset() is None:
        raise BadValue(f"created_at {show(value)} has no time zone; add Z for UTC or an offset like +01:00")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise BadValue(f"created_at {show(value)} is out of range") from None


def _kind(value: str, text: str, in_reply_to_id: int | None) -> PostKind:
    """The kind given in the row, or the one derived from the text and reply id when it is empty."""
    if not value:
        return derive_kind(text, in_reply_to_id)
    kind = _KINDS.get(value.lower())
    if kind is None:
        raise BadValue(f"kind {show(value)} is not one of {', '.join(_KINDS)}")
    return kind
