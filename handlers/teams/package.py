"""The Teams app package (`python -m bot teams-package`): manifest.json and the two icons in a zip that
an admin uploads in the Teams admin centre or the Developer Portal.

The manifest follows schema 1.20, the oldest version the issue allows: nothing Plume declares needs a
newer one, and every Teams client and admin centre accepts it. Teams' limits at 1.20: 10 commands a
list, titles of 32 characters, descriptions of 128. The zip is reproducible: fixed entry order, dates
and permissions, and icons drawn without timestamps.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.commands.grammar import HELP_LINES
from bot.config import Settings
from bot.errors import ConfigError
from handlers.teams.icons import ACCENT, color_icon, outline_icon

MANIFEST_VERSION = "1.20"
SCHEMA_URL = (
    f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
DEFAULT_OUT = Path("plume-teams.zip")
DEFAULT_APP_VERSION = "1.0.0"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: no build time in the package

# The 1:1 chat is where a person's own commands belong; `leave` is left out (`forget` erases too, and
# `help` lists it) and admins type `admin …` (help lists those as well).
PERSONAL_COMMANDS = (
    "help",
    "join",
    "me",
    "hours",
    "nudges",
    "topics",
    "recap",
    "highlights",
    "export",
    "forget",
)
# In a team channel: the admin commands (`admin channel` makes that channel the digest channel), and
# the commands people discover there (their own figures are answered in their 1:1 chat).
TEAM_COMMANDS = (
    "help",
    "join",
    "me",
    "hours",
    "nudges",
    "admin channel",
    "admin invite",
    "admin status",
    "admin settings",
    "admin digest preview",
)
# Where Teams' wording must differ from the core's: in a channel, `admin channel` takes no argument.
TEAMS_DESCRIPTIONS = {"admin channel": "Admins only: make this channel the one for the weekly digest."}

SHORT_DESCRIPTION = "Quality over quantity for your brand-ambassador program on X."
FULL_DESCRIPTION = (
    "Plume is a companion for company brand-ambassador programs on X. Employees who opt in have their "
    "public posts tracked; Plume works out each person's figures against their own schedule and "
    "timezone, posts a weekly digest to a channel that celebrates the program's quality (never a ranking "
    "by volume), and sends a private, gentle nudge when someone's posting during their own work hours "
    "gets heavy. Chat with Plume 1:1 to join with your X handle, see your own week, set your hours and "
    "nudges, or export and erase your data; mention @Plume in a channel for the program's admin commands."
)


@dataclass(frozen=True)
class PackageOptions:
    """What the operator may set on the command line; URLs default to PLUME_PUBLIC_URL."""

    out: Path = DEFAULT_OUT
    app_version: str = DEFAULT_APP_VERSION
    website_url: str | None = None
    privacy_url: str | None = None
    terms_url: str | None = None


def bot_id(settings: Settings) -> str:
    """TEAMS_APP_ID as the lower-case GUID Teams expects; a clear error when it is missing or malformed."""
    if not settings.TEAMS_APP_ID:
        raise ConfigError(
            "TEAMS_APP_ID is not set: the Teams app package needs the bot's Microsoft App ID "
            "(Azure Bot → Configuration)."
        )
    try:
        return str(uuid.UUID(settings.TEAMS_APP_ID.strip()))
    except ValueError:
        raise ConfigError(
            f"TEAMS_APP_ID must be a GUID such as 00000000-0000-0000-0000-000000000000, "
            f"not {settings.TEAMS_APP_ID[:40]!r}."
        ) from None


def _https(name: str, value: str | None) -> str:
    """A developer URL: Teams requires https for them."""
    if not value or not value.startswith("https://"):
        raise ConfigError(
            f"The Teams manifest needs an https {name} URL: set PLUME_PUBLIC_URL to your https host, "
            f"or pass --{name}-url."
        )
    return value


def _semver(value: str) -> str:
    """The app version: Teams needs MAJOR.MINOR.PATCH, and a higher one for each update."""
    if not re.fullmatch(r"(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})", value):
        raise ConfigError(f"The app version must look like 1.0.0 (MAJOR.MINOR.PATCH), not {value[:40]!r}.")
    return value


def command(name: str) -> dict[str, str]:
    """One menu entry: the title is what Teams types for the person; the description shows the usage."""
    usage, description = next((u, d) for u, d in HELP_LINES if u == name or u.startswith(f"{name} "))
    description = TEAMS_DESCRIPTIONS.get(name, description)
    shown = description if usage == name or name in TEAMS_DESCRIPTIONS else f"{usage} — {description}"
    return {"title": name, "description": shown}


def manifest(settings: Settings, options: PackageOptions) -> dict:
    """The manifest.json of the Teams app, as a dict."""
    app_id = bot_id(settings)
    public = settings.PLUME_PUBLIC_URL
    website = _https("website", options.website_url or public)
    host = urlsplit(public).hostname if public else None
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": _semver(options.app_version),
        # The bot's own id: one GUID for operators to recognise in the admin centre.
        "id": app_id,
        "developer": {
            "name": "Plume",
            "websiteUrl": website,
            "privacyUrl": _https("privacy", options.privacy_url or website),
            "termsOfUseUrl": _https("terms", options.terms_url or website),
        },
        "name": {"short": "Plume", "full": "Plume: brand ambassadors on X"},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team"],
                "supportsFiles": True,  # people send their X archive zip in the 1:1 chat
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": [command(n) for n in PERSONAL_COMMANDS]},
                    {"scopes": ["team"], "commands": [command(n) for n in TEAM_COMMANDS]},
                ],
            }
        ],
        # Plume has no tab and no single sign-on, so no webApplicationInfo; the domain is where the
        # cards' chart images come from.
        "validDomains": [host] if host else [],
    }


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date and permissions, so two builds give the same bytes."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def package_bytes(settings: Settings, options: PackageOptions) -> bytes:
    """The app package: manifest.json, color.png and outline.png at the zip's root."""
    document = json.dumps(manifest(settings, options), indent=2, ensure_ascii=False) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_entry("manifest.json"), document.encode("utf-8"))
        archive.writestr(_entry("color.png"), color_icon())
        archive.writestr(_entry("outline.png"), outline_icon())
    return buffer.getvalue()


def write_package(settings: Settings, options: PackageOptions) -> Path:
    """Build the package and write it to `options.out` (its folder must exist); the absolute path."""
    data = package_bytes(settings, options)
    out = options.out.expanduser().resolve()
    if not out.parent.is_dir():
        raise ConfigError(f"Cannot write {options.out}: the folder {out.parent} does not exist.")
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"Cannot write {options.out}: {exc.strerror or exc}.") from None
    return out
