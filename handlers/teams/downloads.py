"""A person's export on Teams: a signed link, valid for 15 minutes, sent to their 1:1 chat.

A bot can put a file in someone's OneDrive only through Teams' file-consent dance (a card, their
click, an upload URL); a link is one message and works on every client. The link carries only the
workspace and the person; the CSV is made again when it is opened, so nothing personal is kept
waiting on disk, and someone who has left meanwhile gets a 404.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from bot.config import Settings
from bot.errors import NotFound, PlumeError
from bot.messages.model import Link, Message, Section
from bot.runtime import Runtime
from bot.services.delivery.notifiers import Notifier
from bot.services.people.export import export_csv
from bot.storage.db import transaction
from handlers.teams.signed import link_key, seal, unseal

LINK_TTL = timedelta(minutes=15)
_KEY_LABEL = b"plume/teams/export/v1"
_HEADER = struct.Struct(">QQ")  # workspace id, expiry in Unix seconds; the user id follows


def export_link(settings: Settings, workspace_id: int, user_id: str, now: datetime) -> str:
    """`{PLUME_PUBLIC_URL}/exports/<token>.csv` for this person, valid for LINK_TTL."""
    key = link_key(settings, _KEY_LABEL)
    if not settings.PLUME_PUBLIC_URL or key is None:
        raise PlumeError("Exports on Teams need PLUME_PUBLIC_URL set: please ask your Plume admin.")
    expires = int((now + LINK_TTL).timestamp())
    token = seal(key, _HEADER.pack(workspace_id, expires) + user_id.encode("utf-8"))
    return f"{settings.PLUME_PUBLIC_URL}/exports/{token}.csv"


def send_download(
    settings: Settings, notifier: Notifier, now: datetime, to: tuple[int, str], file: tuple[str, str, str]
) -> None:
    """The person (workspace id, user id) gets the link to `file` (name, title, comment) in their 1:1;
    the file itself is made when they open it."""
    (workspace_id, user_id), (filename, title, comment) = to, file
    url = export_link(settings, workspace_id, user_id, now)
    message = Message(
        kind="export",
        title=title,
        fallback=f"{title}: {filename}",
        sections=(
            Section(
                text=f"{comment} The link works for 15 minutes; ask again with export any time.",
                links=(Link(url=url, label=f"Download {filename}"),),
            ),
        ),
    )
    notifier.direct(workspace_id=workspace_id, user_id=user_id, message=message, key="")


def _opened(key: bytes, token: str, now: datetime) -> tuple[int, str] | None:
    payload = unseal(key, token)
    if payload is None or len(payload) <= _HEADER.size:
        return None
    workspace_id, expiry = _HEADER.unpack_from(payload)
    try:
        user_id = payload[_HEADER.size :].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return (workspace_id, user_id) if expiry > now.timestamp() else None


def exports_router(
    settings: Settings, runtime: Runtime, *, clock: Callable[[], datetime] | None = None
) -> APIRouter:
    """`GET /exports/{token}.csv`: the person's CSV while the link is valid, else a plain 404."""
    key = link_key(settings, _KEY_LABEL)
    now = clock or (lambda: datetime.now(UTC))
    router = APIRouter()

    @router.get("/exports/{token}.csv", include_in_schema=False)
    def serve_export(token: str) -> Response:
        """Sync on purpose: FastAPI runs it in its thread pool, so the query blocks no request."""
        found = _opened(key, token, now()) if key is not None else None
        if found is None:
            return PlainTextResponse("Not Found", status_code=404)
        try:
            with transaction(runtime.sessions) as session:
                filename, content = export_csv(session=session, workspace_id=found[0], chat_user_id=found[1])
        except NotFound:
            return PlainTextResponse("Not Found", status_code=404)
        headers = {
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
        return Response(content, media_type="text/csv; charset=utf-8", headers=headers)

    return router
