"""The Adaptive Cards renderer: what goes on the wire, buttons, text kept literal, the size budget."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from microsoft_teams.api import MessageActivityInput

from bot.messages.action_ids import ActionId
from bot.messages.digest import digest_message
from bot.messages.model import Action, ActionStyle, Fact, Image, Link, Message, Section
from bot.messages.replies import invitation_message
from bot.messages.text import Code, Hint, LinkRun, Mention, text
from bot.services.reports.digest import Highlight
from handlers.teams.card_text import JOINER, escape_markdown
from handlers.teams.cards import MAX_CARD_BYTES, card_json, fallback_text, to_card, wire_size
from tests.messages_catalog import DIGEST, MESSAGES
from tests.teams.card_schema import schema_errors

HOSTILE = (
    "[click](http://evil) **bold** _it_ \\ 🎉 \u200fשלום\u200e <at>Boss</at> <b>x</b>\n# h\n- item\n1. one"
)


def elements(node: Any) -> Iterator[dict]:
    """Every JSON object in a card, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for value in node:
            yield from elements(value)


def of_type(card: dict, kind: str) -> list[dict]:
    """The card's objects of one `type`."""
    return [e for e in elements(card) if e.get("type") == kind]


def urls(card: dict) -> list[str]:
    """Every URL an action of the card opens."""
    return [e["url"] for e in of_type(card, "Action.OpenUrl")]


def runs_text(card: dict) -> str:
    """All TextRun text, in order."""
    return "".join(run["text"] for run in of_type(card, "TextRun"))


def test_card_json_is_what_the_sdk_sends():
    card = to_card(MESSAGES["digest"])
    activity = MessageActivityInput().add_card(card).model_dump(by_alias=True, exclude_none=True)
    assert activity["attachments"] == [
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": card_json(MESSAGES["digest"])}
    ]


def test_wire_size_counts_the_bytes_httpx_sends():
    message = replace(MESSAGES["joined"], title="Bienvenue, @ana ! Ça va 🎉 — שלום")
    body = httpx.Request("POST", "http://127.0.0.1/", json=card_json(message)).content
    assert wire_size(to_card(message)) == len(body) and len(body) > len(json.dumps(card_json(message))) // 2


def test_nudge_buttons_are_execute_actions_with_verb_and_data():
    card = card_json(MESSAGES["nudge"])
    buttons = of_type(card, "Action.Execute")
    assert [(b["title"], b["verb"], b["data"], b.get("style")) for b in buttons] == [
        ("Thanks", "nudge_thanks", {"action": "nudge_thanks", "value": "7:burst:2026-11-10"}, "positive"),
        (
            "Snooze a week",
            "nudge_snooze_week",
            {"action": "nudge_snooze_week", "value": "7:burst:2026-11-10"},
            None,
        ),
        (
            "Not useful",
            "nudge_not_useful",
            {"action": "nudge_not_useful", "value": "7:burst:2026-11-10"},
            None,
        ),
        (
            "Turn off",
            "nudge_turn_off",
            {"action": "nudge_turn_off", "value": "7:burst:2026-11-10"},
            "destructive",
        ),
    ]
    assert card["body"][-1]["type"] == "ActionSet"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://plume.example/x", [("Action.OpenUrl", "https://plume.example/x")]),
        ("HTTP://plume.example/x", [("Action.OpenUrl", "HTTP://plume.example/x")]),
        ("javascript:alert(1)", []),
        ("file:///etc/passwd", []),
        (None, [("Action.Execute", None)]),
    ],
)
def test_a_button_with_a_url_opens_it_when_it_is_a_web_url(url, expected):
    message = Message("x", "t", "f", actions=(Action(ActionId.CANCEL, "Go", url=url),))
    card = card_json(message)
    assert [(a["type"], a.get("url")) for s in of_type(card, "ActionSet") for a in s["actions"]] == expected


def test_a_post_or_a_name_is_shown_literally_in_running_text():
    message = Message("x", "t", "f", sections=(Section(text=HOSTILE),), context=(HOSTILE,), footer=HOSTILE)
    card = card_json(message)
    literal = HOSTILE.replace("<", "<" + JOINER).replace("\n", "")
    assert runs_text(card) == literal * 3
    assert not of_type(card, "TextBlock")[1:] and urls(card) == [] and "<at>" not in json.dumps(card)
    assert schema_errors(card) == []


def test_a_post_or_a_name_is_escaped_in_markdown_fields():
    message = Message(
        "x", HOSTILE, HOSTILE, sections=(Section(heading=HOSTILE, facts=(Fact(HOSTILE, HOSTILE),)),)
    )
    card = card_json(message)
    shown = escape_markdown(HOSTILE)
    assert shown == (
        f"[click]{JOINER}(http://evil) \\*\\*bold\\*\\* \\_it\\_ \\\\ 🎉 \u200fשלום\u200e "
        f"<{JOINER}at>Boss<{JOINER}/at> <{JOINER}b>x<{JOINER}/b>\n\\# h\n\\- item\n1\\. one"
    )
    blocks = of_type(card, "TextBlock")
    fact = card["body"][2]["facts"][0]
    assert [b["text"] for b in blocks] == [shown, shown] and fact == {"title": shown, "value": shown}
    assert card["fallbackText"] == escape_markdown(HOSTILE)
    dumped = json.dumps(card, ensure_ascii=False)
    assert "](http" not in dumped and "<at>" not in dumped and "<b>" not in dumped and urls(card) == []


def test_a_hostile_display_name_is_shown_literally():
    card = card_json(invitation_message(HOSTILE, "ana"))
    assert runs_text(card).startswith(HOSTILE.replace("<", "<" + JOINER).replace("\n", "") + " invited you")
    assert urls(card) == [] and [a["verb"] for a in of_type(card, "Action.Execute")] == [
        "invite_accept",
        "invite_decline",
    ]


def test_a_hostile_post_in_the_digest_links_only_to_its_own_url():
    highlight = Highlight("mal_lory", 1, 5, HOSTILE)
    card = card_json(digest_message(replace(DIGEST, highlights=(highlight,))))
    assert urls(card) == ["https://x.com/mal_lory/status/1"]
    line = next(c for c in of_type(card, "Container"))["items"][0]["inlines"]
    flat = " ".join(HOSTILE.split()).replace("<", "<" + JOINER)
    assert [r["text"] for r in line] == [f"• @mal_lory: {flat} (5 engagements)"]
    markdown = [b["text"] for b in of_type(card, "TextBlock")] + [card["fallbackText"]]
    assert not any("evil" in field for field in markdown) and schema_errors(card) == []


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("@rapid_jonas", "@rapid_jonas"),
        ("__init__ and _x_", "\\_\\_init\\_\\_ and \\_x\\_"),
        ("-5% (+8% vs last week)", "-5% (+8% vs last week)"),
        ("  - nested\n+ plus\n> quote\n2) two", "  \\- nested\n\\+ plus\n\\> quote\n2\\) two"),
        ("me [YYYY-Www]", "me [YYYY-Www]"),
        ("[a][ref] [ref]: http://evil", f"[a]{JOINER}[ref] [ref]{JOINER}: http://evil"),
        ("R&D &amp; &#42;", f"R&D &{JOINER}amp; &{JOINER}#42;"),
        ("~~gone~~ `code`", "\\~\\~gone\\~\\~ \\`code\\`"),
        ("line\r\n# title\r- x", "line\n\\# title\n\\- x"),
        ("<http://evil>", f"<{JOINER}http://evil>"),
    ],
)
def test_escape_markdown(raw, shown):
    assert escape_markdown(raw) == shown


def test_runs_keep_their_meaning():
    body = text(
        "Type ",
        Hint("join @handle"),
        " or ",
        Hint("help", code=False),
        ", value ",
        Code("a*b"),
        ", by ",
        Mention("29:abc"),
        ", see ",
        LinkRun("https://plume.example/doc", "the guide"),
        " not ",
        LinkRun("javascript:alert(1)", "this"),
        ".\nNext line",
    )
    card = card_json(Message("x", "t", "f", sections=(Section(text=body),)))
    rich = of_type(card, "RichTextBlock")
    first = ["Type ", "join @handle", " or ", "help", ", value ", "a*b", ", by ", "@29:abc", ", see "]
    assert [[r["text"] for r in block["inlines"]] for block in rich] == [
        [*first, "the guide", " not ", "this", "."],
        ["Next line"],
    ]
    styles = {r["text"]: (r.get("weight"), r.get("fontType")) for r in rich[0]["inlines"]}
    assert styles["join @handle"] == ("Bolder", "Monospace") and styles["help"] == ("Bolder", None)
    assert styles["a*b"] == (None, "Monospace") and styles["@29:abc"] == (None, None)
    assert (
        urls(card) == ["https://plume.example/doc"]
        and of_type(card, "Action.OpenUrl")[0]["title"] == "the guide"
    )
    assert fallback_text(Message("x", "t", text("Try ", Hint("me")))) == "Try me"


def test_a_fact_shows_a_hint_bold_without_a_prefix():
    message = Message("x", "t", "f", sections=(Section(facts=(Fact(text(Hint("me")), "your week"),)),))
    assert of_type(card_json(message), "FactSet")[0]["facts"] == [{"title": "**me**", "value": "your week"}]


@pytest.mark.parametrize(
    ("url", "shown"),
    [("https://plume.example/charts/t.png", True), (None, False), ("file:///tmp/trend.png", False)],
)
def test_a_chart_is_shown_only_with_a_web_url(url, shown):
    message = Message("x", "t", "f", images=(Image("/tmp/trend.png", "Weekly posts", "Weekly trend"),))
    card = card_json(message, lambda image: url)
    assert of_type(card, "Image") == (
        [{"type": "Image", "url": url, "altText": "Weekly posts", "size": "Stretch"}] if shown else []
    )
    assert ("Weekly trend" in json.dumps(card)) is shown


def test_a_section_link_to_another_scheme_is_text_only():
    message = Message(
        "x", "t", "f", sections=(Section(links=(Link("javascript:alert(1)", "[x](http://evil)"),)),)
    )
    card = card_json(message)
    assert urls(card) == [] and not of_type(card, "Container")
    assert runs_text(card) == "• [x](http://evil)"


def huge_digest(count: int) -> Message:
    """A digest with `count` highlighted posts of 280 characters each (far over Teams' limit)."""
    posts = tuple(
        Highlight(f"amb_{i}", 10**18 + i, i, ("é" * 200 + " ünïcode " * 10)[:280]) for i in range(count)
    )
    return digest_message(
        replace(DIGEST, highlights=posts), (Image("/tmp/trend.png", "alt", "Weekly trend"),)
    )


def test_a_huge_digest_is_shortened_never_refused():
    message = huge_digest(400)
    card = card_json(message, lambda image: "https://plume.example/charts/t.png")
    size = len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode())
    assert MAX_CARD_BYTES - 600 < size <= MAX_CARD_BYTES and schema_errors(card) == []
    kept = len(of_type(card, "Container")) + sum(len(f["facts"]) for f in of_type(card, "FactSet"))
    note = next(r["text"] for r in of_type(card, "TextRun") if "left out" in r["text"])
    # 6 facts + 400 links + the closing note: whatever is not shown is counted in the note.
    assert note == f"{6 + 400 + 1 - kept} more line(s) left out to fit Teams' message size limit."
    assert of_type(card, "Image") and card["body"][-1]["separator"] is True  # chart and footer kept
    assert card["body"][0]["text"].startswith("Plume weekly digest")


def test_a_message_that_fits_is_not_shortened():
    card = card_json(huge_digest(20))
    assert "left out" not in json.dumps(card) and len(of_type(card, "Container")) == 20


@pytest.mark.parametrize("char", ["x", "💥"])  # 4 bytes a character: even context and footer must go
def test_a_runaway_message_still_fits(char):
    long = char * 50_000
    message = Message(
        "x",
        long,
        long,
        sections=tuple(Section(heading=long, text=long, facts=(Fact(long, long),)) for _ in range(50)),
        images=tuple(Image(str(i), long, long) for i in range(50)),
        context=(long,) * 50,
        actions=tuple(Action(ActionId.CANCEL, long, value=long, style=ActionStyle.DANGER) for _ in range(50)),
        footer=long,
    )
    card = to_card(message, lambda image: "https://plume.example/charts/t.png")
    assert wire_size(card) <= MAX_CARD_BYTES
    payload = card.model_dump(by_alias=True, exclude_none=True)
    assert schema_errors(payload) == [] and len(of_type(payload, "Action.Execute")) == 6
    note = next(r["text"] for r in of_type(payload, "TextRun") if "left out" in r["text"])
    texts = [b for b in of_type(payload, "RichTextBlock") if not b["inlines"][0].get("isSubtle")]
    kept = len(texts) - 1 + sum(len(f["facts"]) for f in of_type(payload, "FactSet"))  # the note is a text
    # 50 sections of 2 units; with 4-byte characters, 10 charts, 10 context lines and the footer go too.
    assert note.startswith(f"{100 - kept} more line(s)" if char == "x" else "121 more line(s)")
    assert (kept, len(of_type(payload, "Image"))) == ((2, 10) if char == "x" else (0, 0))


def test_text_of_line_breaks_only_renders_nothing():
    message = Message("x", "t", "f", sections=(Section(text="\n\n"),), context=("\n",), footer="\r\n")
    card = card_json(message)
    assert [e["type"] for e in card["body"]] == ["TextBlock"] and schema_errors(card) == []
