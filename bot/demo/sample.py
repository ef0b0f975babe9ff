"""A bundled, deterministic sample program: twelve fictional ambassadors over five local weeks.

The weeks are the four before DEMO_WEEK (each person's baseline) and DEMO_WEEK itself, 2026-W46
(Monday 9 to Sunday 15 November 2026; 11 November is a public holiday in France and in the US).
Every name, handle and post is invented. The cast, and what each habit shows:

- rapid_jonas (Berlin): posts every 5-10 minutes in runs through his workday, mostly reposts and
  one-line replies. DEMO_WEEK doubles it (~50 a day): many bursts, little engagement, followers lost.
- lena_allday (New York): about 26 posts a day, but before work, at lunch and in the evening;
  high volume, few in work hours, good engagement.
- aiko_deepdive (Tokyo): three long original posts a week, the best engagement per post.
- marco_vidal (Los Angeles): usually light; in DEMO_WEEK his work-hours posting is several times
  his own usual level.
- claire_morel (Paris): a burst of posts on 11 November, a French public holiday, so they count as
  off-hours.
- tom_ashworth (London): regular in the baseline weeks, silent in DEMO_WEEK (inactive).
- priya_raman (Kolkata): a newcomer whose data starts in DEMO_WEEK (no baseline to compare with).
- rafa_noturno (São Paulo): night shift 22:00-06:00, so a post at 02:00 belongs to the shift that
  started the evening before.
- noa_levi (Jerusalem): works Sunday to Thursday.
- mia_collins (Sydney), hanna_becker (Berlin, Monday to Thursday), sofia_marin (Madrid, in
  Spanish): moderate, 2-8 posts a day of mixed kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import numpy as np

from bot.schedule import WorkSchedule
from bot.sources.records import PostKind, PostRecord

DEMO_WEEK = "2026-W46"
BASELINE_WEEKS = 4
METRICS_READ_AT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)

_DEMO_INDEX = BASELINE_WEEKS  # weeks are numbered 0..4, the last one is DEMO_WEEK
_KINDS = (PostKind.ORIGINAL, PostKind.REPLY, PostKind.RETWEET, PostKind.QUOTE)
_X_EPOCH_MS = 1_288_834_974_657  # X snowflake ids count milliseconds from this moment
_REPLY_WORKERS = 1000  # snowflake worker numbers >= this are never a cast member's, so ids cannot clash
_ON_TOPIC = 0.8
_DAY = 24 * 60


@dataclass(frozen=True)
class SampleAmbassador:
    """One fictional ambassador; `story` is one line on what their habit shows."""

    handle: str
    display_name: str
    schedule: WorkSchedule
    story: str


@dataclass(frozen=True)
class SampleSnapshot:
    """A profile reading at `taken_at` (UTC)."""

    handle: str
    taken_at: datetime
    followers: int
    following: int
    posts_count: int


@dataclass(frozen=True)
class SampleProgram:
    """The whole sample: people, their posts by handle (oldest first), and follower snapshots."""

    ambassadors: list[SampleAmbassador]
    posts: dict[str, list[PostRecord]]
    snapshots: list[SampleSnapshot]


def demo_monday() -> date:
    """Monday of DEMO_WEEK."""
    year, week = DEMO_WEEK.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


@dataclass(frozen=True)
class _Week:
    """One local week of one person: its index (0..4), Monday, schedule and public holidays."""

    index: int
    monday: date
    schedule: WorkSchedule
    off_dates: frozenset[date]

    @property
    def demo(self) -> bool:
        """Whether this is DEMO_WEEK."""
        return self.index == _DEMO_INDEX

    def working(self) -> list[bool]:
        """Per day (Monday first): a scheduled day that is not a public holiday."""
        days = [self.monday + timedelta(days=i) for i in range(7)]
        return [d.weekday() in self.schedule.days and d not in self.off_dates for d in days]

    def window(self) -> tuple[int, int]:
        """Work start and end in minutes after midnight; an end past 1440 means the shift crosses it."""
        start, end = self.schedule.start_minute, self.schedule.end_minute
        return start, end if end > start else end + _DAY


# A plan draws one week of post times, as minutes after that week's local Monday midnight.
Plan = Callable[[np.random.Generator, _Week], np.ndarray]


def _spread(rng: np.random.Generator, day: int, count: int, lo: float, hi: float) -> np.ndarray:
    """`count` uniform times between minutes `lo` and `hi` of day `day` of the week."""
    return day * _DAY + rng.uniform(lo, hi, int(count))


def _moderate(work_rate: float, off_rate: float, work_share: float) -> Plan:
    """Poisson posts a day: on work days `work_share` of them in work hours, the rest just around them."""

    def plan(rng: np.random.Generator, week: _Week) -> np.ndarray:
        """One week of moderate posting."""
        start, end = week.window()
        parts = [np.empty(0)]
        for day, working in enumerate(week.working()):
            if not working:
                parts.append(_spread(rng, day, rng.poisson(off_rate), 9 * 60, 22 * 60))
                continue
            count = rng.poisson(work_rate)
            at_work = int((rng.random(count) < work_share).sum())
            before = int(rng.binomial(count - at_work, 0.5))
            parts.append(_spread(rng, day, at_work, start, end))
            parts.append(_spread(rng, day, before, start - 150, start - 15))
            parts.append(_spread(rng, day, count - at_work - before, end + 15, end + 300))
        return np.concatenate(parts)

    return plan


def _phases(baseline: Plan, demo: Plan) -> Plan:
    """One plan for the baseline weeks and another for DEMO_WEEK."""
    return lambda rng, week: demo(rng, week) if week.demo else baseline(rng, week)


def _silent(rng: np.random.Generator, week: _Week) -> np.ndarray:
    """No posts at all."""
    return np.empty(0)


def _runs(rng: np.random.Generator, start: int, end: int, runs: int) -> np.ndarray:
    """Posts every 5-10 minutes in runs of 90 minutes between `start` and `end`, with breaks over an hour."""
    run, pause = 90, 62
    # Breaks longer than the 60-minute burst window make each run its own burst, as meetings would.
    slack = np.sort(rng.uniform(0, end - start - runs * run - (runs - 1) * pause, runs))
    parts = []
    for i in range(runs):
        steps = np.concatenate([[0.0], np.cumsum(rng.uniform(5, 10, 20))])
        parts.append(start + i * (run + pause) + slack[i] + steps[steps < run])
    return np.concatenate(parts)


def _rapid(rng: np.random.Generator, week: _Week) -> np.ndarray:
    """Runs of rapid posting all workday (4 runs in DEMO_WEEK, 2 before), a few posts after work."""
    start, end = week.window()
    parts = [np.empty(0)]
    for day, working in enumerate(week.working()):
        if not working:
            parts.append(_spread(rng, day, rng.integers(0, 3), 10 * 60, 21 * 60))
            continue
        parts.append(day * _DAY + _runs(rng, start, end, 4 if week.demo else 2))
        parts.append(_spread(rng, day, rng.integers(1, 4), end + 30, end + 240))
    return np.concatenate(parts)


def _around_work(rng: np.random.Generator, week: _Week) -> np.ndarray:
    """About 26 posts on work days, before work, at lunch and in the evening; about 20 on days off."""
    start, end = week.window()
    parts = [np.empty(0)]
    for day, working in enumerate(week.working()):
        if not working:
            parts.append(_spread(rng, day, rng.poisson(20), 8 * 60, 23 * 60 + 30))
            continue
        parts.append(_spread(rng, day, rng.poisson(9), start - 120, start - 10))
        parts.append(_spread(rng, day, rng.poisson(4), 12 * 60, 13 * 60))
        parts.append(_spread(rng, day, rng.poisson(12.5), end + 20, 23 * 60 + 30))
    return np.concatenate(parts)


def _deep_dives(rng: np.random.Generator, week: _Week) -> np.ndarray:
    """Two to four posts a week (three in DEMO_WEEK), early morning or evening."""
    count = 3 if week.demo else int(rng.integers(2, 5))
    days = rng.choice(7, size=count, replace=False)
    evening = rng.random(count) < 0.5
    minutes = np.where(evening, rng.uniform(20 * 60, 22 * 60, count), rng.uniform(405, 495, count))
    return days * _DAY + minutes


def _with_holiday_burst(plan: Plan) -> Plan:
    """`plan`, plus 8-10 posts within the hour from 10:00 on each public holiday of DEMO_WEEK."""

    def burst(rng: np.random.Generator, week: _Week) -> np.ndarray:
        """The wrapped plan's week, plus the holiday bursts."""
        parts = [plan(rng, week)]
        for day in range(7 if week.demo else 0):
            if week.monday + timedelta(days=day) in week.off_dates:
                steps = np.cumsum(rng.uniform(4, 6.5, int(rng.integers(8, 11))))
                parts.append(day * _DAY + 10 * 60 + steps)
        return np.concatenate(parts)

    return burst


@dataclass(frozen=True)
class _Member:
    """A cast member: the public facts, plus the knobs the generator uses."""

    handle: str
    name: str
    schedule: WorkSchedule
    story: str
    plan: Plan
    kinds: tuple[float, float, float, float]  # original, reply, retweet, quote
    likes: float  # median likes of an original post
    followers: tuple[int, int, int]  # at the start, weekly drift, drift in DEMO_WEEK
    lang: str = "en"
    joined: int = 0  # index of the first week with any data
    long_posts: bool = False


def _schedule(
    tz: str, country: str, topics: tuple[str, ...], hours: str = "09:00-18:00", days: str = "01234"
) -> WorkSchedule:
    """A WorkSchedule from compact arguments (days as weekday digits, Monday = 0)."""
    first, last = hours.split("-")
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in (first, last))
    return WorkSchedule(tz, start, end, tuple(int(d) for d in days), country, topics)


_MIXED = (0.4, 0.3, 0.2, 0.1)
_CAST = (
    _Member(
        "rapid_jonas",
        "Jonas Rapp",
        _schedule("Europe/Berlin", "DE", ("devops", "#cloud"), "08:30-18:00"),
        "Posts every 5-10 minutes through the workday, mostly reposts and one-line replies; "
        "this week doubles it: bursts all day, little engagement, followers lost.",
        _rapid,
        (0.08, 0.30, 0.57, 0.05),
        1.5,
        (2400, 6, -40),
    ),
    _Member(
        "lena_allday",
        "Lena Okafor",
        _schedule("America/New_York", "US", ("b2b", "#marketing"), "08:30-17:00"),
        "About 26 posts a day, but before work, at lunch and in the evening: few in work hours, "
        "good engagement.",
        _around_work,
        (0.40, 0.35, 0.15, 0.10),
        30.0,
        (8800, 45, 52),
    ),
    _Member(
        "aiko_deepdive",
        "Aiko Tanabe",
        _schedule("Asia/Tokyo", "JP", ("cloud security",), "10:00-19:00"),
        "Three long original posts a week, outside work hours: the best engagement per post.",
        _deep_dives,
        (1.0, 0.0, 0.0, 0.0),
        140.0,
        (15200, 80, 95),
        long_posts=True,
    ),
    _Member(
        "marco_vidal",
        "Marco Vidal",
        _schedule("America/Los_Angeles", "US", ("#saas", "b2b")),
        "Usually a few posts a day; this week his work-hours posting is several times his usual level.",
        _phases(_moderate(2.5, 0.8, 0.5), _moderate(11, 1, 0.9)),
        _MIXED,
        8.0,
        (1300, 3, 9),
    ),
    _Member(
        "claire_morel",
        "Claire Morel",
        _schedule("Europe/Paris", "FR", ("données", "#IA")),
        "Posts a burst on 11 November, a public holiday in France: those posts count as off-hours.",
        _with_holiday_burst(_moderate(4, 1, 0.75)),
        _MIXED,
        12.0,
        (2100, 10, 14),
        lang="fr",
    ),
    _Member(
        "tom_ashworth",
        "Tom Ashworth",
        _schedule("Europe/London", "GB", ("fintech", "open banking"), "09:00-17:30"),
        "Regular in the four baseline weeks, then nothing at all this week (inactive).",
        _phases(_moderate(3, 0.5, 0.7), _silent),
        _MIXED,
        6.0,
        (950, -2, -6),
    ),
    _Member(
        "priya_raman",
        "Priya Raman",
        _schedule("Asia/Kolkata", "IN", ("devops", "kubernetes"), "09:30-18:30"),
        "Joined this week: no baseline yet, so nothing to compare her week with.",
        _moderate(4, 1, 0.7),
        _MIXED,
        5.0,
        (400, 0, 25),
        joined=_DEMO_INDEX,
    ),
    _Member(
        "rafa_noturno",
        "Rafael Lima",
        _schedule("America/Sao_Paulo", "BR", ("cloud security", "#SOC"), "22:00-06:00"),
        "Works nights, 22:00-06:00: a post at 02:00 belongs to the shift that began the evening before.",
        _moderate(3, 1, 0.6),
        _MIXED,
        10.0,
        (700, 4, 2),
    ),
    _Member(
        "noa_levi",
        "Noa Levi",
        _schedule("Asia/Jerusalem", "IL", ("cybersecurity", "#startups"), days="01236"),
        "Works Sunday to Thursday: her Sunday posts are work hours, her Friday posts are not.",
        _moderate(4, 1, 0.7),
        _MIXED,
        9.0,
        (1600, 6, 4),
    ),
    _Member(
        "mia_collins",
        "Mia Collins",
        _schedule("Australia/Sydney", "AU", ("e-commerce", "#retail"), "08:00-16:30"),
        "Moderate and steady, mixed kinds; her week starts while most of the program is still on Sunday.",
        _moderate(5, 1.5, 0.6),
        _MIXED,
        14.0,
        (3100, 12, 10),
    ),
    _Member(
        "hanna_becker",
        "Hanna Becker",
        _schedule("Europe/Berlin", "DE", ("employer branding", "#hr"), "09:00-17:00", "0123"),
        "Works Monday to Thursday; moderate, mostly in work hours, and her Friday posts are off-hours.",
        _moderate(3, 1, 0.65),
        _MIXED,
        7.0,
        (820, 3, 5),
    ),
    _Member(
        "sofia_marin",
        "Sofía Marín",
        _schedule("Europe/Madrid", "ES", ("#marketing", "b2b")),
        "Moderate, mixed kinds, in Spanish; her baseline starts on 12 October, a Spanish holiday.",
        _moderate(6, 2, 0.55),
        _MIXED,
        11.0,
        (2700, 15, 18),
        lang="es",
    ),
)

_OTHERS = (
    "northwind_ops",
    "acme_cloud",
    "datalab_paris",
    "thebuildlog",
    "saas_weekly",
    "devops_digest",
    "secbrief",
    "mktg_notes",
    "veille_donnees",
    "growthletter",
    "opsfieldnotes",
    "b2b_radar",
)

_POOLS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "original": (
            "What we changed in our {topic} playbook this quarter: fewer launches, better follow-up. "
            "The results surprised us.",
            "Hot take: most {topic} reports answer questions nobody asked. What would you cut first?",
            "Spent the morning with a customer walking through their {topic} setup. Boring and reliable "
            "beats clever, every time.",
            "Three questions before any {topic} project: who is it for, how will we know it worked, "
            "and what do we stop doing?",
            "New on the blog: a practical checklist for {topic}, written with the people who run it daily.",
            "Small win today: our {topic} review went from two hours to 25 minutes. Notes below.",
        ),
        "offtopic": (
            "Coffee, roadmap review, then a long walk. Good start to the week.",
            "Proud of the team this week. Nothing fancy, just steady work.",
            "Book recommendations for the weekend? I'm out of things to read.",
            "Conference season again. Who else is travelling next month?",
        ),
        "reply": (
            "@{other} Agreed, {topic} is where it starts.",
            "@{other} Thanks for sharing, saving this one.",
            "@{other} Great point 👏",
            "@{other} We tried that for {topic} last year: worth it.",
            "@{other} +1",
            "@{other} Interesting. Do you have the numbers?",
        ),
        "quote": (
            "This. {topic} done right 👇",
            "Worth a read if you work on {topic}.",
            "Our team's view on {topic}, well summarised here.",
            "Saving this for our next retro.",
        ),
        "retweet": (
            "Our {topic} report for 2026 is out: 40 pages of data and zero buzzwords.",
            "Webinar Thursday: {topic} lessons from teams that ship every day. Free, 45 minutes.",
            "We're hiring! Remote-friendly roles across {topic} and product.",
            "5 myths about {topic} we still hear in every sales call.",
        ),
    },
    "fr": {
        "original": (
            "Ce que j'ai appris cette semaine côté {topic} : la qualité avant la quantité. Vos retours ?",
            "Petit récap de l'atelier {topic} d'hier : beaucoup de questions, et c'est très bien ainsi.",
            "Trois idées reçues sur {topic} qu'on entend encore en réunion. Je commence par la première 👇",
            "Bonne pratique du jour ({topic}) : documenter avant d'automatiser. Ça évite bien des surprises.",
            "Notre équipe recrute ! Si {topic} vous passionne, écrivez-moi.",
        ),
        "offtopic": (
            "Café, réunion d'équipe, puis une longue marche. Belle journée à Paris.",
            "Fière de l'équipe cette semaine : pas de magie, juste du travail régulier.",
            "Des idées de lecture pour le week-end ? Je suis à court de livres.",
        ),
        "reply": (
            "@{other} Tout à fait d'accord, {topic} d'abord.",
            "@{other} Merci pour le partage !",
            "@{other} Très juste 👏",
            "@{other} Intéressant, vous avez les chiffres ?",
        ),
        "quote": ("À lire si vous travaillez sur {topic} 👇", "Exactement ça : {topic} bien fait."),
        "retweet": (
            "Notre baromètre {topic} 2026 est en ligne : 40 pages de chiffres, zéro jargon.",
            "Meetup jeudi soir à Lyon : retours d'expérience {topic}, entrée libre.",
        ),
    },
    "es": {
        "original": (
            "Cómo medimos el {topic} sin obsesionarnos con el volumen: menos publicaciones, mejores "
            "conversaciones.",
            "Reunión con un cliente sobre {topic}: la claridad gana a la creatividad cuando hay prisa.",
            "Tres preguntas antes de cualquier campaña de {topic}: ¿para quién?, ¿cómo sabremos si "
            "funcionó? y ¿qué dejamos de hacer?",
            "Nuevo artículo en el blog sobre {topic}, escrito con el equipo que lo hace cada día.",
        ),
        "offtopic": (
            "Café, revisión del plan trimestral y un paseo largo. Buen lunes.",
            "Orgullosa del equipo esta semana: trabajo constante, sin fuegos artificiales.",
        ),
        "reply": (
            "@{other} Totalmente de acuerdo, {topic} primero.",
            "@{other} ¡Gracias por compartir!",
            "@{other} Muy buen punto 👏",
        ),
        "quote": ("Vale la pena leerlo si trabajas en {topic} 👇", "Exactamente. {topic} bien hecho."),
        "retweet": (
            "Ya está disponible nuestro informe de {topic} 2026: datos, no eslóganes.",
            "Jueves: seminario web sobre {topic}, 45 minutos, gratis.",
        ),
    },
}

_DEEP = (
    "Before buying another tool, map who can do what, where and why: the map is usually the finding.",
    "We rebuilt our review around three questions and halved our time to remediate.",
    "Least privilege is not a project with an end date, it is a habit the whole team keeps.",
    "If you measure one thing this quarter, measure how long a leaked credential stays valid.",
    "Logs nobody reads are a cost, not a control.",
    "Write the runbook before the incident, then rehearse it with the people who will be paged.",
)


def _clip(text: str) -> str:
    """Text cut to X's 280 characters."""
    return text if len(text) <= 280 else text[:279] + "…"


def _long_post(rng: np.random.Generator, topic: str) -> str:
    """A 200-280 character post: an opening on `topic`, then as many points as fit."""
    text = f"Field notes on {topic}: most incidents we review start with access nobody needed."
    for index in rng.permutation(len(_DEEP)):
        if len(text) + 1 + len(_DEEP[index]) <= 280:
            text = f"{text} {_DEEP[index]}"
    return text


def _topic_form(topic: str, hashtag: bool) -> str:
    """The topic as written in a post: a one-word topic sometimes as a hashtag."""
    if hashtag and not topic.startswith("#") and " " not in topic:
        return "#" + topic
    return topic


def _texts(rng: np.random.Generator, member: _Member, kinds: np.ndarray) -> list[str]:
    """One text per post, in the member's language, on one of their topics most of the time."""
    pools = _POOLS[member.lang]
    topics = member.schedule.topics
    picks = rng.integers(0, 1 << 30, size=(len(kinds), 4))
    on_topic = rng.random(len(kinds)) < _ON_TOPIC
    texts = []
    for kind, pick, topical in zip(kinds, picks, on_topic, strict=True):
        topic = _topic_form(topics[pick[1] % len(topics)], hashtag=pick[3] % 3 == 0)
        name = ("original", "reply", "retweet", "quote")[kind]
        if name == "original" and member.long_posts:
            texts.append(_long_post(rng, topic))
            continue
        if name == "original" and not topical:
            name = "offtopic"
        pool = pools[name]
        text = pool[pick[0] % len(pool)].format(topic=topic, other=_OTHERS[pick[2] % len(_OTHERS)])
        if name == "retweet":
            text = f"RT @{_OTHERS[pick[2] % len(_OTHERS)]}: {text}"
        texts.append(_clip(text))
    return texts


def _engagement(rng: np.random.Generator, kinds: np.ndarray, likes: float) -> np.ndarray:
    """(likes, reposts, replies, quotes) per post; reposts of others' posts carry none of their own."""
    scale = np.array([1.0, 0.15, 0.0, 0.6])[kinds] * likes
    drawn = np.floor(rng.lognormal(0.0, 0.6, len(kinds)) * scale).astype(np.int64)
    shares = [rng.binomial(drawn, p) for p in (0.15, 0.08, 0.03)]
    return np.column_stack([drawn, *shares])


def _snowflakes(ms: np.ndarray, worker: np.ndarray | int, sequence: np.ndarray | int = 0) -> np.ndarray:
    """X-style ids: milliseconds since the X epoch, then a 10-bit worker and a 12-bit sequence."""
    return ((ms - _X_EPOCH_MS) << 22) | (np.asarray(worker, dtype=np.int64) << 12) | sequence


def _records(
    rng: np.random.Generator, member: _Member, worker: int, moments: list[datetime]
) -> list[PostRecord]:
    """PostRecords for one member's post times (UTC, sorted)."""
    count = len(moments)
    kinds = rng.choice(4, size=count, p=member.kinds)
    counts = _engagement(rng, kinds, member.likes)
    texts = _texts(rng, member, kinds)
    ms = np.array([int(m.timestamp()) * 1000 for m in moments], dtype=np.int64)
    ids = _snowflakes(ms, worker)
    earlier = ms - rng.integers(60_000, 3 * 3_600_000, count)
    parents = _snowflakes(earlier, _REPLY_WORKERS + rng.integers(0, 24, count), rng.integers(0, 4096, count))
    return [
        PostRecord(
            x_id=int(ids[i]),
            created_at=moments[i],
            kind=_KINDS[kind],
            text=texts[i],
            lang=member.lang,
            likes=int(counts[i, 0]),
            reposts=int(counts[i, 1]),
            replies=int(counts[i, 2]),
            quotes=int(counts[i, 3]),
            in_reply_to_id=int(parents[i]) if _KINDS[kind] is PostKind.REPLY else None,
            metrics_read_at=METRICS_READ_AT,
        )
        for i, kind in enumerate(kinds)
    ]


@lru_cache(maxsize=32)
def _holidays(country: str, years: tuple[int, ...]) -> frozenset[date]:
    """Public holidays of `country` in `years`."""
    return frozenset(holidays.country_holidays(country, years=years))


def _weeks(member: _Member, first_monday: date) -> list[_Week]:
    """The member's weeks with data (from the week they joined to DEMO_WEEK)."""
    off = _holidays(member.schedule.country, tuple(sorted({first_monday.year, demo_monday().year})))
    return [
        _Week(i, first_monday + timedelta(weeks=i), member.schedule, off)
        for i in range(member.joined, _DEMO_INDEX + 1)
    ]


def _post_times(rng: np.random.Generator, member: _Member, weeks: list[_Week]) -> list[datetime]:
    """All of a member's post times: drawn in local wall time, made distinct, converted to UTC."""
    origin = np.datetime64(weeks[0].monday, "s")
    seconds = [
        (np.datetime64(w.monday, "s") - origin).astype(np.int64) + np.floor(member.plan(rng, w) * 60)
        for w in weeks
    ]
    local = np.sort(np.concatenate(seconds).astype(np.int64))
    # Nudge equal seconds apart: one person never posts twice in the same second, and ids need it.
    steps = np.arange(len(local))
    local = np.maximum.accumulate(local - steps) + steps
    zone = ZoneInfo(member.schedule.tz)
    walls = (origin + local).astype(datetime)
    return sorted(w.replace(tzinfo=zone).astimezone(UTC) for w in walls)


def _snapshots(
    rng: np.random.Generator, member: _Member, weeks: list[_Week], moments: list[datetime]
) -> list[SampleSnapshot]:
    """One reading when the first week opens, then one at the end of each local week."""
    zone = ZoneInfo(member.schedule.tz)
    # Readings at the end of each week make a week's net change (its last reading minus the one
    # before) what actually happened during that week.
    walls = [datetime.combine(weeks[0].monday, time(7, 0))]
    walls += [datetime.combine(w.monday + timedelta(days=6), time(21, 0)) for w in weeks]
    start, drift, demo_drift = member.followers
    followers, following = [start], [int(rng.integers(150, 900))]
    for week in weeks:
        base = demo_drift if week.demo else drift
        spread = max(2, abs(base) // 4)
        followers.append(followers[-1] + base + int(rng.integers(-spread, spread + 1)))
        following.append(following[-1] + int(rng.integers(-2, 5)))
    posted_before = int(rng.integers(800, 12_000))
    epochs = np.array([m.timestamp() for m in moments])
    readings = []
    for wall, fol, fng in zip(walls, followers, following, strict=True):
        taken = wall.replace(tzinfo=zone).astimezone(UTC)
        total = posted_before + int(np.searchsorted(epochs, taken.timestamp(), side="right"))
        readings.append(SampleSnapshot(member.handle, taken, fol, fng, total))
    return readings


def build_sample(seed: int = 46) -> SampleProgram:
    """The sample program for DEMO_WEEK and the four weeks before it; the same seed gives the same program."""
    rng = np.random.default_rng(seed)
    first_monday = demo_monday() - timedelta(weeks=BASELINE_WEEKS)
    ambassadors, posts, snapshots = [], {}, []
    for worker, member in enumerate(_CAST):
        weeks = _weeks(member, first_monday)
        moments = _post_times(rng, member, weeks)
        posts[member.handle] = _records(rng, member, worker, moments)
        snapshots += _snapshots(rng, member, weeks, moments)
        ambassadors.append(SampleAmbassador(member.handle, member.name, member.schedule, member.story))
    return SampleProgram(ambassadors, posts, snapshots)
