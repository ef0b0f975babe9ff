"""Slack's own identifiers. Button ids live in the core (`bot.messages.action_ids.ActionId`), shared by
every platform's listeners."""

COMMAND = "/plume"
SLASH_PREFIX = COMMAND + " "  # how a command hint reads on Slack, and in consent stored from Slack
