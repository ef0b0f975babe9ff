"""When the worker's deliveries go out: the digest at the workspace's local day and time, nudges only
inside each person's own work hours (DST days included), none on their public holidays.

The real jobs run at simulated moments; the fake Slack's clock is the same simulated clock, so a
message's ts is the moment it was sent. Posts are stored as an ingest would store them, when the clock
passes their time.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.jobs import tasks
from bot.schedule import WorkSchedule, parse_days, parse_hours
from bot.services.delivery.notifiers import Notifiers
from bot.services.people import ambassadors
from bot.services.workspaces.settings import set_setting
from bot.sources.records import PostKind, PostRecord
from bot.storage import repositories as repo
from bot.storage.db import transaction
from bot.storage.tables import Workspace
from handlers.slack.notifier import SlackNotifier
from tests.fakes.slack_server import FakeSlack
from tests.slack.simulation import SimClock, at, metadata_key, sent_at

_post_ids = itertools.count(5 * 10**18)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture
def slack(clock) -> Iterator[FakeSlack]:
    """The fake Slack on the simulated clock, with a digest channel the bot is in."""
    with FakeSlack(clock=clock.time) as fake:
        fake.add_channel("C0DIGEST", "ambassadors", members={"UBOT"})
        yield fake


@pytest.fixture
def notifier(settings, runtime) -> SlackNotifier:
    return SlackNotifier(settings, runtime)


@pytest.fixture
def workspace(runtime) -> int:
    with transaction(runtime.sessions) as session:
        ws = ambassadors.ensure_workspace(session=session, platform="slack", external_id="T0001")
        ws.digest_channel = "C0DIGEST"
        return ws.id


class Roster:
    """People of the workspace and their posts, stored once the simulated clock reaches them."""

    def __init__(self, runtime, slack: FakeSlack, workspace: int) -> None:
        self.runtime, self.slack, self.workspace = runtime, slack, workspace
        self.accounts: dict[str, int] = {}
        self.pending: list[tuple[datetime, str]] = []

    def person(self, user: str, tz: str, hours: str = "09:00-18:00", days: str = "mon-sun", **extra) -> None:
        start, end = parse_hours(hours)
        schedule = WorkSchedule(tz=tz, start_minute=start, end_minute=end, days=parse_days(days), **extra)
        self.slack.add_user(user, name=user.lower(), tz=tz)
        with transaction(self.runtime.sessions) as session:
            amb = ambassadors.track(
                session=session,
                workspace_id=self.workspace,
                handle=f"x_{user.lower()}",
                schedule=schedule,
                consent_text="yes",
                consent_source="self",
                chat_user_id=user,
                now=lambda: datetime(2025, 12, 1, tzinfo=UTC),
            )
            self.accounts[user] = amb.x_account_id

    def burst(self, user: str, start: datetime, count: int = 7, every: int = 8) -> None:
        """`count` posts `every` minutes: 7 every 8 minutes is 6 posts within 60 minutes, a burst."""
        self.pending += [(start + timedelta(minutes=every * n), user) for n in range(count)]

    def run(self, settings, notifier, clock: SimClock, moments: Iterable[datetime], calm_at=None) -> None:
        """The nudge job at each moment, after storing what was posted by then. `calm_at`: user ->
        moment their Do Not Disturb snooze ends (snoozed until then)."""
        calm_at = dict(calm_at or {})
        for user in calm_at:
            self.slack.set_dnd(user, snooze_enabled=True)
        for moment in sorted(set(moments)):
            clock.now = moment
            self._store(moment)
            for user, end in list(calm_at.items()):
                if moment >= end:
                    self.slack.set_dnd(user, snooze_enabled=False, dnd_enabled=False)
                    del calm_at[user]
            tasks.nudges(
                settings, now=moment, notifiers=Notifiers.fixed(self.runtime.sessions, slack=notifier)
            )

    def _store(self, now: datetime) -> None:
        due = [p for p in self.pending if p[0] <= now]
        self.pending = [p for p in self.pending if p[0] > now]
        with transaction(self.runtime.sessions) as session:
            for created_at, user in due:
                record = PostRecord(next(_post_ids), created_at.astimezone(UTC), PostKind.ORIGINAL, "hi")
                repo.upsert_posts(
                    session=session, x_account_id=self.accounts[user], records=[record], source="api"
                )


@pytest.fixture
def program(runtime, slack, workspace) -> Roster:
    return Roster(runtime, slack, workspace)


def every(tz: str, day: date, start: str, end: str, minutes: int = 5) -> list[datetime]:
    """Local wall-clock moments from `start` to `end` (inclusive) on `day`, `minutes` apart."""
    first, last = at(tz, day, start), at(tz, day, end)
    count = int((last - first).total_seconds() // (minutes * 60)) + 1
    return [(first + timedelta(minutes=minutes * n)).astimezone(UTC) for n in range(count)]


def nudges_to(slack: FakeSlack, user: str, tz: str) -> list[datetime]:
    """When each nudge DM reached `user`, in their zone (recaps aside)."""
    return [
        sent_at(m, tz)
        for m in slack.messages(slack.dm_id(user))
        if metadata_key(m) and ":recap:" not in metadata_key(m)
    ]


# ---- the digest ---------------------------------------------------------------------------------

DIGEST_CASES = [
    # zone, local Monday, that Monday's 09:00 in UTC (by the zone's rules), the finished week
    pytest.param(
        "Europe/London", date(2026, 3, 23), datetime(2026, 3, 23, 9, tzinfo=UTC), "2026-W12", id="gmt"
    ),
    pytest.param(
        "Europe/London", date(2026, 3, 30), datetime(2026, 3, 30, 8, tzinfo=UTC), "2026-W13", id="bst"
    ),
    pytest.param(
        "Europe/London", date(2026, 10, 19), datetime(2026, 10, 19, 8, tzinfo=UTC), "2026-W42", id="bst-end"
    ),
    pytest.param(
        "Europe/London", date(2026, 10, 26), datetime(2026, 10, 26, 9, tzinfo=UTC), "2026-W43", id="gmt-again"
    ),
    # Auckland's Monday 09:00 is Sunday evening in UTC (NZDT +13, NZST +12 after 5 April).
    pytest.param(
        "Pacific/Auckland", date(2026, 11, 30), datetime(2026, 11, 29, 20, tzinfo=UTC), "2026-W48", id="nzdt"
    ),
    pytest.param(
        "Pacific/Auckland", date(2026, 4, 6), datetime(2026, 4, 5, 21, tzinfo=UTC), "2026-W14", id="nzst"
    ),
]


@pytest.mark.parametrize(("tz", "monday", "due", "week"), DIGEST_CASES)
def test_the_digest_goes_out_at_monday_nine_in_the_workspace_zone(
    tz, monday, due, week, settings, runtime, slack, clock, notifier, workspace
):
    with transaction(runtime.sessions) as session:
        set_setting(session=session, workspace=session.get(Workspace, workspace), key="timezone", value=tz)
    for moment in (due - timedelta(minutes=1), due, due + timedelta(minutes=15)):
        clock.now = moment
        tasks.weekly_deliveries(
            settings, now=moment, notifiers=Notifiers.fixed(runtime.sessions, slack=notifier)
        )
        if moment < due:
            assert slack.messages("C0DIGEST") == [], moment
    [digest] = slack.messages("C0DIGEST")
    assert metadata_key(digest) == f"digest:{workspace}:C0DIGEST:{week}"
    assert f"Plume weekly digest · {week}" in digest["text"]
    assert datetime.fromtimestamp(float(digest["ts"]), UTC) == due
    assert sent_at(digest, tz).date() == monday


# ---- nudges -------------------------------------------------------------------------------------

DST_DAYS = [
    pytest.param(date(2026, 3, 29), id="spring-forward"),  # 02:00 -> 03:00 in Paris, 01:00 -> 02:00 in London
    pytest.param(date(2026, 10, 25), id="fall-back"),  # 03:00 -> 02:00 in Paris, 02:00 -> 01:00 in London
]


@pytest.mark.parametrize("day", DST_DAYS)
def test_nudges_wait_for_work_hours_in_each_persons_zone_on_dst_days(
    day, settings, slack, clock, notifier, program
):
    # Everyone works 09:00-18:00 every day and bursts at 16:00 local, snoozed (DND) until 17:55 or
    # 18:00 local: the first is nudged at 17:55, the second would be after work and is not.
    calm_at = {}
    for zone, prefix in (("Europe/Paris", "UPAR"), ("Europe/London", "ULON")):
        for suffix, clock_time in (("EARLY", "17:55"), ("LATE", "18:00")):
            user = prefix + suffix
            program.person(user, zone)
            program.burst(user, at(zone, day, "16:00"))
            calm_at[user] = at(zone, day, clock_time)
    moments = [
        *every("Europe/Paris", day, "16:00", "19:00"),
        *every("Europe/London", day, "16:00", "19:00"),
        *every("Europe/Paris", day + timedelta(days=1), "09:00", "09:30"),
        *every("Europe/London", day + timedelta(days=1), "09:00", "09:30"),
    ]
    program.run(settings, notifier, clock, moments, calm_at=calm_at)
    for zone, prefix in (("Europe/Paris", "UPAR"), ("Europe/London", "ULON")):
        assert nudges_to(slack, prefix + "EARLY", zone) == [at(zone, day, "17:55")], zone
        # README: a nudge is about today's shift; one that could not go out during it is not sent later.
        assert nudges_to(slack, prefix + "LATE", zone) == [], zone


def test_no_nudge_on_a_public_holiday_of_the_persons_country(settings, slack, clock, notifier, program):
    paris, new_york = "Europe/Paris", "America/New_York"
    bastille, next_day = date(2026, 7, 14), date(2026, 7, 15)  # French national day, then a Wednesday
    observed, monday = date(2026, 7, 3), date(2026, 7, 6)  # US Independence Day (observed): a Friday
    program.person("UFR", paris, days="mon-fri", country="FR")
    program.person("UGB", paris, days="mon-fri", country="GB")  # same zone, no holiday on 14 July
    program.person("UUS", new_york, days="mon-fri", country="US")
    for user in ("UFR", "UGB"):
        for day in (bastille, next_day):
            program.burst(user, at(paris, day, "10:00"))
    for day in (observed, monday):
        program.burst("UUS", at(new_york, day, "10:00"))
    moments = [
        *(m for day in (bastille, next_day) for m in every(paris, day, "10:00", "12:00", 15)),
        *(m for day in (observed, monday) for m in every(new_york, day, "10:00", "12:00", 15)),
    ]
    program.run(settings, notifier, clock, moments)
    assert [n.date() for n in nudges_to(slack, "UFR", paris)] == [next_day]
    assert [n.date() for n in nudges_to(slack, "UGB", paris)] == [bastille, next_day]
    assert [n.date() for n in nudges_to(slack, "UUS", new_york)] == [monday]


def test_a_sunday_night_shift_is_nudged_after_midnight_utc(settings, slack, clock, notifier, program):
    london, sunday = "Europe/London", date(2026, 11, 29)
    program.person("UNIGHT", london, hours="22:00-06:00")
    program.burst("UNIGHT", at(london, sunday + timedelta(days=1), "00:10"))  # Sunday's shift
    program.run(settings, notifier, clock, every(london, sunday + timedelta(days=1), "00:00", "05:55"))
    # The fifth post (00:42) already makes more than twice this quiet person's usual Sunday shift
    # (a median of 0 since they joined in 2025): nudged at the next run, in the middle of the shift.
    assert nudges_to(slack, "UNIGHT", london) == [at(london, sunday + timedelta(days=1), "00:45")]


def test_a_do_not_disturb_window_is_judged_at_the_jobs_now(settings, slack, clock, notifier, program):
    paris, day = "Europe/Paris", date(2026, 6, 10)
    program.person("UDND", paris)
    program.burst("UDND", at(paris, day, "10:00"))
    quiet = (at(paris, day, "09:00"), at(paris, day, "12:00"))  # a DND window as dnd.info reports it
    slack.set_dnd(
        "UDND",
        snooze_enabled=False,
        dnd_enabled=True,
        next_dnd_start_ts=int(quiet[0].timestamp()),
        next_dnd_end_ts=int(quiet[1].timestamp()),
    )
    program.run(settings, notifier, clock, every(paris, day, "10:00", "12:30", 15))
    assert nudges_to(slack, "UDND", paris) == [at(paris, day, "12:00")]
