"""Read posts from the official X data archive ("Download an archive of your data"), streaming.

Accepted: the archive .zip, its extracted folder, or one part file (`tweets.js`, `tweets-partN.js`, the
older `tweet.js`); a .csv goes to `csv_posts`. A part file is JavaScript, `window.YTD.tweets.part0 = [...]`:
the prefix is checked and stripped and the rest parsed as JSON, never executed.

Parsing uses ijson's flat `basic_parse` events and builds one entry at a time, instead of `ijson.items`:
`items` keeps a path string per nesting level, so a few hundred KB of `[[[[...` would need gigabytes.
Every malformed input raises ArchiveError naming the file and the entry and/or byte offset.
"""

from __future__ import annotations

import codecs
import functools
import json
import lzma
import re
import sys
import zipfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import ijson
from tqdm import tqdm

from bot.errors import ArchiveError
from bot.sources.csv_posts import (
    MAX_COUNT,
    MAX_ID,
    BadValue,
    derive_kind,
    language,
    progress_bar,
    read_csv_posts,
    show,
    whole_number,
)
from bot.sources.records import PostKind, PostRecord

_PREFIX = re.compile(rb"\s*window\.YTD\.(?P<name>\w+)\.part(?P<part>\d+)\s*=\s*")
_MANIFEST_PREFIX = re.compile(rb"\s*window\.__THAR_CONFIG\s*=\s*")
_TWEET_FILE = re.compile(r"tweets?(?:-part(?P<part>\d{1,6}))?\.js", re.ASCII)
_TWEET_NAMES = (b"tweets", b"tweet")
_CREATED_AT = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<month>[A-Z][a-z]{2}) (?P<day>\d{2}) "
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2}) "
    r"(?P<sign>[+-])(?P<oh>\d{2})(?P<om>\d{2}) (?P<year>\d{4})",
    re.ASCII,
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1
    )
}
_CREATED_AT_EXAMPLE = "Wed Oct 10 20:19:24 +0000 2018"
_STATUS_URL = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:i/web|\w{1,15})/status(?:es)?/\d+/?(?:[?#].*)?",
    re.ASCII | re.IGNORECASE | re.DOTALL,
)
_HEAD_BYTES = 4096
_BUF_SIZE = 16 * 1024
# Real entries nest about six levels and weigh a few KB; far beyond that is not a post, and
# refusing it keeps memory bounded whatever the file holds.
_MAX_DEPTH = 64
_MAX_ENTRY_BYTES = 4 * 1024 * 1024
_MAX_MANIFEST_BYTES = 16 * 1024 * 1024
_DIGITS_TO_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_JSON_ERRORS = (ijson.JSONError, UnicodeDecodeError, ValueError)
_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, lzma.LZMAError)


class _StreamError(Exception):
    """The byte stream itself is unusable; carries a reason for the person and the byte offset."""

    def __init__(self, reason: str, offset: int) -> None:
        """Keep the reason and offset apart so the caller can add the entry position."""
        super().__init__(reason, offset)
        self.reason = reason
        self.offset = offset


class _PartStream:
    """One part file's bytes for ijson: counts the offset, feeds the progress bar, enforces limits."""

    def __init__(self, raw: BinaryIO, head: bytes, offset: int, bar: tqdm) -> None:
        """Wrap `raw`, whose first bytes after the prefix (`head`) were already read, at `offset`."""
        self._raw = raw
        self._head = head
        self._bar = bar
        self._digit_run = 0
        self.offset = offset
        self.entry_start = offset
        self.entries_done = 0
        self.array_closed = False

    def read(self, size: int = -1) -> bytes:
        """Return the next chunk, raising _StreamError for unreadable or hostile data."""
        if self._head:
            data = self._head if size < 0 else self._head[:size]
            self._head = self._head[len(data) :]
        else:
            data = self._read_raw(size)
        self._check_digits(data)
        self.offset += len(data)
        self._bar.update(len(data))
        if self.offset - self.entry_start > _MAX_ENTRY_BYTES:
            raise _StreamError(
                f"an entry longer than {_MAX_ENTRY_BYTES // 2**20} MiB; this is not a post", self.entry_start
            )
        return data

    def position(self, offset: int | None = None) -> str:
        """Where parsing is: the entry being read (or after the last one) and the approximate byte."""
        near = self.offset if offset is None else offset
        if self.array_closed:
            return f"after entry {self.entries_done} (near byte {near})"
        return f"entry {self.entries_done + 1} (near byte {near})"

    def _read_raw(self, size: int) -> bytes:
        """Read from the file or zip member, turning I/O and decompression failures into _StreamError."""
        try:
            return self._raw.read(size)
        except _READ_ERRORS as exc:
            raise _StreamError(f"cannot be read ({exc}); download the archive again", self.offset) from None

    def _check_digits(self, data: bytes) -> None:
        """Refuse digit runs longer than Python converts to int: ijson's C backend crashes on them."""
        limit = sys.get_int_max_str_digits()
        if not limit:
            return
        # Every digit becomes b"0", so one C-speed find spots a long run (a regex is 10x slower here).
        zeros = data.translate(_DIGITS_TO_ZERO)
        lead = len(zeros) - len(zeros.lstrip(b"0"))
        reason = f"a number with more than {limit} digits; this is not a post"
        if self._digit_run + lead > limit:
            raise _StreamError(reason, self.offset - self._digit_run)
        found = zeros.find(_zero_run(limit + 1))
        if found >= 0:
            raise _StreamError(reason, self.offset + found)
        if lead == len(zeros):
            self._digit_run += lead
        else:
            self._digit_run = len(zeros) - len(zeros.rstrip(b"0"))


@functools.lru_cache(maxsize=4)
def _zero_run(length: int) -> bytes:
    """`length` zero characters, the needle for a too-long digit run."""
    return b"0" * length


def read_archive(path: Path, *, progress: bool = False) -> Iterator[PostRecord]:
    """Yield every post of an X archive (.zip, folder or part file), or of a posts .csv, in file order."""
    layout = _layout(path)
    if layout == "csv":
        yield from read_csv_posts(path, progress=progress)
    elif layout == "zip":
        yield from _read_zip(path, progress)
    elif layout == "dir":
        yield from _read_dir(path, progress)
    else:
        yield from _read_single(path, progress)


def archive_read_time(path: Path) -> datetime | None:
    """When the archive's counts were read: the manifest's generation date, else the file's mtime (UTC)."""
    layout = _layout(path)
    if layout == "csv":
        return None
    if layout == "zip":
        with _open_zip(path) as archive:
            return _zip_read_time(archive, path, _zip_members(archive, path.name))
    if layout == "dir":
        return _dir_read_time(path, _dir_files(path))
    return _mtime(path)


def _layout(path: Path) -> str:
    """Say what `path` is: "zip", "dir", "js" or "csv"; raise ArchiveError for anything else."""
    if not path.exists():
        raise ArchiveError(f"{path}: no such file or folder")
    if path.is_dir():
        return "dir"
    suffix = path.suffix.lower()
    if suffix in (".zip", ".js", ".csv"):
        return suffix[1:]
    raise ArchiveError(
        f"{path.name}: unsupported file type {suffix or '(no extension)'}; expected the X archive .zip, "
        "its extracted folder, a tweets.js file or a .csv file"
    )


def _read_single(path: Path, progress: bool) -> Iterator[PostRecord]:
    """Yield the posts of one part file given directly."""
    read_at = _mtime(path)
    with _open_file(path, path.name) as raw:
        yield from _read_part(raw, path.name, path.stat().st_size, read_at, progress)


def _read_dir(path: Path, progress: bool) -> Iterator[PostRecord]:
    """Yield the posts of every part file in an extracted archive folder, in part order."""
    files = _dir_files(path)
    read_at = _dir_read_time(path, files)
    for file in files:
        label = _dir_label(path, file)
        with _open_file(file, label) as raw:
            yield from _read_part(raw, label, file.stat().st_size, read_at, progress)


def _read_zip(path: Path, progress: bool) -> Iterator[PostRecord]:
    """Yield the posts of every part file in an archive zip, in part order, without extracting it."""
    with _open_zip(path) as archive:
        members = _zip_members(archive, path.name)
        read_at = _zip_read_time(archive, path, members)
        for info in members:
            label = f"{path.name}:{info.filename}"
            with _open_member(archive, info, label) as raw:
                yield from _read_part(raw, label, info.file_size, read_at, progress)


def _part_key(name: str) -> tuple[int, str]:
    """Sort key putting tweets.js (part 0) before tweets-part1.js, ..., tweets-part10.js."""
    match = _TWEET_FILE.fullmatch(name)
    return (int(match["part"] or 0) if match else 0, name)


def _data_dir(path: Path) -> Path:
    """The folder holding the part files: `data/` of an archive folder, or the folder itself."""
    data = path / "data"
    return data if data.is_dir() else path


def _dir_files(path: Path) -> list[Path]:
    """The tweet part files of an extracted archive folder, in part order."""
    data = _data_dir(path)
    files = [file for file in data.iterdir() if _TWEET_FILE.fullmatch(file.name) and file.is_file()]
    if not files:
        raise ArchiveError(
            f"{path}: no data/tweets.js (nor tweets-partN.js, tweet.js); is this an X archive folder?"
        )
    return sorted(files, key=lambda file: _part_key(file.name))


def _dir_label(root: Path, file: Path) -> str:
    """Name a file inside an archive folder as the person sees it, e.g. `my-archive/data/tweets.js`."""
    return f"{root.resolve().name}/{file.relative_to(root).as_posix()}"


def _dir_read_time(path: Path, files: list[Path]) -> datetime | None:
    """The folder's manifest generation date, else the first part file's mtime."""
    manifest = _data_dir(path) / "manifest.js"
    if manifest.is_file():
        label = _dir_label(path, manifest)
        with _open_file(manifest, label) as raw:
            moment = _manifest_time(_read_small(raw, label), label)
        if moment is not None:
            return moment
    return _mtime(files[0])


def _open_file(path: Path, label: str) -> BinaryIO:
    """Open a file for binary reading, or raise ArchiveError saying why not."""
    try:
        return path.open("rb")
    except OSError as exc:
        raise ArchiveError(f"{label}: cannot be opened ({exc.strerror or exc})") from None


def _mtime(path: Path) -> datetime:
    """The file's modification time as an aware UTC datetime."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _open_zip(path: Path) -> zipfile.ZipFile:
    """Open the archive zip, or raise ArchiveError if it is not a readable zip."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ArchiveError(f"{path.name}: not a readable zip file ({exc}); download it again") from None


def _is_tweet_member(name: str) -> bool:
    """True for a tweet part file at the zip's root or in a `data/` folder."""
    member = PurePosixPath(name)
    return bool(_TWEET_FILE.fullmatch(member.name)) and member.parent.name in ("data", "")


def _zip_members(archive: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The tweet part files inside the zip, in part order; they must all sit in one folder."""
    found = [info for info in archive.infolist() if not info.is_dir() and _is_tweet_member(info.filename)]
    if not found:
        raise ArchiveError(
            f"{name}: no data/tweets.js (nor tweets-partN.js, tweet.js) inside; "
            "is this the zip of an X archive?"
        )
    folders = sorted({str(PurePosixPath(info.filename).parent) for info in found})
    if len(folders) > 1:
        raise ArchiveError(
            f"{name}: tweet files in several folders ({', '.join(folders)}); zip one archive at a time"
        )
    return sorted(found, key=lambda info: _part_key(PurePosixPath(info.filename).name))


def _open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> BinaryIO:
    """Open one member of the zip, or raise ArchiveError (e.g. encrypted, unknown compression)."""
    try:
        return archive.open(info)
    except (RuntimeError, NotImplementedError, *_READ_ERRORS) as exc:
        raise ArchiveError(f"{label}: cannot be read from the zip ({exc})") from None


def _zip_read_time(archive: zipfile.ZipFile, path: Path, members: list[zipfile.ZipInfo]) -> datetime | None:
    """The manifest's generation date next to the part files, else the zip file's mtime."""
    folder = PurePosixPath(members[0].filename).parent
    name = "manifest.js" if str(folder) == "." else f"{folder}/manifest.js"
    try:
        info = archive.getinfo(name)
    except KeyError:
        return _mtime(path)
    label = f"{path.name}:{name}"
    with _open_member(archive, info, label) as raw:
        moment = _manifest_time(_read_small(raw, label), label)
    return moment if moment is not None else _mtime(path)


def _read_small(raw: BinaryIO, label: str) -> bytes:
    """Read a small metadata file whole, refusing one that is implausibly large."""
    try:
        data = raw.read(_MAX_MANIFEST_BYTES + 1)
    except _READ_ERRORS as exc:
        raise ArchiveError(f"{label}: cannot be read ({exc})") from None
    if len(data) > _MAX_MANIFEST_BYTES:
        limit = _MAX_MANIFEST_BYTES // 2**20
        raise ArchiveError(f"{label}: larger than {limit} MiB, so not an X archive manifest")
    return data


def _manifest_time(data: bytes, label: str) -> datetime | None:
    """archiveInfo.generationDate from manifest.js contents, in UTC, or None if it is not there."""
    data = data.removeprefix(codecs.BOM_UTF8)
    match = _MANIFEST_PREFIX.match(data)
    if match is None:
        raise ArchiveError(f"{label}: byte 0: does not start with 'window.__THAR_CONFIG = '")
    try:
        config = json.loads(data[match.end() :])
    except (ValueError, RecursionError) as exc:
        raise ArchiveError(f"{label}: not valid JSON after the prefix ({exc})") from None
    info = config.get("archiveInfo") if isinstance(config, dict) else None
    value = info.get("generationDate") if isinstance(info, dict) else None
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        raise ArchiveError(
            f"{label}: archiveInfo.generationDate {show(value)} is not an ISO 8601 timestamp"
        ) from None


def _read_part(
    raw: BinaryIO, label: str, size: int, read_at: datetime | None, progress: bool
) -> Iterator[PostRecord]:
    """Yield the posts of one part file, turning every data problem into an ArchiveError."""
    with progress_bar(progress, size, label) as bar:
        stream = _open_stream(raw, label, bar)
        for entry in _entries(stream, label):
            try:
                record = _tweet_record(entry, read_at)
            except BadValue as exc:
                where = f"entry {stream.entries_done} ({_id_hint(entry)}near byte {stream.offset})"
                raise ArchiveError(f"{label}: {where}: {exc}") from None
            yield record


def _open_stream(raw: BinaryIO, label: str, bar: tqdm) -> _PartStream:
    """Check and consume the `window.YTD.tweets.partN =` prefix; return a stream of the JSON after it."""
    try:
        head = raw.read(_HEAD_BYTES)
    except _READ_ERRORS as exc:
        raise ArchiveError(f"{label}: cannot be read ({exc}); download the archive again") from None
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    match = _PREFIX.match(head, start)
    if match is None:
        found = "the file is empty" if not head[start:].strip() else "no 'window.YTD.tweets.part0 =' prefix"
        raise ArchiveError(f"{label}: byte {start}: {found}; expected tweets.js from an X archive")
    if match["name"] not in _TWEET_NAMES:
        prefix = f"window.YTD.{match['name'].decode()}.part{match['part'].decode()}"
        raise ArchiveError(
            f"{label}: byte {start}: starts with '{prefix} =', which is not the posts file; "
            "expected 'window.YTD.tweets.part0 =' as in data/tweets.js"
        )
    bar.update(match.end())
    return _PartStream(raw, head[match.end() :], match.end(), bar)


def _entries(stream: _PartStream, label: str) -> Iterator[object]:
    """Yield each element of the part file's top-level JSON array, as plain Python values."""
    try:
        yield from _elements(ijson.basic_parse(stream, buf_size=_BUF_SIZE), stream)
    except _StreamError as exc:
        raise ArchiveError(f"{label}: {stream.position(exc.offset)}: {exc.reason}") from None
    except _JSON_ERRORS as exc:
        raise ArchiveError(f"{label}: {stream.position()}: {_json_problem(exc)}") from None


def _elements(events: Iterator[tuple[str, object]], stream: _PartStream) -> Iterator[object]:
    """Assemble each array element from ijson's flat events, refusing absurd nesting."""
    first = next(events, None)
    if first is None or first[0] != "start_array":
        raise _StreamError("the prefix must be followed by a JSON list '[ ... ]'", stream.entry_start)
    # Built inline rather than with ijson.ObjectBuilder, which is twice as slow: this runs per token.
    stack: list[dict | list] = []
    key = None
    for event, value in events:
        if event == "map_key":
            key = value
            continue
        if event == "end_map" or event == "end_array":
            if not stack:  # the top-level list itself closed
                _drain(events, stream)
                return
            value = stack.pop()
        else:
            opens = event == "start_map" or event == "start_array"
            if opens:
                value = {} if event == "start_map" else []
            if stack:
                parent = stack[-1]
                if type(parent) is dict:
                    parent[key] = value
                else:
                    parent.append(value)
            if opens:
                if len(stack) == _MAX_DEPTH:
                    reason = f"nested more than {_MAX_DEPTH} levels deep; this is not a post"
                    raise _StreamError(reason, stream.offset)
                stack.append(value)
                continue
        if not stack:
            stream.entries_done += 1
            stream.entry_start = stream.offset
            yield value


def _drain(events: Iterator[tuple[str, object]], stream: _PartStream) -> None:
    """Mark the list closed and read on to the end, where ijson rejects anything but whitespace."""
    stream.array_closed = True
    for _ in events:
        pass


def _json_problem(exc: Exception) -> str:
    """Explain an ijson error briefly, keeping yajl's excerpt of the text around it when there is one."""
    detail = exc.args[0] if exc.args else exc
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    lines = [line.strip() for line in str(detail).splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    # Phrases of the C (yajl) backend and of ijson's pure-Python fallback.
    if any(phrase in first for phrase in ("premature EOF", "Incomplete JSON", "Incomplete string")):
        return "the file ends in the middle of the list of posts; was it cut short? Download it again"
    if "trailing garbage" in first or "Additional data" in first:
        return "unexpected text after the closing ']' of the list of posts"
    problem = f"not valid JSON ({first.rstrip('.')})"
    if len(lines) > 2 and lines[2].startswith("(right here)"):
        problem += f" around {lines[1]!r}"
    return problem


def _id_hint(entry: object) -> str:
    """'id 123, ' when the entry has a usable id, to help find it in the file; else ''."""
    tweet = entry.get("tweet", entry) if isinstance(entry, dict) else None
    x_id = (tweet.get("id_str") or tweet.get("id")) if isinstance(tweet, dict) else None
    if isinstance(x_id, str) and x_id.isascii() and x_id.isdigit() and len(x_id) <= 20:
        return f"id {x_id}, "
    if isinstance(x_id, int) and not isinstance(x_id, bool) and 0 <= x_id <= MAX_ID:
        return f"id {x_id}, "
    return ""


def _tweet_record(entry: object, read_at: datetime | None) -> PostRecord:
    """Map one archive entry to a PostRecord, raising BadValue for a missing or malformed field."""
    tweet = _tweet_object(entry)
    x_id = _first_id(tweet, "id_str", "id")
    if x_id is None:
        raise BadValue("has no id_str or id")
    created_at = _created_at(tweet.get("created_at"))
    text = _text(tweet)
    in_reply_to_id = _first_id(tweet, "in_reply_to_status_id_str", "in_reply_to_status_id")
    kind = derive_kind(text, in_reply_to_id, quotes_a_post=_quotes_a_post(tweet))
    # A retweet's counts in the archive belong to the original author's post, not to this account.
    counted = kind is not PostKind.RETWEET
    return PostRecord(
        x_id=x_id,
        created_at=created_at,
        kind=kind,
        text=text,
        lang=language(tweet.get("lang")),
        likes=_count(tweet, "favorite_count") if counted else 0,
        reposts=_count(tweet, "retweet_count") if counted else 0,
        in_reply_to_id=in_reply_to_id,
        metrics_read_at=read_at,
    )


def _tweet_object(entry: object) -> dict[str, object]:
    """The tweet inside an entry: `{"tweet": {...}}`, or the entry itself in very old archives."""
    if not isinstance(entry, dict):
        raise BadValue(f'expected an object like {{"tweet": {{...}}}}, found {show(entry)}')
    tweet = entry.get("tweet", entry)
    if not isinstance(tweet, dict):
        raise BadValue(f'"tweet" is {show(tweet)}, not an object')
    return tweet


def _first_id(tweet: dict[str, object], *keys: str) -> int | None:
    """The first of `keys` that is set, as an X id; None when none is."""
    for key in keys:
        value = tweet.get(key)
        if value is not None and value != "":
            return whole_number(key, value, MAX_ID)
    return None


def _created_at(value: object) -> datetime:
    """Parse the archive's `Wed Oct 10 20:19:24 +0000 2018` timestamp into UTC."""
    if value is None:
        raise BadValue("has no created_at")
    # Matched by hand rather than strptime, whose %a and %b follow the process locale.
    match = _CREATED_AT.fullmatch(value) if isinstance(value, str) else None
    month = _MONTHS.get(match["month"]) if match else None
    if match is None or month is None:
        raise BadValue(f"created_at {show(value)} is not like '{_CREATED_AT_EXAMPLE}'")
    offset = timedelta(hours=int(match["oh"]), minutes=int(match["om"]))
    try:
        zone = timezone(-offset if match["sign"] == "-" else offset)
        local = datetime(
            int(match["year"]),
            month,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"]),
            tzinfo=zone,
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadValue(f"created_at {show(value)} is not a real date and time") from None


def _text(tweet: dict[str, object]) -> str:
    """The post's text: `full_text`, or `text` in entries that predate it."""
    for key in ("full_text", "text"):
        value = tweet.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise BadValue(f"{key} {show(value)} is not a string")
            return value
    raise BadValue("has no full_text or text")


def _count(tweet: dict[str, object], key: str) -> int:
    """An engagement count, which the archive writes as a string of digits; absent means 0."""
    value = tweet.get(key)
    return 0 if value is None else whole_number(key, value, MAX_COUNT)


def _quotes_a_post(tweet: dict[str, object]) -> bool:
    """True if the tweet quotes another post: a quoted status id, or a link to a status."""
    if tweet.get("quoted_status_id_str") or tweet.get("quoted_status_id"):
        return True
    entities = tweet.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    if not isinstance(urls, list):
        return False
    return any(
        isinstance(url, dict)
        and isinstance(url.get("expanded_url"), str)
        and _STATUS_URL.fullmatch(url["expanded_url"]) is not None
        for url in urls
    )
