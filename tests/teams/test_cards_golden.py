"""Golden Adaptive Card JSON for every message Plume sends to Teams, each valid under the official
Adaptive Cards 1.5 schema (vendored in tests/teams/schema).

Regenerate after an intended change with `UPDATE_GOLDEN=1 make test`, and review the diff. A golden
card can be pasted as it is into the Adaptive Cards Designer (adaptivecards.microsoft.com/designer)
with the Teams host selected.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.messages.model import Image
from bot.messages.replies import notice
from bot.messages.text import Mention, text
from handlers.teams.cards import MAX_CARD_BYTES, card_json, to_card, wire_size
from tests.messages_catalog import MESSAGES
from tests.teams.card_schema import schema_errors

GOLDEN = Path(__file__).parent / "golden"
CHART_URLS = {"/tmp/trend.png": "https://plume.example/charts/trend.0123abcd.png"}


def chart_url(image: Image) -> str | None:
    """The signed public URL of a chart the test 'serves'; any other chart has none."""
    return CHART_URLS.get(image.path)


# Messages only Teams shows differently: a mention of a person.
TEAMS_ONLY = {
    "invited": notice(
        "Plume",
        text("I asked ", Mention("29:1a2b3c-aad"), " privately. Nothing is tracked unless they accept."),
    ),
}
CARDS = {**MESSAGES, **TEAMS_ONLY}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_adaptive_card_matches_golden(name):
    card = card_json(CARDS[name], chart_url)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert card == json.loads(path.read_text(encoding="utf-8"))
    assert schema_errors(card) == []
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5" and card["fallbackText"]
    assert wire_size(to_card(CARDS[name], chart_url)) <= MAX_CARD_BYTES


def test_every_golden_file_belongs_to_a_message():
    assert {p.stem for p in GOLDEN.glob("*.json")} == set(CARDS)


def test_the_digest_shows_its_chart_and_links_the_post():
    card = card_json(MESSAGES["digest"], chart_url)
    images = [e for e in card["body"] if e["type"] == "Image"]
    assert images == [
        {
            "type": "Image",
            "url": CHART_URLS["/tmp/trend.png"],
            "altText": "Weekly posts",
            "size": "Stretch",
        }
    ]
    links = [e["selectAction"]["url"] for e in card["body"] if e["type"] == "Container"]
    assert links == ["https://x.com/aiko/status/2120478988039102464"]


@pytest.mark.parametrize(
    "broken",
    [
        {"type": "TextBlock"},  # no text
        {"type": "Bogus", "text": "x"},  # unknown element
        {"type": "TextBlock", "text": "x", "size": "Huge"},  # unknown size
        {"type": "ActionSet", "actions": [{"type": "Action.Execute", "verb": "v", "url": "https://x"}]},
        {"type": "FactSet", "facts": [{"title": "only a title"}]},
    ],
)
def test_the_schema_check_rejects_an_invalid_card(broken):
    card = card_json(MESSAGES["nudge"])
    assert schema_errors(card) == []
    card["body"].append(broken)
    assert schema_errors(card)


def test_the_schema_check_rejects_properties_outside_the_schema():
    card = card_json(MESSAGES["nudge"])
    assert schema_errors({**card, "msteams": {"width": "Full"}})
