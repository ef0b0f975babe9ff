"""`/plume` end to end in-process: signed requests, the real Bolt app, the fake Slack Web API."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from bot.services.delivery.outbox import claim_nudge, mark
from bot.services.people import membership as people
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, NudgeLog, Workspace, XAccount
from tests.slack.conftest import NOW, text_of


def ambassadors(runtime) -> list[Ambassador]:
    with transaction(runtime.sessions) as session:
        return list(session.scalars(select(Ambassador).order_by(Ambassador.id)))


def test_help_lists_every_command_ephemerally(chat):
    body = chat.command("help")
    assert body["response_type"] == "ephemeral"
    shown = text_of(body)
    for usage in (
        "join @handle",
        "leave",
        "me",
        "hours",
        "nudges",
        "topics",
        "export",
        "forget",
        "admin channel",
    ):
        assert usage in shown


def test_join_records_the_consent_shown_and_the_profile_timezone(chat, runtime, slack):
    body = chat.command("join @Ana_Writes")
    shown = text_of(body)
    [amb] = ambassadors(runtime)
    assert (amb.chat_user_id, amb.timezone, amb.consent_source) == ("U100", "Europe/Paris", "self")
    assert amb.consent_text in shown.replace("*", "") or amb.consent_text.replace("`", "") in shown
    assert "only to you" in amb.consent_text and "/plume leave" in amb.consent_text
    assert [c.body["user"] for c in slack.calls_to("users.info")] == ["U100"]


def test_schedule_topics_and_nudges(chat, runtime):
    chat.command("join @ana")
    assert "10:00-19:00 mon,tue,wed,thu, Europe/Lisbon" in text_of(
        chat.command("hours 10:00-19:00 mon-thu Europe/Lisbon")
    )
    assert "b2b, #marketing" in text_of(chat.command("topics add b2b, #marketing"))
    assert "#marketing" not in text_of(chat.command("topics remove #marketing"))
    assert "2026-11-25" in text_of(chat.command("nudges snooze 7d"))
    chat.command("nudges off")
    [amb] = ambassadors(runtime)
    assert (amb.work_start, amb.work_end, amb.work_days, amb.timezone) == (
        600,
        1140,
        [0, 1, 2, 3],
        "Europe/Lisbon",
    )
    assert amb.topics == ["b2b"] and amb.nudges_enabled is False
    assert amb.nudges_snoozed_until == NOW + timedelta(days=7)
    assert "No nudges so far." in text_of(chat.command("nudges log"))


def test_me_shows_the_week_beside_the_baseline(chat):
    chat.command("join @ana")
    shown = text_of(chat.command("me 2026-W46"))
    assert "Your week 2026-W46" in shown and "Posts" in shown and "usual" in shown


def test_export_sends_a_csv_by_dm(chat, slack):
    chat.command("join @ana")
    chat.command("topics add b2b")
    assert "Check your direct messages" in text_of(chat.command("export"))
    [upload] = slack.uploads
    rows = list(csv.reader(io.StringIO(upload["content"].decode())))
    assert ["profile", "handle", "ana"] in rows and ["profile", "topics", "b2b"] in rows
    assert upload["filename"] == "plume-ana.csv"


def _give_history(runtime, handle: str, x_id: int, window: str) -> int:
    """A post, a follower snapshot and a sent nudge for one person, through the real storage code."""
    with transaction(runtime.sessions) as session:
        amb = session.scalars(select(Ambassador).join(XAccount).where(XAccount.handle_key == handle)).one()
        record = PostRecord(
            x_id, NOW - timedelta(days=1), PostKind.ORIGINAL, f'{handle}, "quoted"\nline two', likes=3
        )
        repo.upsert_posts(session=session, x_account_id=amb.x_account_id, records=[record], source="api")
        repo.add_snapshot(
            session=session,
            x_account_id=amb.x_account_id,
            taken_at=NOW,
            followers=x_id % 1000,
            following=7,
            posts_count=9,
        )
        amb_id = amb.id
    row, _ = claim_nudge(runtime.sessions, amb_id, "offhours", window, {"share": 0.4, "posts": 5}, NOW)
    mark(runtime.sessions, NudgeLog, row.id, "sent", "D1:1.1", NOW + timedelta(minutes=1))
    return amb_id


def blocks_of(rows: list[list[str]]) -> list[list[list[str]]]:
    """The CSV's blocks, split on blank rows."""
    blocks: list[list[list[str]]] = [[]]
    for row in rows:
        if row:
            blocks[-1].append(row)
        else:
            blocks.append([])
    return blocks


def test_export_holds_the_persons_nudges_and_nothing_of_anyone_else(chat, slack, runtime):
    chat.command("join @ana")
    chat.command("join @ben", user="U200")
    ana = _give_history(runtime, "ana", 1_111_111, "2026-W47:mon")
    _give_history(runtime, "ben", 2_222_222, "2026-W47:tue")
    with transaction(runtime.sessions) as session:
        ws = session.scalars(select(Workspace.id).where(Workspace.external_id == "T0001")).one()
        people.nudge_feedback(
            session=session,
            workspace_id=ws,
            chat_user_id="U100",
            nudge_ref=f"{ana}:offhours:2026-W47:mon",
            feedback="not_useful",
            now=NOW,
        )
    chat.command("export")
    [upload] = slack.uploads
    assert upload["channel"] == slack.dm_id("U100")
    content = upload["content"].decode()
    profile, posts, nudges = blocks_of(list(csv.reader(io.StringIO(content))))
    # What was there before stays where it was: operators parse this file.
    assert profile[0] == ["section", "field", "value"]
    assert [r[1] for r in profile[1:11]] == [
        "handle", "consent_at", "consent_text", "timezone", "hours", "days", "country", "topics",
        "nudges_enabled", "highlights_allowed",
    ]  # fmt: skip
    assert ["followers", NOW.isoformat(), "111"] in profile and ["following", NOW.isoformat(), "7"] in profile
    yesterday = (NOW - timedelta(days=1)).isoformat()
    assert posts == [
        ["id", "created_at", "kind", "text", "lang", "likes", "reposts", "replies", "quotes",
         "in_reply_to_id", "metrics_read_at", "source", "refreshed_for"],
        ["1111111", yesterday, "original", 'ana, "quoted"\nline two', "",
         "3", "0", "0", "0", "", "", "api", ""],
    ]  # fmt: skip
    assert nudges == [
        ["nudge_rule", "window_key", "numbers", "status", "claimed_at", "sent_at", "feedback", "message_ref"],
        [
            "offhours",
            "2026-W47:mon",
            '{"posts": 5, "share": 0.4}',
            "sent",
            NOW.isoformat(),
            (NOW + timedelta(minutes=1)).isoformat(),
            "not_useful",
            "D1:1.1",
        ],
    ]
    assert ["profile", "chat_user_id", "U100"] in profile
    for theirs in ("ben", "U200", "2222222", "222", "W47:tue"):
        assert theirs not in content


def test_leave_asks_first_then_deletes_everything(chat, runtime):
    chat.command("join @ana")
    confirm = chat.command("leave")
    buttons = [e for b in confirm["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["leave_confirm", "cancel"]
    assert len(ambassadors(runtime)) == 1  # nothing deleted before the click
    [done] = chat.click("leave_confirm", "ana")
    assert "deleted your data" in text_of(done) and done["replace_original"] is True
    assert ambassadors(runtime) == []


def test_admin_commands_are_refused_to_non_admins(chat, runtime):
    shown = text_of(chat.command("admin settings min_group_size 7"))
    assert "for program admins" in shown
    with transaction(runtime.sessions) as session:
        assert all(not w.settings for w in session.scalars(select(Workspace)))


def test_admins_configure_the_program(chat, runtime):
    assert "C777" in text_of(chat.command("admin channel <#C777|ambassadors>", user="UADMIN"))
    assert "min_group_size" in text_of(chat.command("admin settings min_group_size 7", user="UADMIN"))
    with transaction(runtime.sessions) as session:
        workspace = session.scalars(select(Workspace).where(Workspace.external_id == "T0001")).one()
        assert (workspace.digest_channel, workspace.settings["min_group_size"]) == ("C777", 7)
    status = text_of(chat.command("admin status", user="UADMIN"))
    assert "Ambassadors" in status and "work-hours figures are never shown" in status


def test_invitation_tracks_nothing_before_accept(chat, runtime, slack):
    assert "Invitation sent" in text_of(chat.command("admin invite <@U200> @ben_posts", user="UADMIN"))
    [dm] = slack.calls_to("chat.postMessage")
    assert "ben_posts" in str(dm.body) and ambassadors(runtime) == []
    [joined] = chat.click("invite_accept", "ben_posts", user="U200")
    [amb] = ambassadors(runtime)
    assert (amb.chat_user_id, amb.timezone) == ("U200", "America/New_York")
    assert amb.consent_text.startswith("Accepted an invitation.") and "Welcome" in text_of(joined)


def test_bad_input_gets_a_friendly_reply(chat):
    for text in ("nudges sometimes", "jion @ana", "hours 9 to 5", "<!channel> " * 500, "\x00\x01\x1b[31m"):
        shown = text_of(chat.command(text))
        assert "Try" in shown or "help" in shown
        assert "<!channel>" not in shown and "Traceback" not in shown


def test_user_text_is_escaped_so_it_never_pings(chat):
    chat.command("join @ana")
    shown = text_of(chat.command("topics add <!channel>, <@U200>, a&b"))
    assert "<!channel>" not in shown and "<@U200>" not in shown


def test_nobody_claims_a_handle_someone_else_tracks(chat, runtime):
    chat.command("join @ana")
    assert "already tracked for someone else" in text_of(chat.command("join @ana", user="U200"))
    assert len(ambassadors(runtime)) == 1


def test_the_group_size_never_goes_below_five(chat, runtime):
    assert "Try" in text_of(chat.command("admin settings min_group_size 2", user="UADMIN"))
    from bot.services.people.ambassadors import ensure_workspace
    from bot.services.workspaces.settings import workspace_settings

    with transaction(runtime.sessions) as session:
        workspace = ensure_workspace(session=session, platform="slack", external_id="T0001")
        workspace.settings = {"min_group_size": 2}  # even if stored by an older version
        assert workspace_settings(workspace)["min_group_size"] == 5


def test_nudge_buttons_work_when_clicked(chat, runtime):
    chat.command("join @ana")
    with transaction(runtime.sessions) as session:
        ana = session.scalars(select(Ambassador.id)).one()
    for n, day in enumerate(("2026-11-16", "2026-11-17")):
        row, _ = claim_nudge(runtime.sessions, ana, "burst", day, {"work_posts": 9}, NOW + timedelta(days=n))
        mark(runtime.sessions, NudgeLog, row.id, "sent", "1.0", NOW + timedelta(days=n))
    clicks = [chat.click("nudge_not_useful", f"{ana}:burst:{day}") for day in ("2026-11-16", "2026-11-17")]
    assert all("Thanks for telling me" in text_of(answer) for [answer] in clicks)
    with transaction(runtime.sessions) as session:
        amb = session.get(Ambassador, ana)
        assert amb.nudges_snoozed_until is not None and amb.nudge_overrides["threshold_factor"] == 1.5
    [off] = chat.click("nudge_turn_off", f"{ana}:burst:2026-11-17")
    assert "nudges off" in text_of(off)
    [forged] = chat.click("nudge_thanks", f"{ana}:burst:2026-11-17", user="U200")
    assert "Thanks for telling me" not in text_of(forged)


def test_home_buttons_switch_nudges_and_refresh_home(chat, runtime, slack):
    chat.command("join @ana")
    chat.click("home_nudges_off", "off")
    with transaction(runtime.sessions) as session:
        assert session.scalars(select(Ambassador.nudges_enabled)).one() is False
    assert slack.home_view("U100") is not None
    chat.click("home_nudges_on", "on")
    with transaction(runtime.sessions) as session:
        assert session.scalars(select(Ambassador.nudges_enabled)).one() is True
