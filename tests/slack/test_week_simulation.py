"""A whole simulated week of the worker's jobs against the fake X and the fake Slack.

Five people in five zones post through the week on the fake X (each post appears when the simulated
clock passes it); the real jobs run on the worker's cadence at simulated times, through the real
SlackNotifier. At the end we read what Slack received: digests, recaps and nudges, each once, and
nudges only inside their recipient's own work hours.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.jobs import tasks
from bot.schedule import DAY_NAMES
from bot.services.delivery.notifiers import Notifiers
from bot.storage.db import transaction
from bot.storage.tables import Post
from handlers.slack.notifier import SlackNotifier
from tests.fakes.slack_server import FakeSlack
from tests.fakes.x_server import FakeX
from tests.slack.simulation import SimClock, Timeline, at, job_settings, metadata_key, sent_at

START = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Monday of 2026-W49
END = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # the next Monday, after the digest (09:00 Paris)
WEEK, LAST_WEEK = "2026-W49", "2026-W48"
INGEST_EVERY = WEEKLY_EVERY = timedelta(hours=1)  # the worker: 15 min both; an hour quarters the run
DAYS = {name: date(2026, 11, 30) + timedelta(days=n) for n, name in enumerate(DAY_NAMES)}
NEXT_MON = date(2026, 12, 7)


@dataclass(frozen=True)
class Person:
    user: str
    name: str
    handle: str
    x_id: int
    tz: str
    recap: bool = True


ANA = Person("U100", "ana", "ana_paris", 1, "Europe/Paris")  # bursts: Tue twice, Thu, Fri
BEN = Person("U200", "ben", "ben_nyc", 2, "America/New_York")  # posts only outside work hours
YUKI = Person("U300", "yuki", "yuki_tokyo", 3, "Asia/Tokyo")  # a burst while in Do Not Disturb
RAJ = Person("U400", "raj", "raj_pune", 4, "Asia/Kolkata")  # steady, never heavy
EMMA = Person("U500", "emma", "emma_ldn", 5, "Europe/London", recap=False)
PEOPLE = (ANA, BEN, YUKI, RAJ, EMMA)
# Yuki snoozes notifications from 09:00 to 14:00 on Wednesday, Tokyo time; her burst starts at 10:00.
SNOOZE = (at(YUKI.tz, DAYS["wed"], "09:00"), at(YUKI.tz, DAYS["wed"], "14:00"))


def schedule(timeline: Timeline) -> None:
    """The week's posts, in each person's local time (work hours are the default 09:00-18:00 mon-fri)."""
    for clock in ("11:00", "15:00"):
        timeline.post(ANA.x_id, at(ANA.tz, DAYS["mon"], clock))
    timeline.burst(ANA.x_id, at(ANA.tz, DAYS["tue"], "10:00"))  # nudged
    timeline.burst(ANA.x_id, at(ANA.tz, DAYS["tue"], "15:00"))  # same day: not again
    timeline.burst(ANA.x_id, at(ANA.tz, DAYS["wed"], "17:10"))  # seen at 18:00, after work: not sent
    timeline.burst(ANA.x_id, at(ANA.tz, DAYS["thu"], "11:00"))  # nudged: the second of the week
    timeline.burst(ANA.x_id, at(ANA.tz, DAYS["fri"], "10:00"))  # weekly cap of 2 reached
    timeline.burst(BEN.x_id, at(BEN.tz, DAYS["mon"], "20:00"))  # a burst, but in the evening
    for clock in ("19:30", "21:00", "23:15"):
        timeline.post(BEN.x_id, at(BEN.tz, DAYS["wed"], clock))
    timeline.burst(BEN.x_id, at(BEN.tz, DAYS["sat"], "11:00"), count=6, every=5)  # weekend
    # Sunday 21:00 in New York is Monday 02:00 UTC: still ben's week 49.
    timeline.post(BEN.x_id, at(BEN.tz, DAYS["sun"], "21:00"))
    timeline.post(YUKI.x_id, at(YUKI.tz, DAYS["mon"], "12:00"))
    timeline.burst(YUKI.x_id, at(YUKI.tz, DAYS["wed"], "10:00"))  # nudged after the snooze
    timeline.post(YUKI.x_id, at(YUKI.tz, DAYS["thu"], "16:00"))
    # Monday 08:00 and 08:30 in Tokyo are Sunday 23:00 and 23:30 UTC: already yuki's week 50.
    for clock in ("08:00", "08:30"):
        timeline.post(YUKI.x_id, at(YUKI.tz, NEXT_MON, clock))
    for day in ("mon", "tue", "wed", "thu", "fri"):
        for clock in ("11:00", "16:30"):
            timeline.post(RAJ.x_id, at(RAJ.tz, DAYS[day], clock))
    for day, clock in (("tue", "09:30"), ("wed", "13:00"), ("thu", "17:30")):
        timeline.post(EMMA.x_id, at(EMMA.tz, DAYS[day], clock))


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START)


@pytest.fixture
def slack(clock) -> Iterator[FakeSlack]:
    """The fake Slack on the simulated clock (message ts are simulated times)."""
    with FakeSlack(clock=clock.time) as fake:
        for person in PEOPLE:
            fake.add_user(person.user, name=person.name, tz=person.tz)
        fake.add_user("UADMIN", name="boss", tz="Europe/Paris", is_admin=True)
        fake.add_channel("C0DIGEST", "ambassadors", members={"UBOT"})
        yield fake


def test_a_simulated_week_delivers_each_message_once_and_nudges_only_at_work(
    slack, clock, db_url, tmp_path, chat, runtime
):
    with FakeX(bearer="sim-bearer", today=clock.today) as x:
        timeline = Timeline(x)
        for person in PEOPLE:
            x.add_user(person.x_id, person.handle)
            chat.command(f"join @{person.handle}", user=person.user)
        chat.command("recap off", user=EMMA.user)
        chat.command("admin channel <#C0DIGEST|ambassadors>", user="UADMIN")
        chat.command("admin settings timezone Europe/Paris", user="UADMIN")  # Monday 09:00 = 08:00 UTC
        schedule(timeline)
        settings = job_settings(db_url=db_url, slack_url=slack.url, x_url=x.url, out=tmp_path)
        notifiers = Notifiers.fixed(runtime.sessions, slack=SlackNotifier(settings, runtime))
        digest_due = at("Europe/Paris", NEXT_MON, "09:00")
        while clock.now <= END:
            t = clock.now
            timeline.release(t)
            if t == SNOOZE[0]:
                slack.set_dnd(YUKI.user, snooze_enabled=True, snooze_endtime=int(SNOOZE[1].timestamp()))
            if t == SNOOZE[1]:
                slack.set_dnd(YUKI.user, snooze_enabled=False, dnd_enabled=False)
            if t == digest_due:  # Slack is busy, then failing, when the week's digest is due
                slack.inject("chat.postMessage", status=429, headers={"Retry-After": "1"})
                slack.inject("chat.postMessage", status=500, times=3)
            if (t - START) % INGEST_EVERY == timedelta(0):
                tasks.ingest_and_nudge(settings, now=t, notifiers=notifiers)
            tasks.weekly_deliveries(settings, now=t, notifiers=notifiers)
            clock.now = t + WEEKLY_EVERY
        assert not timeline.pending
    with transaction(runtime.sessions) as session:  # every post was polled, none twice
        assert session.scalar(select(func.count()).select_from(Post)) == len(timeline.published)

    delivered = [m for m in slack.messages() if metadata_key(m)]
    keys = Counter(metadata_key(m) for m in delivered)
    assert keys and max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    statuses = [call.status for call in slack.calls_to("chat.postMessage")]
    assert 429 in statuses and 500 in statuses

    digests = slack.messages("C0DIGEST")
    assert sorted(metadata_key(m).rsplit(":", 1)[1] for m in digests) == [LAST_WEEK, WEEK]
    [digest] = [m for m in digests if metadata_key(m).endswith(WEEK)]
    # Each person's own week: ana 2 + 5 x 7, ben 7 + 3 + 6 + 1 (his Sunday 21:00, a Monday in UTC),
    # yuki 1 + 7 + 1 (not her two Monday-morning posts, a Sunday in UTC), raj 10, emma 3.
    assert "76 posts by 5 ambassadors" in digest["text"]
    # Slack answered 429, then 500 until the client gave up on the first message of that check (a
    # recap: they go before the digest): the digest still went out at that check or the next.
    assert digest_due.timestamp() - 1 <= float(digest["ts"]) <= (digest_due + WEEKLY_EVERY).timestamp() + 1

    for person in PEOPLE:
        dms = [m for m in slack.messages(slack.dm_id(person.user)) if metadata_key(m)]
        recaps = [m for m in dms if ":recap:" in metadata_key(m)]
        weeks = sorted(metadata_key(m).rsplit(":", 1)[1] for m in recaps)
        assert weeks == ([LAST_WEEK, WEEK] if person.recap else []), person.name
        assert all("Your week" in m["text"] for m in recaps)
        nudges = [m for m in dms if ":recap:" not in metadata_key(m)]
        assert all(":burst:" in metadata_key(m) for m in nudges)
        for message in nudges:  # never at night, never at the weekend, in their own zone
            local = sent_at(message, person.tz)
            assert local.weekday() < 5 and 9 * 60 <= local.hour * 60 + local.minute < 18 * 60, local
        days = [sent_at(m, person.tz).date() for m in nudges]
        expected = {ANA: [DAYS["tue"], DAYS["thu"]], YUKI: [DAYS["wed"]]}.get(person, [])
        assert days == expected, person.name

    [yuki_nudge] = [m for m in slack.messages(slack.dm_id(YUKI.user)) if ":burst:" in (metadata_key(m) or "")]
    assert SNOOZE[1] <= sent_at(yuki_nudge, YUKI.tz)
    asked_while_snoozed = [
        c.at
        for c in slack.calls_to("dnd.info")
        if c.body.get("user") == YUKI.user and SNOOZE[0].timestamp() <= c.at < SNOOZE[1].timestamp()
    ]
    assert asked_while_snoozed  # the nudge was due during the snooze and waited for its end
