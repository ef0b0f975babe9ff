"""Slack's wire syntax for a slash command's text, turned into the grammar's neutral tokens.

Slack sends a picked person as `<@U123|name>`, a picked channel as `<#C123|name>`, and a typed `&`,
`<`, `>` as `&amp;`, `&lt;`, `&gt;`. Everything else (a link `<https://…>`, `<!channel>`) stays a
plain word, which the grammar refuses where it expects something else.
"""

from __future__ import annotations

import re

from bot.commands.tokens import ChannelRef, Token, UserRef

# A Slack mention or link (`<@U1|jo smith>`) stays one token even with spaces inside.
_TOKEN = re.compile(r"<[^<>]*>(?!\S)|\S+")
_USER = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^<>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]{2,})(?:\|([^<>|]*))?>")
# Longer than any command the grammar accepts, with room: tokenizing more would be wasted work.
_MAX_TYPED = 20_000


def unescape(word: str) -> str:
    """What the person typed, from Slack's escaped form (`&amp;` last, so `&amp;lt;` stays `&lt;`)."""
    return word.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_tokens(typed: object) -> list[Token] | object:
    """The neutral tokens of a slash command's text; anything but a string is handed on unchanged,
    for the grammar to refuse."""
    if not isinstance(typed, str):
        return typed
    tokens: list[Token] = []
    for word in _TOKEN.findall(" ".join(typed[:_MAX_TYPED].split())):
        if user := _USER.fullmatch(word):
            tokens.append(UserRef(user[1]))
        elif channel := _CHANNEL.fullmatch(word):
            tokens.append(ChannelRef(channel[1], channel[2] or None))
        else:
            tokens.append(unescape(word))
    return tokens
