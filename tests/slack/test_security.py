"""Slack's contracts and Plume's guarantees: signatures, replay window, retries, isolation, fuzzing."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.storage.db import transaction
from bot.storage.tables import Ambassador, Workspace
from tests.fakes.slack_requests import bolt_request, command_body
from tests.slack.conftest import text_of


def test_a_bad_signature_is_refused(app):
    body = command_body("help")
    request = bolt_request(body, secret="not-the-secret")
    assert app.dispatch(request).status == 401


def test_a_replayed_request_older_than_five_minutes_is_refused(app):
    body = command_body("help")
    assert app.dispatch(bolt_request(body, timestamp=int(time.time()) - 6 * 60)).status == 401
    assert app.dispatch(bolt_request(body, timestamp=int(time.time()) - 4 * 60)).status == 200


def test_event_retries_run_once(chat, slack):
    chat.command("join @ana")
    event = {
        "type": "app_home_opened",
        "user": "U100",
        "channel": "D100",
        "tab": "home",
        "event_ts": "1700000000.1",
    }
    assert chat.event(event, event_id="EvHome1").status == 200
    assert chat.event(event, event_id="EvHome1").status == 200  # Slack's retry, same event_id
    assert len(slack.calls_to("views.publish")) == 1
    home = slack.home_view("U100")
    shown = str(home["blocks"])
    assert "Your week" in shown and "Nudges" in shown and home["type"] == "home"


def test_home_invites_people_who_have_not_joined(chat, slack):
    chat.event({"type": "app_home_opened", "user": "U200", "tab": "home", "event_ts": "1.2"}, event_id="Ev2")
    assert "/plume join" in str(slack.home_view("U200")["blocks"])


def test_workspace_settings_and_people_are_scoped(chat, runtime):
    chat.command("join @ana")
    chat.command("admin channel <#C0DIGEST|digest>", user="UADMIN")
    # The same person id arriving from another team is a stranger there.
    assert "You haven't joined yet" in text_of(chat.command("me", user="U100", team="T0002"))
    assert "You haven't joined yet" in text_of(chat.command("leave", user="U100", team="T0002"))
    with transaction(runtime.sessions) as session:
        spaces = {w.external_id: w.digest_channel for w in session.scalars(select(Workspace))}
        people = [a.chat_user_id for a in session.scalars(select(Ambassador))]
    assert spaces == {"T0001": "C0DIGEST", "T0002": None} and people == ["U100"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=4500))
def test_any_text_gets_a_200_and_a_friendly_reply(chat, text):
    body = chat.command(text)
    shown = text_of(body)
    assert body["response_type"] == "ephemeral" and shown
    assert "Traceback" not in shown and "<!channel>" not in shown and "<!here>" not in shown


def test_web_api_429s_are_retried_after_retry_after(chat, slack, runtime):
    slack.inject("users.info", status=429, headers={"Retry-After": "1"})
    assert "Welcome" in text_of(chat.command("join @ana"))
    assert [c.status for c in slack.calls_to("users.info")] == [429, 200]
    with transaction(runtime.sessions) as session:
        assert session.scalars(select(Ambassador.timezone)).one() == "Europe/Paris"


def test_home_shows_the_persons_chart_as_an_uploaded_image(chat, slack):
    chat.command("join @ana")
    chat.event({"type": "app_home_opened", "user": "U100", "tab": "home", "event_ts": "1.3"}, event_id="Ev3")
    images = [b for b in slack.home_view("U100")["blocks"] if b["type"] == "image"]
    [upload] = slack.uploads
    assert images == [
        {
            "type": "image",
            "slack_file": {"id": upload["id"]},
            "alt_text": images[0]["alt_text"],
            "title": images[0]["title"],
        }
    ]
    assert upload["content"][:4] == b"\x89PNG"
