"""The smallest failing examples the fuzzer found, kept as explicit tests (signed: each reached Bolt's
routing or our listeners). Each failed before its fix with a 500 or an ERROR line in the log."""

from __future__ import annotations

import itertools
import json
from urllib.parse import parse_qs, urlencode

import pytest

from tests.fakes.slack_requests import action_body, event_body
from tests.security import payloads
from tests.security.wire import check_answer, check_logs, request_bytes, send, signed, with_length


def post_signed(target, body: str, content_type: str = "application/x-www-form-urlencoded"):
    target.reset()
    raw = body.encode()
    answer = send(
        target.port, request_bytes("POST", "/slack/events", with_length(signed(raw, content_type), raw), raw)
    )
    check_answer(answer)
    check_logs(target.log.records)
    return answer


def interaction(team: str = "T0001", **changes) -> str:
    """A leave confirmation click, signed by `post_signed`, with some of its fields replaced."""
    body = action_body("leave_confirm", "", team_id=team, response_url=payloads.RESPONSE_URL[0])
    base = json.loads(parse_qs(body)["payload"][0])
    base.update(changes)
    return urlencode({"payload": json.dumps(base)})


def test_a_click_from_a_workspace_that_never_installed_with_a_response_url_not_a_url(target):
    # Bolt answers an unknown workspace on the response_url itself: ValueError, ERROR with a traceback.
    assert post_signed(target, interaction(team="T0002", response_url=[])).status == 400


def test_a_click_from_an_unknown_workspace_with_an_empty_response_url(target):
    # Found by make fuzz: Bolt answers an unknown workspace on the response_url; "" was a ValueError.
    assert post_signed(target, interaction(team="", response_url="")).status < 500


def test_a_block_action_whose_actions_is_null(target):
    # Bolt's argument injection reads body["actions"][0]: TypeError out of App.dispatch, a 500.
    assert post_signed(target, interaction(actions=None)).status == 400


@pytest.mark.parametrize("actions", [[["leave_confirm"]], [{"value": "x"}], [{"action_id": 7}], [None]])
def test_a_block_action_whose_first_action_is_not_one_bolt_can_match(target, actions):
    # Found by the serve fuzz: Bolt's action matcher reads `action["action_id"]` before any listener,
    # a TypeError or KeyError logged as "listener failed" with a traceback.
    assert post_signed(target, interaction(actions=actions)).status == 400


EVENT_IDS = itertools.count(1)


def event_callback(**changes) -> str:
    """An app_home_opened callback with some of its envelope's fields replaced."""
    # A fresh event_id each: a repeated one is skipped as Slack's retry before any listener runs.
    event_id = f"Ev{next(EVENT_IDS)}"
    envelope = json.loads(
        event_body({"type": "app_home_opened", "user": "U100", "tab": "home"}, event_id=event_id)
    )
    envelope.update(changes)
    return json.dumps(envelope)


@pytest.mark.parametrize("event", [[], None], ids=["list", "null"])
def test_an_event_callback_whose_event_is_not_an_object(target, event):
    assert post_signed(target, event_callback(event=event), "application/json").status == 400


def test_a_home_switch_clicked_by_someone_who_has_not_joined(target):
    # set_nudges raised NotFound ("You haven't joined yet") out of the lazy listener: an ERROR line.
    body = action_body("home_nudges_on", "", user_id="U100", response_url=payloads.RESPONSE_URL[0])
    assert post_signed(target, body).status == 200


def test_home_opened_by_someone_slack_does_not_know(target):
    # views.publish answered user_not_found: SlackApiError out of the lazy listener, an ERROR line.
    body = event_callback(event={"type": "app_home_opened", "user": "UNOBODY", "tab": "home"})
    assert post_signed(target, body, "application/json").status == 200
    assert any(r.getMessage() == "home publish refused" for r in target.log.records)


def test_home_opened_with_a_user_that_is_an_object(target):
    # The dict reached a SQL parameter: sqlite3.ProgrammingError quoted in an ERROR line with the SQL.
    body = event_callback(event={"type": "app_home_opened", "user": {"id": "U100"}, "tab": "home"})
    assert post_signed(target, body, "application/json").status == 200
    assert [r.getMessage() for r in target.log.records] == ["malformed slack payload ignored"]


def test_an_uninstall_with_an_empty_team_id(target):
    # Bolt's context.team_id was None: NOT NULL constraint failed on workspaces.external_id.
    body = event_callback(team_id="", event={"type": "app_uninstalled"}, authorizations=[{"team_id": ""}])
    assert post_signed(target, body, "application/json").status == 200


def test_a_view_submission_no_listener_takes_is_one_warning_line(target):
    # Bolt's own "Unhandled request" warning spans many lines and quotes the payload.
    view = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "U100"},
        "view": {"type": "modal", "callback_id": "plume_modal", "state": {"values": {}}},
    }
    assert post_signed(target, urlencode({"payload": json.dumps(view)})).status == 404
    assert [r.getMessage() for r in target.log.records] == ["unhandled slack request"]


def test_a_click_whose_team_id_is_a_list(target):
    # Bolt's authorization looked the list up in the installation store: a SQL error, ERROR traceback.
    body = interaction(team={"id": [None], "domain": "acme"})
    assert post_signed(target, body).status == 400


def test_a_doubled_timestamp_header_is_refused_not_a_listener_failure(target):
    # waitress joins repeated headers with ", "; slack_sdk's int() of it raised inside Bolt's signature
    # check: "listener failed" at ERROR with a traceback, and a 200 for an unverified request.
    target.reset()
    raw = b"token=x&command=/plume&text=help"
    headers = [*signed(raw, "application/x-www-form-urlencoded"), ("X-Slack-Request-Timestamp", "1e9")]
    answer = send(target.port, request_bytes("POST", "/slack/events", with_length(headers, raw), raw))
    check_answer(answer)
    check_logs(target.log.records)
    assert answer.status == 401


@pytest.mark.parametrize(
    ("name", "value"),
    [("X-Slack-Signature", "\xa0"), ("X-Slack-Request-Timestamp", "²")],
    ids=["signature-not-ascii", "timestamp-superscript-digit"],
)
def test_a_doubled_header_with_a_character_the_checks_choke_on(target, name, value):
    # A valid signature doubled with a non-ASCII value: hmac.compare_digest raised TypeError on the
    # joined string, a 500. A superscript digit passes str.isdigit() but not int(): a 500 too.
    target.reset()
    raw = b"{}"
    headers = signed(raw, "application/json")
    headers = (
        [*headers, (name, value)]
        if name == "X-Slack-Signature"
        else [(key, value if key == name else given) for key, given in headers]
    )
    answer = send(target.port, request_bytes("POST", "/slack/events", with_length(headers, raw), raw))
    check_answer(answer)
    check_logs(target.log.records)
    assert answer.status == 401


def test_a_timestamp_of_thousands_of_digits_is_refused_not_a_crash(target):
    # isdigit() holds, but int() refuses strings over 4,300 digits: a 500 with a traceback, unsigned.
    target.reset()
    raw = b"{}"
    headers = [
        ("Content-Type", "application/json"),
        ("X-Slack-Request-Timestamp", "9" * 5000),
        ("X-Slack-Signature", "v0=" + "0" * 64),
    ]
    answer = send(target.port, request_bytes("POST", "/slack/events", with_length(headers, raw), raw))
    check_answer(answer)
    check_logs(target.log.records)
    assert answer.status == 401
