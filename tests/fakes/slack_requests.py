"""Signed Slack requests, shaped like Slack's documented payloads (slash commands, block actions, events)."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret"


def signed_headers(
    body: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    """Headers Slack would send, with a real v0 signature over timestamp and body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"content-type": content_type, "x-slack-request-timestamp": ts, "x-slack-signature": signature}


def command_body(
    text: str,
    *,
    user_id: str = "U100",
    team_id: str = "T0001",
    response_url: str = "",
    channel_id: str = "C100",
) -> str:
    """A `/plume` slash command as Slack posts it (form-encoded)."""
    return urlencode(
        {
            "token": "legacy",
            "team_id": team_id,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "someone",
            "command": "/plume",
            "text": text,
            "api_app_id": "A0001",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    )


def action_body(
    action_id: str, value: str, *, user_id: str = "U100", team_id: str = "T0001", response_url: str = ""
) -> str:
    """A block_actions interaction (form-encoded `payload`)."""
    payload = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "username": "someone", "team_id": team_id},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": "123.456.abc",
        "response_url": response_url,
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "D100",
            "is_ephemeral": True,
        },
        "channel": {"id": "D100", "name": "directmessage"},
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "type": "button",
                "action_ts": "1700000001.000200",
                "text": {"type": "plain_text", "text": "x"},
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def event_body(event: dict[str, Any], *, event_id: str = "Ev0001", team_id: str = "T0001") -> str:
    """An Events API callback (JSON)."""
    return json.dumps(
        {
            "token": "legacy",
            "team_id": team_id,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}],
        }
    )


def bolt_request(body: str, *, json_body: bool = False, **header_options: Any) -> BoltRequest:
    """A BoltRequest for in-process `app.dispatch`, signed like the real thing."""
    content_type = "application/json" if json_body else "application/x-www-form-urlencoded"
    headers = signed_headers(body, content_type=content_type, **header_options)
    return BoltRequest(body=body, headers={k: [v] for k, v in headers.items()})
