"""Chart images for Teams: Adaptive Cards show images by URL, so `python -m bot teams` serves each chart
PNG at `{PLUME_PUBLIC_URL}/charts/<token>.png`.

The token is the capability: URL-safe base64 of a version byte, the workspace id, the expiry (Unix
seconds, 7 days after signing) and the chart's name relative to the charts directory, followed by an
HMAC-SHA256 of all that. The key is derived from TEAMS_APP_PASSWORD (or, without it,
PLUME_ENCRYPTION_KEY), so rotating that secret also retires every chart URL. A chart belongs to one
workspace: its name must sit in that workspace's folder (`ws<id>-…`, as
`bot.services.delivery.sending.chart_dir` names them), checked when signing and again when serving.
Anything that does not verify, has expired or names no file inside the charts directory is a plain
404 that says nothing about why.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path, PurePosixPath

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from bot.config import Settings
from bot.errors import ConfigError
from bot.messages.model import Image
from handlers.teams.signed import link_key, seal, unseal

log = logging.getLogger(__name__)

CHART_TTL = timedelta(days=7)
CHARTS_SUBDIR = "digests"  # bot.jobs.tasks writes digest charts to PLUME_OUTPUT_DIR / "digests"
_VERSION = 1
_HEADER = struct.Struct(">BQQ")  # version, workspace id, expiry in Unix seconds
KEY_LABEL = b"plume/teams/chart-url/v1"  # this key signs chart URLs and nothing else
_NOT_FOUND = "Not Found"


def charts_dir(settings: Settings) -> Path:
    """The folder chart URLs may point into; no token reaches a file outside it."""
    return settings.PLUME_OUTPUT_DIR / CHARTS_SUBDIR


def workspace_chart_dir(settings: Settings, workspace_id: int, label: str) -> Path:
    """A folder for one workspace's charts (`label`: a week, `me-<user>`, …) that chart_url accepts."""
    return charts_dir(settings) / f"{_folder_prefix(workspace_id)}{label}"


def _folder_prefix(workspace_id: int) -> str:
    return f"ws{workspace_id}-"


def _key(settings: Settings) -> bytes | None:
    """The key of chart links (handlers.teams.signed); None without a secret."""
    return link_key(settings, KEY_LABEL)


def _safe_name(workspace_id: int, name: str) -> bool:
    """A relative POSIX name of a PNG inside the workspace's folder: no `..`, no absolute path."""
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and "\\" not in name
        and "\x00" not in name
        and all(part not in ("", ".", "..") for part in name.split("/"))
        and len(path.parts) >= 2
        and path.parts[0].startswith(_folder_prefix(workspace_id))
        and path.suffix == ".png"
    )


def sign_chart(settings: Settings, workspace_id: int, name: str, expires: datetime) -> str:
    """The token for chart `name` (relative to the charts directory) of one workspace, until `expires`."""
    key = _key(settings)
    if key is None:
        raise ConfigError("Chart URLs are signed with TEAMS_APP_PASSWORD (or PLUME_ENCRYPTION_KEY): set one.")
    payload = _HEADER.pack(_VERSION, workspace_id, int(expires.timestamp())) + name.encode("utf-8")
    return seal(key, payload)


def chart_url(settings: Settings, workspace_id: int, image: Image, now: datetime) -> str | None:
    """`{PLUME_PUBLIC_URL}/charts/<token>.png` for a rendered chart, valid for 7 days from `now`; None
    without PLUME_PUBLIC_URL. The chart must be a PNG in this workspace's folder of the charts directory."""
    if not settings.PLUME_PUBLIC_URL:
        return None
    root = charts_dir(settings).resolve()
    path = Path(image.path).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"Chart {image.path} is outside the charts directory {root}.")
    name = path.relative_to(root).as_posix()
    if not _safe_name(workspace_id, name):
        raise ValueError(f"Chart {name} is not a PNG in workspace {workspace_id}'s folder.")
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    token = sign_chart(settings, workspace_id, name, now + CHART_TTL)
    return f"{settings.PLUME_PUBLIC_URL}/charts/{token}.png"


def verify_chart(key: bytes, token: str, now: datetime) -> tuple[int, str, datetime] | None:
    """The workspace id, chart name and expiry a token signs, or None if it is malformed, forged,
    expired or names anything but a PNG in that workspace's folder."""
    payload = unseal(key, token)
    if payload is None or len(payload) <= _HEADER.size:
        return None
    version, workspace_id, expiry = _HEADER.unpack_from(payload)
    try:
        name = payload[_HEADER.size :].decode("utf-8")
        expires = datetime.fromtimestamp(expiry, UTC)
    except (UnicodeDecodeError, ValueError, OverflowError, OSError):
        return None
    if version != _VERSION or expires <= now or not _safe_name(workspace_id, name):
        return None
    return workspace_id, name, expires


def _chart_file(root: Path, name: str) -> Path | None:
    """The regular file `name` resolves to, if it stays inside `root` (a symlink out of it does not)."""
    try:
        path = (root / name).resolve()
        return path if path.is_relative_to(root) and path.is_file() else None
    except (OSError, ValueError):
        return None


def charts_router(settings: Settings, *, clock: Callable[[], datetime] | None = None) -> APIRouter:
    """`GET /charts/{token}.png`: the chart's PNG while its token verifies, else a plain 404."""
    key, root = _key(settings), charts_dir(settings).resolve()
    now = clock or (lambda: datetime.now(UTC))
    if key is None:
        reason = "no TEAMS_APP_PASSWORD or PLUME_ENCRYPTION_KEY"
        log.warning("chart URLs disabled", extra={"fields": {"reason": reason}})
    router = APIRouter()

    @router.get("/charts/{token}.png", include_in_schema=False)
    def serve_chart(token: str) -> Response:
        """Sync on purpose: FastAPI runs it in its thread pool, so reading the file blocks no request."""
        moment = now()
        found = verify_chart(key, token, moment) if key is not None else None
        path = _chart_file(root, found[1]) if found else None
        if found is None or path is None:
            return PlainTextResponse(_NOT_FOUND, status_code=404)
        try:
            content = path.read_bytes()
        except OSError:  # removed between the check and the read
            return PlainTextResponse(_NOT_FOUND, status_code=404)
        ttl = max(0, int((found[2] - moment).total_seconds()))
        headers = {
            "Cache-Control": f"private, max-age={ttl}",
            "Expires": format_datetime(found[2], usegmt=True),
            "X-Content-Type-Options": "nosniff",
        }
        return Response(content, media_type="image/png", headers=headers)

    return router
