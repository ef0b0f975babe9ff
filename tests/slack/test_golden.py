"""Golden Block Kit JSON for every message Plume sends to Slack.

Regenerate after an intended change with `UPDATE_GOLDEN=1 make test`, and review the diff.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from bot.commands.grammar import HELP_LINES
from bot.messages.digest import digest_message
from bot.messages.model import Image
from bot.messages.nudge import nudge_message
from bot.messages.recap import recap_message
from bot.messages.replies import (
    confirm_message,
    help_message,
    home_message,
    invitation_message,
    joined_message,
    notice,
    nudge_log_message,
    settings_message,
    status_message,
    week_message,
)
from bot.messages.x_signin import connect_message, linked_message
from bot.metrics.program import ProgramWeek
from bot.metrics.report import Baseline, PersonWeek, WeekFigures, WeekReport
from bot.schedule import WorkSchedule
from bot.services.reports.digest import DigestData, Highlight
from bot.services.reports.nudges import NudgePlan
from bot.services.reports.recaps import Recap
from bot.services.workspaces.settings import DEFAULTS
from handlers.slack.render import MAX_BLOCKS, fallback_text, to_blocks

GOLDEN = Path(__file__).parent / "golden"
SCHEDULE = WorkSchedule(tz="Europe/Paris")
FIGURES = WeekFigures(
    posts=12,
    originals=6,
    replies=3,
    retweets=2,
    quotes=1,
    active_days=4,
    work_hours_posts=5,
    work_hours_share=0.4167,
    median_gap_minutes_work_hours=42.5,
    bursts=0,
    engagement=88,
    engagement_posts=10,
    engagement_per_post_median=6.5,
    on_topic_share=0.6,
    follower_net_change=3,
)
BASELINE = Baseline(
    posts=10.5,
    originals=None,
    replies=None,
    retweets=None,
    quotes=None,
    active_days=4.25,
    work_hours_posts=5.25,
    work_hours_share=0.5,
    median_gap_minutes_work_hours=30.0,
    bursts=0.25,
    engagement=70.0,
    engagement_per_post_median=5.0,
    on_topic_share=0.55,
    follower_net_change=2.0,
)
NO_POSTS = ((0,) * 24,) * 7
REPORT = WeekReport("ana", SCHEDULE, PersonWeek("2026-W46", FIGURES, NO_POSTS, BASELINE, 4))
PLAN = NudgePlan(
    ambassador_id=7,
    handle="rapid_jonas",
    day="2026-11-10",
    rule="burst",
    work_posts=31,
    bursts=3,
    weekday_median=12.0,
    best_slots=((0, 19, 14.0), (2, 7, 9.5)),
)
DIGEST = DigestData(
    week="2026-W46",
    current=ProgramWeek(
        week=None,
        active_ambassadors=11,
        min_group_size=5,
        withheld=False,
        figures={
            "posts": 671,
            "active_ambassadors": 11,
            "work_hours_share": 0.59,
            "engagement": 4210,
            "engagement_posts": 520,
            "engagement_per_post_median": 5.0,
            "follower_net_change": 172,
            "on_topic_share": 0.56,
            "bursts": 21,
        },
    ),
    previous=ProgramWeek(
        week=None,
        active_ambassadors=11,
        min_group_size=5,
        withheld=False,
        figures={"posts": 447, "active_ambassadors": 11, "engagement_per_post_median": 6.0},
    ),
    highlights=(Highlight("aiko", 2120478988039102464, 221, "Field notes on <cloud> security & access"),),
    trend_weeks=("2026-W45", "2026-W46"),
    trend_posts=(447, 671),
    trend_engagement=(6.0, 5.0),
    heatmap=None,
)
WITHHELD = DigestData(
    week="2026-W46",
    current=ProgramWeek(None, 3, 5, True),
    previous=ProgramWeek(None, 2, 5, True),
    highlights=(),
    trend_weeks=(),
    trend_posts=(),
    trend_engagement=(),
    heatmap=None,
)
MESSAGES = {
    "help": help_message(HELP_LINES),
    "joined": joined_message("ana", SCHEDULE, "By typing `/plume join @ana` you agree… <!channel> & co."),
    "week": week_message(REPORT),
    "confirm_leave": confirm_message("Leave Plume", "leave_confirm", "ana"),
    "invitation": invitation_message("A program admin", "ben"),
    "nudge": nudge_message(PLAN),
    "nudge_log": nudge_log_message([("2026-11-10 10:05 UTC", "burst", "work_posts 31, bursts 3")]),
    "digest": digest_message(DIGEST, (Image("/tmp/trend.png", "Weekly posts", "Weekly trend"),)),
    "digest_withheld": digest_message(WITHHELD),
    "status": status_message({"Ambassadors": 11, "Last poll": "2026-11-18 09:45 UTC"}),
    "settings": settings_message(DEFAULTS),
    "home": home_message(REPORT, SCHEDULE, "on"),
    "home_join": home_message(None, None, ""),
    "recap": recap_message(
        Recap(
            REPORT, Highlight("ana", 2120478988039102465, 31, "Why <b2b> & AI"), ((6, 18, 9.0), (0, 7, 4.0))
        )
    ),
    "recap_quiet": recap_message(
        Recap(replace(REPORT, week=replace(REPORT.week, figures=replace(FIGURES, posts=0))), None, ())
    ),
    "error": notice(
        "Plume", "Hours '9 to 5' are not like 09:00-18:00.\nTry: `/plume hours 09:00-18:00`", kind="error"
    ),
    "x_connect": connect_message(
        "ana", "By typing `/plume join @ana` you agree…", "https://plume.example/x/connect?state=S_1", 10
    ),
    "x_linked": linked_message("ana_x", "ana", SCHEDULE),
}


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
