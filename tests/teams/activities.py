"""Bot Framework activities as Teams sends them to the bot, for tests: a 1:1 message, a channel
message with the bot's @mention, installs, and a card's Action.Execute."""

from __future__ import annotations

import itertools
from typing import Any

from tests.fakes.teams_server import APP_ID, TENANT

BOT = f"28:{APP_ID}"
TEAM = "19:team-general@thread.tacv2"
CHANNEL = "19:ambassadors0123456789abcdef0123456@thread.tacv2"
_ids = itertools.count(1)


def person(aad: str, name: str = "Jo Smith") -> dict[str, Any]:
    return {"id": f"29:{aad}", "name": name, "aadObjectId": aad}


def base(
    kind: str,
    service_url: str,
    user: dict[str, Any],
    conversation: dict[str, Any],
    tenant: str = TENANT,
    **extra: Any,
) -> dict[str, Any]:
    activity = {
        "type": kind,
        "id": f"f:{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2026-12-04T09:00:00.000Z",
        "from": user,
        "recipient": {"id": BOT, "name": "Plume"},
        "conversation": {**conversation, "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}},
    }
    activity.update(extra)
    return activity


def personal_message(
    service_url: str, conversation_id: str, user: dict[str, Any], text: str, **extra: Any
) -> dict[str, Any]:
    """Typed in the person's 1:1 chat with the bot."""
    conversation = {"id": conversation_id, "conversationType": "personal"}
    return base("message", service_url, user, conversation, text=text, **extra)


def channel_message(service_url: str, user: dict[str, Any], text: str, **extra: Any) -> dict[str, Any]:
    """`@Plume <text>` typed in a team channel (a new thread: its id carries the message id)."""
    message_id = next(_ids)
    conversation = {"id": f"{CHANNEL};messageid={message_id}", "conversationType": "channel"}
    tenant = extra.pop("tenant", TENANT)
    return base(
        "message",
        service_url,
        user,
        conversation,
        tenant,
        text=f"<at>Plume</at> {text}",
        entities=[{"type": "mention", "text": "<at>Plume</at>", "mentioned": {"id": BOT, "name": "Plume"}}],
        channelData={
            "tenant": {"id": tenant},
            "team": {"id": TEAM, "name": "Marketing"},
            "channel": {"id": CHANNEL, "name": "ambassadors"},
        },
        **extra,
    )


def installed(
    service_url: str,
    user: dict[str, Any],
    *,
    team: bool,
    action: str = "add",
    tenant: str = TENANT,
    channel: str = CHANNEL,
    **extra: Any,
):
    """Plume added to (or removed from) a team (in `tenant`, its general channel `channel`), or
    someone's personal scope."""
    if team:
        conversation = {"id": channel, "conversationType": "channel"}
        data = {"tenant": {"id": tenant}, "team": {"id": f"{channel}-team", "name": "Marketing"}}
        return base(
            "installationUpdate", service_url, user, conversation, tenant, action=action, channelData=data
        )
    conversation = {"id": extra.pop("conversation_id"), "conversationType": "personal"}
    return base("installationUpdate", service_url, user, conversation, action=action, **extra)


def button(
    service_url: str, conversation_id: str, user: dict[str, Any], action_id: str, value: str = ""
) -> dict[str, Any]:
    """An Action.Execute pressed on one of the bot's cards in the 1:1."""
    conversation = {"id": conversation_id, "conversationType": "personal"}
    data = {"action": action_id, "value": value}
    pressed = {"action": {"type": "Action.Execute", "verb": action_id, "data": data}, "trigger": "manual"}
    return base("invoke", service_url, user, conversation, name="adaptiveCard/action", value=pressed)
