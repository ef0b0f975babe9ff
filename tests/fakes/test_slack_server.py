"""The fake Slack Web API, exercised through the real slack_sdk `WebClient`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.client import RemoteDisconnected
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from tests.fakes.slack_server import FakeSlack

TOKEN = "xoxb-test-token"
T0 = 1_800_000_000.0


class Clock:
    """A settable clock for the fake (message ts, rate-limit windows)."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeSlack]:
    with FakeSlack(clock=clock) as server:
        server.add_user("U1", name="Alice Martin", tz="Europe/Paris")
        server.add_user("U2", name="Bob", tz="America/New_York", is_admin=True)
        server.add_channel("C1", "general", members={"UBOT", "U1"})
        server.add_channel("C2", "random", members={"U1"})  # the bot is not a member
        server.add_channel("C3", "old", is_archived=True, members={"UBOT"})
        server.add_channel("G1", "secret", is_private=True, members={"U1"})
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.url, retry_handlers=[])


def slack_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return excinfo.value.response["error"]


def raw_post(fake: FakeSlack, method: str, data: dict[str, str], headers: dict[str, str] | None = None):
    """A form POST with urllib, bypassing slack_sdk: (status, headers, parsed JSON body)."""
    request = urllib.request.Request(
        fake.url + method, data=urlencode(data).encode(), headers=headers or {}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


# ---- auth and transport ------------------------------------------------------------------------------


def test_auth_test_answers_for_the_token_workspace(client: WebClient) -> None:
    response = client.auth_test()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.data == {
        "ok": True,
        "url": "https://acme.slack.com/",
        "team": "Acme",
        "user": "plume",
        "team_id": "T0001",
        "user_id": "UBOT",
        "bot_id": "B0001",
        "is_enterprise_install": False,
    }


def test_unknown_and_missing_tokens(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(token="xoxb-nope", base_url=fake.url).auth_test()
    assert slack_error(excinfo) == "invalid_auth"
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(base_url=fake.url).auth_test()
    assert slack_error(excinfo) == "not_authed"


def test_token_as_form_param_and_get_query(fake: FakeSlack) -> None:
    status, headers, body = raw_post(fake, "auth.test", {"token": TOKEN})
    assert (status, body["ok"], body["team_id"]) == (200, True, "T0001")
    assert headers["content-type"].startswith("application/json")
    with urllib.request.urlopen(f"{fake.url}users.info?token={TOKEN}&user=U1", timeout=5) as resp:
        assert json.loads(resp.read())["user"]["id"] == "U1"
    assert fake.calls_to("auth.test")[0].token == TOKEN


def test_unknown_method(client: WebClient, fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("foo.bar")
    assert slack_error(excinfo) == "unknown_method"
    assert excinfo.value.response.status_code == 404
    assert fake.calls[-1].method == "foo.bar"


def test_two_workspaces_see_their_own_team(fake: FakeSlack) -> None:
    fake.add_workspace("T0002", "Globex Corp", "xoxb-globex", bot_user_id="UBOT2")
    fake.add_user("W9", name="Gina", team_id="T0002")
    acme = WebClient(token=TOKEN, base_url=fake.url)
    globex = WebClient(token="xoxb-globex", base_url=fake.url)
    assert acme.auth_test()["team_id"] == "T0001"
    answer = globex.auth_test()
    assert (answer["team_id"], answer["team"], answer["user_id"]) == ("T0002", "Globex Corp", "UBOT2")
    assert answer["url"] == "https://globexcorp.slack.com/"
    assert answer["bot_id"] != acme.auth_test()["bot_id"]
    assert globex.users_info(user="W9")["user"]["team_id"] == "T0002"
    with pytest.raises(SlackApiError) as excinfo:
        globex.users_info(user="U1")  # another workspace's member
    assert slack_error(excinfo) == "user_not_found"


# ---- users, DND ---------------------------------------------------------------------------------------


def test_users_info(client: WebClient, fake: FakeSlack) -> None:
    user = client.users_info(user="U1")["user"]
    keys = ("id", "team_id", "name", "real_name", "tz", "is_admin", "is_owner", "deleted")
    assert {k: user[k] for k in keys} == {
        "id": "U1",
        "team_id": "T0001",
        "name": "alice.martin",
        "real_name": "Alice Martin",
        "tz": "Europe/Paris",
        "is_admin": False,
        "is_owner": False,
        "deleted": False,
    }
    assert user["tz_offset"] in (3600, 7200)
    assert user["profile"]["real_name"] == "Alice Martin"
    assert client.users_info(user="U2")["user"]["tz_offset"] in (-18000, -14400)
    assert client.users_info(user="UBOT")["user"]["is_bot"] is True
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="U404")
    assert slack_error(excinfo) == "user_not_found"


def test_dnd_info(client: WebClient, fake: FakeSlack, clock: Clock) -> None:
    fake.set_dnd("U1", snooze_enabled=True, next_dnd_start_ts=1_800_003_600, next_dnd_end_ts=1_800_030_000)
    info = client.dnd_info(user="U1")
    assert info["dnd_enabled"] is True
    assert info["snooze_enabled"] is True
    assert (info["next_dnd_start_ts"], info["next_dnd_end_ts"]) == (1_800_003_600, 1_800_030_000)
    unset = client.dnd_info(user="U2").data
    assert unset["dnd_enabled"] is False and unset["snooze_enabled"] is False
    fake.set_dnd("U2", snooze_enabled=True, snooze_endtime=int(clock.now) + 600)
    assert client.dnd_info(user="U2")["snooze_remaining"] == 600
    with pytest.raises(SlackApiError) as excinfo:
        client.dnd_info(user="U404")
    assert slack_error(excinfo) == "user_not_found"


# ---- chat -------------------------------------------------------------------------------------------


BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Top posts*"}}]
METADATA = {"event_type": "plume_digest", "event_payload": {"digest_id": 42, "week": "2026-W45"}}


def test_post_message_records_parsed_blocks_and_metadata(client: WebClient, fake: FakeSlack) -> None:
    response = client.chat_postMessage(channel="C1", text="digest", blocks=BLOCKS, metadata=METADATA)
    assert response["channel"] == "C1"
    assert response["message"]["blocks"] == BLOCKS
    [message] = fake.messages("C1")
    assert message["ts"] == response["ts"]
    assert (message["text"], message["blocks"], message["metadata"]) == ("digest", BLOCKS, METADATA)
    assert message["user"] == "UBOT" and message["bot_id"] == "B0001"

    as_strings = client.chat_postMessage(
        channel="C1", text="again", blocks=json.dumps(BLOCKS), metadata=json.dumps(METADATA)
    )
    second = fake.messages("C1")[-1]
    assert (second["blocks"], second["metadata"]) == (BLOCKS, METADATA)
    assert float(as_strings["ts"]) > float(response["ts"])  # same clock instant, still increasing
    assert fake.calls_to("chat.postMessage")[0].body["blocks"] == BLOCKS


def test_post_message_ts_are_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=str(n))["ts"] for n in range(5)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 5
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "C3", "text": "x"}, "is_archived"),
        ({"channel": "C2", "text": "x"}, "not_in_channel"),
        ({"channel": "C404", "text": "x"}, "channel_not_found"),
        ({"channel": "G1", "text": "x"}, "channel_not_found"),  # private, bot not a member
        ({"channel": "C1"}, "no_text"),
        ({"channel": "C1", "text": "x", "blocks": "[not json"}, "invalid_blocks_format"),
        ({"channel": "C1", "text": "x", "blocks": [{"text": "no type"}]}, "invalid_blocks"),
        ({"channel": "C1", "text": "x", "metadata": {"event_payload": {}}}, "invalid_metadata_schema"),
    ],
)
def test_post_message_errors(client: WebClient, fake: FakeSlack, kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(**kwargs)
    assert slack_error(excinfo) == error
    assert excinfo.value.response.status_code == 200
    assert fake.messages() == []


def test_dm_channels(client: WebClient, fake: FakeSlack) -> None:
    opened = client.conversations_open(users="U1")
    dm = opened["channel"]["id"]
    assert dm.startswith("D")
    again = client.conversations_open(users=["U1"])
    assert again["channel"]["id"] == dm and again["already_open"] is True
    assert fake.dm_id("U1") == dm
    client.chat_postMessage(channel=dm, text="welcome")
    by_user = client.chat_postMessage(channel="U1", text="by user id")
    assert by_user["channel"] == dm
    assert [m["text"] for m in fake.messages(dm)] == ["welcome", "by user id"]
    info = client.conversations_info(channel=dm)["channel"]
    assert info["is_im"] is True and info["user"] == "U1"
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_open(users="U404")
    assert slack_error(excinfo) == "user_not_found"


def test_post_ephemeral(client: WebClient, fake: FakeSlack) -> None:
    response = client.chat_postEphemeral(channel="C1", user="U1", text="only you", blocks=BLOCKS)
    assert response["message_ts"]
    [ephemeral] = fake.ephemerals("C1")
    assert (ephemeral["user"], ephemeral["text"], ephemeral["blocks"]) == ("U1", "only you", BLOCKS)
    assert fake.messages("C1") == []
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postEphemeral(channel="C1", user="U2", text="x")
    assert slack_error(excinfo) == "user_not_in_channel"


def test_update_and_delete(client: WebClient, fake: FakeSlack) -> None:
    ts = client.chat_postMessage(channel="C1", text="draft", metadata=METADATA)["ts"]
    updated = client.chat_update(channel="C1", ts=ts, text="final", blocks=BLOCKS)
    assert (updated["ts"], updated["text"]) == (ts, "final")
    [message] = fake.messages("C1")
    assert (message["text"], message["blocks"], message["metadata"]) == ("final", BLOCKS, METADATA)
    assert "edited" in message
    permalink = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert permalink == f"https://acme.slack.com/archives/C1/p{ts.replace('.', '')}"
    assert client.chat_delete(channel="C1", ts=ts)["ts"] == ts
    assert fake.messages("C1") == []
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_delete(channel="C1", ts=ts)
    assert slack_error(excinfo) == "message_not_found"
    human = fake.add_message("C1", "mine", user="U1")
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_update(channel="C1", ts=human, text="hijack")
    assert slack_error(excinfo) == "cant_update_message"


# ---- conversations ----------------------------------------------------------------------------------


def test_history_newest_first_with_metadata_only_on_request(
    client: WebClient, fake: FakeSlack, clock: Clock
) -> None:
    stamps = []
    for n in range(5):
        metadata = METADATA if n == 1 else None
        stamps.append(client.chat_postMessage(channel="C1", text=f"m{n}", metadata=metadata)["ts"])
        clock.advance(60)
    client.chat_postMessage(channel="C1", text="reply", thread_ts=stamps[0])  # not top-level

    plain = client.conversations_history(channel="C1")
    assert [m["text"] for m in plain["messages"]] == ["m4", "m3", "m2", "m1", "m0"]
    assert all("metadata" not in m for m in plain["messages"])
    assert plain["messages"][-1]["reply_count"] == 1

    full = client.conversations_history(channel="C1", include_all_metadata=True)
    with_metadata = [m for m in full["messages"] if "metadata" in m]
    assert [(m["text"], m["metadata"]) for m in with_metadata] == [("m1", METADATA)]

    window = client.conversations_history(channel="C1", oldest=stamps[1], latest=stamps[4])
    assert [m["text"] for m in window["messages"]] == ["m3", "m2"]
    inclusive = client.conversations_history(channel="C1", oldest=stamps[1], latest=stamps[4], inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["m4", "m3", "m2", "m1"]

    first = client.conversations_history(channel="C1", limit=2)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3"] and first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_history(channel="C1", limit=10, cursor=cursor)
    assert [m["text"] for m in rest["messages"]] == ["m2", "m1", "m0"] and rest["has_more"] is False

    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_history(channel="C2")
    assert slack_error(excinfo) == "not_in_channel"


def test_conversations_info_and_join(client: WebClient, fake: FakeSlack) -> None:
    info = client.conversations_info(channel="C2", include_num_members=True)["channel"]
    assert (info["id"], info["name"], info["is_member"], info["num_members"]) == ("C2", "random", False, 1)
    assert client.conversations_info(channel="C3")["channel"]["is_archived"] is True
    client.conversations_join(channel="C2")
    client.chat_postMessage(channel="C2", text="now I can")
    assert [m["text"] for m in fake.messages("C2")] == ["now I can"]
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_info(channel="C404")
    assert slack_error(excinfo) == "channel_not_found"


# ---- views ------------------------------------------------------------------------------------------


def test_views_publish_keeps_the_latest_per_user(client: WebClient, fake: FakeSlack) -> None:
    first = client.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS})["view"]
    second_blocks = [{"type": "divider"}]
    second = client.views_publish(
        user_id="U1", view={"type": "home", "blocks": second_blocks}, hash=first["hash"]
    )
    assert second["view"]["id"] == first["id"]
    assert fake.home_view("U1")["blocks"] == second_blocks
    assert fake.home_view("U2") is None
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": []}, hash=first["hash"])
    assert slack_error(excinfo) == "hash_conflict"
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id="U1", view={"type": "modal", "blocks": []})
    assert slack_error(excinfo) == "invalid_arguments"


def test_views_open(client: WebClient, fake: FakeSlack) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Join"}, "blocks": BLOCKS}
    response = client.views_open(trigger_id="123.456.abc", view=view)
    assert response["view"]["id"].startswith("V")
    [opened] = fake.opened_views
    assert opened["trigger_id"] == "123.456.abc" and opened["view"]["blocks"] == BLOCKS
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id="", view=view)
    assert slack_error(excinfo) == "invalid_trigger_id"


# ---- files ------------------------------------------------------------------------------------------


def test_files_upload_v2_round_trips_the_bytes(client: WebClient, fake: FakeSlack) -> None:
    content = b"handle,posts\nalice,3\n\x00\xff binary ok"
    response = client.files_upload_v2(
        content=content, filename="export.csv", title="Your export", channel="C1", initial_comment="Here"
    )
    sequence = [call.method for call in fake.calls]
    assert sequence == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    get_url, upload, complete = fake.calls
    assert get_url.body == {"filename": "export.csv", "length": str(len(content))}
    assert upload.body == {"file_id": response["file"]["id"], "length": len(content)}
    assert upload.token is None  # the upload URL needs no token
    assert json.loads(complete.body["files"]) == [{"id": response["file"]["id"], "title": "Your export"}]
    assert (complete.body["channel_id"], complete.body["initial_comment"]) == ("C1", "Here")

    [upload_record] = fake.uploads
    assert upload_record["content"] == content
    assert (upload_record["filename"], upload_record["title"]) == ("export.csv", "Your export")
    assert (upload_record["channels"], upload_record["initial_comment"]) == (["C1"], "Here")
    file = response["file"]
    assert (file["name"], file["title"], file["size"]) == ("export.csv", "Your export", len(content))
    assert file["permalink"].startswith("https://acme.slack.com/files/") and file["url_private"]
    assert client.files_info(file=file["id"])["file"]["id"] == file["id"]


def test_files_upload_v2_to_a_dm_and_errors(client: WebClient, fake: FakeSlack) -> None:
    dm = fake.dm_id("U1")
    client.files_upload_v2(content="hello", filename="a.txt", channel=dm)
    assert fake.uploads[0]["content"] == b"hello" and fake.uploads[0]["channel"] == dm
    with pytest.raises(SlackApiError) as excinfo:
        client.files_upload_v2(content="x", filename="b.txt", channel="C2")
    assert slack_error(excinfo) == "not_in_channel"
    with pytest.raises(SlackApiError) as excinfo:
        client.files_completeUploadExternal(files=[{"id": "F404", "title": "x"}], channel_id="C1")
    assert slack_error(excinfo) == "file_not_found"
    with pytest.raises(SlackApiError) as excinfo:
        client.files_info(file="F404")
    assert slack_error(excinfo) == "file_not_found"


def test_files_delete_removes_only_that_file(client: WebClient, fake: FakeSlack) -> None:
    kept, gone = (client.files_upload_v2(content=c, filename="a.txt")["file"]["id"] for c in ("1", "2"))
    assert client.files_delete(file=gone)["ok"] is True
    assert client.files_info(file=kept)["file"]["id"] == kept
    for call in (client.files_info, client.files_delete):
        with pytest.raises(SlackApiError) as excinfo:
            call(file=gone)
        assert slack_error(excinfo) == "file_not_found"
    other = WebClient(token="xoxb-other", base_url=fake.url)
    fake.add_workspace("T2", "Other", "xoxb-other")
    with pytest.raises(SlackApiError) as excinfo:
        other.files_delete(file=kept)  # another workspace's file does not exist for this token
    assert slack_error(excinfo) == "file_not_found"
    assert client.files_info(file=kept)["ok"] is True


# ---- faults and rate limits -------------------------------------------------------------------------


def test_injected_error_body_surfaces_as_slack_api_error(client: WebClient, fake: FakeSlack) -> None:
    fake.inject("chat.postMessage", body={"ok": False, "error": "channel_not_found"})
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="x")
    assert slack_error(excinfo) == "channel_not_found"
    assert fake.messages() == []
    client.chat_postMessage(channel="C1", text="x")  # the fault was used up
    assert len(fake.messages("C1")) == 1


def test_injected_429_is_retried_by_rate_limit_handler(client: WebClient, fake: FakeSlack) -> None:
    fake.inject("chat.postMessage", status=429, headers={"Retry-After": "1"})
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    response = client.chat_postMessage(channel="C1", text="eventually")
    assert response["ok"] is True
    assert [call.status for call in fake.calls_to("chat.postMessage")] == [429, 200]
    assert fake.calls_to("chat.postMessage")[0].response == {"ok": False, "error": "ratelimited"}
    assert [m["text"] for m in fake.messages("C1")] == ["eventually"]


def test_rate_limit_handler_gives_up_after_max_retries(
    client: WebClient, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(builtin_handlers.time, "sleep", slept.append)
    fake.inject("chat.postMessage", status=429, times=3)  # Retry-After: 1 is added
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="never")
    assert slack_error(excinfo) == "ratelimited"
    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["Retry-After"] == "1"
    assert len(slept) == 2 and all(s >= 1 for s in slept)


def test_dropped_connection_recovered_by_connection_error_handler(client: WebClient, fake: FakeSlack) -> None:
    fake.close_connection("chat.postMessage")
    client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=1))
    assert client.chat_postMessage(channel="C1", text="after a reset")["ok"] is True
    assert [call.status for call in fake.calls_to("chat.postMessage")] == [0, 200]
    assert len(fake.messages("C1")) == 1


def test_dropped_connection_without_retry_handler_raises(client: WebClient, fake: FakeSlack) -> None:
    fake.close_connection("*")
    with pytest.raises((RemoteDisconnected, urllib.error.URLError, ConnectionError)):
        client.auth_test()


def test_rate_limiter_refuses_second_post_to_a_channel_within_a_second(
    client: WebClient, fake: FakeSlack, clock: Clock
) -> None:
    fake.set_rate_limit(per_channel_per_second=1)
    client.chat_postMessage(channel="C1", text="first")
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="second")
    assert slack_error(excinfo) == "ratelimited"
    assert excinfo.value.response.status_code == 429
    assert int(excinfo.value.response.headers["Retry-After"]) >= 1
    client.chat_postMessage(channel=fake.dm_id("U1"), text="other channel is fine")
    clock.advance(1.0)
    client.chat_postMessage(channel="C1", text="a second later")
    assert [m["text"] for m in fake.messages("C1")] == ["first", "a second later"]


def test_rate_limiter_with_retry_handler_ends_in_success(
    client: WebClient, fake: FakeSlack, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builtin_handlers.time, "sleep", clock.advance)  # waiting moves the fake's clock
    fake.set_rate_limit(per_channel_per_second=1)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    client.chat_postMessage(channel="C1", text="one")
    client.chat_postMessage(channel="C1", text="two")
    assert [call.status for call in fake.calls_to("chat.postMessage")] == [200, 429, 200]
    assert [m["text"] for m in fake.messages("C1")] == ["one", "two"]


def test_workspace_rate_limit_per_minute(client: WebClient, fake: FakeSlack, clock: Clock) -> None:
    fake.set_rate_limit(per_workspace_per_minute=2)
    client.chat_postMessage(channel="C1", text="a")
    client.chat_postEphemeral(channel="C1", user="U1", text="b")
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=fake.dm_id("U1"), text="c")
    assert int(excinfo.value.response.headers["Retry-After"]) == 60
    clock.advance(60)
    client.chat_postMessage(channel="C1", text="d")


# ---- OAuth ------------------------------------------------------------------------------------------


def test_oauth_v2_access_installs_a_workspace(fake: FakeSlack) -> None:
    fake.add_workspace("T0002", "Globex", "xoxb-globex-2", bot_user_id="UBOT2")
    fake.add_user("W1", name="Owner", team_id="T0002", is_owner=True)
    fake.add_oauth_code("code-123", "T0002")
    client = WebClient(base_url=fake.url)
    response = client.oauth_v2_access(client_id="111.222", client_secret="s3cret", code="code-123")
    assert response.data == {
        "ok": True,
        "access_token": "xoxb-globex-2",
        "token_type": "bot",
        "scope": response["scope"],
        "bot_user_id": "UBOT2",
        "app_id": "A0001",
        "team": {"name": "Globex", "id": "T0002"},
        "enterprise": None,
        "authed_user": {"id": "W1", "scope": "", "access_token": None, "token_type": None},
        "is_enterprise_install": False,
    }
    assert "chat:write" in response["scope"].split(",") and "commands" in response["scope"].split(",")
    assert fake.calls_to("oauth.v2.access")[0].headers["authorization"].startswith("Basic ")
    installed = WebClient(token=response["access_token"], base_url=fake.url)
    assert installed.auth_test()["team_id"] == "T0002"
    with pytest.raises(SlackApiError) as excinfo:
        client.oauth_v2_access(client_id="111.222", client_secret="s3cret", code="code-123")  # used
    assert slack_error(excinfo) == "invalid_code"


def test_oauth_v2_access_checks_client_and_code(clock: Clock) -> None:
    with FakeSlack(client_id="111.222", client_secret="s3cret", clock=clock) as fake:
        fake.add_oauth_code("good", "T0001", redirect_uri="https://plume.example/oauth")
        client = WebClient(base_url=fake.url)
        for kwargs, error in [
            ({"client_id": "111.222", "client_secret": "s3cret", "code": "bad"}, "invalid_code"),
            ({"client_id": "111.222", "client_secret": "wrong", "code": "good"}, "bad_client_secret"),
            ({"client_id": "999", "client_secret": "s3cret", "code": "good"}, "invalid_client_id"),
            ({"client_id": "111.222", "client_secret": "s3cret", "code": "good"}, "bad_redirect_uri"),
        ]:
            with pytest.raises(SlackApiError) as excinfo:
                client.oauth_v2_access(**kwargs)
            assert slack_error(excinfo) == error
        # client credentials as form params work too
        status, _, body = raw_post(
            fake,
            "oauth.v2.access",
            {
                "client_id": "111.222",
                "client_secret": "s3cret",
                "code": "good",
                "redirect_uri": "https://plume.example/oauth",
            },
        )
        assert (status, body["ok"], body["team"]) == (200, True, {"name": "Acme", "id": "T0001"})


def test_revoke_and_uninstall_end_the_token(fake: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=fake.url)
    assert client.auth_revoke(test=True)["revoked"] is False
    assert client.auth_test()["ok"] is True
    assert client.auth_revoke()["revoked"] is True
    with pytest.raises(SlackApiError) as excinfo:
        client.auth_test()
    assert slack_error(excinfo) == "token_revoked"

    fake.add_workspace("T0002", "Globex", "xoxb-globex", bot_user_id="UBOT2")
    globex = WebClient(token="xoxb-globex", base_url=fake.url)
    assert globex.apps_uninstall(client_id="111.222", client_secret="s3cret")["ok"] is True
    with pytest.raises(SlackApiError) as excinfo:
        globex.auth_test()
    assert slack_error(excinfo) == "token_revoked"
    fake.add_oauth_code("reinstall", "T0002")
    installer = WebClient(base_url=fake.url)
    installer.oauth_v2_access(client_id="111.222", client_secret="s3cret", code="reinstall")
    assert globex.auth_test()["team_id"] == "T0002"


def test_stop_frees_the_port(clock: Clock) -> None:
    fake = FakeSlack(clock=clock).start()
    url = fake.url
    assert WebClient(token=TOKEN, base_url=url).auth_test()["ok"] is True
    fake.stop()
    with pytest.raises(RuntimeError):
        _ = fake.url
    with pytest.raises(urllib.error.URLError):
        WebClient(token=TOKEN, base_url=url, retry_handlers=[]).auth_test()


def test_a_members_file_downloads_with_the_bot_token_only(fake, client):
    file_id, dm = fake.add_file("U1", "archive.zip", b"PK\x03\x04zip bytes")
    info = client.files_info(file=file_id)["file"]
    assert (info["user"], info["name"], info["size"], info["ims"]) == ("U1", "archive.zip", 13, [dm])

    def get(token: str | None) -> tuple[int, str, bytes]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(info["url_private_download"], headers=headers)
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, resp.headers["content-type"], resp.read()

    assert get(TOKEN) == (200, "application/zip", b"PK\x03\x04zip bytes")
    for token in (None, "xoxb-someone-else"):  # Slack's sign-in page, not the file
        status, kind, body = get(token)
        assert (status, kind.split(";")[0]) == (200, "text/html") and b"PK" not in body
    assert [call.token for call in fake.calls_to("download")] == [TOKEN, None, "xoxb-someone-else"]
