"""Hypothesis strategies: Slack's real payload shapes (tests/fakes/slack_requests.py), then mutated at
any depth, so signed examples pass the signature check and reach Bolt's routing and our listeners."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from hypothesis import strategies as st

from bot.messages.action_ids import ActionId
from tests.fakes.slack_requests import action_body, command_body

# Any JSON value, small: what a wrong shape looks like at one spot of a payload.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
# The installed workspace half the time (else Bolt's authorization stops the request before our
# listeners), and a known person half the time.
TEAM_IDS = st.just("T0001") | st.sampled_from(["T0002", "", "T0001 ", "t0001"])
USER_IDS = st.just("U100") | st.sampled_from(["U200", "", "UNOBODY"])
# Set by the `target` fixture to a loopback recorder, so `respond()` works for unmutated shapes.
RESPONSE_URL = ["http://127.0.0.1:9/unset"]


def _action(action_id: str, value: str, team: str, user: str) -> dict:
    body = action_body(action_id, value, team_id=team, user_id=user, response_url=RESPONSE_URL[0])
    return json.loads(dict(parse_qsl(body))["payload"])


def _view_submission(team: str, user: str) -> dict:
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "username": "someone", "team_id": team},
        "api_app_id": "A0001",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "plume_modal",
            "team_id": team,
            "state": {"values": {"b1": {"a1": {"type": "plain_text_input", "value": "x"}}}},
        },
    }


def _event(kind: str, team: str, user: str) -> dict:
    inner = {"type": kind, "user": user, "tab": "home", "channel": "D100", "event_ts": "1.2"}
    if kind == "tokens_revoked":
        inner = {"type": kind, "tokens": {"oauth": [user], "bot": ["UBOT"]}, "event_ts": "1.2"}
    return {
        "token": "legacy",
        "team_id": team,
        "api_app_id": "A0001",
        "event": inner,
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
    }


EVENT_KINDS = ["app_home_opened", "app_uninstalled", "tokens_revoked", "message", "url_verification"]
actions = st.builds(
    _action, st.sampled_from([*ActionId, "unknown"]), st.text(max_size=30), TEAM_IDS, USER_IDS
)
interactions = actions | st.builds(_view_submission, TEAM_IDS, USER_IDS)
events = st.builds(_event, st.sampled_from(EVENT_KINDS), TEAM_IDS, USER_IDS)
commands = st.builds(
    lambda text, team, user: dict(
        parse_qsl(command_body(text, team_id=team, user_id=user, response_url=RESPONSE_URL[0]))
    ),
    st.text(max_size=60),
    TEAM_IDS,
    USER_IDS,
)


@st.composite
def mutated(draw, value: Any, depth: int = 0) -> Any:
    """`value` with one spot changed: a key dropped, a value replaced by any JSON, or deeper."""
    if depth > 5 or draw(st.integers(0, 4)) == 0:
        return draw(JSON)
    if isinstance(value, dict) and value:
        key = draw(st.sampled_from(sorted(value)))
        changed = dict(value)
        move = draw(st.sampled_from(["drop", "deeper", "replace"]))
        if move == "drop":
            del changed[key]
        else:
            changed[key] = draw(mutated(value[key], depth + 1)) if move == "deeper" else draw(JSON)
        return changed
    if isinstance(value, list) and value:
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], draw(mutated(value[index], depth + 1)), *value[index + 1 :]]
    return draw(JSON)


@st.composite
def shaken(draw, base: st.SearchStrategy) -> Any:
    """A real shape with zero to three mutations."""
    value = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        value = draw(mutated(value))
    return value


def form_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@st.composite
def slack_bodies(draw) -> tuple[bytes, str]:
    """(body, content type) of an event, a slash command, an interaction or a stray `payload=`."""
    kind = draw(st.sampled_from(["event", "command", "interaction", "payload"]))
    if kind == "event":
        return json.dumps(draw(shaken(events))).encode(), "application/json"
    form = "application/x-www-form-urlencoded"
    if kind == "command":
        fields = draw(shaken(commands))
        pairs = fields.items() if isinstance(fields, dict) else [("text", form_value(fields))]
        return urlencode([(k, form_value(v)) for k, v in pairs]).encode(), form
    if kind == "interaction":
        return urlencode({"payload": json.dumps(draw(shaken(interactions)))}).encode(), form
    payload = draw(st.text(max_size=40) | JSON.map(json.dumps))
    return urlencode({"payload": payload}).encode(), form
