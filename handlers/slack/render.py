"""Neutral messages to Slack Block Kit, built with typed `slack_sdk.models.blocks`.

All text from users or X is escaped for mrkdwn here (`&`, `<`, `>`), so a post or a name containing
`<!channel>` or `<@U123>` never pings anyone. Limits: at most 50 blocks, section text at most 3,000
characters, 10 fields per section.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.messages.model import Action, ActionStyle, Message, Section
from bot.messages.text import Code, Hint, LinkRun, Mention, Plain, Text
from handlers.slack.ids import SLASH_PREFIX

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELDS = 10
MAX_HEADER = 150


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def mrkdwn(text: Text) -> str:
    """Neutral text as mrkdwn: every run escaped; code and hints in code spans, links and mentions
    in Slack's `<…>` form (a mention only for what looks like a Slack user id)."""
    parts = []
    for run in text.runs:
        if isinstance(run, Plain):
            parts.append(escape(run.text))
        elif isinstance(run, Code):
            parts.append(f"`{_in_code(run.text)}`")
        elif isinstance(run, Hint):
            command = _in_code(SLASH_PREFIX + run.command)
            parts.append(f"`{command}`" if run.code else command)
        elif isinstance(run, LinkRun):
            parts.append(link(run.url, run.label))
        elif isinstance(run, Mention):
            is_id = _USER_ID.fullmatch(run.user_id)
            parts.append(f"<@{run.user_id}>" if is_id else escape(f"@{run.user_id}"))
    return "".join(parts)


def _in_code(text: str) -> str:
    """Text for a code span: escaped, and a backtick (which would end the span) made a quote."""
    return escape(text.replace("`", "'"))


def link(url: str, label: str) -> str:
    """`<url|label>` for a web URL; anything else (`!channel`, `@U1`, `javascript:`) is shown as its
    label alone, and a `|` in the URL, which would let it choose the label, is percent-encoded."""
    if not url.startswith(("https://", "http://")):
        return escape(label)
    return f"<{escape(url.replace('|', '%7C'))}|{escape(label)}>"


def _clip(text: str, limit: int) -> str:
    """Shorten to a Slack limit, saying so with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section_blocks(section: Section) -> list[Block]:
    """A neutral section as one or more Slack section blocks."""
    blocks: list[Block] = []
    parts = []
    if section.heading:
        parts.append(f"*{escape(section.heading)}*")
    if section.text:
        parts.append(mrkdwn(section.text))
    parts += [f"• {link(item.url, item.label)}" for item in section.links]
    if parts:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(verbatim=True, text=_clip("\n".join(parts), MAX_SECTION)))
        )
    facts = [
        MarkdownTextObject(verbatim=True, text=_clip(f"*{mrkdwn(f.label)}*\n{mrkdwn(f.value)}", 2000))
        for f in section.facts
    ]
    for start in range(0, len(facts), MAX_FIELDS):
        blocks.append(SectionBlock(fields=facts[start : start + MAX_FIELDS]))
    return blocks


def _button(action: Action) -> ButtonElement:
    """A button; the style is only set when it is one Slack knows. A link button carries its `url`
    (Slack opens it, and still sends the click, which actions.py acknowledges)."""
    style = None if action.style is ActionStyle.DEFAULT else str(action.style)
    return ButtonElement(
        text=_clip(action.label, 75),
        action_id=str(action.action_id),
        value=action.value[:2000],
        style=style,
        url=action.url[:3000] if action.url else None,
    )


def to_blocks(message: Message, image_files: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Block Kit JSON for a message. `image_files` maps an image's path to its uploaded Slack file id;
    images without one are left out (Slack cannot show a local file)."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=_clip(message.title, MAX_HEADER)))]
    for section in message.sections:
        blocks += _section_blocks(section)
    for image in message.images:
        file_id = (image_files or {}).get(image.path)
        if file_id:
            blocks.append(
                ImageBlock(
                    slack_file={"id": file_id},
                    alt_text=_clip(image.alt, 2000),
                    title=PlainTextObject(text=_clip(image.title, 2000)),
                )
            )
    if message.context:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(verbatim=True, text=_clip(mrkdwn(c), 3000))
                    for c in message.context[:10]
                ]
            )
        )
    if message.actions:
        blocks.append(ActionsBlock(elements=[_button(a) for a in message.actions[:25]]))
    if message.footer:
        blocks += [
            DividerBlock(),
            ContextBlock(
                elements=[MarkdownTextObject(verbatim=True, text=_clip(mrkdwn(message.footer), 3000))]
            ),
        ]
    if len(blocks) > MAX_BLOCKS:
        blocks = [
            *blocks[: MAX_BLOCKS - 1],
            ContextBlock(elements=[MarkdownTextObject(verbatim=True, text="(shortened)")]),
        ]
    return [block.to_dict() for block in blocks]


def fallback_text(message: Message) -> str:
    """The notification text Slack shows where blocks cannot be (escaped too)."""
    return _clip(mrkdwn(message.fallback) if message.fallback else escape(message.title), 3000)
