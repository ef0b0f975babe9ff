"""The `/plume` grammar: every command form, the errors and their hints, and what any input may do."""

from __future__ import annotations

import dataclasses
import unicodedata
from zoneinfo import available_timezones

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import ADMIN_SETTINGS, HELP_LINES, CommandError, help_text, parse_command
from bot.commands.grammar import (
    AdminChannel,
    AdminDigestPreview,
    AdminInvite,
    AdminSettings,
    AdminStatus,
    Command,
    Export,
    Forget,
    Help,
    Highlights,
    Hours,
    Join,
    Leave,
    Me,
    Nudges,
    Recap,
    Topics,
    help_lines,
)
from bot.errors import InvalidInput
from handlers.slack.syntax import slack_tokens

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ZONES = sorted(available_timezones())
USAGES = {usage for usage, _ in HELP_LINES}


def parse(typed):
    """Parse a command as typed in Slack: its syntax normalised to neutral tokens first."""
    return parse_command(slack_tokens(typed))
WEEKDAYS = (0, 1, 2, 3, 4)

VALID = [
    ("", Help()),
    ("   ", Help()),
    ("help", Help()),
    ("help me please", Help()),
    ("/plume", Help()),
    ("/plume help", Help()),
    ("join @Alice", Join("Alice")),
    ("join Alice_B", Join("Alice_B")),
    ("join   @a1", Join("a1")),
    ("leave", Leave()),
    ("me", Me(None)),
    ("me 2026-W46", Me("2026-W46")),
    ("me 2026w46", Me("2026-W46")),
    ("me 2026-w01", Me("2026-W01")),
    ("me 2020-W53", Me("2020-W53")),
    ("hours 09:00-18:00", Hours(540, 1080, None, None)),
    ("hours 09:00-18:00 mon-fri Europe/Paris", Hours(540, 1080, WEEKDAYS, "Europe/Paris")),
    ("hours 09:00-18:00 Europe/Paris mon-fri", Hours(540, 1080, WEEKDAYS, "Europe/Paris")),
    ("hours 22:00-06:00 Europe/Paris", Hours(1320, 360, None, "Europe/Paris")),
    ("hours 9:30 - 17:45 mon,wed,fri", Hours(570, 1065, (0, 2, 4), None)),
    ("hours 08:00-24:00 mon, wed, fri", Hours(480, 0, (0, 2, 4), None)),
    ("hours 08:00–16:00 mon wed fri", Hours(480, 960, (0, 2, 4), None)),
    ("hours 07:00-15:00 sun - thu", Hours(420, 900, (0, 1, 2, 3, 6), None)),
    ("hours 07:00-15:00 Monday-Friday", Hours(420, 900, WEEKDAYS, None)),
    ("hours 09:00-17:00 america/new_york", Hours(540, 1020, None, "America/New_York")),
    ("hours 09:00-17:00 UTC sat", Hours(540, 1020, (5,), "UTC")),
    ("hours 09:00-17:00 utc", Hours(540, 1020, None, "UTC")),
    ("hours 09:00-17:00 Japan", Hours(540, 1020, None, "Japan")),
    ("nudges on", Nudges("on")),
    ("nudges off", Nudges("off")),
    ("nudges log", Nudges("log")),
    ("nudges snooze 7d", Nudges("snooze", 7)),
    ("nudges snooze 7", Nudges("snooze", 7)),
    ("nudges snooze 2w", Nudges("snooze", 14)),
    ("nudges snooze 1d", Nudges("snooze", 1)),
    ("nudges snooze 90d", Nudges("snooze", 90)),
    ("nudges snooze 12w", Nudges("snooze", 84)),
    ("nudges snooze 3 days", Nudges("snooze", 3)),
    ("nudges snooze 1 week", Nudges("snooze", 7)),
    ("topics", Topics("list")),
    ("topics list", Topics("list")),
    ("topics add b2b", Topics("add", ("b2b",))),
    ("topics add b2b, #marketing", Topics("add", ("b2b", "#marketing"))),
    ("topics add  b2b ,b2b,, cloud   security ", Topics("add", ("b2b", "cloud security"))),
    ("topics remove #marketing", Topics("remove", ("#marketing",))),
    ("topics add R&amp;D, *bold*", Topics("add", ("R&D", "*bold*"))),
    ("topics add café, 🚀 launches, 日本語", Topics("add", ("café", "🚀 launches", "日本語"))),
    ("topics add 👩‍💻", Topics("add", ("👩‍💻",))),
    ("topics add " + "x" * 50, Topics("add", ("x" * 50,))),
    ("topics add " + ",".join(f"t{i}" for i in range(20)), Topics("add", tuple(f"t{i}" for i in range(20)))),
    ("export", Export()),
    ("forget", Forget()),
    ("highlights on", Highlights(True)),
    ("highlights off", Highlights(False)),
    ("recap on", Recap(True)),
    ("recap off", Recap(False)),
    ("admin channel <#C0123ABC|general>", AdminChannel("C0123ABC", "general")),
    ("admin channel <#C0123ABC>", AdminChannel("C0123ABC", None)),
    ("admin channel <#G0123ABC|>", AdminChannel("G0123ABC", None)),
    ("admin channel #general", AdminChannel(None, "general")),
    ("admin channel #plume-digest_2", AdminChannel(None, "plume-digest_2")),
    ("admin invite <@U0123ABC> @alice", AdminInvite("U0123ABC", "alice")),
    ("admin invite <@U0123ABC|bob> @bob_x", AdminInvite("U0123ABC", "bob_x")),
    ("admin invite <@W0123ABC|jo smith> jo", AdminInvite("W0123ABC", "jo")),
    ("admin invite @alice <@U0123ABC>", AdminInvite("U0123ABC", "alice")),
    ("admin status", AdminStatus()),
    ("admin settings", AdminSettings()),
    ("admin settings min_group_size 5", AdminSettings("min_group_size", 5)),
    ("admin settings burst_posts 6", AdminSettings("burst_posts", 6)),
    ("admin settings burst_minutes 60", AdminSettings("burst_minutes", 60)),
    ("admin settings day_volume 10", AdminSettings("day_volume", 10)),
    ("admin settings baseline_ratio 2", AdminSettings("baseline_ratio", 2.0)),
    ("admin settings baseline_ratio 1.1", AdminSettings("baseline_ratio", 1.1)),
    ("admin settings baseline_ratio 10", AdminSettings("baseline_ratio", 10.0)),
    ("admin settings nudges_per_day 0", AdminSettings("nudges_per_day", 0)),
    ("admin settings nudges_per_week 20", AdminSettings("nudges_per_week", 20)),
    ("admin settings retention_months 36", AdminSettings("retention_months", 36)),
    ("admin settings digest_day mon", AdminSettings("digest_day", 0)),
    ("admin settings digest_day Sunday", AdminSettings("digest_day", 6)),
    ("admin settings digest_time 09:30", AdminSettings("digest_time", 570)),
    ("admin settings digest_time 9:05", AdminSettings("digest_time", 545)),
    ("admin settings digest_time 23:59", AdminSettings("digest_time", 1439)),
    ("admin settings timezone Europe/Paris", AdminSettings("timezone", "Europe/Paris")),
    ("admin settings timezone europe/paris", AdminSettings("timezone", "Europe/Paris")),
    ("admin settings Digest-Time 10:00", AdminSettings("digest_time", 600)),
    ("admin digest preview", AdminDigestPreview()),
    ("/plume   admin   digest\tpreview  ", AdminDigestPreview()),
]


@pytest.mark.parametrize(("text", "expected"), VALID)
def test_valid_commands(text, expected):
    result = parse(text)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HELP", Help()),
        ("/PLUME Join @Alice", Join("Alice")),
        ("LEAVE", Leave()),
        ("Me 2026-W46", Me("2026-W46")),
        ("HOURS 09:00-18:00 MON-FRI EUROPE/PARIS", Hours(540, 1080, WEEKDAYS, "Europe/Paris")),
        ("Nudges SNOOZE 2W", Nudges("snooze", 14)),
        ("NUDGES Off", Nudges("off")),
        ("Topics ADD B2B", Topics("add", ("B2B",))),
        ("EXPORT", Export()),
        ("Forget", Forget()),
        ("HIGHLIGHTS ON", Highlights(True)),
        ("Recap OFF", Recap(False)),
        ("ADMIN Channel <#C0123ABC|general>", AdminChannel("C0123ABC", "general")),
        ("Admin INVITE <@U0123ABC> @Bob", AdminInvite("U0123ABC", "Bob")),
        ("ADMIN STATUS", AdminStatus()),
        ("Admin Settings MIN_GROUP_SIZE 7", AdminSettings("min_group_size", 7)),
        ("admin settings digest_day FRI", AdminSettings("digest_day", 4)),
        ("ADMIN DIGEST PREVIEW", AdminDigestPreview()),
    ],
)
def test_verbs_and_keywords_ignore_case_but_values_keep_it(text, expected):
    assert parse(text) == expected


# Short names for the usage lines, in HELP_LINES order.
USAGE_NAMES = (
    *("help", "join", "leave", "me", "hours", "nudges", "snooze", "topics", "topics list", "export"),
    *("forget", "highlights", "recap", "channel", "invite", "status", "settings", "preview"),
)
U = dict(zip(USAGE_NAMES, (usage for usage, _ in HELP_LINES), strict=True))

INVALID = [
    ("frobnicate", U["help"], "`frobnicate` is not a Plume command."),
    ("snooze 7d", U["snooze"], "Did you mean `/plume nudges snooze 7d`?"),
    ("nudges snoze 7d", U["snooze"], "Did you mean `/plume nudges snooze 7d`?"),
    ("nudgs on", U["nudges"], "Did you mean `/plume nudges on`?"),
    ("hour 09:00-18:00", U["hours"], "Did you mean `/plume hours 09:00-18:00`?"),
    ("jion alice", U["join"], "Did you mean `/plume join alice`?"),
    ("jion @alice", U["join"], "Did you mean `/plume join`?"),
    ("admn channel <#C0123ABC>", U["channel"], "Did you mean `/plume admin channel`?"),
    (
        "amin settings digest_time 10:00",
        U["settings"],
        "Did you mean `/plume admin settings digest_time 10:00`?",
    ),
    ("join0", U["join"], "Did you mean `/plume join`?"),
    ("topic add b2b", U["topics"], "Did you mean `/plume topics add b2b`?"),
    ("exprot", U["export"], "Did you mean `/plume export`?"),
    ("settings", U["settings"], "Did you mean `/plume admin settings`?"),
    ("nudges snoze 500d", U["snooze"], "Did you mean `/plume nudges snooze`?"),
    ("join", U["join"], "Give your X handle"),
    ("join @this_handle_is_too_long", U["join"], "is not an X handle"),
    ("join alice bob", U["join"], "Give your X handle"),
    ("join <@U0123ABC>", U["join"], "`＠U0123ABC` is not an X handle"),
    ("join al!ce", U["join"], "is not an X handle"),
    ("leave now", U["leave"], "takes nothing after it"),
    ("forget @bob", U["forget"], "takes nothing after it"),
    ("export all", U["export"], "takes nothing after it"),
    ("me 2026-W54", U["me"], "is not an ISO week"),
    ("me last", U["me"], "is not an ISO week"),
    ("me 2026-W46 2026-W47", U["me"], "at most one week"),
    ("me ٢٠٢٦-W46", U["me"], "is not an ISO week"),
    ("hours", U["hours"], "like `09:00-18:00`"),
    ("hours 9-18", U["hours"], "like `09:00-18:00`"),
    ("hours mon-fri 09:00-18:00", U["hours"], "like `09:00-18:00`"),
    ("hours 25:00-26:00", U["hours"], "not valid clock times"),
    ("hours 09:00-09:00", U["hours"], "start and end at the same time"),
    ("hours 09:00-18:00 funday", U["hours"], "are not days like mon-fri"),
    ("hours 09:00-18:00 mon-", U["hours"], "are not days like mon-fri"),
    ("hours 09:00-18:00 Mars/Olympus", U["hours"], "is not a timezone"),
    ("hours 09:00-18:00 ../etc/passwd", U["hours"], "is not a timezone"),
    ("hours 09:00-18:00 Europe/Paris Europe/London", U["hours"], "one timezone"),
    ("nudges", U["nudges"], "snooze 7d"),
    ("nudges on please", U["nudges"], "takes nothing after it"),
    ("nudges sometimes", U["nudges"], "is not a nudges option"),
    ("nudges snooze", U["snooze"], "like `7d` or `2w`"),
    ("nudges snooze 0d", U["snooze"], "1 to 90 days"),
    ("nudges snooze 91", U["snooze"], "1 to 90 days"),
    ("nudges snooze 13w", U["snooze"], "is 91 days"),
    ("nudges snooze 7x", U["snooze"], "like `7d` or `2w`"),
    ("nudges snooze -3d", U["snooze"], "like `7d` or `2w`"),
    ("nudges snooze 1e3", U["snooze"], "like `7d` or `2w`"),
    ("topics add", U["topics"], "at least one topic"),
    ("topics add ,, #", U["topics"], "at least one topic"),
    ("topics add <@U0123ABC>", U["topics"], "cannot contain mentions"),
    ("topics add <!channel>", U["topics"], "cannot contain mentions"),
    ("topics add &lt;!here&gt;", U["topics"], "cannot contain mentions"),
    ("topics add <https://evil.example|click>", U["topics"], "cannot contain mentions"),
    ("topics add a\u202eb", U["topics"], "control characters"),
    ("topics add a\x00b", U["topics"], "control characters"),
    ("topics add " + "x" * 51, U["topics"], "longer than 50 characters"),
    ("topics add " + ",".join(f"t{i}" for i in range(21)), U["topics"], "At most 20 topics"),
    ("topics lst", U["topics list"], "Did you mean `/plume topics list`?"),
    ("topics list b2b", U["topics list"], "takes nothing after it"),
    ("topics delete b2b", U["topics"], "is not a topics option"),
    ("highlights", U["highlights"], "`on` or `off`"),
    ("highlights maybe", U["highlights"], "is not a highlights option"),
    ("highlights on off", U["highlights"], "`on` or `off`"),
    ("recap of", U["recap"], "Did you mean `/plume recap off`?"),
    ("admin", U["status"], "Which admin command"),
    ("admin frobnicate", U["channel"], "is not an admin command"),
    ("admin stats", U["status"], "Did you mean `/plume admin status`?"),
    ("admin setings burst_posts 6", U["settings"], "Did you mean `/plume admin settings burst_posts 6`?"),
    ("admin channel", U["channel"], "one channel"),
    ("admin channel general", U["channel"], "is not a channel"),
    ("admin channel #", U["channel"], "is not a channel"),
    ("admin channel #bad!name", U["channel"], "is not a channel name"),
    ("admin channel <#X0123ABC|general>", U["channel"], "is not a channel"),
    ("admin channel <#C0123ABC|gen<eral>", U["channel"], "is not a channel"),
    ("admin channel <@U0123ABC>", U["channel"], "is not a channel"),
    ("admin channel #a #b", U["channel"], "one channel"),
    ("admin invite @alice", U["invite"], "Mention the person"),
    ("admin invite <@U0123ABC> <@U0456DEF>", U["invite"], "Mention one person"),
    ("admin invite @bob @alice", U["invite"], "Mention one person"),
    ("admin invite <@u0123abc> @alice", U["invite"], "Mention one person"),
    ("admin invite <@U0123ABC> not-a-handle!", U["invite"], "is not an X handle"),
    ("admin status now", U["status"], "takes nothing after it"),
    ("admin digest", U["preview"], "admin digest preview"),
    ("admin digest previw", U["preview"], "Did you mean `/plume admin digest preview`?"),
    ("admin digest preview now", U["preview"], "takes nothing after it"),
    ("admin settings nope 3", U["settings"], "Settings: min_group_size, burst_posts"),
    ("admin settings burst_post 6", U["settings"], "Did you mean `burst_posts`?"),
    ("admin settings min_group_size", U["settings"], "from 5 to 100"),
    ("admin settings min_group_size 5 6", U["settings"], "one value"),
    (
        "admin settings min_group_size 1",
        U["settings"],
        "`min_group_size` must be a whole number from 5 to 100",
    ),
    ("admin settings burst_posts 51", U["settings"], "`burst_posts` must be a whole number from 2 to 50"),
    ("admin settings burst_minutes 4", U["settings"], "from 5 to 480"),
    ("admin settings day_volume 501", U["settings"], "from 2 to 500"),
    ("admin settings nudges_per_day 6", U["settings"], "from 0 to 5"),
    ("admin settings nudges_per_week -1", U["settings"], "from 0 to 20"),
    ("admin settings retention_months 0", U["settings"], "from 1 to 36"),
    ("admin settings retention_months 1_0", U["settings"], "from 1 to 36"),
    ("admin settings nudges_per_day ٣", U["settings"], "from 0 to 5"),
    ("admin settings baseline_ratio 1.0", U["settings"], "`baseline_ratio` must be a number from 1.1 to 10"),
    ("admin settings baseline_ratio 10.5", U["settings"], "from 1.1 to 10"),
    ("admin settings baseline_ratio nan", U["settings"], "from 1.1 to 10"),
    ("admin settings baseline_ratio inf", U["settings"], "from 1.1 to 10"),
    ("admin settings baseline_ratio 1e1", U["settings"], "from 1.1 to 10"),
    ("admin settings digest_day someday", U["settings"], "`digest_day` must be a day from mon to sun"),
    ("admin settings digest_time 24:00", U["settings"], "`digest_time` must be a time from 00:00 to 23:59"),
    ("admin settings digest_time 9am", U["settings"], "from 00:00 to 23:59"),
    ("admin settings timezone Mars/Base", U["settings"], "`timezone` must be an IANA zone"),
    ("x" * 2001, U["help"], "too long"),
]


@pytest.mark.parametrize(("text", "usage", "fragment"), INVALID)
def test_invalid_commands_point_at_the_closest_usage(text, usage, fragment):
    with pytest.raises(CommandError) as caught:
        parse(text)
    assert caught.value.usage == usage
    assert fragment in caught.value.message
    assert str(caught.value) == f"{caught.value.message}\nTry: `/plume {usage}`"
    _assert_safe(text, caught.value)


def test_command_error_is_an_invalid_input():
    assert issubclass(CommandError, InvalidInput)
    with pytest.raises(InvalidInput):
        parse("nope")


def test_commands_are_frozen_and_slotted():
    for command in (expected for _, expected in VALID):
        assert isinstance(command, Command)
        assert dataclasses.is_dataclass(command)
        assert not hasattr(command, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        Join("alice").handle = "bob"  # type: ignore[misc]


def test_help_lines_cover_every_command_in_order_and_mark_admin_ones():
    firsts = [" ".join(usage.split()[0:2]) for usage, _ in HELP_LINES]
    assert [f.split()[0] for f in firsts] == [
        "help", "join", "leave", "me", "hours", "nudges", "nudges", "topics", "topics",
        "export", "forget", "highlights", "recap", "admin", "admin", "admin", "admin", "admin",
    ]  # fmt: skip
    for usage, description in HELP_LINES:
        assert not usage.startswith("/plume")  # a neutral command: each platform adds its prefix
        assert ("Admins only" in description) == usage.startswith("admin ")
        assert not set("<>&") & set(usage + description)
    text = help_text()
    assert text.count("\n") == len(HELP_LINES) - 1
    for usage, description in HELP_LINES:
        assert f"/plume {usage} — {description}" in text


def test_settings_table():
    assert list(ADMIN_SETTINGS) == [
        "min_group_size", "burst_posts", "burst_minutes", "day_volume", "baseline_ratio", "nudges_per_day",
        "nudges_per_week", "retention_months", "digest_day", "digest_time", "timezone", "require_verified_x",
    ]  # fmt: skip
    for key, spec in ADMIN_SETTINGS.items():
        assert spec.key == key
        assert spec.description and spec.allowed
    assert ADMIN_SETTINGS["timezone"].parse("asia/tokyo") == "Asia/Tokyo"
    assert parse("admin settings require_verified_x TRUE") == AdminSettings("require_verified_x", True)
    assert parse("admin settings require_verified_x off") == AdminSettings("require_verified_x", False)
    with pytest.raises(CommandError, match="`require_verified_x` must be true or false"):
        parse("admin settings require_verified_x maybe")
    with pytest.raises(InvalidInput):
        ADMIN_SETTINGS["burst_posts"].parse("1")


# Whole-number settings and their inclusive bounds, as the spec states them.
INT_BOUNDS = {
    "min_group_size": (5, 100),
    "burst_posts": (2, 50),
    "burst_minutes": (5, 480),
    "day_volume": (2, 500),
    "nudges_per_day": (0, 5),
    "nudges_per_week": (0, 20),
    "retention_months": (1, 36),
}


@pytest.mark.parametrize(("key", "bounds"), INT_BOUNDS.items())
def test_whole_number_settings_are_inclusive(key, bounds):
    low, high = bounds
    assert ADMIN_SETTINGS[key].kind == "int"
    for value in (low, high):
        assert parse(f"admin settings {key} {value}") == AdminSettings(key, value)
    for value in (low - 1, high + 1):
        with pytest.raises(CommandError, match=f"`{key}` must be a whole number from {low} to {high}"):
            parse(f"admin settings {key} {value}")


NASTY = [
    "\x00",
    "join \x00@alice",
    "<!channel>",
    "<!here|here>",
    "<!everyone>",
    "<@U0123ABC>",
    "<#C0123ABC|general>",
    "join <!channel>",
    "nudges <!here>",
    "admin settings <!channel> 5",
    "admin settings burst_posts <!channel>",
    "me <@U0123ABC|x>",
    "hours 09:00-18:00 <!channel>",
    "&amp;&lt;&gt;",
    "join " + "&" * 100,
    "\u202ejoin @alice",
    "join \u202e@alice",
    "🙂" * 3000,
    "a" * 4001,
    "nudges " + "<!channel>" * 500,
    "topics add " + "<@U1>" * 400,
    "*bold* _it_ ~strike~ `code` ```block```",
    "join `@alice`",
    "\u0661\u0662:\u0660\u0660",
    "hours \u0660\u0669:\u0660\u0660-\u0661\u0668:\u0660\u0660",
    "nudges snooze \u0667d",
    "\ud800",
    "join @\udfff",
    "help\u2028me",
    "me 0000-W01",
    "me 9999-W52",
    "me 1500-W01",
    "admin channel <#C" + "A" * 3000 + ">",
    "join " + "\u0301" * 500,
]


@pytest.mark.parametrize("text", NASTY)
def test_hostile_input_parses_or_fails_cleanly(text):
    _check_any(text)


def test_echoes_are_clipped_and_inert():
    with pytest.raises(CommandError) as caught:
        parse("join <!channel>" + "x" * 100)
    message = caught.value.message
    assert "‹!channel›" in message
    assert "x" * 40 not in message
    with pytest.raises(CommandError) as caught:
        parse("join @al\x07ice&co")
    assert "＠alice＆co" in caught.value.message


def _assert_safe(text: str, exc: CommandError) -> None:
    """The security contract of an error: inert, short echoes, one line break, a known usage."""
    shown = str(exc)
    assert not set("<>&") & set(shown)
    assert all(unicodedata.category(ch)[0] != "C" for ch in exc.message + exc.usage)
    assert all(unicodedata.category(ch) != "Cc" for ch in shown.replace("\n", "", 1))
    assert exc.usage in USAGES
    assert not any(text[i : i + 41] in shown for i in range(len(text) - 40))


def _check_any(text: str) -> None:
    """Any text parses to a Command or raises a safe CommandError, and nothing else."""
    try:
        result = parse(text)
    except CommandError as exc:
        _assert_safe(text, exc)
    else:
        assert isinstance(result, Command)


ANY_CHAR = st.characters(exclude_categories=())  # every category, surrogates and controls included
PIECES = st.sampled_from(
    [
        *("help", "join", "leave", "me", "hours", "nudges", "snooze", "topics", "add", "remove", "list"),
        *("export", "forget", "highlights", "recap", "admin", "channel", "invite", "status", "settings"),
        *("digest", "preview", "on", "off", "log", "/plume", "@alice", "09:00-18:00", "mon-fri", "7d", "2w"),
        *("Europe/Paris", "<!channel>", "<@U0123ABC>", "<#C0123ABC|general>", "&amp;", "&lt;", "\u202e"),
        *("\x00", "🙂", "2026-W46", "burst_posts", "baseline_ratio", "timezone", "1.5", ",", "-", "#general"),
    ]
)
SOUP = st.lists(st.one_of(PIECES, st.text(ANY_CHAR, max_size=12)), max_size=14).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(ANY_CHAR, max_size=5000), st.text(ANY_CHAR, min_size=3900, max_size=5000), SOUP))
def test_any_text_parses_or_raises_a_safe_command_error(text):
    _check_any(text)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([p for p, _ in VALID if p] + [t for t, _, _ in INVALID[:-1]]),
    st.text(ANY_CHAR, max_size=60),
)
def test_known_commands_with_junk_appended_stay_safe(prefix, junk):
    _check_any(f"{prefix} {junk}")
    _check_any(f"{prefix}{junk}")


# --- round trip: commands built from random valid parts parse to what they were built from ---------

SEPARATORS = st.sampled_from([" ", "  ", "\t", "\n", " \u00a0 "])


@st.composite
def cased(draw, word: str) -> str:
    """A keyword in random letter case."""
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(ch.upper() if flip else ch.lower() for ch, flip in zip(word, flips, strict=True))


@st.composite
def assemble(draw, parts: list[str]) -> str:
    """Parts joined by random whitespace, with an optional leading `/plume`."""
    prefix = draw(st.sampled_from([[], ["/plume"], ["/PLUME"]]))
    words = [*prefix, *parts]
    text = words[0] if words else ""
    for word in words[1:]:
        text += draw(SEPARATORS) + word
    return draw(st.sampled_from(["", " ", "\n"])) + text


@st.composite
def keywords(draw, phrase: str) -> list[str]:
    """Each word of a keyword phrase, randomly cased."""
    return [draw(cased(word)) for word in phrase.split()]


@st.composite
def simple_commands(draw):
    """Commands without arguments, or with a fixed keyword."""
    phrase, expected = draw(
        st.sampled_from(
            [
                ("help", Help()),
                ("leave", Leave()),
                ("me", Me()),
                ("export", Export()),
                ("forget", Forget()),
                ("topics list", Topics("list")),
                ("nudges on", Nudges("on")),
                ("nudges off", Nudges("off")),
                ("nudges log", Nudges("log")),
                ("highlights on", Highlights(True)),
                ("highlights off", Highlights(False)),
                ("recap on", Recap(True)),
                ("recap off", Recap(False)),
                ("admin status", AdminStatus()),
                ("admin settings", AdminSettings()),
                ("admin digest preview", AdminDigestPreview()),
            ]
        )
    )
    return draw(keywords(phrase)), expected


HANDLES = st.from_regex(r"[A-Za-z0-9_]{1,15}", fullmatch=True)


@st.composite
def join_commands(draw):
    """`join [@]handle`."""
    handle = draw(HANDLES)
    return [*draw(keywords("join")), draw(st.sampled_from(["", "@"])) + handle], Join(handle)


@st.composite
def me_commands(draw):
    """`me YYYY-Www` in its accepted spellings."""
    year, week = draw(st.integers(2006, 2100)), draw(st.integers(1, 52))
    spelling = draw(st.sampled_from(["{y}-W{w:02d}", "{y}W{w:02d}", "{y}-w{w:02d}"]))
    return [*draw(keywords("me")), spelling.format(y=year, w=week)], Me(f"{year}-W{week:02d}")


@st.composite
def day_lists(draw):
    """Work days written as a list or a (possibly wrapping) range, with the weekdays they mean."""
    if draw(st.booleans()):
        first, last = draw(st.integers(0, 6)), draw(st.integers(0, 6))
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        return f"{DAYS[first]}-{DAYS[last]}", tuple(sorted(days))
    chosen = draw(st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True))
    names = [draw(st.sampled_from([DAYS, FULL_DAYS]))[d] for d in chosen]
    return draw(st.sampled_from([",", ", ", " "])).join(names), tuple(sorted(chosen))


@st.composite
def hours_commands(draw):
    """`hours HH:MM-HH:MM [days] [zone]`, days and zone in either order."""
    h1, m1, h2, m2 = (draw(st.integers(0, hi)) for hi in (23, 59, 23, 59))
    if (h1, m1) == (h2, m2):
        h2 = (h2 + 1) % 24
    start = draw(st.sampled_from([f"{h1:02d}:{m1:02d}", f"{h1}:{m1:02d}"]))
    parts = [*draw(keywords("hours")), f"{start}{draw(st.sampled_from(['-', ' - ', '–']))}{h2:02d}:{m2:02d}"]
    days = draw(st.none() | day_lists())
    tz = draw(st.none() | st.sampled_from(ZONES))
    extras = [x for x in (days and days[0], tz and draw(st.sampled_from([tz, tz.lower(), tz.upper()]))) if x]
    parts += draw(st.permutations(extras))
    return parts, Hours(h1 * 60 + m1, h2 * 60 + m2, days and days[1], tz)


@st.composite
def snooze_commands(draw):
    """`nudges snooze N[d|w]` within 1 to 90 days."""
    if draw(st.booleans()):
        weeks = draw(st.integers(1, 12))
        amount, days = f"{weeks}{draw(st.sampled_from(['w', 'W', ' weeks', 'week']))}", weeks * 7
    else:
        days = draw(st.integers(1, 90))
        amount = f"{days}{draw(st.sampled_from(['', 'd', 'D', ' days', 'day']))}"
    return [*draw(keywords("nudges snooze")), amount], Nudges("snooze", days)


TOPIC_WORDS = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=8)


@st.composite
def topics_commands(draw):
    """`topics add|remove T, T…` with up to 20 topics of at most 50 characters."""
    words = st.lists(TOPIC_WORDS, min_size=1, max_size=4).map(" ".join)
    topic = st.tuples(st.sampled_from(["", "#"]), words).map("".join).filter(lambda t: len(t) <= 50)
    topics = draw(st.lists(topic, min_size=1, max_size=20))
    action = draw(st.sampled_from(["add", "remove"]))
    text = draw(st.sampled_from([",", ", ", " , "])).join(topics)
    return [*draw(keywords(f"topics {action}")), text], Topics(action, tuple(dict.fromkeys(topics)))


SLACK_ID = st.from_regex(r"[A-Z0-9]{2,12}", fullmatch=True)
CHANNEL_NAMES = st.from_regex(r"[a-z0-9_-]{1,30}", fullmatch=True)


@st.composite
def channel_commands(draw):
    """`admin channel` in Slack's two link forms and as a plain `#name`."""
    cid, name = draw(st.sampled_from("CG")) + draw(SLACK_ID), draw(CHANNEL_NAMES)
    token, expected = draw(
        st.sampled_from(
            [
                (f"<#{cid}|{name}>", AdminChannel(cid, name)),
                (f"<#{cid}>", AdminChannel(cid, None)),
                (f"#{name}", AdminChannel(None, name)),
            ]
        )
    )
    return [*draw(keywords("admin channel")), token], expected


@st.composite
def invite_commands(draw):
    """`admin invite <@U…> @handle`, in either order."""
    uid, handle = draw(st.sampled_from("UW")) + draw(SLACK_ID), draw(HANDLES)
    label = draw(st.sampled_from(["", "|jo", "|jo.smith", "|Jo Smith"]))
    pair = [f"<@{uid}{label}>", draw(st.sampled_from(["", "@"])) + handle]
    return [*draw(keywords("admin invite")), *draw(st.permutations(pair))], AdminInvite(uid, handle)


@st.composite
def setting_values(draw):
    """A setting key and a valid value, as typed and as parsed."""
    key = draw(st.sampled_from(list(ADMIN_SETTINGS)))
    if key in INT_BOUNDS:
        value = draw(st.integers(*INT_BOUNDS[key]))
        return key, str(value), value
    if key == "baseline_ratio":
        hundredths = draw(st.integers(110, 1000))
        text = f"{hundredths // 100}.{hundredths % 100:02d}"
        return key, text, float(text)
    if key == "digest_day":
        day = draw(st.integers(0, 6))
        return key, draw(cased(draw(st.sampled_from([DAYS, FULL_DAYS]))[day])), day
    if key == "digest_time":
        hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
        return key, f"{hour:02d}:{minute:02d}", hour * 60 + minute
    if key == "require_verified_x":
        word = draw(st.sampled_from(["true", "on", "yes", "false", "off", "no"]))
        return key, draw(cased(word)), word in ("true", "on", "yes")
    zone = draw(st.sampled_from(ZONES))
    return key, zone, zone


@st.composite
def settings_commands(draw):
    """`admin settings KEY VALUE`."""
    key, typed, value = draw(setting_values())
    return [*draw(keywords("admin settings")), draw(cased(key)), typed], AdminSettings(key, value)


COMMANDS = st.one_of(
    simple_commands(),
    join_commands(),
    me_commands(),
    hours_commands(),
    snooze_commands(),
    topics_commands(),
    channel_commands(),
    invite_commands(),
    settings_commands(),
)


@settings(max_examples=400, deadline=None)
@given(COMMANDS, st.data())
def test_generated_commands_round_trip(built, data):
    parts, expected = built
    text = data.draw(assemble(parts))
    assert parse(text) == expected


@st.composite
def mutated(draw, text: str) -> str:
    """A typo: one character deleted, replaced or inserted anywhere."""
    at = draw(st.integers(0, len(text)))
    junk = draw(ANY_CHAR)
    return draw(
        st.sampled_from(
            [text[:at] + text[at + 1 :], text[:at] + junk + text[at + 1 :], text[:at] + junk + text[at:]]
        )
    )


@settings(max_examples=400, deadline=None)
@given(COMMANDS, st.data())
def test_typos_in_valid_commands_parse_or_fail_safely(built, data):
    text = data.draw(mutated(data.draw(assemble(built[0]))))
    _check_any(text)


def test_a_platform_changes_only_its_own_help_lines():
    changed = help_lines((("admin channel", "admin channel", "In the channel itself."),))
    assert len(changed) == len(HELP_LINES)
    new = [line for line in changed if line not in HELP_LINES]
    assert new == [("admin channel", "In the channel itself.")]
    assert help_lines() == HELP_LINES
