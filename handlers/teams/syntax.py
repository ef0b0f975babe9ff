"""Teams' wire syntax for a message typed to the bot, turned into the grammar's neutral tokens.

Teams sends a message's text with each @mention as `<at>Name</at>` and lists the mentions in the
activity's `entities` (`{"type": "mention", "text": "<at>Name</at>", "mentioned": {"id", "name"}}`).
In a channel the bot itself is mentioned (that mention is dropped); a mentioned person becomes a
`UserRef` by their Entra object id when Teams gives one, else their Teams id. Text may arrive with
HTML (`<p>`, `&amp;`, `&nbsp;`) when typed in the rich compose box: tags are dropped, entities decoded.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.commands.tokens import Token, UserRef

_MENTION = re.compile(r"<at(?:\s[^<>]*)?>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]{0,200}>")
# Longer than any command the grammar accepts, with room: tokenizing more would be wasted work.
_MAX_TYPED = 20_000
_PLACEHOLDER = "\x00{}\x00"


def mention_ids(entities: Iterable[Any] | None, bot_id: str | None) -> dict[str, str | None]:
    """Each mention's `<at>` text → the mentioned person's id (None for the bot itself)."""
    found: dict[str, str | None] = {}
    for entity in entities or ():
        entity = entity if isinstance(entity, Mapping) else _as_mapping(entity)
        if entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned") or {}
        mentioned = mentioned if isinstance(mentioned, Mapping) else _as_mapping(mentioned)
        inner = _MENTION.fullmatch(str(entity.get("text") or ""))
        if inner is None:
            continue
        person = mentioned.get("aadObjectId") or mentioned.get("id")
        is_bot = bool(bot_id) and str(mentioned.get("id") or "").removeprefix("28:") == bot_id
        found[inner[1]] = None if is_bot else (str(person) if person else None)
    return found


def teams_tokens(
    typed: object, entities: Iterable[Any] | None = None, bot_id: str | None = None
) -> list[Token] | object:
    """The neutral tokens of what was typed to the bot; anything but a string is handed on unchanged,
    for the grammar to refuse. A mention not listed in `entities` stays a plain word."""
    if not isinstance(typed, str):
        return typed
    people = mention_ids(entities, bot_id)
    refs: list[Token] = []

    def swap(match: re.Match) -> str:
        name = match[1]
        if name in people and people[name] is None:
            return " "  # the bot's own mention: "@Plume me" is "me"
        if people.get(name):
            refs.append(UserRef(people[name]))
            return f" {_PLACEHOLDER.format(len(refs) - 1)} "
        return f" {html.unescape(_TAG.sub('', name))} "

    text = _MENTION.sub(swap, typed[:_MAX_TYPED])
    text = html.unescape(_TAG.sub(" ", text)).replace("\xa0", " ")
    tokens: list[Token] = []
    for word in text.split():
        if word.startswith("\x00") and word.endswith("\x00") and word[1:-1].isdigit():
            tokens.append(refs[int(word[1:-1])])
        elif cleaned := word.replace("\x00", ""):
            tokens.append(cleaned)
    return tokens


def _as_mapping(obj: Any) -> Mapping[str, Any]:
    """An SDK model as a dict with the wire's camelCase keys."""
    dump = getattr(obj, "model_dump", None)
    return dump(by_alias=True) if dump else {}
