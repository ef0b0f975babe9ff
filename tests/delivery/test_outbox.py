"""The outbox life cycle and each message kind's policy for a claim a crash left in doubt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.messages.replies import notice
from bot.services.delivery import sending
from bot.services.delivery.outbox import claim_digest, claim_recaps, deliver_once, digest_key, mark
from bot.services.delivery.sending import send_digest, send_recaps
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, DigestLog, NudgeLog, Workspace
from tests.delivery.conftest import NOW, WEEK
from tests.fakes.recording_notifier import RecordingNotifier

pytestmark = pytest.mark.both_backends  # outbox states and claims: unique keys, conditional updates

LATER = NOW + timedelta(minutes=15)


def digest(runtime, notifier, workspace_id, tmp_path, now=LATER):
    return send_digest(
        sessions=runtime.sessions,
        notifier=notifier,
        workspace_id=workspace_id,
        week=WEEK,
        now=now,
        out_dir=tmp_path,
    )


def crashed_while_sending(runtime, program) -> int:
    """A digest claim an earlier run left in `sending`: it handed the post over, then died."""
    row, _ = claim_digest(runtime.sessions, program, "CT1", WEEK, NOW)
    mark(runtime.sessions, DigestLog, row.id, "sending", None, NOW)
    return row.id


def digest_status(runtime) -> tuple[str, str | None]:
    with transaction(runtime.sessions) as session:
        row = session.scalars(select(DigestLog)).one()
        return row.status, row.message_ref


def test_a_digest_goes_claimed_sending_sent_with_its_ref(runtime, recorder, program, tmp_path):
    outcome = digest(runtime, recorder, program, tmp_path)
    [posted] = recorder.to("CT1")
    assert (outcome.status, outcome.ref) == ("sent", posted.ref) == ("sent", "R1")
    assert digest_status(runtime) == ("sent", "R1") and recorder.look_ups == []


def test_in_doubt_with_look_up_found_is_recovered_not_sent(runtime, recorder, program, tmp_path):
    crashed_while_sending(runtime, program)
    ref = recorder.post(
        workspace_id=program, channel="CT1", message=notice("D", "x"), key=digest_key(program, "CT1", WEEK)
    )
    outcome = digest(runtime, recorder, program, tmp_path)
    assert (outcome.status, outcome.ref) == ("recovered", ref) and len(recorder.to("CT1")) == 1
    assert [(q["to"], q["since"]) for q in recorder.look_ups] == [("CT1", NOW)]
    assert digest_status(runtime) == ("sent", ref)


def test_in_doubt_with_look_up_not_found_is_sent(runtime, recorder, program, tmp_path):
    crashed_while_sending(runtime, program)
    outcome = digest(runtime, recorder, program, tmp_path)
    assert outcome.status == "sent" and len(recorder.look_ups) == 1 and len(recorder.to("CT1")) == 1


def test_a_digest_in_doubt_without_look_up_tells_the_admin_then_is_sent_again(runtime, program, tmp_path):
    notifier = RecordingNotifier(can_look_up=False)
    crashed_while_sending(runtime, program)
    outcome = digest(runtime, notifier, program, tmp_path)
    assert outcome.status == "sent"
    assert [(d.kind, d.to, d.message.title) for d in notifier.delivered] == [
        ("direct", "UADMIN", "The weekly digest may appear twice"),
        ("post", "CT1", notifier.to("CT1")[0].message.title),
    ]
    assert digest_status(runtime) == ("sent", "R2")


def test_a_digest_in_doubt_with_nobody_to_tell_is_not_sent_again(runtime, program, tmp_path):
    with transaction(runtime.sessions) as session:
        session.get(Workspace, program).settings = {}
    notifier = RecordingNotifier(can_look_up=False)
    crashed_while_sending(runtime, program)
    outcomes = [digest(runtime, notifier, program, tmp_path).status for _ in range(2)]
    assert outcomes == ["in_doubt", "in_doubt"] and notifier.delivered == []
    assert digest_status(runtime) == ("unknown", None)


def test_a_digest_in_doubt_waits_until_the_admin_can_be_told(runtime, program, tmp_path):
    notifier = RecordingNotifier(can_look_up=False)
    notifier.refuse("UADMIN", "ratelimited", permanent=False)
    crashed_while_sending(runtime, program)
    assert digest(runtime, notifier, program, tmp_path).status == "deferred"
    assert notifier.delivered == [] and digest_status(runtime) == ("sending", None)
    notifier.accept("UADMIN")
    assert digest(runtime, notifier, program, tmp_path).status == "sent"
    assert [d.to for d in notifier.delivered] == ["UADMIN", "CT1"]


def test_a_claim_never_handed_over_is_sent_without_a_look_up(runtime, program, tmp_path):
    notifier = RecordingNotifier(can_look_up=False)
    claim_digest(runtime.sessions, program, "CT1", WEEK, NOW)  # died before `sending`
    assert digest(runtime, notifier, program, tmp_path).status == "sent"
    assert [d.to for d in notifier.delivered] == ["CT1"]  # nobody was told: nothing was in doubt


def test_two_runs_reading_the_same_claim_hand_it_over_once(runtime, program, tmp_path):
    # Run A claims the digest and computes it; run B (the CLI's `digest` beside the worker) reads A's
    # claim, still `claimed`, and wins the move to `sending`: A must not send it too.
    notifier = RecordingNotifier()
    row, fresh = claim_digest(runtime.sessions, program, "CT1", WEEK, NOW)
    again, fresh_again = claim_digest(runtime.sessions, program, "CT1", WEEK, NOW)
    assert (fresh, fresh_again, again.status) == (True, False, "claimed")

    def run(claimed, is_fresh) -> str:
        return deliver_once(
            sessions=runtime.sessions,
            model=DigestLog,
            row=claimed,
            fresh=is_fresh,
            compose=lambda: notice("Digest", "figures"),
            send=lambda m: notifier.post(workspace_id=program, channel="CT1", message=m, key="k"),
            find=None,
            in_doubt=lambda: None,
            now=LATER,
        ).status

    assert [run(again, fresh_again), run(row, fresh)] == ["sent", "skipped"]
    assert [d.to for d in notifier.delivered] == ["CT1"]


class Crash(BaseException):
    """A process dying mid-run (not an exception delivery would catch)."""


def test_recaps_enter_sending_a_chunk_at_a_time_and_in_doubt_are_at_most_once(runtime, program, monkeypatch):
    monkeypatch.setattr(sending, "RECAP_CHUNK", 2)
    notifier = RecordingNotifier(can_look_up=False)
    handed = []

    def dies_on_the_second(**kwargs):
        handed.append(kwargs["user_id"])
        if len(handed) == 2:
            raise Crash  # handed over (Slack may have it), never marked
        return RecordingNotifier.direct(notifier, **kwargs)

    monkeypatch.setattr(notifier, "direct", dies_on_the_second)
    with pytest.raises(Crash):
        send_recaps(sessions=runtime.sessions, notifier=notifier, workspace_id=program, week=WEEK, now=NOW)
    assert recap_statuses(runtime) == ["sent", "sending", "claimed", "claimed", "claimed", "claimed"]
    monkeypatch.undo()
    outcomes = send_recaps(
        sessions=runtime.sessions, notifier=notifier, workspace_id=program, week=WEEK, now=LATER
    )
    assert [o.status for o in outcomes] == ["in_doubt", "sent", "sent", "sent", "sent"]
    assert [d.to for d in notifier.delivered] == ["UT10", "UT12", "UT13", "UT14", "UT15"]  # UT11: never twice
    assert recap_statuses(runtime) == ["sent", "unknown", "sent", "sent", "sent", "sent"]


def test_a_recap_in_doubt_with_look_up_is_recovered(runtime, recorder, program):
    ids = recap_people(runtime)
    [(row, _)] = claim_recaps(runtime.sessions, ids[:1], WEEK, NOW)
    mark(runtime.sessions, NudgeLog, row.id, "sending", None, NOW)
    ref = recorder.direct(
        workspace_id=program, user_id="UT10", message=notice("R", "x"), key=f"nudge:{ids[0]}:recap:{WEEK}"
    )
    outcomes = send_recaps(
        sessions=runtime.sessions, notifier=recorder, workspace_id=program, week=WEEK, now=LATER
    )
    assert [o.status for o in outcomes] == ["recovered"] + ["sent"] * 5 and outcomes[0].ref == ref
    assert [d.to for d in recorder.delivered].count("UT10") == 1


def recap_people(runtime) -> list[int]:
    with transaction(runtime.sessions) as session:
        return list(session.scalars(select(Ambassador.id).order_by(Ambassador.id)))


def recap_statuses(runtime) -> list[str]:
    with transaction(runtime.sessions) as session:
        stmt = select(NudgeLog.status).where(NudgeLog.rule == "recap").order_by(NudgeLog.ambassador_id)
        return list(session.scalars(stmt))


def test_a_refusal_for_now_leaves_nothing_in_doubt(runtime, program, tmp_path):
    notifier = RecordingNotifier(can_look_up=False)
    notifier.refuse("CT1", "ratelimited", permanent=False)
    assert digest(runtime, notifier, program, tmp_path).status == "deferred"
    assert digest_status(runtime) == ("claimed", None)  # the platform said no: not in doubt
    notifier.accept("CT1")
    assert digest(runtime, notifier, program, tmp_path).status == "sent"
    assert [d.to for d in notifier.delivered] == ["CT1"]  # nobody told: nothing was in doubt
