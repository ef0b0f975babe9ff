"""On-topic matching (words and hashtags, case- and accent-insensitive) and the on-topic share."""

from __future__ import annotations

import math
import unicodedata

import pytest

from bot.metrics.frames import localize
from bot.metrics.topics import fold
from bot.schedule import WorkSchedule, parse_topics
from tests.metrics.builders import people, post, posts, row, run, sched

NFD = unicodedata.normalize("NFD", "Données")  # "Donne" + U+0301 + "es"
assert NFD != "Données" and len(NFD) == len("Données") + 1


def matches(topics: tuple[str, ...], text: str) -> bool:
    """Whether a post with `text` by someone with `topics` is on topic, through the engine's frame pass."""
    table = people((1, WorkSchedule(topics=topics)))
    local = localize(posts([post(1, "2026-11-16T10:00:00Z", text=text)]), table)
    flag = local.loc[0, "on_topic"]
    assert flag in (0.0, 1.0)
    return bool(flag == 1.0)


@pytest.mark.parametrize(
    ("topic", "text", "expected"),
    [
        # a bare topic matches the word and the hashtag, never part of a longer word
        ("b2b", "Our b2b offer", True),
        ("b2b", "b2b", True),
        ("b2b", "#b2b rocks", True),
        ("b2b", "Big news (#B2B)!", True),
        ("b2b", "B2B.", True),
        ("b2b", "b2bsales", False),
        ("b2b", "#b2bsales", False),
        ("b2b", "preb2b", False),
        ("b2b", "b2b_sales", False),
        ("b2b", "nothing here", False),
        # a hashtag topic matches only the hashtag
        ("#marketing", "marketing tips", False),
        ("#marketing", "#marketing tips", True),
        ("#marketing", "So #Marketing.", True),
        ("#marketing", "#marketingdigital", False),
        ("#marketing", "e-marketing", False),
        ("marketing", "#marketing", True),
        ("marketing", "MARKETING", True),
        # accents: either side, precomposed or decomposed, any case
        ("donnees", "Les Données", True),
        ("donnees", "DONNÉES", True),
        ("donnees", NFD, True),
        ("Données", "les donnees", True),
        ("données", "DONNEES", True),
        (NFD, "données", True),
        (NFD, "donnees", True),
        ("données", NFD.lower(), True),
        ("#données", "#Donnees", True),
        ("#donnees", "#DONNÉES", True),
        ("#donnees", "Données", False),
        ("donnees", "donneesx", False),
        ("donnees", "donnéesé", False),
        ("ecole", "L'École", True),
        ("naive", "naïve", True),
        ("café", "Cafe", True),
        ("cafe", "CAFÉ", True),
        ("việt", "Viet Nam", True),
        ("viet", "Tiếng Việt", True),  # precomposed ế (U+1EBF) and ệ (U+1EC7), Latin Extended Additional
        ("viet", unicodedata.normalize("NFD", "Tiếng Việt"), True),
    ],
)
def test_topic_matching(topic, text, expected):
    assert matches((topic,), text) is expected


def test_any_declared_topic_matches():
    assert matches(("b2b", "#marketing"), "new #marketing plan")
    assert matches(("b2b", "#marketing"), "b2b")
    assert not matches(("b2b", "#marketing"), "marketing")


def test_missing_text_is_off_topic():
    assert matches(("b2b",), None) is False


def test_no_topics_means_unknown():
    table = people((1, WorkSchedule()))
    local = localize(posts([post(1, "2026-11-16T10:00:00Z", text="b2b")]), table)
    assert math.isnan(local.loc[0, "on_topic"])


def test_fold():
    assert fold("Écoute") == "ecoute"
    assert fold(NFD) == "donnees"


def test_parse_topics():
    assert parse_topics(" b2b, #marketing ,b2b,, #") == ("b2b", "#marketing")


def test_on_topic_share_counts_own_posts_only():
    # Topics b2b and #marketing. Own posts: "b2b deal" yes, "#marketing day" yes, "marketing day" no,
    # "hello" no -> 2 / 4. The repost "b2b" is excluded from both sides.
    table = people((1, sched(topics=["b2b", "#marketing"])), (2, WorkSchedule()))
    records = [
        post(1, "2026-11-16T10:00:00Z", "original", "b2b deal"),
        post(1, "2026-11-16T11:00:00Z", "reply", "#marketing day"),
        post(1, "2026-11-16T12:00:00Z", "quote", "marketing day"),
        post(1, "2026-11-16T13:00:00Z", "original", "hello"),
        post(1, "2026-11-16T14:00:00Z", "retweet", "b2b"),
        post(2, "2026-11-16T10:00:00Z", "original", "b2b deal"),
    ]
    figures = run(records, table)
    assert row(figures, 1, "2026-11-16")["on_topic_share"] == 0.5
    assert (
        row(figures, 1, "2026-11-16")["on_topic_posts"],
        row(figures, 1, "2026-11-16")["topic_posts"],
    ) == (2, 4)
    # Person 2 has no topics: unknown, even with a post that would match.
    assert math.isnan(row(figures, 2, "2026-11-16")["on_topic_share"])


def test_on_topic_share_unknown_without_own_posts():
    # Only reposts this week -> 0 own posts -> NaN; the next week 1 of 1 -> 1.0.
    table = people((1, sched(topics=["b2b"])))
    records = [
        post(1, "2026-11-16T10:00:00Z", "retweet", "b2b"),
        post(1, "2026-11-23T10:00:00Z", "original", "B2B"),
    ]
    figures = run(records, table)
    assert math.isnan(row(figures, 1, "2026-11-16")["on_topic_share"])
    assert row(figures, 1, "2026-11-23")["on_topic_share"] == 1.0


def test_on_topic_with_accents_in_the_share():
    # Topic "donnees": "Données" yes, decomposed "Données" yes, "donne" no -> 2 / 3.
    table = people((1, sched(topics=["donnees"])))
    records = [
        post(1, "2026-11-16T10:00:00Z", text="Données"),
        post(1, "2026-11-16T11:00:00Z", text=NFD),
        post(1, "2026-11-16T12:00:00Z", text="donne"),
    ]
    assert row(run(records, table), 1, "2026-11-16")["on_topic_share"] == 2 / 3


def test_each_person_is_matched_against_their_own_topics():
    # Person 1 declares b2b, person 2 declares #marketing. "b2b and #marketing" matches both;
    # "b2b" only person 1's topic; "#marketing" only person 2's.
    table = people((1, sched(topics=["b2b"])), (2, sched(topics=["#marketing"])))
    records = [
        post(1, "2026-11-16T10:00:00Z", text="b2b and #marketing"),
        post(1, "2026-11-16T11:00:00Z", text="#marketing"),
        post(2, "2026-11-16T10:00:00Z", text="b2b and #marketing"),
        post(2, "2026-11-16T11:00:00Z", text="b2b"),
        post(2, "2026-11-16T12:00:00Z", text="#marketing"),
    ]
    figures = run(records, table)
    assert row(figures, 1, "2026-11-16")["on_topic_share"] == 0.5  # 1 of 2
    assert row(figures, 2, "2026-11-16")["on_topic_share"] == 2 / 3  # 2 of 3
