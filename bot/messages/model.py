"""One neutral message model. Renderers (terminal now; Slack Block Kit and Teams cards later) turn it
into a platform's format; nothing here knows any platform. All text is plain: renderers escape it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Fact:
    """A labelled figure, e.g. `Posts` -> `412 (+8% vs last week)`."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link with a label; the URL is never shown raw."""

    url: str
    label: str


@dataclass(frozen=True, slots=True)
class Section:
    """A block of text, optionally with facts and links."""

    text: str = ""
    heading: str | None = None
    facts: tuple[Fact, ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class Image:
    """A chart: a local file for the renderer to upload or print, with alt text."""

    path: str
    alt: str
    title: str


@dataclass(frozen=True, slots=True)
class Action:
    """A button. `action_id` is a stable identifier the platform layer maps to a handler."""

    action_id: str
    label: str
    value: str = ""
    style: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """Title, sections, images, context lines, actions and footer; `fallback` is the plain summary."""

    kind: str
    title: str
    fallback: str
    sections: tuple[Section, ...] = ()
    images: tuple[Image, ...] = ()
    context: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    footer: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return asdict(self)
