"""Neutral text made safe for an Adaptive Card in Teams: shown as text, never as markup.

Two carriers, chosen by what each card field does with markdown:

- Running text (sections, context lines, footer, link lines) goes into a `RichTextBlock` of
  `TextRun`s. The Adaptive Cards schema says of `TextRun.text` "Markdown is not supported", so a
  post or a name is shown exactly as typed, with no escaping to get wrong, and each neutral run keeps
  its meaning as a run style: a command hint is bold (monospace in running text), code is monospace.
  A link is not made clickable inside the run: `TextRun.selectAction` is unreliable in Teams
  (microsoft/AdaptiveCards#9100: Teams desktop shows such runs as plain text on a new line since
  2024-12; #5804), so `links_of` hands the web links to the caller, which adds `Action.OpenUrl`
  buttons after the text.
- Title, headings, image titles and facts must be `TextBlock.text` / `Fact.title` / `Fact.value`,
  which Teams parses as a markdown subset (bold, italic, lists, `[label](url)`; learn.microsoft.com
  "Format cards in Teams"). `escape_markdown` backslash-escapes the inline markers (backslash,
  asterisk, tilde, backtick) and the list, quote and heading markers at the start of a line.
  Backslash escapes are honoured by Teams desktop and web, but Teams mobile has been seen to show
  the backslash
  (MicrosoftDocs/msteams-docs#5793, AdaptiveCards#5590) or to parse emphasis through it
  (AdaptiveCards#5758). So escaping is kept minimal (an underscore inside a word, as in
  `@rapid_jonas`, cannot start emphasis and is left alone; brackets stay, so `me [YYYY-Www]` reads
  as it should), and the dangerous constructs are broken with an invisible U+2060 WORD JOINER that
  no parser reads through, escapes or not: after a `]` followed by `(`, `[` or `:` (no inline,
  reference or defined link), after `<` (no `<at>` mention, no HTML tag, no `<http://…>` autolink)
  and after the `&` of an entity (no `&#42;` decoding).

The word joiner after `<` is applied to text runs too: Teams turns `<at>…</at>` into a mention when
a card carries mention entities, and iOS has rendered card text as HTML (AdaptiveCards#5439).
Emoji, right-to-left marks and backslashes are shown as they are.
"""

from __future__ import annotations

import re

from microsoft_teams.cards import TextRun

from bot.messages.text import Code, Hint, LinkRun, Plain, Run, Text

JOINER = "\u2060"  # WORD JOINER: invisible, not whitespace, and splits what a parser would join
PREFIX = ""  # Teams commands are typed to the bot as they are: `join @handle`, no slash command

_INLINE = re.compile(r"[\\*~`]")
_LONE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")  # an underscore not inside a word
_BLOCK_MARKER = re.compile(r"(?m)^([ \t]*)([#>+-])(?=[ \t]|$)")
_ORDERED_MARKER = re.compile(r"(?m)^([ \t]*\d+)([.)])(?=[ \t]|$)")
_LINK_JOIN = re.compile(r"\](?=[(\[:])")  # `[a](u)`, `[a][ref]`, `[ref]: u`: a link only if joined
_NEWLINE = re.compile(r"\r\n|\r|\n")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def defuse_tags(text: str) -> str:
    """`<at>`, `<b>` and `<http://…>` no longer open a tag: a word joiner follows every `<`."""
    return text.replace("<", "<" + JOINER)


def escape_markdown(text: str) -> str:
    """Plain text for a markdown field (TextBlock, Fact): every marker Teams reads is made literal."""
    text = _NEWLINE.sub("\n", text)
    text = _INLINE.sub(r"\\\g<0>", text)
    text = _LONE_UNDERSCORE.sub(r"\\_", text)
    text = _BLOCK_MARKER.sub(r"\1\\\2", text)
    text = _ORDERED_MARKER.sub(r"\1\\\2", text)
    text = _LINK_JOIN.sub("]" + JOINER, text)
    text = _ENTITY.sub("&" + JOINER, text)
    return defuse_tags(text)


def web_url(url: str | None) -> str | None:
    """The URL when it is an http(s) one, else None: no `javascript:`, `file:` or Teams deep links."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def clip(text: str, limit: int) -> str:
    """Shortened to `limit` characters, saying so with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: Text) -> str:
    """The text as one plain string, hints without a prefix (notification summaries, button titles)."""
    parts = []
    for run in text.runs:
        if isinstance(run, Plain | Code):
            parts.append(run.text)
        elif isinstance(run, Hint):
            parts.append(PREFIX + run.command)
        elif isinstance(run, LinkRun):
            parts.append(run.label)
        else:
            parts.append(f"@{run.user_id}")
    return "".join(parts)


def fact_markdown(text: Text) -> str:
    """A fact's title or value: every run escaped; a hint in running text bold (a fact cannot hold
    monospace); a link as its label alone (the card's links are buttons)."""
    parts = []
    for run in text.runs:
        if isinstance(run, Hint) and run.code:
            parts.append(f"**{escape_markdown(PREFIX + run.command)}**")
        else:
            parts.append(escape_markdown(plain(Text((run,)))))
    return "".join(parts)


def _run(run: Run, piece: str, **style) -> TextRun:
    """One neutral run's piece of text as a TextRun, styled for what it is."""
    if isinstance(run, Code):
        style["font_type"] = "Monospace"
    elif isinstance(run, Hint):
        style["weight"] = "Bolder"
        if run.code:
            style["font_type"] = "Monospace"
    return TextRun(text=defuse_tags(piece), **style)


def text_lines(text: Text, **style) -> list[list[TextRun]]:
    """The text as lines of TextRuns (one RichTextBlock each: a newline inside a run is not rendered
    the same way by every Teams client). `style` (e.g. is_subtle, size) applies to every run."""
    lines: list[list[TextRun]] = [[]]
    for run in text.runs:
        for index, piece in enumerate(_NEWLINE.split(plain(Text((run,))))):
            if index:
                lines.append([])
            if piece:
                lines[-1].append(_run(run, piece, **style))
    return [line for line in lines if line]


def links_of(text: Text) -> list[LinkRun]:
    """The text's links with a web URL, for buttons after it."""
    return [run for run in text.runs if isinstance(run, LinkRun) and web_url(run.url)]


def clip_text(text: Text, limit: int) -> Text:
    """The text when it fits `limit` characters; else its plain form, shortened (styles are lost only
    for an oversized text, which only a runaway value produces)."""
    whole = plain(text)
    return text if len(whole) <= limit else Text((Plain(clip(whole, limit)),))
