"""Reading the X data archive: fixtures, zips, folders, malformed input and property-based round trips."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import ijson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import ArchiveError
from bot.sources.archive import archive_read_time, read_archive
from bot.sources.csv_posts import read_csv_posts
from bot.sources.records import PostKind, PostRecord

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "archive"
# A fixed file time makes metrics_read_at of single files exact.
MTIME = 1_717_000_000
MTIME_UTC = datetime.fromtimestamp(MTIME, UTC)
GENERATED = datetime(2024, 6, 2, 10, 20, 30, 456000, tzinfo=UTC)
MANIFEST = """window.__THAR_CONFIG = {
  "userInfo" : {"accountId" : "4242", "userName" : "dana_builds", "displayName" : "Dana"},
  "archiveInfo" : {
    "sizeBytes" : "123456",
    "generationDate" : "2024-06-02T10:20:30.456Z",
    "isPartialArchive" : false,
    "maxPartSizeBytes" : "53687091200"
  },
  "readOnly" : false
}"""
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def copy_fixture(tmp_path: Path, name: str) -> Path:
    """Copy a fixture into tmp_path with a known mtime."""
    target = tmp_path / Path(name).name
    shutil.copyfile(FIXTURES / name, target)
    os.utime(target, (MTIME, MTIME))
    return target


def write_part(path: Path, body: str | bytes, mtime: int = MTIME) -> Path:
    """Write a part file (text or raw bytes) with a known mtime."""
    path.write_bytes(body.encode("utf-8") if isinstance(body, str) else body)
    os.utime(path, (mtime, mtime))
    return path


def entry(x_id: int, text: str = "hello", created: str = "Mon May 13 09:00:00 +0000 2024", **fields) -> dict:
    """A minimal archive entry in the current `{"tweet": {...}}` shape."""
    tweet = {
        "id_str": str(x_id),
        "created_at": created,
        "full_text": text,
        "favorite_count": "1",
        "retweet_count": "0",
        "lang": "en",
    }
    return {"tweet": {**tweet, **fields}}


def part(entries: list, number: int = 0, name: str = "tweets") -> str:
    """A part file's text, pretty-printed like X writes it."""
    return f"window.YTD.{name}.part{number} = " + json.dumps(entries, indent=2, ensure_ascii=False)


def build_zip(path: Path, members: dict[str, str | bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write a zip with the given members, in the given order."""
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def archive_error(path: Path) -> str:
    """Read `path` to the end and return the ArchiveError message it must raise."""
    with pytest.raises(ArchiveError) as caught:
        list(read_archive(path))
    return str(caught.value)


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


# --- the realistic fixtures -----------------------------------------------------------------------


def test_tweets_js_maps_every_kind_and_field(tmp_path):
    records = list(read_archive(copy_fixture(tmp_path, "tweets.js")))

    assert records == [
        PostRecord(
            x_id=1790012345678901234,
            created_at=utc(2024, 5, 13, 9, 12, 45),
            kind=PostKind.ORIGINAL,
            text="Proud of the team: Plume 2.0 ships today with weekly recaps for every ambassador. "
            "#plume https://t.co/AbCdEf1234",
            lang="en",
            likes=42,
            reposts=7,
            metrics_read_at=MTIME_UTC,
        ),
        PostRecord(
            x_id=1790023456789012345,
            created_at=utc(2024, 5, 13, 14, 3, 10),
            kind=PostKind.REPLY,
            text="@dana_builds Thanks Dana! The recap lands every Friday at 4pm your time.",
            lang="en",
            likes=3,
            reposts=0,
            in_reply_to_id=1790020000000000001,
            metrics_read_at=MTIME_UTC,
        ),
        PostRecord(
            x_id=1790034567890123456,
            created_at=utc(2024, 5, 14, 8, 0, 0),
            kind=PostKind.RETWEET,
            text="RT @plumeapp: We just shipped threaded recaps 🎉 https://t.co/XyZ9876543",
            lang="en",
            likes=0,
            reposts=0,
            metrics_read_at=MTIME_UTC,
        ),
        PostRecord(
            x_id=1790045678901234567,
            created_at=utc(2024, 5, 14, 17, 45, 30),
            kind=PostKind.QUOTE,
            text="This is exactly why we built quiet hours. https://t.co/QuOtE12345",
            lang="en",
            likes=11,
            reposts=2,
            metrics_read_at=MTIME_UTC,
        ),
        PostRecord(
            x_id=1790056789012345678,
            created_at=utc(2024, 5, 15, 3, 30, 0),
            kind=PostKind.ORIGINAL,
            text="新しいダッシュボードを公開しました。ぜひ試してください！",
            lang="ja",
            likes=5,
            reposts=1,
            metrics_read_at=MTIME_UTC,
        ),
        PostRecord(
            x_id=1796678901234567890,
            created_at=utc(2024, 5, 31, 23, 59, 59),
            kind=PostKind.ORIGINAL,
            text='Last post of May: thank you, ambassadors!\n"Quality over quantity" 💙',
            lang="en",
            likes=1000,
            reposts=250,
            metrics_read_at=MTIME_UTC,
        ),
    ]


def test_datetimes_are_aware_utc_and_stay_on_their_utc_day(tmp_path):
    records = list(read_archive(copy_fixture(tmp_path, "tweets.js")))

    assert all(record.created_at.utcoffset() == timedelta(0) for record in records)
    assert records[-1].created_at.date().isoformat() == "2024-05-31"


def test_older_tweet_js_without_wrapper_and_with_fallback_fields(tmp_path):
    records = list(read_archive(copy_fixture(tmp_path, "tweet.js")))

    assert records == [
        PostRecord(
            x_id=1050118621198921728,
            created_at=utc(2018, 10, 10, 20, 19, 24),
            kind=PostKind.ORIGINAL,
            text="Trying out the new archive format, one post at a time.",
            lang="en",
            likes=9,
            reposts=2,
            metrics_read_at=MTIME_UTC,
        ),
        PostRecord(
            x_id=1050200000000000001,
            created_at=utc(2018, 10, 11, 1, 2, 3),
            kind=PostKind.REPLY,
            text="@myself and a reply to it, from before full_text existed",
            lang="en",
            likes=1,
            reposts=0,
            in_reply_to_id=1050118621198921728,
            metrics_read_at=MTIME_UTC,
        ),
    ]


def test_utf8_bom_is_skipped(tmp_path):
    path = write_part(tmp_path / "tweets.js", b"\xef\xbb\xbf" + part([entry(7)]).encode())

    assert [record.x_id for record in read_archive(path)] == [7]


def test_empty_list_yields_nothing(tmp_path):
    assert list(read_archive(write_part(tmp_path / "tweets.js", "window.YTD.tweets.part0 = [ ]"))) == []


# --- kinds, counts and dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://twitter.com/plumeapp/status/1790040000000000002",
        "https://x.com/plumeapp/status/1790040000000000002?s=20&t=abc",
        "http://mobile.twitter.com/plume_app/status/1790040000000000002/",
        "https://www.x.com/i/web/status/1790040000000000002",
        "https://twitter.com/plumeapp/statuses/1790040000000000002",
    ],
)
def test_link_to_a_status_makes_a_quote(tmp_path, url):
    path = write_part(tmp_path / "tweets.js", part([entry(1, entities={"urls": [{"expanded_url": url}]})]))

    assert [record.kind for record in read_archive(path)] == [PostKind.QUOTE]


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/plumeapp",
        "https://twitter.com/plumeapp/status/not-a-number",
        "https://example.com/plumeapp/status/1790040000000000002",
        "https://x.com.evil.example/plumeapp/status/1790040000000000002",
    ],
)
def test_other_links_leave_an_original(tmp_path, url):
    path = write_part(tmp_path / "tweets.js", part([entry(1, entities={"urls": [{"expanded_url": url}]})]))

    assert [record.kind for record in read_archive(path)] == [PostKind.ORIGINAL]


def test_kind_precedence_and_retweet_counts(tmp_path):
    status_link = {"urls": [{"expanded_url": "https://x.com/a/status/5"}]}
    entries = [
        entry(1, quoted_status_id_str="99"),
        entry(2, in_reply_to_status_id_str="42", entities=status_link),
        entry(
            3, text="RT @someone: hi", in_reply_to_status_id_str="", favorite_count="80", retweet_count="9"
        ),
        entry(4, in_reply_to_status_id_str=None, in_reply_to_status_id="43"),
        entry(5, text="rt @lowercase is not a retweet", favorite_count="6"),
    ]
    records = list(read_archive(write_part(tmp_path / "tweets.js", part(entries))))

    assert [(r.kind, r.in_reply_to_id, r.likes, r.reposts) for r in records] == [
        (PostKind.QUOTE, None, 1, 0),
        (PostKind.REPLY, 42, 1, 0),
        (PostKind.RETWEET, None, 0, 0),
        (PostKind.REPLY, 43, 1, 0),
        (PostKind.ORIGINAL, None, 6, 0),
    ]
    assert all((r.replies, r.quotes) == (0, 0) for r in records)


def test_counts_may_be_json_numbers_or_absent(tmp_path):
    tweet = {"id": 12, "created_at": "Mon May 13 09:00:00 +0000 2024", "full_text": "x", "favorite_count": 5}
    record = next(read_archive(write_part(tmp_path / "tweets.js", part([{"tweet": tweet}]))))

    assert (record.x_id, record.likes, record.reposts, record.lang) == (12, 5, 0, None)


@pytest.mark.parametrize(
    ("created_at", "expected"),
    [
        ("Mon Jan 01 01:30:00 +0200 2024", utc(2023, 12, 31, 23, 30, 0)),
        ("Sun Dec 31 22:15:00 -0500 2023", utc(2024, 1, 1, 3, 15, 0)),
        ("Thu Feb 29 23:59:59 +0000 2024", utc(2024, 2, 29, 23, 59, 59)),
        ("Sat Mar 30 12:00:00 +0530 2024", utc(2024, 3, 30, 6, 30, 0)),
    ],
)
def test_created_at_offsets_are_converted_to_utc(tmp_path, created_at, expected):
    path = write_part(tmp_path / "tweets.js", part([entry(1, created=created_at)]))

    assert next(read_archive(path)).created_at == expected


# --- zips and folders -----------------------------------------------------------------------------


def split_archive_members() -> dict[str, str]:
    """A split archive, members deliberately out of order, with files that must be ignored."""
    return {
        "data/tweets-part10.js": part([entry(5)], 10),
        "data/tweets-part1.js": part([entry(3, created="Tue May 14 00:00:01 +0000 2024")], 1),
        "data/manifest.js": MANIFEST,
        "data/like.js": "window.YTD.like.part0 = [ ]",
        "data/tweet-headers.js": "window.YTD.tweet_headers.part0 = [ ]",
        "data/deleted-tweets.js": "window.YTD.deleted_tweets.part0 = [ ]",
        "data/tweets_media/1790000000000000001-abc.jpg": "not really a jpeg",
        "data/tweets.js": part([entry(1), entry(2, in_reply_to_status_id_str="1")]),
        "data/tweets-part2.js": part([entry(4, text="RT @plumeapp: yes", favorite_count="3")], 2),
    }


def test_split_zip_yields_all_parts_in_order_with_manifest_time(tmp_path):
    path = build_zip(tmp_path / "twitter-2024-06-02.zip", split_archive_members())

    records = list(read_archive(path))

    assert [(r.x_id, r.kind) for r in records] == [
        (1, PostKind.ORIGINAL),
        (2, PostKind.REPLY),
        (3, PostKind.ORIGINAL),
        (4, PostKind.RETWEET),
        (5, PostKind.ORIGINAL),
    ]
    assert records[2].created_at == utc(2024, 5, 14, 0, 0, 1)
    assert {r.metrics_read_at for r in records} == {GENERATED}
    assert archive_read_time(path) == GENERATED


def test_zip_with_a_top_folder_and_old_tweet_js(tmp_path):
    old = (FIXTURES / "tweet.js").read_text(encoding="utf-8")
    path = build_zip(
        tmp_path / "archive.zip",
        {"twitter-2018/data/tweet.js": old, "twitter-2018/data/manifest.js": MANIFEST},
    )

    assert [r.x_id for r in read_archive(path)] == [1050118621198921728, 1050200000000000001]
    assert archive_read_time(path) == GENERATED


def test_zip_without_manifest_uses_the_zip_mtime(tmp_path):
    path = build_zip(tmp_path / "archive.zip", {"data/tweets.js": part([entry(1)])})
    os.utime(path, (MTIME, MTIME))

    assert next(read_archive(path)).metrics_read_at == MTIME_UTC
    assert archive_read_time(path) == MTIME_UTC


def test_extracted_folder_matches_the_zip(tmp_path):
    path = build_zip(tmp_path / "twitter-2024-06-02.zip", split_archive_members())
    folder = tmp_path / "twitter-2024-06-02"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)

    assert list(read_archive(folder)) == list(read_archive(path))
    assert list(read_archive(folder / "data")) == list(read_archive(path))
    assert archive_read_time(folder) == GENERATED


def test_folder_without_manifest_uses_the_first_part_mtime(tmp_path):
    data = tmp_path / "archive" / "data"
    data.mkdir(parents=True)
    write_part(data / "tweets.js", part([entry(1)]), mtime=MTIME)
    write_part(data / "tweets-part1.js", part([entry(2)], 1), mtime=MTIME + 60)

    assert [r.metrics_read_at for r in read_archive(tmp_path / "archive")] == [MTIME_UTC, MTIME_UTC]


def test_single_part_file_yields_only_that_part(tmp_path):
    path = build_zip(tmp_path / "archive.zip", split_archive_members())
    folder = tmp_path / "extracted"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    part_file = folder / "data" / "tweets-part1.js"
    os.utime(part_file, (MTIME, MTIME))

    assert [r.x_id for r in read_archive(part_file)] == [3]
    assert archive_read_time(part_file) == MTIME_UTC


def test_csv_is_delegated(tmp_path):
    path = FIXTURES / "posts.csv"

    assert list(read_archive(path)) == list(read_csv_posts(path))
    assert archive_read_time(path) is None


def test_progress_bar_only_when_asked(tmp_path, capsys):
    path = copy_fixture(tmp_path, "tweets.js")

    list(read_archive(path))
    assert capsys.readouterr().err == ""

    list(read_archive(path, progress=True))
    err = capsys.readouterr().err
    assert "tweets.js" in err
    assert "7.26k" in err  # the file's 7434 bytes, in KiB


# --- malformed input ------------------------------------------------------------------------------


def test_bad_created_at_names_file_entry_id_and_byte(tmp_path):
    path = copy_fixture(tmp_path, "malformed/bad-created-at.js")

    assert archive_error(path) == (
        f"bad-created-at.js: entry 3 (id 1790000000000000003, near byte {path.stat().st_size}): "
        "created_at 'yesterday' is not like 'Wed Oct 10 20:19:24 +0000 2018'"
    )


def test_truncated_file_yields_complete_entries_then_fails(tmp_path):
    path = copy_fixture(tmp_path, "malformed/truncated.js")
    seen = []

    with pytest.raises(ArchiveError) as caught:
        seen.extend(record.x_id for record in read_archive(path))

    assert seen == [1790000000000000001, 1790000000000000002]
    assert str(caught.value) == (
        f"truncated.js: entry 3 (near byte {path.stat().st_size}): the file ends in the middle of the list "
        "of posts; was it cut short? Download it again"
    )


def test_missing_prefix(tmp_path):
    assert archive_error(copy_fixture(tmp_path, "malformed/no-prefix.js")) == (
        "no-prefix.js: byte 0: no 'window.YTD.tweets.part0 =' prefix; expected tweets.js from an X archive"
    )


def test_unknown_prefix_names_what_was_found(tmp_path):
    message = archive_error(write_part(tmp_path / "tweets.js", "window.YTD.like.part0 = [ ]"))

    assert message.startswith(
        "tweets.js: byte 0: starts with 'window.YTD.like.part0 =', which is not the posts file"
    )


def test_empty_file(tmp_path):
    assert archive_error(write_part(tmp_path / "tweets.js", "")) == (
        "tweets.js: byte 0: the file is empty; expected tweets.js from an X archive"
    )


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"id_str": None, "id": None}, "has no id_str or id"),
        ({"id_str": "12a"}, "id_str '12a' is not a whole number"),
        ({"id_str": "-5"}, "id_str '-5' is not a whole number"),
        ({"id_str": "99999999999999999999"}, "id_str '99999999999999999999' is out of range"),
        ({"created_at": None}, "has no created_at"),
        ({"created_at": "2024-05-13T09:00:00Z"}, "created_at '2024-05-13T09:00:00Z' is not like"),
        (
            {"created_at": "Fri Feb 30 09:00:00 +0000 2024"},
            "created_at 'Fri Feb 30 09:00:00 +0000 2024' is not a real date and time",
        ),
        ({"created_at": "Mon Mai 13 09:00:00 +0000 2024"}, "is not like 'Wed Oct 10 20:19:24 +0000 2018'"),
        ({"created_at": 1715590800}, "created_at 1715590800 is not like"),
        ({"favorite_count": "1.2k"}, "favorite_count '1.2k' is not a whole number"),
        ({"retweet_count": "٣"}, "retweet_count '٣' is not a whole number"),
        ({"favorite_count": True}, "favorite_count true is not a whole number"),
        ({"favorite_count": "2147483648"}, "favorite_count '2147483648' is out of range (0 to 2147483647)"),
        ({"full_text": None}, "has no full_text or text"),
        ({"full_text": ["a"]}, "full_text a list is not a string"),
        ({"lang": "x" * 17}, "lang 'xxxxxxxxxxxxxxxxx' is not a language code"),
    ],
)
def test_bad_fields_name_the_entry(tmp_path, fields, problem):
    path = write_part(tmp_path / "tweets.js", part([entry(1), entry(2, **fields)]))

    message = archive_error(path)

    assert message.startswith("tweets.js: entry 2 (")
    assert f"near byte {path.stat().st_size}): " in message
    assert problem in message


def test_entry_that_is_not_an_object(tmp_path):
    path = write_part(tmp_path / "tweets.js", 'window.YTD.tweets.part0 = [ "hello" ]')

    assert archive_error(path) == (
        f"tweets.js: entry 1 (near byte {path.stat().st_size}): "
        "expected an object like {\"tweet\": {...}}, found 'hello'"
    )


def test_zip_entry_error_names_zip_and_member(tmp_path):
    members = {
        "data/tweets.js": part([entry(1)]),
        "data/tweets-part1.js": part([entry(2), entry(3, favorite_count="lots")], 1),
    }
    message = archive_error(build_zip(tmp_path / "archive.zip", members))

    assert message.startswith("archive.zip:data/tweets-part1.js: entry 2 (id 3, near byte ")
    assert message.endswith("favorite_count 'lots' is not a whole number")


def test_invalid_json_reports_excerpt(tmp_path):
    path = write_part(tmp_path / "tweets.js", 'window.YTD.tweets.part0 = [ {"tweet": {"id_str": "1",, } } ]')

    message = archive_error(path)

    assert message.startswith(f"tweets.js: entry 1 (near byte {path.stat().st_size}): not valid JSON (")
    if ijson.backend.startswith("yajl"):  # only yajl quotes the text around the error
        assert message.endswith(""" around '[ {"tweet": {"id_str": "1",, } } ]'""")


def test_invalid_utf8_is_an_archive_error(tmp_path):
    body = b'window.YTD.tweets.part0 = [ {"tweet": {"full_text": "caf\xe9"}} ]'
    path = write_part(tmp_path / "tweets.js", body)

    assert archive_error(path).startswith("tweets.js: entry 1 (near byte 62): not valid JSON (")


def test_text_after_the_list(tmp_path):
    path = write_part(tmp_path / "tweets.js", part([entry(1)]) + ";\nalert(1)")

    message = archive_error(path)

    assert message.startswith("tweets.js: after entry 1 (near byte ")
    assert message.endswith("unexpected text after the closing ']' of the list of posts")


def test_object_instead_of_list(tmp_path):
    assert archive_error(write_part(tmp_path / "tweets.js", 'window.YTD.tweets.part0 = {"tweet": {}}')) == (
        "tweets.js: entry 1 (near byte 26): the prefix must be followed by a JSON list '[ ... ]'"
    )


@pytest.mark.parametrize(
    "body",
    [
        "window.YTD.tweets.part0 = [ alert(1) ]",
        part([entry(1)])[:-1] + ", (function () { throw new Error('ran') })() ]",
        "window.YTD.tweets.part0 = eval('[]')",
        'window.YTD.tweets.part0 = [ {"tweet": {"id_str": `${1+1}`}} ]',
    ],
)
def test_javascript_is_never_executed(tmp_path, body):
    message = archive_error(write_part(tmp_path / "tweets.js", body))

    assert message.startswith("tweets.js: entry ")
    assert "not valid JSON" in message


@pytest.mark.parametrize("before", ["", " " * 5000])
def test_huge_integer_is_refused_before_the_parser_sees_it(tmp_path, before):
    # ijson's C backend crashes the interpreter on integers beyond Python's int digit limit.
    prefix = 'window.YTD.tweets.part0 = [ {"tweet": {"id":' + before + "-"
    path = write_part(tmp_path / "tweets.js", prefix + "9" * 20_000 + "}} ]")

    assert archive_error(path) == (
        f"tweets.js: entry 1 (near byte {len(prefix)}): "
        "a number with more than 4300 digits; this is not a post"
    )


def test_deep_nesting_is_refused_quickly(tmp_path):
    path = write_part(tmp_path / "tweets.js", "window.YTD.tweets.part0 = " + "[" * 500_000)

    assert "nested more than 64 levels deep" in archive_error(path)


def test_oversized_entry_is_refused(tmp_path):
    path = write_part(tmp_path / "tweets.js", 'window.YTD.tweets.part0 = [ "' + "a" * 5_000_000 + '" ]')

    assert archive_error(path) == (
        "tweets.js: entry 1 (near byte 26): an entry longer than 4 MiB; this is not a post"
    )


# A small member fails in the first read, a larger one once its end (and CRC) is reached.
@pytest.mark.parametrize(("entries", "position"), [(1, " "), (40, " entry 11 (near byte 4096): ")])
def test_corrupt_zip_member(tmp_path, entries, position):
    posts = [entry(n, text="x" * 200) for n in range(1, entries + 1)]
    path = build_zip(tmp_path / "archive.zip", {"data/tweets.js": part(posts)}, method=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    spot = data.index(b"xxxxxxxx")
    data[spot : spot + 8] = b"yyyyyyyy"
    path.write_bytes(bytes(data))

    message = archive_error(path)

    assert message == (
        f"archive.zip:data/tweets.js:{position}"
        "cannot be read (Bad CRC-32 for file 'data/tweets.js'); download the archive again"
    )


def test_zip_without_tweets(tmp_path):
    path = build_zip(tmp_path / "archive.zip", {"data/like.js": "window.YTD.like.part0 = [ ]"})

    assert archive_error(path) == (
        "archive.zip: no data/tweets.js (nor tweets-partN.js, tweet.js) inside; "
        "is this the zip of an X archive?"
    )


def test_zip_holding_two_archives(tmp_path):
    path = build_zip(tmp_path / "archive.zip", {"a/data/tweets.js": part([]), "b/data/tweets.js": part([])})

    assert "tweet files in several folders (a/data, b/data)" in archive_error(path)


def test_not_a_zip(tmp_path):
    path = write_part(tmp_path / "archive.zip", "this is not a zip")

    assert archive_error(path).startswith("archive.zip: not a readable zip file")


def test_folder_without_tweets(tmp_path):
    (tmp_path / "data").mkdir()

    assert "no data/tweets.js" in archive_error(tmp_path)


def test_missing_path_and_unsupported_type(tmp_path):
    assert archive_error(tmp_path / "nope.zip") == f"{tmp_path / 'nope.zip'}: no such file or folder"
    assert archive_error(write_part(tmp_path / "tweets.txt", "")) == (
        "tweets.txt: unsupported file type .txt; expected the X archive .zip, its extracted folder, "
        "a tweets.js file or a .csv file"
    )
    with pytest.raises(ArchiveError):
        archive_read_time(tmp_path / "nope.zip")


def test_malformed_manifest(tmp_path):
    members = {"data/tweets.js": part([entry(1)]), "data/manifest.js": "window.__THAR_CONFIG = {"}

    assert archive_error(build_zip(tmp_path / "a.zip", members)).startswith(
        "a.zip:data/manifest.js: not valid JSON after the prefix (Expecting property name"
    )


def test_manifest_with_bad_generation_date(tmp_path):
    manifest = 'window.__THAR_CONFIG = {"archiveInfo": {"generationDate": "last week"}}'
    path = build_zip(tmp_path / "a.zip", {"data/tweets.js": part([]), "data/manifest.js": manifest})

    expected = r"a\.zip:data/manifest\.js: archiveInfo\.generationDate 'last week' is not an ISO 8601"
    with pytest.raises(ArchiveError, match=expected):
        archive_read_time(path)


# --- properties -----------------------------------------------------------------------------------


def archive_time(moment: datetime) -> str:
    """Format an aware datetime the way the archive writes created_at, independent of locale."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else "+"
    return (
        f"{DAYS[moment.weekday()]} {MONTHS[moment.month - 1]} {moment.day:02d} {moment:%H:%M:%S} "
        f"{sign}{hours:02d}{rest:02d} {moment.year:04d}"
    )


x_ids = st.integers(min_value=0, max_value=2**63 - 1)
counts = st.integers(min_value=0, max_value=2**31 - 1)
langs = st.none() | st.sampled_from(["en", "ja", "fr", "und", "pt-BR", "zh-Hant", "qme"])
zones = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(
    min_value=datetime(2006, 3, 21), max_value=datetime(2099, 12, 31), timezones=zones
).map(lambda moment: moment.replace(microsecond=0))
screen_names = st.from_regex(r"[A-Za-z0-9_]{1,15}", fullmatch=True)


@st.composite
def archive_posts(draw) -> tuple[dict, PostRecord]:
    """An archive entry in one of its real shapes, and the record it must become."""
    kind = draw(st.sampled_from(list(PostKind)))
    x_id, moment, lang, likes, reposts = draw(x_ids), draw(moments), draw(langs), draw(counts), draw(counts)
    text = draw(st.text().filter(lambda text: not text.startswith("RT @")))
    if kind is PostKind.RETWEET:
        text = f"RT @{draw(screen_names)}: {text}"
    tweet: dict = {"created_at": archive_time(moment), draw(st.sampled_from(["full_text", "text"])): text}
    tweet.update({"id_str": str(x_id)} if draw(st.booleans()) else {"id": x_id})
    as_text = draw(st.booleans())  # the archive writes counts as strings; accept JSON numbers too
    tweet["favorite_count"] = str(likes) if as_text else likes
    tweet["retweet_count"] = str(reposts) if as_text else reposts
    if lang is not None:
        tweet["lang"] = lang
    reply_to = draw(x_ids) if kind is PostKind.REPLY else None
    if reply_to is not None:
        tweet["in_reply_to_status_id_str"] = str(reply_to)
    if kind is PostKind.QUOTE and draw(st.booleans()):
        tweet["quoted_status_id_str"] = str(draw(x_ids))
    elif kind is PostKind.QUOTE:
        url = f"https://x.com/{draw(screen_names)}/status/{draw(x_ids)}?s=20"
        tweet["entities"] = {"hashtags": [], "urls": [{"url": "https://t.co/x", "expanded_url": url}]}
    counted = kind is not PostKind.RETWEET
    record = PostRecord(
        x_id=x_id,
        created_at=moment.astimezone(UTC),
        kind=kind,
        text=text,
        lang=lang,
        likes=likes if counted else 0,
        reposts=reposts if counted else 0,
        in_reply_to_id=reply_to,
        metrics_read_at=MTIME_UTC,
    )
    return ({"tweet": tweet} if draw(st.booleans()) else tweet), record


@given(
    posts=st.lists(archive_posts(), max_size=8),
    indent=st.sampled_from([None, 0, 2]),
    ascii_only=st.booleans(),
    bom=st.booleans(),
    name=st.sampled_from(["tweets", "tweet"]),
)
def test_archive_round_trip(posts, indent, ascii_only, bom, name):
    entries = json.dumps([e for e, _ in posts], indent=indent, ensure_ascii=ascii_only)
    body = (b"\xef\xbb\xbf" if bom else b"") + f"window.YTD.{name}.part0 = {entries}".encode()
    with tempfile.TemporaryDirectory() as folder:
        path = write_part(Path(folder) / f"{name}.js", body)

        assert list(read_archive(path)) == [record for _, record in posts]


def parses_or_raises_archive_error(content: bytes) -> None:
    """Reading `content` as a part file either yields records or raises ArchiveError naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_part(Path(folder) / "garbage.js", content)
        try:
            records = list(read_archive(path))
        except ArchiveError as exc:
            assert str(exc).startswith("garbage.js: ")
        else:
            assert all(isinstance(record, PostRecord) for record in records)


@given(st.binary(max_size=600))
def test_random_bytes_after_prefix(garbage):
    parses_or_raises_archive_error(b"window.YTD.tweets.part0 = " + garbage)


@given(st.text(alphabet='[]{}":,0123456789.-+eE \n\\ntrufalsRT@', max_size=300))
def test_json_like_noise_after_prefix(noise):
    parses_or_raises_archive_error(b"window.YTD.tweets.part0 = " + noise.encode())


@given(st.data())
def test_mutated_fixture(data):
    original = (FIXTURES / "tweets.js").read_bytes()
    start = data.draw(st.integers(min_value=0, max_value=len(original)))
    end = data.draw(st.integers(min_value=start, max_value=min(len(original), start + 40)))
    tokens = st.sampled_from([b"", b'"', b"]", b"}", b"9" * 30, b"-1", b"null"])
    replacement = data.draw(st.binary(max_size=20) | tokens)
    parses_or_raises_archive_error(original[:start] + replacement + original[end:])
