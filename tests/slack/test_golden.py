"""Golden Block Kit JSON for every message Plume sends to Slack.

Regenerate after an intended change with `UPDATE_GOLDEN=1 make test`, and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from handlers.slack.render import MAX_BLOCKS, fallback_text, to_blocks
from tests.messages_catalog import MESSAGES

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_block_kit_matches_golden(name):
    message = MESSAGES[name]
    rendered = {"text": fallback_text(message), "blocks": to_blocks(message, {"/tmp/trend.png": "F0TREND"})}
    path = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(rendered, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert rendered == json.loads(path.read_text(encoding="utf-8"))
    assert len(rendered["blocks"]) <= MAX_BLOCKS and rendered["text"]
    for block in rendered["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000


def test_text_from_people_and_posts_is_escaped():
    blocks = json.dumps(to_blocks(MESSAGES["digest"]))
    assert "&lt;cloud&gt; security &amp; access" in blocks and "<cloud>" not in blocks
    assert "<!channel>" not in json.dumps(to_blocks(MESSAGES["joined"]))


def test_long_messages_are_cut_to_slack_limits():
    from bot.messages.model import Fact, Message, Section

    huge = Message(
        kind="x",
        title="t" * 500,
        fallback="f",
        sections=tuple(
            Section(text="y" * 5000, facts=tuple(Fact(f"k{i}", "v") for i in range(25))) for i in range(30)
        ),
    )
    blocks = to_blocks(huge)
    assert len(blocks) == MAX_BLOCKS and len(blocks[0]["text"]["text"]) == 150
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section" and "text" in b)
    assert all(len(b.get("fields", [])) <= 10 for b in blocks)


def test_every_run_is_made_harmless_for_mrkdwn():
    from bot.messages.text import Code, Hint, LinkRun, Mention, text
    from handlers.slack.render import mrkdwn

    hostile = text(
        Code("a`<@U1>`b"),
        " ",
        Hint("join `x`"),
        " ",
        LinkRun("!channel", "ping"),
        " ",
        LinkRun("https://ok.example|Verify your account", "x"),
        " ",
        Mention("U123|<!here>"),
        " ",
        Mention("U0ABC"),
    )
    assert mrkdwn(hostile) == (
        "`a'&lt;@U1&gt;'b` `/plume join 'x'` ping <https://ok.example%7CVerify your account|x> "
        "@U123|&lt;!here&gt; <@U0ABC>"
    )
