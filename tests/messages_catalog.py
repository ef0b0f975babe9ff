"""Every message Plume sends, built once from fixed figures: the golden tests of each platform's
renderer (Slack Block Kit, Teams Adaptive Cards) render this same catalog."""

from __future__ import annotations

from dataclasses import replace

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
