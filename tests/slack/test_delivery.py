"""Digests and nudges through the Slack notifier against the fake Slack: exactly once, gently.

Policies that are not about Slack (caps, night, doubt) run on the RecordingNotifier in tests/delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.messages.replies import notice
from bot.services.delivery.nudging import send_nudges
from bot.services.delivery.outbox import claim_digest, digest_key, mark, mark_writer
from bot.services.delivery.sending import send_digest
from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import DigestLog, Workspace
from handlers.slack.notifier import SlackNotifier
from tests.seeding import post, seed_posting_workspace

pytestmark = pytest.mark.both_backends  # claims and the delivery outbox: unique keys, marks

WEEK = "2026-W46"
NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)  # Wednesday, 10:30 UTC


@pytest.fixture
def program(runtime, slack):
    """Six people in T0001, all posting during 2026-W46; digest channel C0DIGEST chosen by UADMIN."""
    slack.add_channel("C0DIGEST", "ambassadors", members={"UBOT"})
    slack.add_channel("C0ARCHIVE", "old", is_archived=True, members={"UBOT"})
    for n in range(1, 6):
        slack.add_user(f"U10{n}", name=f"amb{n}", tz="UTC")
    with transaction(runtime.sessions) as session:
        return seed_posting_workspace(
            session,
            platform="slack",
            team="T0001",
            channel="C0DIGEST",
            people=range(6),
            handle=lambda n: f"amb{n}",
            user=lambda n: f"U10{n}",
        )


@pytest.fixture
def notifier(settings, runtime):
    return SlackNotifier(settings, runtime)


def digest_once(runtime, notifier, workspace_id: int, out_dir, marks=None):
    """This week's digest of `workspace_id`, through the real sending code."""
    return send_digest(
        sessions=runtime.sessions,
        notifier=notifier,
        workspace_id=workspace_id,
        week=WEEK,
        now=NOW,
        out_dir=out_dir,
        marks=marks,
    )


def digests(slack) -> list[dict]:
    return [m for m in slack.messages("C0DIGEST") if (m.get("metadata") or {}).get("event_type")]


def test_one_digest_per_week_whatever_happens(runtime, notifier, slack, program, tmp_path):
    first = digest_once(runtime, notifier, program, tmp_path)
    again = digest_once(runtime, notifier, program, tmp_path)
    assert (first.status, again.status) == ("sent", "already_sent")
    [digest] = digests(slack)
    assert "18 posts by 6 ambassadors" in digest["text"]
    assert digest["metadata"]["event_payload"] == {"key": digest_key(program, "C0DIGEST", WEEK)}


def test_a_crash_after_slack_accepted_does_not_post_twice(runtime, notifier, slack, program, tmp_path):
    # The earlier run claimed the week, recorded `sending`, and Slack accepted its post; then the
    # process died before the mark.
    row, fresh = claim_digest(runtime.sessions, program, "C0DIGEST", WEEK, NOW)
    mark(runtime.sessions, DigestLog, row.id, "sending", None, NOW)
    ts = notifier.post(
        workspace_id=program,
        channel="C0DIGEST",
        message=notice("Digest", "x"),
        key=digest_key(program, "C0DIGEST", WEEK),
    )
    outcome = send_digest(
        sessions=runtime.sessions,
        notifier=notifier,
        workspace_id=program,
        week=WEEK,
        now=NOW + timedelta(minutes=5),
        out_dir=tmp_path,
    )
    assert fresh and (outcome.status, outcome.ref) == ("recovered", ts)
    assert len(digests(slack)) == 1
    with transaction(runtime.sessions) as session:
        assert session.scalars(select(DigestLog.status)).one() == "sent"
    [look_up] = slack.calls_to("conversations.history")  # one narrow call, no pagination
    assert (look_up.body["limit"], look_up.body["oldest"]) == ("15", f"{NOW.timestamp():.6f}")


def test_a_claim_never_handed_over_is_simply_sent(runtime, notifier, slack, program, tmp_path):
    # The earlier run claimed the week and died before `sending`: Slack never saw it, nothing to look up.
    claim_digest(runtime.sessions, program, "C0DIGEST", WEEK, NOW)
    outcome = digest_once(runtime, notifier, program, tmp_path)
    assert outcome.status == "sent" and len(digests(slack)) == 1
    assert slack.calls_to("conversations.history") == []


def test_batched_marks_are_written_and_lost_ones_are_recovered_not_resent(
    runtime, notifier, slack, program, tmp_path
):
    with mark_writer(runtime.sessions) as marks:
        sent = digest_once(runtime, notifier, program, tmp_path, marks)
    with transaction(runtime.sessions) as session:
        row = session.scalars(select(DigestLog)).one()
        assert (sent.status, row.status, row.message_ref, row.sent_at) == ("sent", "sent", sent.ref, NOW)
        # A run that died before its batch of marks was written: the claim is left in `sending`.
        row.status, row.message_ref, row.sent_at = "sending", None, None
    again = digest_once(runtime, notifier, program, tmp_path)
    assert (again.status, again.ref) == ("recovered", sent.ref) and len(digests(slack)) == 1


def test_429_and_500_are_retried_and_delivered_once(runtime, notifier, slack, program, tmp_path):
    slack.inject("chat.postMessage", status=429, headers={"Retry-After": "1"})
    slack.inject("chat.postMessage", status=500)
    outcome = digest_once(runtime, notifier, program, tmp_path)
    assert outcome.status == "sent" and len(digests(slack)) == 1


def test_an_archived_channel_is_reported_once_and_not_retried(runtime, notifier, slack, program, tmp_path):
    with transaction(runtime.sessions) as session:
        session.get(Workspace, program).digest_channel = "C0ARCHIVE"
    outcomes = [digest_once(runtime, notifier, program, tmp_path).status for _ in range(3)]
    assert outcomes == ["failed", "failed", "failed"]
    admin_dm = slack.dm_id("UADMIN")
    reports = [m for m in slack.messages(admin_dm) if "could not be posted" in m.get("text", "")]
    assert len(reports) == 1 and len(slack.calls_to("chat.postMessage")) == 2  # one refusal, one report


def burst(session, handle: str, start: datetime, count: int = 6) -> None:
    account = repo.get_account_by_handle(session=session, handle_key=handle)
    repo.upsert_posts(
        session=session,
        x_account_id=account.id,
        records=[post(start + timedelta(minutes=5 * i)) for i in range(count)],
        source="api",
    )


def nudged(slack, user: str) -> list[dict]:
    return [m for m in slack.messages(slack.dm_id(user)) if (m.get("metadata") or {}).get("event_type")]


def test_do_not_disturb_defers_the_nudge_to_a_calm_moment(runtime, notifier, slack, program):
    with transaction(runtime.sessions) as session:
        burst(session, "amb1", NOW - timedelta(hours=1))
    slack.set_dnd("U101", snooze_enabled=True)
    deferred = send_nudges(sessions=runtime.sessions, notifier=notifier, workspace_id=program, now=NOW)
    assert [o.status for o in deferred] == ["deferred"] and nudged(slack, "U101") == []
    slack.set_dnd("U101", snooze_enabled=False, dnd_enabled=False)
    calm = send_nudges(
        sessions=runtime.sessions, notifier=notifier, workspace_id=program, now=NOW + timedelta(minutes=30)
    )
    assert [o.status for o in calm] == ["sent"] and len(nudged(slack, "U101")) == 1
