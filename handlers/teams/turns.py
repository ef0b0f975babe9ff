"""What Plume keeps of an inbound Teams activity: a plain, typed record taken from the SDK's model
before any work starts, so the work (in a thread, after the HTTP answer) holds no SDK object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PERSONAL = "personal"
# A file someone sent the bot in their 1:1 (the app package's `supportsFiles`): a short-lived,
# pre-authorised download URL, fetched without the bot's token.
FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"


class Unusable(Exception):
    """A verified activity without what Plume needs to act on it (no tenant, no user): ignored."""


@dataclass(frozen=True, slots=True)
class SentFile:
    """A file attached to the message: its name and where to download it."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Turn:
    """Who spoke to the bot, where, and what they said."""

    activity_id: str
    tenant_id: str
    user_id: str  # the person's Entra object id (aadObjectId); their Teams id when Teams gives none
    user_name: str
    conversation_id: str
    conversation_type: str  # personal | channel | groupChat
    service_url: str
    bot_id: str  # the bot's id in this conversation (`28:<app id>`)
    text: str = ""
    entities: tuple[dict[str, Any], ...] = ()
    team_id: str | None = None
    channel_name: str | None = None
    local_timezone: str | None = None
    files: tuple[SentFile, ...] = ()

    @property
    def is_personal(self) -> bool:
        return self.conversation_type == PERSONAL


def _dump(obj: Any) -> dict[str, Any]:
    dump = getattr(obj, "model_dump", None)
    return dump(by_alias=True, exclude_none=True) if dump else (obj if isinstance(obj, dict) else {})


def turn_of(activity: Any) -> Turn:
    """The Turn of an SDK activity (already verified by the SDK); Unusable without tenant or user."""
    raw = _dump(activity)
    sender, conversation = raw.get("from") or {}, raw.get("conversation") or {}
    channel_data = raw.get("channelData") or {}
    tenant = conversation.get("tenantId") or (channel_data.get("tenant") or {}).get("id")
    user = sender.get("aadObjectId") or sender.get("id")
    if not (isinstance(tenant, str) and tenant and isinstance(user, str) and user):
        raise Unusable("tenant" if not tenant else "user")
    text = raw.get("text")
    return Turn(
        activity_id=str(raw.get("id") or ""),
        tenant_id=tenant[:64],
        user_id=user[:64],
        user_name=str(sender.get("name") or "")[:200],
        conversation_id=str(conversation.get("id") or ""),
        conversation_type=str(conversation.get("conversationType") or PERSONAL),
        service_url=str(raw.get("serviceUrl") or "").rstrip("/"),
        bot_id=str((raw.get("recipient") or {}).get("id") or ""),
        text=text if isinstance(text, str) else "",
        entities=tuple(e for e in raw.get("entities") or () if isinstance(e, dict)),
        team_id=(channel_data.get("team") or {}).get("id"),
        channel_name=(channel_data.get("channel") or {}).get("name"),
        local_timezone=_string(raw.get("localTimezone")),
        files=files_of(raw.get("attachments")),
    )


def files_of(attachments: object) -> tuple[SentFile, ...]:
    """The files among a message's attachments (cards and images are not files)."""
    found = []
    for item in attachments if isinstance(attachments, list) else ():
        if not isinstance(item, dict) or item.get("contentType") != FILE_DOWNLOAD:
            continue
        content = item.get("content") if isinstance(item.get("content"), dict) else {}
        url, name = content.get("downloadUrl"), item.get("name")
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            found.append(SentFile(name if isinstance(name, str) and name else "archive.zip", url))
    return tuple(found)


def _string(value: object) -> str | None:
    return value[:64] if isinstance(value, str) and value else None
