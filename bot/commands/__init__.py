"""Chat commands, independent of any chat platform: the grammar (`grammar`, over neutral `tokens`),
the commands themselves (`person`, `admin`) and the one entry every platform calls (`run.answer`)."""

from bot.commands.grammar import HELP_LINES, Command, CommandError, help_text, parse_command
from bot.commands.settings_specs import ADMIN_SETTINGS, SettingSpec

__all__ = [
    "ADMIN_SETTINGS",
    "HELP_LINES",
    "Command",
    "CommandError",
    "SettingSpec",
    "help_text",
    "parse_command",
]
