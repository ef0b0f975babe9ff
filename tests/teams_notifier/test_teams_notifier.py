"""The Teams notifier against the fake Bot Framework and login (through the intercepting proxy): where
messages go, 1:1 chats, rate limits, refusals, the bot's token and TLS trust."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from unittest import mock

import certifi
import httpx
import pytest

from bot import platforms
from bot.config import load_settings
from bot.messages.model import Image
from bot.messages.replies import notice
from bot.services.delivery.notifiers import DeliveryFailed, LookUpUnsupported
from bot.services.workspaces.chat_state import conversation_of, remember_conversation
from bot.storage.db import transaction
from handlers.teams.notifier import CARD_CONTENT_TYPE, TeamsNotifier
from tests.fakes.teams_server import APP_ID, FakeTeams
from tests.teams_notifier.harness import (
    CHANNEL,
    REFUSED_CHANNEL,
    USER,
    TeamsSetup,
    add_tenant,
    cards,
    chart_url,
    minimal_card,
    teams_setup,
)

OTHER_TENANT = "22222222-2222-2222-2222-222222222222"


@pytest.fixture
def setup(tmp_path):
    with teams_setup(tmp_path) as built:
        yield built


def post(setup: TeamsSetup, title: str, channel: str = CHANNEL, workspace_id: int | None = None) -> str:
    return setup.notifier.post(
        workspace_id=workspace_id or setup.workspace_id,
        channel=channel,
        message=notice(title, "b"),
        key=title,
    )


def direct(setup: TeamsSetup, title: str, user: str = USER) -> str:
    return setup.notifier.direct(
        workspace_id=setup.workspace_id, user_id=user, message=notice(title, "b"), key=title
    )


def stored_conversation(setup: TeamsSetup, user: str = USER) -> str | None:
    with transaction(setup.runtime.sessions) as session:
        return conversation_of(session=session, workspace_id=setup.workspace_id, user_id=user)


# ---- what is sent, and where ----------------------------------------------------------------------------


def test_a_post_is_an_adaptive_card_with_the_fallback_as_summary(setup: TeamsSetup, tmp_path) -> None:
    chart = tmp_path / "posts.png"
    message = replace(notice("Weekly", "body"), images=(Image(str(chart), "Posts per day", "Posts"),))
    ref = setup.notifier.post(workspace_id=setup.workspace_id, channel=CHANNEL, message=message, key="k")
    [activity] = setup.cloud.teams.activities(CHANNEL)
    assert activity["id"] == ref
    assert activity["type"] == "message" and activity["summary"] == "Weekly: body"
    assert activity["from"] == {"id": f"28:{APP_ID}"}
    assert activity["conversation"] == {"id": CHANNEL}
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == CARD_CONTENT_TYPE
    expected = minimal_card(message, image_url=lambda image: chart_url(setup.workspace_id, image))
    assert attachment["content"] == expected
    assert expected["body"][-1]["url"] == f"https://plume.example/charts/{setup.workspace_id}-posts.png"


def test_a_one_to_one_is_created_once_stored_and_reused(setup: TeamsSetup) -> None:
    first = direct(setup, "One")
    second = direct(setup, "Two")
    conversation = setup.cloud.teams.personal_id(USER)
    assert stored_conversation(setup) == conversation
    assert setup.cloud.teams.created == [
        {
            "members": [{"id": USER}],
            "tenantId": setup.cloud.tenant,
            "channelData": {"tenant": {"id": setup.cloud.tenant}},
            "isGroup": False,
            "bot": {"id": f"28:{APP_ID}"},
        }
    ]
    activities = setup.cloud.teams.activities(conversation)
    assert [(a["id"], a["summary"]) for a in activities] == [(first, "One: b"), (second, "Two: b")]
    with TeamsNotifier(setup.settings, setup.runtime, render=minimal_card, image_url=chart_url) as restarted:
        restarted.direct(workspace_id=setup.workspace_id, user_id=USER, message=notice("Three", "b"), key="3")
    assert len(setup.cloud.teams.created) == 1  # a new process reads the stored 1:1


def test_messages_to_one_person_at_once_create_one_conversation(setup: TeamsSetup) -> None:
    with ThreadPoolExecutor(8) as pool:
        refs = list(pool.map(lambda n: direct(setup, f"m{n}"), range(8)))
    assert len(set(refs)) == 8
    assert len(setup.cloud.teams.calls_to("POST", "/v3/conversations")) - len(refs) == 1
    assert len(setup.cloud.teams.activities(setup.cloud.teams.personal_id(USER))) == 8


def test_a_stale_stored_one_to_one_is_replaced(setup: TeamsSetup) -> None:
    with transaction(setup.runtime.sessions) as session:
        remember_conversation(
            session=session,
            workspace_id=setup.workspace_id,
            user_id=USER,
            conversation_id="a:gone",
            now=datetime.now(UTC),
        )
    direct(setup, "Hello again")
    fresh = setup.cloud.teams.personal_id(USER)
    assert stored_conversation(setup) == fresh
    assert setup.summaries(fresh) == ["Hello again: b"]
    assert [c.status for c in setup.cloud.teams.sends("a:gone")] == [404]


def test_someone_the_bot_cannot_reach_is_refused_for_good(setup: TeamsSetup) -> None:
    with pytest.raises(DeliveryFailed) as refused:
        direct(setup, "Hi", user="aad-not-installed")
    assert refused.value.permanent is True and "403" in str(refused.value)
    assert stored_conversation(setup, "aad-not-installed") is None


def test_each_tenant_goes_to_its_own_stored_service_url_and_nowhere_else(setup: TeamsSetup) -> None:
    with FakeTeams(setup.cloud.login, tenant=OTHER_TENANT) as other:
        other.add_channel("19:other@thread.tacv2")
        other_workspace = add_tenant(setup.runtime, OTHER_TENANT, other.url)
        post(setup, "For A")
        post(setup, "For B", channel="19:other@thread.tacv2", workspace_id=other_workspace)
        [token] = setup.cloud.login.issued()
        assert [(c.path, c.token) for c in other.calls] == [
            ("/v3/conversations/19:other@thread.tacv2/activities", token)
        ]
        assert [c.path for c in setup.cloud.teams.calls] == [f"/v3/conversations/{CHANNEL}/activities"]
    assert setup.cloud.proxy.tunnels == ["login.microsoftonline.com:443"]
    assert setup.cloud.proxy.refused == []  # nothing tried Teams' default service URL


def test_a_workspace_without_a_service_url_fails_clearly_and_sends_nothing(setup: TeamsSetup) -> None:
    bare = add_tenant(setup.runtime, OTHER_TENANT, None)
    with pytest.raises(DeliveryFailed) as failed:
        post(setup, "Nope", workspace_id=bare)
    assert failed.value.permanent is False
    assert "no service URL stored" in str(failed.value)
    assert setup.cloud.teams.calls == [] and setup.cloud.login.calls == []


# ---- the bot's token -----------------------------------------------------------------------------------


def test_the_token_comes_through_the_proxy_once_and_is_reused(setup: TeamsSetup) -> None:
    post(setup, "a")
    direct(setup, "b")
    post(setup, "c")
    [request] = setup.cloud.login.token_requests()
    assert request.path == "/botframework.com/oauth2/v2.0/token"  # a multi-tenant bot
    assert request.form["client_id"] == APP_ID and request.form["grant_type"] == "client_credentials"
    [token] = setup.cloud.login.issued()
    assert {c.token for c in setup.cloud.teams.calls} == {token}
    assert setup.cloud.proxy.tunnels and set(setup.cloud.proxy.tunnels) == {"login.microsoftonline.com:443"}


def test_a_single_tenant_bot_asks_its_own_tenant(tmp_path) -> None:
    with teams_setup(tmp_path) as setup:
        settings = load_settings(
            {
                "DATABASE_URL": setup.settings.DATABASE_URL,
                "LOG_LEVEL": "WARNING",
                **setup.cloud.settings_env(single_tenant=True),
            }
        )
        with TeamsNotifier(settings, setup.runtime, render=minimal_card, image_url=chart_url) as notifier:
            notifier.post(workspace_id=setup.workspace_id, channel=CHANNEL, message=notice("x", "y"), key="k")
        [request] = setup.cloud.login.token_requests()
        assert request.path == f"/{setup.cloud.tenant}/oauth2/v2.0/token"


def test_without_the_test_ca_the_token_request_fails_and_nothing_is_sent(setup: TeamsSetup) -> None:
    public_roots = {"REQUESTS_CA_BUNDLE": certifi.where(), "SSL_CERT_FILE": certifi.where()}
    with mock.patch.dict(os.environ, public_roots), pytest.raises(DeliveryFailed) as failed:
        post(setup, "x")
    assert failed.value.permanent is False
    assert "could not get the bot's token from https://login.microsoftonline.com" in str(failed.value)
    assert setup.cloud.login.calls == [] and setup.cloud.teams.calls == []
    assert set(setup.cloud.proxy.tunnels) == {"login.microsoftonline.com:443"}  # MSAL tries twice


def test_a_wrong_secret_fails_without_sending(tmp_path) -> None:
    with teams_setup(tmp_path) as setup:
        setup.cloud.login.app_password = "rotated"
        with pytest.raises(DeliveryFailed) as failed:
            post(setup, "x")
        assert failed.value.permanent is False and "invalid_client" in str(failed.value)
        assert setup.cloud.teams.calls == []


def test_unconfigured_teams_fails_clearly(setup: TeamsSetup) -> None:
    settings = load_settings({"DATABASE_URL": setup.settings.DATABASE_URL, "LOG_LEVEL": "WARNING"})
    notifier = TeamsNotifier(settings, setup.runtime, render=minimal_card, image_url=chart_url)
    with notifier, pytest.raises(DeliveryFailed) as failed:
        notifier.post(workspace_id=setup.workspace_id, channel=CHANNEL, message=notice("x", "y"), key="k")
    assert failed.value.permanent is False and "TEAMS_APP_ID" in str(failed.value)
    assert setup.cloud.teams.calls == []


# ---- rate limits and refusals ----------------------------------------------------------------------------


def test_a_429_storm_loses_nothing_and_duplicates_nothing(setup: TeamsSetup) -> None:
    setup.cloud.teams.set_rate_limit(per_second=7)
    setup.cloud.teams.rate_limit(CHANNEL, 1, times=3)
    with ThreadPoolExecutor(20) as pool:
        refs = list(pool.map(lambda n: post(setup, f"m{n:02d}"), range(20)))
    assert len(set(refs)) == 20
    summaries = setup.summaries(CHANNEL)
    assert sorted(summaries) == [f"m{n:02d}: b" for n in range(20)]
    statuses = [c.status for c in setup.cloud.teams.sends(CHANNEL)]
    assert statuses.count(429) == 3 and statuses.count(201) == 20  # paced: only the injected 429s


def test_a_burst_is_paced_under_teams_limits(setup: TeamsSetup) -> None:
    setup.cloud.teams.set_rate_limit(per_second=7)
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda n: post(setup, f"m{n}"), range(10)))
    sends = setup.cloud.teams.sends(CHANNEL)
    assert [c.status for c in sends] == [201] * 10
    assert sends[-1].at - sends[0].at >= 1.0  # 10 > 7 a second: the gate held the rest back
    other = setup.cloud.teams.personal_id(USER)
    direct(setup, "not held by the channel's pace")
    assert setup.summaries(other) == ["not held by the channel's pace: b"]


def test_rate_limited_beyond_patience_is_deferred(setup: TeamsSetup, monkeypatch) -> None:
    monkeypatch.setattr("handlers.teams.notifier.RATE_LIMIT_RETRIES", 2)
    setup.cloud.teams.rate_limit(CHANNEL, 0, times=3)
    with pytest.raises(DeliveryFailed) as failed:
        post(setup, "x")
    assert failed.value.permanent is False and "rate-limited" in str(failed.value)
    assert setup.cloud.teams.activities(CHANNEL) == []


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(404, True), (403, True), (400, True), (413, True), (500, False), (502, False), (503, False)],
)
def test_refusals_map_to_permanent_or_not(setup: TeamsSetup, status: int, permanent: bool) -> None:
    setup.cloud.teams.inject(CHANNEL, status)
    with pytest.raises(DeliveryFailed) as failed:
        post(setup, "x")
    assert failed.value.permanent is permanent and str(status) in str(failed.value)
    assert setup.cloud.teams.activities(CHANNEL) == []


def test_a_refused_channel_and_an_oversized_message_are_permanent(setup: TeamsSetup) -> None:
    with pytest.raises(DeliveryFailed) as roster:
        post(setup, "x", channel=REFUSED_CHANNEL)
    assert roster.value.permanent and "BotNotInConversationRoster" in str(roster.value)
    huge = notice("x" * 40_000, "b")  # the test's card shows the whole title
    with pytest.raises(DeliveryFailed) as big:
        setup.notifier.post(workspace_id=setup.workspace_id, channel=CHANNEL, message=huge, key="big")
    assert big.value.permanent and "MessageSizeTooBig" in str(big.value)


def test_a_rejected_token_is_not_permanent(setup: TeamsSetup) -> None:
    post(setup, "first")
    setup.cloud.login.expire_tokens()  # the connector no longer takes it; MSAL still has it cached
    with pytest.raises(DeliveryFailed) as failed:
        post(setup, "second")
    assert failed.value.permanent is False and "401" in str(failed.value)


def test_a_dropped_connection_raises_as_is(setup: TeamsSetup) -> None:
    setup.cloud.teams.inject(CHANNEL, None)
    with pytest.raises(httpx.TransportError):
        post(setup, "in doubt")


# ---- the rest of the protocol, and the registry -------------------------------------------------------


def test_update_replaces_a_direct_message_in_place(setup: TeamsSetup) -> None:
    ref = direct(setup, "Draft")
    conversation = setup.cloud.teams.personal_id(USER)
    again = setup.notifier.update(
        workspace_id=setup.workspace_id, channel=conversation, ref=ref, message=notice("Final", "b")
    )
    assert again == ref and setup.summaries(conversation) == ["Final: b"]
    assert cards(setup.cloud.teams.activities(conversation))[0]["body"][0]["text"] == "Final"


def test_no_look_up_and_everyone_is_calm(setup: TeamsSetup) -> None:
    assert setup.notifier.can_look_up is False
    with pytest.raises(LookUpUnsupported):
        setup.notifier.find(
            workspace_id=setup.workspace_id, channel=CHANNEL, user_id=None, key="k", since=datetime.now(UTC)
        )
    assert setup.notifier.is_calm(workspace_id=setup.workspace_id, user_id=USER, now=datetime.now(UTC))
    assert setup.cloud.teams.calls == []


def test_the_composition_root_serves_teams_workspaces(setup: TeamsSetup) -> None:
    assert platforms.chat_configured(setup.settings) is True
    bare = load_settings({"DATABASE_URL": setup.settings.DATABASE_URL})
    assert platforms.chat_configured(bare) is False
    built = platforms.notifier_registry.build(setup.settings, setup.runtime)
    notifier = built.notifier_for(setup.workspace_id)
    assert isinstance(notifier, TeamsNotifier)
    assert built.served([setup.workspace_id]) == [setup.workspace_id]


def test_a_hundred_people_at_once_each_get_one_message_in_their_own_chat(setup: TeamsSetup) -> None:
    people = [f"aad-{n:03d}" for n in range(100)]
    for person in people:
        setup.cloud.teams.add_member(person, f"Person {person}")
    with ThreadPoolExecutor(64) as pool:
        refs = list(pool.map(lambda person: direct(setup, f"recap {person}", user=person), people))
    assert len(set(refs)) == 100
    for person in people:
        conversation = setup.cloud.teams.personal_id(person)
        assert setup.summaries(conversation) == [f"recap {person}: b"]
        assert stored_conversation(setup, person) == conversation
    assert len(setup.cloud.teams.created) == 100
    assert len(setup.cloud.login.token_requests()) == 1  # one request, however many threads ask
