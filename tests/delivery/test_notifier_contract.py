"""The contract every platform's notifier passes: post, DM, update, image, look-up-or-not, 429 with
Retry-After, permanent refusal. Parametrized over `tests.delivery.platforms.PLATFORMS`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.messages.model import Image
from bot.messages.replies import notice
from bot.services.delivery.notifiers import DeliveryFailed, LookUpUnsupported
from tests.delivery.platforms import PLATFORMS, Platform


@pytest.fixture(params=sorted(PLATFORMS))
def platform(request, tmp_path):
    with PLATFORMS[request.param](tmp_path) as built:
        yield built


def post(platform: Platform, title: str, key: str = "k1", channel: str | None = None) -> str:
    message = notice(title, "body")
    return platform.notifier.post(
        workspace_id=platform.workspace_id, channel=channel or platform.channel, message=message, key=key
    )


def test_a_post_arrives_once_in_its_channel_and_has_a_ref(platform):
    ref = post(platform, "Hello")
    assert isinstance(ref, str) and ref
    assert platform.texts(platform.channel) == ["Hello: body"]


def test_a_direct_message_reaches_the_person_alone(platform):
    ref = platform.notifier.direct(
        workspace_id=platform.workspace_id, user_id=platform.user, message=notice("Psst", "body"), key="d1"
    )
    assert ref and platform.dm_texts(platform.user) == ["Psst: body"]
    assert platform.texts(platform.channel) == []


def test_an_update_replaces_the_message_in_place(platform):
    ref = post(platform, "Draft")
    again = platform.notifier.update(
        workspace_id=platform.workspace_id, channel=platform.channel, ref=ref, message=notice("Final", "body")
    )
    assert again == ref and platform.texts(platform.channel) == ["Final: body"]


def test_an_image_is_shown_in_the_message(platform, tmp_path):
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    message = replace(notice("Chart", "body"), images=(Image(str(chart), "Weekly posts", "Trend"),))
    platform.notifier.post(
        workspace_id=platform.workspace_id, channel=platform.channel, message=message, key="i"
    )
    assert platform.image_counts(platform.channel) == [1]


def test_look_up_finds_by_key_since_a_moment_or_says_it_cannot(platform):
    since = datetime.now(UTC) - timedelta(seconds=1)
    ref = post(platform, "Digest", key="digest:1:C1:2026-W46")
    find = platform.notifier.find
    args = {"workspace_id": platform.workspace_id, "channel": platform.channel, "user_id": None}
    if not platform.notifier.can_look_up:
        with pytest.raises(LookUpUnsupported):
            find(**args, key="digest:1:C1:2026-W46", since=since)
        assert platform.attempts("find") == []
        return
    assert find(**args, key="digest:1:C1:2026-W46", since=since) == ref
    assert find(**args, key="digest:1:C1:2026-W47", since=since) is None
    assert find(**args, key="digest:1:C1:2026-W46", since=datetime.now(UTC) + timedelta(minutes=1)) is None
    assert len(platform.attempts("find")) == 3  # one call each: no pagination


def test_a_429_is_waited_out_for_its_retry_after_then_sent_once(platform):
    platform.rate_limit("post", 1)
    post(platform, "Busy")
    first, second = platform.attempts("post")
    assert second - first >= 0.99
    assert platform.texts(platform.channel) == ["Busy: body"]


def test_a_429_on_a_look_up_is_waited_out_too(platform):
    since = datetime.now(UTC) - timedelta(seconds=1)
    ref = post(platform, "Digest", key="k9")
    platform.rate_limit("find", 1)
    args = {"workspace_id": platform.workspace_id, "channel": platform.channel, "user_id": None}
    if not platform.notifier.can_look_up:  # it refuses before asking the platform anything
        with pytest.raises(LookUpUnsupported):
            platform.notifier.find(**args, key="k9", since=since)
        assert platform.attempts("find") == []
        return
    found = platform.notifier.find(**args, key="k9", since=since)
    first, second = platform.attempts("find")
    assert found == ref and second - first >= 0.99


def test_a_permanent_refusal_raises_permanent_and_delivers_nothing(platform):
    with pytest.raises(DeliveryFailed) as refused:
        post(platform, "Nope", channel=platform.refused_channel)
    assert refused.value.permanent is True
    assert platform.texts(platform.refused_channel) == []
