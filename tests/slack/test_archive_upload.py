"""An X archive sent to Plume in a DM: the `file_shared` event, files.info and the bot-token download
from the fake Slack, the import for the sender's own account only, and nothing stored on any refusal."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from bot.config import load_settings
from bot.runtime import open_runtime
from bot.storage.db import transaction
from bot.storage.tables import Post, XAccount
from handlers.slack.app import build_app
from handlers.slack.context import SlackDeps
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.slack.conftest import NOW, Chat, InlineExecutor, text_of

CREATED = "Mon May 13 09:00:00 +0000 2024"


def tweets_js(ids: range) -> str:
    entries = [
        {"tweet": {"id_str": str(i), "created_at": CREATED, "full_text": f"post {i}", "favorite_count": "1"}}
        for i in ids
    ]
    return "window.YTD.tweets.part0 = " + json.dumps(entries)


def account_js(account_id: int, username: str) -> str:
    account = {"account": {"username": username, "accountId": str(account_id), "createdVia": "web"}}
    return "window.YTD.account.part0 = " + json.dumps([account])


def archive_zip(ids: range = range(1, 4), owner: tuple[int, str] | None = (42, "ana")) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/manifest.js", 'window.__THAR_CONFIG = {"archiveInfo": {}}')
        if owner is not None:
            archive.writestr("data/account.js", account_js(*owner))
        archive.writestr("data/tweets.js", tweets_js(ids))
    return buffer.getvalue()


def send(chat: Chat, slack, content: bytes, name: str = "twitter-2026-11-01.zip", user: str = "U100") -> str:
    """The person shares a file in their DM with Plume; Slack sends `file_shared`. Returns the DM id."""
    file_id, dm = slack.add_file(user, name, content)
    event = {
        "type": "file_shared",
        "file_id": file_id,
        "user_id": user,
        "file": {"id": file_id},
        "channel_id": dm,
        "event_ts": "1700000000.000100",
    }
    assert chat.event(event, event_id=f"Ev{file_id}").status == 200
    return dm


def shown(slack, dm: str) -> str:
    """What Plume's one message in the DM says now (posted, then updated in place)."""
    [message] = slack.messages(dm)
    return text_of(message)


def stored_posts(runtime) -> int:
    with transaction(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(Post))


@pytest.fixture
def joined(chat):
    chat.command("join @ana")


def test_own_archive_is_imported_and_answered_in_the_dm(chat, slack, runtime, joined):
    dm = send(chat, slack, archive_zip(range(1, 4)))
    said = shown(slack, dm)
    assert "Imported 3 posts for @ana from twitter-2026-11-01.zip: 3 new, 0 already stored" in said
    assert "no X reads" in said
    assert stored_posts(runtime) == 3
    [download] = slack.calls_to("download")
    assert download.token == "xoxb-test-token" and download.status == 200
    assert slack.calls_to("files.info")[0].body["file"]


def test_reimport_counts_what_was_already_stored(chat, slack, runtime, joined):
    send(chat, slack, archive_zip(range(1, 4)))
    dm = send(chat, slack, archive_zip(range(2, 6)))
    latest = text_of(slack.messages(dm)[-1])
    assert "Imported 4 posts for @ana" in latest and "2 new, 2 already stored" in latest
    assert stored_posts(runtime) == 5


def test_resolved_account_is_matched_on_its_x_id_not_the_name(chat, slack, runtime, joined):
    with transaction(runtime.sessions) as session:
        session.scalars(select(XAccount)).one().x_user_id = 42
    dm = send(chat, slack, archive_zip(owner=(43, "ana")))  # same name, another account
    assert "archive of another X account" in shown(slack, dm)
    assert stored_posts(runtime) == 0


def test_someone_elses_archive_is_refused_whole(chat, slack, runtime, joined):
    dm = send(chat, slack, archive_zip(range(1, 700), owner=(7, "boss")))
    said = shown(slack, dm)
    assert "archive of another X account, not of @ana" in said and "nothing was stored" in said
    assert stored_posts(runtime) == 0


def test_truncated_zip_stores_nothing(chat, slack, runtime, joined):
    whole = archive_zip(range(1, 1500))
    dm = send(chat, slack, whole[: len(whole) - 200])
    assert "not a readable zip file" in shown(slack, dm)
    assert stored_posts(runtime) == 0


def test_archive_cut_inside_the_posts_stores_nothing(chat, slack, runtime, joined):
    """A zip whose tweets.js breaks after 1,000 good posts: two batches went in, then all rolled back."""
    broken = tweets_js(range(1, 1200))[:-5000]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data/account.js", account_js(42, "ana"))
        archive.writestr("data/tweets.js", broken)
    dm = send(chat, slack, buffer.getvalue())
    assert "data/tweets.js" in shown(slack, dm)
    assert stored_posts(runtime) == 0


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"%PDF-1.7 not a zip", "holiday.pdf", "not a .zip"),
        (b"PK\x03\x04 garbage", "archive.zip", "not a readable zip file"),
        (None, "archive.zip", "no data/tweets.js"),
        (archive_zip(owner=None), "archive.zip", "cannot say whose archive it is"),
    ],
)
def test_bad_files_get_the_clis_clear_errors(chat, slack, runtime, joined, content, name, expected):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("data/like.js", "window.YTD.like.part0 = []")
        content = buffer.getvalue()
    dm = send(chat, slack, content, name=name)
    assert expected in shown(slack, dm)
    assert stored_posts(runtime) == 0


def test_someone_not_joined_is_told_to_join_first(chat, slack, runtime):
    dm = send(chat, slack, archive_zip())
    assert "You haven't joined yet" in shown(slack, dm)
    assert slack.calls_to("download") == [] and stored_posts(runtime) == 0


def test_files_outside_a_dm_and_plumes_own_are_ignored(chat, slack, runtime, joined):
    file_id, _ = slack.add_file("U100", "a.zip", archive_zip())
    for user, channel in (("U100", "C0GENERAL"), ("UBOT", "D0BOT")):
        event = {"type": "file_shared", "file_id": file_id, "user_id": user, "channel_id": channel}
        assert chat.event(event, event_id=f"Ev{user}").status == 200
    assert slack.calls_to("files.info") == [] and stored_posts(runtime) == 0


@pytest.fixture
def small_limit_chat(slack, db_url, urls):
    settings = load_settings(
        {
            "DATABASE_URL": db_url,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": slack.url,
            "LOG_LEVEL": "WARNING",
            "PLUME_MAX_ARCHIVE_BYTES": "4096",
        }
    )
    runtime = open_runtime(settings)
    deps = SlackDeps(runtime=runtime, settings=settings, clock=lambda: NOW)
    chat = Chat(build_app(settings, runtime, listener_executor=InlineExecutor(), deps=deps), urls)
    chat.command("join @ana")
    return chat, runtime


def test_too_big_is_refused_before_anything_is_stored(slack, small_limit_chat):
    chat, runtime = small_limit_chat
    dm = send(chat, slack, archive_zip(range(1, 2000)))
    assert "twitter-2026-11-01.zip: larger than 4 KB, the most Plume accepts" in shown(slack, dm)
    assert slack.calls_to("download") == []  # files.info's size said so: nothing downloaded
    assert stored_posts(runtime) == 0


def test_large_archives_show_progress_in_place(chat, slack, runtime, joined):
    dm = send(chat, slack, archive_zip(range(1, 11_001)))
    updates = [call.body["text"] for call in slack.calls_to("chat.update")]
    assert [u for u in updates if "so far" in u] == [
        "Your X archive: Importing twitter-2026-11-01.zip, 5,000 posts so far…",
        "Your X archive: Importing twitter-2026-11-01.zip, 10,000 posts so far…",
    ]
    assert "Imported 11,000 posts" in updates[-1] and len(slack.calls_to("chat.postMessage")) == 1
    assert "Imported 11,000 posts" in shown(slack, dm)
    assert stored_posts(runtime) == 11_000


class RecordingPool:
    """Stands in for `serve`'s command process: keeps the jobs handed over."""

    def __init__(self) -> None:
        self.jobs: list = []

    def submit(self, job) -> None:
        self.jobs.append(job)


def test_under_serve_the_web_process_only_acks_and_hands_the_job_over(settings, runtime, slack, urls, joined):
    from handlers.slack.archive import ArchiveJob, import_shared_archive
    from handlers.slack.client import web_client

    pool = RecordingPool()
    deps = SlackDeps(runtime=runtime, settings=settings, clock=lambda: NOW, command_pool=pool)
    chat = Chat(build_app(settings, runtime, listener_executor=InlineExecutor(), deps=deps), urls)
    file_id, dm = slack.add_file("U100", "mine.zip", archive_zip())
    event = {"type": "file_shared", "file_id": file_id, "user_id": "U100", "channel_id": dm}
    assert chat.event(event, event_id="EvPool").status == 200
    assert pool.jobs == [ArchiveJob("T0001", "U100", dm, file_id, "xoxb-test-token")]
    assert slack.calls_to("files.info") == [] and stored_posts(runtime) == 0  # nothing in the web process

    import_shared_archive(
        pool.jobs[0], web_client(settings, pool.jobs[0].bot_token), deps
    )  # the child's part
    assert "Imported 3 posts for @ana from mine.zip" in shown(slack, dm) and stored_posts(runtime) == 3
