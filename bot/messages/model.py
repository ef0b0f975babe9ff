"""One neutral message model. Renderers (terminal, Slack Block Kit, Teams Adaptive Cards) turn it into
a platform's format; nothing here knows any platform. Text is made of runs that say what they are
(`bot.messages.text`); a plain string given where text goes becomes one plain run. Renderers escape."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from bot.messages.action_ids import ActionId
from bot.messages.text import Text, as_text


def _coerce(obj: object, *names: str) -> None:
    """Turn plain strings given for text fields into Text (frozen dataclasses: set once, here)."""
    for name in names:
        object.__setattr__(obj, name, as_text(getattr(obj, name)))


@dataclass(frozen=True, slots=True)
class Fact:
    """A labelled figure, e.g. `Posts` -> `412 (+8% vs last week)`."""

    label: Text | str
    value: Text | str

    def __post_init__(self) -> None:
        _coerce(self, "label", "value")


@dataclass(frozen=True, slots=True)
class Link:
    """A link with a label; the URL is never shown raw."""

    url: str
    label: str


@dataclass(frozen=True, slots=True)
class Section:
    """A block of text, optionally with facts and links."""

    text: Text | str = ""
    heading: str | None = None
    facts: tuple[Fact, ...] = ()
    links: tuple[Link, ...] = ()

    def __post_init__(self) -> None:
        _coerce(self, "text")


@dataclass(frozen=True, slots=True)
class Image:
    """A chart, by reference: `path` names a rendered PNG that each renderer resolves to what its
    platform shows (Slack: the id of the file it uploaded; Teams: a signed URL; terminal: the path)."""

    path: str
    alt: str
    title: str


class ActionStyle(StrEnum):
    """How a button reads: the one to press, one that deletes, or neither."""

    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Action:
    """A button; every platform's listeners route its `action_id`, and get `value` back. With a `url`
    it is a link button: it opens that page in the browser (the platform may still report the click)."""

    action_id: ActionId
    label: str
    value: str = ""
    style: ActionStyle = ActionStyle.DEFAULT
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """Title, sections, images, context lines, actions and footer; `fallback` is the summary shown
    where the message itself cannot be (a notification)."""

    kind: str
    title: str
    fallback: Text | str
    sections: tuple[Section, ...] = ()
    images: tuple[Image, ...] = ()
    context: tuple[Text | str, ...] = ()
    actions: tuple[Action, ...] = ()
    footer: Text | str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "context", tuple(as_text(line) for line in self.context))
        _coerce(self, "footer", "fallback")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (text as its runs, each with its `kind`)."""
        return asdict(self)
