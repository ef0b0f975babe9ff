"""Text that says what its parts are: plain words, code, a command hint, a link, a user mention.

Messages, error messages and the stored consent wording are built from these runs instead of
mrkdwn or backticks in plain strings, so each renderer does the right thing with each part: Slack
writes a hint as `/plume me` in a code span, Teams as `me`, the terminal as on Slack. Every run's
text is plain and unescaped; renderers escape it for their format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SLASH_PREFIX = "/plume "  # how a hint reads where commands are typed after Slack's slash command


@dataclass(frozen=True, slots=True)
class Plain:
    """Words shown as they are."""

    text: str
    kind: Literal["plain"] = "plain"


@dataclass(frozen=True, slots=True)
class Code:
    """A literal value to show in a code span (what someone typed, a value to copy)."""

    text: str
    kind: Literal["code"] = "code"


@dataclass(frozen=True, slots=True)
class Hint:
    """A Plume command a person can type, without the platform's prefix: `me`, `join @handle`.
    `code` says whether it is shown as a code span (in running text) or as bare words (a label)."""

    command: str
    code: bool = True
    kind: Literal["hint"] = "hint"


@dataclass(frozen=True, slots=True)
class LinkRun:
    """A link inside text; the URL is never shown raw."""

    url: str
    label: str
    kind: Literal["link"] = "link"


@dataclass(frozen=True, slots=True)
class Mention:
    """A chat user, by their platform id; each platform renders its own mention."""

    user_id: str
    kind: Literal["mention"] = "mention"


Run = Plain | Code | Hint | LinkRun | Mention


@dataclass(frozen=True, slots=True)
class Text:
    """A sequence of runs. `str()` gives the default plain rendering (hints as `/plume …` code spans),
    used by the terminal, logs and the CLI's error lines."""

    runs: tuple[Run, ...] = ()

    def __str__(self) -> str:
        return markdown(self)

    def __bool__(self) -> bool:
        return any(_visible(run) for run in self.runs)

    def __contains__(self, fragment: str) -> bool:
        return fragment in str(self)



def _visible(run: Run) -> bool:
    if isinstance(run, Plain | Code):
        return bool(run.text)
    return True


def text(*parts: str | Run | Text) -> Text:
    """Runs from strings (plain), runs and other texts, in order; empty strings are dropped."""
    runs: list[Run] = []
    for part in parts:
        if isinstance(part, Text):
            runs += part.runs
        elif isinstance(part, str):
            if part:
                runs.append(Plain(part))
        else:
            runs.append(part)
    return Text(tuple(runs))


def as_text(value: str | Text) -> Text:
    """A Text from a plain string, or the Text itself."""
    return value if isinstance(value, Text) else text(value)


def hint(command: str, *, code: bool = True) -> Hint:
    """A command hint: `hint("join @your_x_handle")`."""
    return Hint(command, code)


def code(value: str) -> Code:
    """A code span."""
    return Code(value)


def markdown(value: Text | str, prefix: str = SLASH_PREFIX) -> str:
    """The text as one string with code spans in backticks and hints as `prefix + command`: the
    default rendering, and the stored form of a consent wording on the platform it was shown on."""
    parts = []
    for run in as_text(value).runs:
        if isinstance(run, Plain):
            parts.append(run.text)
        elif isinstance(run, Code):
            parts.append(f"`{run.text}`")
        elif isinstance(run, Hint):
            parts.append(f"`{prefix}{run.command}`" if run.code else f"{prefix}{run.command}")
        elif isinstance(run, LinkRun):
            parts.append(f"{run.label} ({run.url})")
        else:
            parts.append(f"@{run.user_id}")
    return "".join(parts)
