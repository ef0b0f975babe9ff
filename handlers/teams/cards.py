"""Neutral messages to Adaptive Cards 1.5 for Teams, built with the typed `microsoft_teams.cards` models.

The same information as the Block Kit renderer (`handlers/slack/render.py`), in Teams' idioms: the
title a large bold heading, a section's facts a `FactSet`, links and buttons actions (`Action.OpenUrl`,
and `Action.Execute` for buttons, which Teams answers with an `adaptiveCard/action` invoke), context
and footer small subtle text. How text from people and posts is kept literal: `card_text`.

A card always fits `MAX_CARD_BYTES`: trailing section lines are left out, and a line says how many.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from microsoft_teams.cards import Action as CardAction
from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    Container,
    ExecuteAction,
    FactSet,
    OpenUrlAction,
    RichTextBlock,
    TextBlock,
)
from microsoft_teams.cards import Fact as CardFact
from microsoft_teams.cards import Image as CardImage

from bot.messages.model import Action, ActionStyle, Message, Section
from bot.messages.model import Image as ChartImage
from bot.messages.text import Text, as_text
from handlers.teams.card_text import (
    clip,
    clip_text,
    escape_markdown,
    fact_markdown,
    links_of,
    plain,
    text_lines,
    web_url,
)

# Teams refuses a message whose activity is over about 28 KB (HTTP 413, "Message size too large").
# The card is nearly all of it; 3 KB are left for the envelope the notifier adds (from, recipient,
# conversation, serviceUrl, summary), which measures under 1.5 KB with long AAD and conversation ids.
MAX_CARD_BYTES = 25_000
MAX_TITLE = 200
MAX_TEXT = 3000  # one section's text, or the footer (Slack's section limit, for the same message)
MAX_CONTEXT_LINE = 500
MAX_CONTEXT = 10
MAX_FACT_TITLE = 200
MAX_FACT_VALUE = 1000
MAX_BUTTON = 75
MAX_VALUE = 256  # a button's value: ids such as `7:burst:2026-11-10`; six of them stay a few KB
MAX_ALT = 300
MAX_ACTIONS = 6  # Teams shows at most six actions on a card
MAX_IMAGES = 10
STYLES = {ActionStyle.PRIMARY: "positive", ActionStyle.DANGER: "destructive"}

ImageUrl = Callable[[ChartImage], str | None]
Unit = tuple[int, "list[CardElement] | CardFact"]  # (section index, elements or one fact)


def no_image_url(image: ChartImage) -> str | None:
    """No public URL for any chart: images are left out (the demo, and before charts are served)."""
    return None


def to_card(message: Message, image_url: ImageUrl = no_image_url) -> AdaptiveCard:
    """The message as an Adaptive Card under `MAX_CARD_BYTES`. `image_url` gives a chart's public URL
    (Teams fetches it); a chart without an http(s) one is left out."""
    units = [unit for index, section in enumerate(message.sections) for unit in _units(index, section)]
    charts = [element for image in message.images[:MAX_IMAGES] for element in _image(image, image_url(image))]
    card = _card(message, units, charts)
    if wire_size(card) <= MAX_CARD_BYTES:
        return card
    if wire_size(_card(message, [], charts, len(units))) > MAX_CARD_BYTES:
        # Only runaway charts, context or footer get here: title, note and buttons fit by their limits.
        shown = sum(isinstance(e, CardImage) for e in charts)
        extras = shown + len(message.context[:MAX_CONTEXT]) + bool(message.footer)
        return _card(message, [], [], len(units) + extras, bare=True)
    low, high = 0, len(units) - 1  # the most section units that fit beside everything else
    while low < high:
        middle = (low + high + 1) // 2
        if wire_size(_card(message, units[:middle], charts, len(units) - middle)) <= MAX_CARD_BYTES:
            low = middle
        else:
            high = middle - 1
    return _card(message, units[:low], charts, len(units) - low)


def card_json(message: Message, image_url: ImageUrl = no_image_url) -> dict[str, Any]:
    """The card as the SDK puts it on the wire (`model_dump(by_alias=True, exclude_none=True)`, as
    `ActivityClient.create` does with the activity holding it)."""
    return to_card(message, image_url).model_dump(by_alias=True, exclude_none=True)


def wire_size(card: AdaptiveCard) -> int:
    """Bytes of the card in the request body: compact UTF-8 JSON, as httpx encodes `json=`."""
    payload = card.model_dump(by_alias=True, exclude_none=True)
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def fallback_text(message: Message) -> str:
    """The plain summary Teams shows where the card cannot be (a notification)."""
    return clip(plain(message.fallback) if message.fallback else message.title, 300)


def _card(
    message: Message, units: list[Unit], charts: list[CardElement], left_out: int = 0, *, bare: bool = False
) -> AdaptiveCard:
    """Title, the kept section units, a left-out line, the charts, then (unless `bare`) the context,
    the buttons, and (unless `bare`) the footer."""
    body: list[CardElement] = [
        TextBlock(
            text=escape_markdown(clip(message.title, MAX_TITLE)),
            size="Large",
            weight="Bolder",
            wrap=True,
            style="heading",
        )
    ]
    body += _assemble(units)
    if left_out:
        body += _rich(as_text(f"{left_out} more line(s) left out to fit Teams' message size limit."))
    body += charts
    for line in () if bare else message.context[:MAX_CONTEXT]:
        body += _rich(clip_text(line, MAX_CONTEXT_LINE), is_subtle=True, size="Small")
    buttons = [button for action in message.actions[:MAX_ACTIONS] if (button := _button(action))]
    if buttons:
        body.append(ActionSet(actions=buttons, spacing="Medium"))
    if message.footer and not bare:
        footer = _rich(clip_text(message.footer, MAX_TEXT), is_subtle=True, size="Small")
        for first in footer[:1]:  # none when the footer is only line breaks
            first.separator = True
        body += footer
    return AdaptiveCard(version="1.5", body=body, fallback_text=escape_markdown(fallback_text(message)))


def _units(index: int, section: Section) -> list[Unit]:
    """A section as droppable units: heading with text, then each fact, then each link."""
    head: list[CardElement] = []
    if section.heading:
        head.append(
            TextBlock(text=escape_markdown(clip(section.heading, MAX_TITLE)), weight="Bolder", wrap=True)
        )
    if section.text:
        head += _rich(clip_text(section.text, MAX_TEXT))
    units: list[Unit] = [(index, head)] if head else []
    units += [
        (
            index,
            CardFact(
                title=fact_markdown(clip_text(fact.label, MAX_FACT_TITLE)),
                value=fact_markdown(clip_text(fact.value, MAX_FACT_VALUE)),
            ),
        )
        for fact in section.facts
    ]
    units += [(index, [_link(link.url, link.label)]) for link in section.links]
    return units


def _assemble(units: list[Unit]) -> list[CardElement]:
    """Units in order, each section's consecutive facts in one FactSet; a section starts spaced."""
    body: list[CardElement] = []
    facts: list[CardFact] = []
    section = None
    for index, unit in units:
        if facts and (index != section or not isinstance(unit, CardFact)):
            body.append(FactSet(facts=facts))
            facts = []
        if index != section:
            first = unit if isinstance(unit, CardFact) else unit[0]
            if not isinstance(first, CardFact):
                first.spacing = "Medium"
            section = index
        if isinstance(unit, CardFact):
            facts.append(unit)
        else:
            body += unit
    if facts:
        body.append(FactSet(facts=facts))
    return body


def _rich(text: Text, **style: Any) -> list[CardElement]:
    """Text as one RichTextBlock a line, then a button for each of its web links."""
    blocks: list[CardElement] = [RichTextBlock(inlines=runs) for runs in text_lines(text, **style)]
    links = links_of(text)
    if links:
        blocks.append(ActionSet(actions=[_open(run.url, run.label) for run in links]))
    return blocks


def _link(url: str, label: str) -> CardElement:
    """A section link: its label as text, the whole line opening a web URL (none for another scheme)."""
    shown = as_text("• " + clip(" ".join(label.split()), MAX_TEXT))
    if not web_url(url):
        return RichTextBlock(inlines=text_lines(shown)[0])
    line = RichTextBlock(inlines=text_lines(shown, color="Accent")[0])
    return Container(items=[line], select_action=OpenUrlAction(url=url))


def _image(image: ChartImage, url: str | None) -> list[CardElement]:
    """A chart under its title, or nothing when it has no web URL."""
    if not web_url(url):
        return []
    return [
        TextBlock(
            text=escape_markdown(clip(image.title, MAX_TITLE)), weight="Bolder", wrap=True, spacing="Medium"
        ),
        CardImage(url=url, alt_text=clip(image.alt, MAX_ALT), size="Stretch"),
    ]


def _open(url: str, label: str) -> OpenUrlAction:
    """A button that opens a web URL."""
    return OpenUrlAction(url=url, title=clip(label, MAX_BUTTON))


def _button(action: Action) -> CardAction | None:
    """A neutral button: `Action.OpenUrl` when it carries a web `url` (a button to another scheme is
    left out), else `Action.Execute` with both `verb` (Teams sends no invoke without it) and
    `data["action"]` (what the SDK routes on)."""
    style = STYLES.get(action.style)
    url = getattr(action, "url", None)  # a link button ("Connect your X account"), when the model has one
    if url:
        return (
            OpenUrlAction(url=url, title=clip(action.label, MAX_BUTTON), style=style)
            if web_url(url)
            else None
        )
    return ExecuteAction(
        title=clip(action.label, MAX_BUTTON),
        verb=str(action.action_id),
        data={"action": str(action.action_id), "value": action.value[:MAX_VALUE]},
        style=style,
    )
