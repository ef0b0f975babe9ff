"""The App Home chart: one file per person stays in Slack, and none once they leave."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.storage.db import transaction
from bot.storage.tables import Ambassador


def open_home(chat, event_id: str, user: str = "U100") -> None:
    event = {"type": "app_home_opened", "user": user, "tab": "home", "event_ts": "1.1"}
    assert chat.event(event, event_id=event_id).status == 200


def held(slack) -> list[str]:
    """The uploaded files Slack still holds, asked of the fake through the real client."""
    client = WebClient(token="xoxb-test-token", base_url=slack.url)
    kept = []
    for upload in slack.uploads:
        try:
            kept.append(client.files_info(file=upload["id"])["file"]["id"])
        except SlackApiError as exc:
            assert exc.response["error"] == "file_not_found"
    return kept


def shown_file(slack, user: str = "U100") -> list[str]:
    return [b["slack_file"]["id"] for b in slack.home_view(user)["blocks"] if b["type"] == "image"]


def stored_file(runtime) -> str | None:
    with transaction(runtime.sessions) as session:
        return session.scalars(select(Ambassador)).one().home_file_id


def test_each_open_replaces_the_previous_chart(chat, slack, runtime):
    chat.command("join @ana")
    open_home(chat, "Ev1")
    open_home(chat, "Ev2")
    first, second = (u["id"] for u in slack.uploads)
    assert held(slack) == [second] == shown_file(slack)
    assert stored_file(runtime) == second
    assert [c.body["file"] for c in slack.calls_to("files.delete")] == [first]


def test_leaving_deletes_the_last_chart_and_resets_the_home(chat, slack, runtime):
    chat.command("join @ana")
    open_home(chat, "Ev1")
    open_home(chat, "Ev2")
    chat.command("leave")
    chat.click("leave_confirm", "ana")
    assert held(slack) == [] and len(slack.uploads) == 2
    assert "/plume join" in str(slack.home_view("U100")["blocks"]) and shown_file(slack) == []


def test_a_failed_delete_is_logged_and_the_home_still_shows(chat, slack, runtime, caplog):
    chat.command("join @ana")
    open_home(chat, "Ev1")
    slack.inject("files.delete", body={"ok": False, "error": "cant_delete_file"})
    with caplog.at_level(logging.WARNING, logger="handlers.slack.home"):
        open_home(chat, "Ev2")
    first, second = (u["id"] for u in slack.uploads)
    assert shown_file(slack) == [second] == [stored_file(runtime)]
    assert held(slack) == [first, second]  # left behind, but said so
    [record] = [r for r in caplog.records if r.getMessage() == "home chart delete failed"]
    assert record.fields == {"file": first, "error": "cant_delete_file"}


def test_a_chart_never_shown_is_not_left_behind(chat, slack, runtime):
    chat.command("join @ana")
    open_home(chat, "Ev1")
    slack.inject("views.publish", body={"ok": False, "error": "internal_error"})
    open_home(chat, "Ev2")
    first, _ = (u["id"] for u in slack.uploads)
    assert held(slack) == [first] == shown_file(slack) and stored_file(runtime) == first
