"""Chat commands, independent of any chat platform: the `/plume` grammar lives in `grammar`."""

from bot.commands.grammar import (
    ADMIN_SETTINGS,
    HELP_LINES,
    Command,
    CommandError,
    SettingSpec,
    help_text,
    parse_command,
)

__all__ = [
    "ADMIN_SETTINGS",
    "HELP_LINES",
    "Command",
    "CommandError",
    "SettingSpec",
    "help_text",
    "parse_command",
]
