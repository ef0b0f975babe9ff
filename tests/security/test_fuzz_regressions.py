"""The smallest failing examples the fuzzer found, kept as explicit tests (signed: each reached Bolt's
routing or our listeners). Each failed before its fix with a 500 or an ERROR line in the log."""

from __future__ import annotations

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


def test_a_block_action_whose_actions_is_null(target):
    # Bolt's argument injection reads body["actions"][0]: TypeError out of App.dispatch, a 500.
    assert post_signed(target, interaction(actions=None)).status == 400


def event_callback(**changes) -> str:
    """An app_home_opened callback with some of its envelope's fields replaced."""
    envelope = json.loads(event_body({"type": "app_home_opened", "user": "U100", "tab": "home"}))
    envelope.update(changes)
    return json.dumps(envelope)


@pytest.mark.parametrize("event", [[], None], ids=["list", "null"])
def test_an_event_callback_whose_event_is_not_an_object(target, event):
    assert post_signed(target, event_callback(event=event), "application/json").status == 400
