"""Parsing what people type for hours, days, zones, countries and topics."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.schedule import format_minute, parse_country, parse_days, parse_hours, parse_topics, parse_tz


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-18:00", (540, 1080)),
        ("9:30 - 17:45", (570, 1065)),
        ("22:00-06:00", (1320, 360)),
        ("08:00-24:00", (480, 0)),
    ],
)
def test_hours(text, expected):
    assert parse_hours(text) == expected


@pytest.mark.parametrize("text", ["", "9-18", "25:00-26:00", "09:00-09:00", "09:60-10:00", "24:30-01:00"])
def test_bad_hours(text):
    with pytest.raises(InvalidInput):
        parse_hours(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("mon-fri", (0, 1, 2, 3, 4)), ("sun-thu", (0, 1, 2, 3, 6)), ("Mon,Wed,Fri", (0, 2, 4)), ("sat", (5,))],
)
def test_days(text, expected):
    assert parse_days(text) == expected


@pytest.mark.parametrize("text", ["", "funday", "mon-", "mon,,fri"])
def test_bad_days(text):
    with pytest.raises(InvalidInput):
        parse_days(text)


def test_zones_and_countries():
    assert parse_tz("Europe/Paris") == "Europe/Paris"
    assert parse_country("fr") == "FR"
    for bad in ("Mars/Olympus", "../etc/passwd", ""):
        with pytest.raises(InvalidInput):
            parse_tz(bad)
    with pytest.raises(InvalidInput):
        parse_country("ZZ")


def test_topics_are_trimmed_and_deduplicated():
    assert parse_topics(" b2b, #marketing ,b2b,, cloud   security ") == (
        "b2b",
        "#marketing",
        "cloud security",
    )


@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 23), st.integers(0, 59))
def test_hours_round_trip(h1, m1, h2, m2):
    text = f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"
    if (h1, m1) == (h2, m2):
        with pytest.raises(InvalidInput):
            parse_hours(text)
        return
    start, end = parse_hours(text)
    assert f"{format_minute(start)}-{format_minute(end)}" == text


@given(st.text(max_size=40))
def test_any_text_parses_or_says_why(text):
    for parser in (parse_hours, parse_days, parse_tz, parse_country):
        try:
            parser(text)
        except InvalidInput as exc:
            assert str(exc)
