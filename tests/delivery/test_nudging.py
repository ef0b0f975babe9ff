"""Nudges through the RecordingNotifier: once, within the caps, never at night, at most once in doubt."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.metrics.weeks import parse_week
from bot.services.delivery.nudging import (
    nudge_plans,
    rules_from,
    send_nudges,
    shift_weeks,
    workspaces_to_nudge,
)
from bot.services.delivery.outbox import claim_nudge, mark
from bot.services.reports.program import load_program
from bot.services.workspaces.settings import workspace_settings
from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, NudgeLog, Workspace
from tests.delivery.conftest import NOW
from tests.fakes.recording_notifier import RecordingNotifier
from tests.seeding import post


def burst(session, handle: str, start: datetime, count: int = 6) -> None:
    account = repo.get_account_by_handle(session=session, handle_key=handle)
    repo.upsert_posts(
        session=session,
        x_account_id=account.id,
        records=[post(start + timedelta(minutes=5 * i)) for i in range(count)],
        source="api",
    )


def nudge(runtime, notifier, program, now=NOW):
    return send_nudges(sessions=runtime.sessions, notifier=notifier, workspace_id=program, now=now)


def nudge_rows(runtime) -> list[tuple[str, str, str, str | None]]:
    with transaction(runtime.sessions) as session:
        return [(n.rule, n.window_key, n.status, n.message_ref) for n in session.scalars(select(NudgeLog))]


def test_a_burst_gives_one_dm_and_a_second_burst_the_same_day_none(runtime, recorder, program):
    with transaction(runtime.sessions) as session:
        burst(session, "t1amb0", NOW - timedelta(hours=1))
    first = nudge(runtime, recorder, program)
    with transaction(runtime.sessions) as session:
        burst(session, "t1amb0", NOW + timedelta(hours=2))
    second = nudge(runtime, recorder, program, NOW + timedelta(hours=3))
    assert [o.status for o in first] == ["sent"] and second == []
    [dm] = recorder.to("UT10")
    assert "6 times during your work hours" in str(dm.message.fallback) + str(dm.message.sections)
    assert nudge_rows(runtime) == [("burst", "2026-11-18", "sent", "R1")]


def test_nudges_that_failed_for_good_leave_the_caps_free(runtime, recorder, program):
    with transaction(runtime.sessions) as session:
        account = repo.get_account_by_handle(session=session, handle_key="t1amb3")
        ambassador_id = session.scalars(
            select(Ambassador.id).where(Ambassador.x_account_id == account.id)
        ).one()
    for day in ("2026-11-16", "2026-11-17"):  # Monday's and Tuesday's never reached the person
        row, _ = claim_nudge(runtime.sessions, ambassador_id, "burst", day, {}, NOW)
        mark(runtime.sessions, NudgeLog, row.id, "failed", None, NOW)
    with transaction(runtime.sessions) as session:
        burst(session, "t1amb3", NOW - timedelta(hours=1))
    assert [o.status for o in nudge(runtime, recorder, program)] == ["sent"]
    assert len(recorder.to("UT13")) == 1


def test_not_calm_defers_the_nudge_to_a_calm_moment(runtime, recorder, program):
    with transaction(runtime.sessions) as session:
        burst(session, "t1amb1", NOW - timedelta(hours=1))
    recorder.set_calm("UT11", False)
    assert [o.status for o in nudge(runtime, recorder, program)] == ["deferred"] and recorder.to("UT11") == []
    recorder.set_calm("UT11", True)
    assert [o.status for o in nudge(runtime, recorder, program, NOW + timedelta(minutes=30))] == ["sent"]


def test_never_at_night(runtime, recorder, program):
    with transaction(runtime.sessions) as session:
        burst(session, "t1amb2", NOW - timedelta(hours=1))
    assert [o.status for o in nudge(runtime, recorder, program, NOW.replace(hour=22))] == ["deferred"]
    assert recorder.delivered == []


def test_a_nudge_is_claimed_straight_into_sending(runtime, program):
    with transaction(runtime.sessions) as session:
        burst(session, "t1amb0", NOW - timedelta(hours=1))
    seen = []
    notifier = RecordingNotifier()
    original = notifier.direct

    def direct(**kwargs):
        seen.append(nudge_rows(runtime))  # what a crash at this instant would leave
        return original(**kwargs)

    notifier.direct = direct
    nudge(runtime, notifier, program)
    assert seen == [[("burst", "2026-11-18", "sending", None)]]


def allow_three_a_day(runtime, program) -> None:
    """Three nudges a day: the cases below hold whatever the cap (a nudge in doubt takes no place in
    the cap that hides it from itself)."""
    with transaction(runtime.sessions) as session:
        workspace = session.get(Workspace, program)
        workspace.settings = {**workspace.settings, "nudges_per_day": 3}


def test_a_nudge_in_doubt_is_resolved_under_the_default_cap_of_one_a_day(runtime, program):
    with transaction(runtime.sessions) as session:
        burst(session, "t1amb0", NOW - timedelta(hours=1))
        account = repo.get_account_by_handle(session=session, handle_key="t1amb0")
        person = session.scalars(select(Ambassador.id).where(Ambassador.x_account_id == account.id)).one()
    # A worker killed between the claim and the send: claimed into `sending`, never handed over.
    claim_nudge(runtime.sessions, person, "burst", "2026-11-18", {}, NOW)
    looking = RecordingNotifier()  # finds nothing: sends it now, once
    outcomes = nudge(runtime, looking, program, NOW + timedelta(minutes=15))
    assert [o.status for o in outcomes] == ["sent"] and len(looking.to("UT10")) == 1
    assert nudge(runtime, looking, program, NOW + timedelta(minutes=30)) == []  # sent: in the cap again
    assert len(looking.to("UT10")) == 1


def test_a_nudge_in_doubt_without_look_up_is_settled_not_sent_under_the_default_cap(runtime, program):
    with transaction(runtime.sessions) as session:
        burst(session, "t1amb0", NOW - timedelta(hours=1))
    nudge(runtime, RecordingNotifier(can_look_up=False), program)
    with transaction(runtime.sessions) as session:  # its batch of marks was lost in a crash
        session.scalars(select(NudgeLog)).one().status = "sending"
    again = RecordingNotifier(can_look_up=False)
    outcomes = nudge(runtime, again, program, NOW + timedelta(minutes=15))
    assert [o.status for o in outcomes] == ["in_doubt"] and again.delivered == []
    assert nudge_rows(runtime) == [("burst", "2026-11-18", "unknown", None)]


def test_a_nudge_in_doubt_without_look_up_is_never_sent_again(runtime, program):
    allow_three_a_day(runtime, program)
    with transaction(runtime.sessions) as session:
        burst(session, "t1amb0", NOW - timedelta(hours=1))
    first = RecordingNotifier(can_look_up=False)
    nudge(runtime, first, program)
    with transaction(runtime.sessions) as session:  # its batch of marks was lost in a crash
        session.scalars(select(NudgeLog)).one().status = "sending"
    again = RecordingNotifier(can_look_up=False)
    outcomes = nudge(runtime, again, program, NOW + timedelta(minutes=15))
    assert [o.status for o in outcomes] == ["in_doubt"] and again.delivered == []
    assert nudge_rows(runtime) == [("burst", "2026-11-18", "unknown", None)]
    later = nudge(runtime, again, program, NOW + timedelta(minutes=30))
    assert [o.status for o in later] == ["in_doubt"] and again.delivered == []  # settled: never sent


def test_a_nudge_in_doubt_with_look_up_is_recovered(runtime, recorder, program):
    allow_three_a_day(runtime, program)
    with transaction(runtime.sessions) as session:
        burst(session, "t1amb0", NOW - timedelta(hours=1))
    nudge(runtime, recorder, program)
    with transaction(runtime.sessions) as session:
        session.scalars(select(NudgeLog)).one().status = "sending"
    outcomes = nudge(runtime, recorder, program, NOW + timedelta(minutes=15))
    assert [(o.status, o.ref) for o in outcomes] == [("recovered", "R1")] and len(recorder.delivered) == 1


def planned_now(runtime, program, now=NOW):
    """What the rules fire for the workspace now, as a batched evaluation hands it over."""
    with transaction(runtime.sessions) as session:
        rules = rules_from(workspace_settings(session.get(Workspace, program)))
        weeks = shift_weeks(session, [program], now)
        programs = [load_program(session=session, workspace_id=program, week=parse_week(w)) for w in weeks]
    return {program: nudge_plans(programs, rules)}, {program: rules}


def switch_nudges(runtime, user: str, *, on: bool) -> None:
    with transaction(runtime.sessions) as session:
        session.scalars(select(Ambassador).where(Ambassador.chat_user_id == user)).one().nudges_enabled = on


def test_a_workspace_is_a_nudge_candidate_only_with_an_unclaimed_nudge_someone_takes_now(
    runtime, recorder, program
):
    assert workspaces_to_nudge(runtime.sessions, *planned_now(runtime, program), NOW) == []
    with transaction(runtime.sessions) as session:
        burst(session, "t1amb0", NOW - timedelta(hours=1))
    planned, rules = planned_now(runtime, program)
    assert workspaces_to_nudge(runtime.sessions, planned, rules, NOW) == [program]
    assert workspaces_to_nudge(runtime.sessions, planned, rules, NOW.replace(hour=22)) == []  # off work
    with transaction(runtime.sessions) as session:
        session.scalars(
            select(Ambassador).where(Ambassador.chat_user_id == "UT10")
        ).one().nudges_enabled = False
    assert workspaces_to_nudge(runtime.sessions, *planned_now(runtime, program), NOW) == []  # switched off
    with transaction(runtime.sessions) as session:
        session.scalars(
            select(Ambassador).where(Ambassador.chat_user_id == "UT10")
        ).one().nudges_enabled = True
    assert [o.status for o in nudge(runtime, recorder, program)] == ["sent"]
    assert workspaces_to_nudge(runtime.sessions, *planned_now(runtime, program), NOW) == []  # sent
    with transaction(runtime.sessions) as session:  # a worker killed between claim and send
        session.scalars(select(NudgeLog)).one().status = "sending"
    assert workspaces_to_nudge(runtime.sessions, *planned_now(runtime, program), NOW) == [program]
