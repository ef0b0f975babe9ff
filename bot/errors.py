"""Domain exceptions. Each carries a message a person can act on; callers show it, never a trace."""

from __future__ import annotations

from bot.messages.text import Text, as_text


class PlumeError(Exception):
    """Base for errors whose message is safe and useful to show to a user or operator. The message
    may be neutral text (with command hints and code spans): chat renderers show `text`, the CLI and
    logs `str()`."""

    def __init__(self, message: str | Text = "") -> None:
        self.text = as_text(message)
        super().__init__(str(self.text))


class ConfigError(PlumeError):
    """A setting is missing or malformed."""


class ArchiveError(PlumeError):
    """An X archive or CSV file cannot be read; the message names the file and position."""


class NotFound(PlumeError):
    """The thing asked for does not exist (in this workspace)."""


class InvalidInput(PlumeError):
    """A value typed by a person does not parse."""
