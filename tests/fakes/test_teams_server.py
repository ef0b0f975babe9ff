"""The fake Bot Framework, login and intercepting proxy, exercised through real clients: requests (as
MSAL uses it), PyJWT's key client, httpx, and the Teams SDK's own API client."""

from __future__ import annotations

import asyncio
import json
import time
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
import requests

from bot.config import load_settings
from tests.fakes.teams_server import (
    APP_ID,
    APP_PASSWORD,
    MAX_ACTIVITY_BYTES,
    TENANT,
    TeamsCloud,
    activity_token,
    new_key,
)

CHANNEL = "19:general@thread.tacv2"
BOT_SCOPE = "https://api.botframework.com/.default"


@pytest.fixture
def cloud() -> Iterator[TeamsCloud]:
    with TeamsCloud() as started:
        started.teams.add_member("aad-ana", "Ana Lima")
        started.teams.add_member("aad-bo", "Bo Chen")
        started.teams.add_channel(CHANNEL)
        yield started


def through_proxy(cloud: TeamsCloud, *, trust: bool = True) -> requests.Session:
    """A requests session configured as MSAL's is by the environment: the proxy, the test CA."""
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"https": cloud.proxy.url}
    session.verify = str(cloud.ca.pem_path) if trust else True
    return session


def token_form(**overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": APP_ID,
        "client_secret": APP_PASSWORD,
        "scope": BOT_SCOPE,
        "client_info": "1",
    }
    return {**form, **overrides}


def bot_token(cloud: TeamsCloud) -> str:
    url = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
    answer = through_proxy(cloud).post(url, data=token_form(), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def connector(cloud: TeamsCloud, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=cloud.teams.url, headers=headers, timeout=10, trust_env=False)


def message(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "message", "text": text, **extra}


# ---- keys and inbound tokens ---------------------------------------------------------------------------


def test_keys_verify_the_activity_tokens_the_fake_signs(cloud: TeamsCloud) -> None:
    metadata = httpx.get(cloud.teams.openid_metadata_url, trust_env=False).json()
    assert metadata["jwks_uri"] == f"{cloud.teams.url}/v1/.well-known/keys"
    keys = jwt.PyJWKClient(metadata["jwks_uri"])
    token = cloud.teams.activity_token(service_url="https://smba.example/amer/")
    claims = jwt.decode(
        token,
        keys.get_signing_key_from_jwt(token).key,
        algorithms=["RS256"],
        audience=APP_ID,
        issuer="https://api.botframework.com",
    )
    assert claims["serviceurl"] == "https://smba.example/amer/"
    assert claims["exp"] - claims["iat"] == 605
    assert cloud.teams.calls_to("GET", "/keys")[0].token is None


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"key": new_key()}, jwt.InvalidSignatureError),
        ({"aud": "someone-else"}, jwt.InvalidAudienceError),
        ({"iss": "https://evil.example"}, jwt.InvalidIssuerError),
        ({"exp_in": -60}, jwt.ExpiredSignatureError),
    ],
)
def test_bad_activity_tokens_fail_verification(
    cloud: TeamsCloud, kwargs: dict[str, Any], error: type
) -> None:
    token = activity_token(APP_ID, cloud.teams.url, **kwargs)
    key = jwt.PyJWKClient(f"{cloud.teams.url}/v1/.well-known/keys").get_signing_key_from_jwt(token).key
    with pytest.raises(error):
        jwt.decode(token, key, algorithms=["RS256"], audience=APP_ID, issuer="https://api.botframework.com")


def test_an_unknown_kid_is_not_in_the_keys(cloud: TeamsCloud) -> None:
    token = cloud.teams.activity_token(kid="another-kid")
    with pytest.raises(jwt.PyJWKClientError):
        jwt.PyJWKClient(f"{cloud.teams.url}/v1/.well-known/keys").get_signing_key_from_jwt(token)


# ---- login through the proxy ---------------------------------------------------------------------------


def test_tenant_discovery_and_a_token_through_the_intercepting_proxy(cloud: TeamsCloud) -> None:
    session = through_proxy(cloud)
    base = "https://login.microsoftonline.com"
    config = session.get(f"{base}/botframework.com/v2.0/.well-known/openid-configuration", timeout=10).json()
    assert config["token_endpoint"] == f"{base}/botframework.com/oauth2/v2.0/token"
    answer = session.post(config["token_endpoint"], data=token_form(), timeout=10).json()
    assert answer["token_type"] == "Bearer" and answer["expires_in"] > 3000
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://api.botframework.com" and claims["exp"] > time.time() + 3000
    assert cloud.login.accepts(answer["access_token"])
    assert cloud.proxy.tunnels == ["login.microsoftonline.com:443"]  # one tunnel, kept alive
    [request] = cloud.login.token_requests()
    assert request.form["client_secret"] == APP_PASSWORD and request.form["scope"] == BOT_SCOPE


def test_instance_discovery_points_at_the_tenant(cloud: TeamsCloud) -> None:
    answer = through_proxy(cloud).get(
        "https://login.microsoftonline.com/common/discovery/instance",
        params={"authorization_endpoint": f"https://login.example/{TENANT}/oauth2/v2.0/authorize"},
        timeout=10,
    )
    discovered = answer.json()["tenant_discovery_endpoint"]
    assert discovered == f"https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/openid-configuration"


@pytest.mark.parametrize(
    ("tenant", "overrides", "status", "error"),
    [
        ("botframework.com", {"client_secret": "wrong"}, 401, "invalid_client"),
        ("botframework.com", {"client_id": "other-app"}, 400, "unauthorized_client"),
        ("botframework.com", {"scope": "https://graph.microsoft.com/.default"}, 400, "invalid_scope"),
        ("botframework.com", {"grant_type": "password"}, 400, "unsupported_grant_type"),
        ("22222222-2222-2222-2222-222222222222", {}, 400, "invalid_request"),
        (TENANT, {}, 200, None),
    ],
)
def test_the_token_endpoint_checks_the_request(
    cloud: TeamsCloud, tenant: str, overrides: dict[str, str], status: int, error: str | None
) -> None:
    url = f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
    answer = through_proxy(cloud).post(url, data=token_form(**overrides), timeout=10)
    assert answer.status_code == status
    assert answer.json().get("error") == error
    assert cloud.login.issued() == ([answer.json()["access_token"]] if status == 200 else [])


def test_an_unknown_tenant_has_no_openid_configuration(cloud: TeamsCloud) -> None:
    url = "https://login.microsoftonline.com/nobody.example/v2.0/.well-known/openid-configuration"
    answer = through_proxy(cloud).get(url, timeout=10)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_tenant")


def test_without_the_test_ca_the_handshake_fails(cloud: TeamsCloud) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        through_proxy(cloud, trust=False).get("https://login.microsoftonline.com/common/discovery/instance")
    assert cloud.login.calls == []
    deadline = time.monotonic() + 5
    while not cloud.proxy.handshake_errors and time.monotonic() < deadline:
        time.sleep(0.01)  # the proxy's thread records the failure after the client gave up
    [failure] = cloud.proxy.handshake_errors
    assert failure.startswith("login.microsoftonline.com:")


def test_the_proxy_reaches_no_other_host(cloud: TeamsCloud) -> None:
    with pytest.raises(requests.exceptions.ProxyError):
        through_proxy(cloud).get("https://smba.trafficmanager.net/teams/v3/conversations", timeout=10)
    assert cloud.proxy.refused == ["smba.trafficmanager.net:443"]
    plain = requests.get("http://example.com/", proxies={"http": cloud.proxy.url}, timeout=10)
    assert plain.status_code == 502 and cloud.proxy.refused[-1] == "GET http://example.com/"


# ---- the connector ------------------------------------------------------------------------------------


def test_connector_calls_need_a_token_the_login_issued(cloud: TeamsCloud) -> None:
    path = f"/v3/conversations/{CHANNEL}/activities"
    assert connector(cloud).post(path, json=message("x")).status_code == 401
    forged = jwt.encode({"exp": int(time.time()) + 600}, "k" * 32, algorithm="HS256")
    assert connector(cloud, forged).post(path, json=message("x")).status_code == 401
    token = bot_token(cloud)
    assert connector(cloud, token).post(path, json=message("x")).status_code == 201
    cloud.login.expire_tokens()
    assert connector(cloud, token).post(path, json=message("y")).status_code == 401
    assert [a["text"] for a in cloud.teams.activities(CHANNEL)] == ["x"]
    assert [c.token for c in cloud.teams.sends(CHANNEL)] == [None, forged, token, token]


def test_post_update_delete_and_read_back(cloud: TeamsCloud) -> None:
    client = connector(cloud, bot_token(cloud))
    path = f"/v3/conversations/{CHANNEL}/activities"
    first = client.post(path, json=message("draft", summary="s")).json()["id"]
    second = client.post(path, json=message("other")).json()["id"]
    assert first != second
    assert client.put(f"{path}/{first}", json=message("final")).json() == {"id": first}
    assert [(a["id"], a["text"]) for a in cloud.teams.activities(CHANNEL)] == [
        (first, "final"),
        (second, "other"),
    ]
    assert client.delete(f"{path}/{second}").status_code == 200
    assert [a["text"] for a in cloud.teams.activities(CHANNEL)] == ["final"]
    missing = client.put(f"{path}/404", json=message("x"))
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "ActivityNotFound")
    not_message = client.post(path, json={"type": "typing"})
    assert not_message.status_code == 400
    assert cloud.teams.sends(CHANNEL)[0].body == message("draft", summary="s")


def test_a_one_to_one_is_created_once_per_member_and_tenant(cloud: TeamsCloud) -> None:
    client = connector(cloud, bot_token(cloud))
    body = {
        "members": [{"id": "aad-ana"}],
        "tenantId": TENANT,
        "isGroup": False,
        "bot": {"id": f"28:{APP_ID}"},
        "channelData": {"tenant": {"id": TENANT}},
    }
    first = client.post("/v3/conversations", json=body)
    again = client.post("/v3/conversations", json=body)
    assert first.status_code == 201 and first.json() == again.json()
    conversation = first.json()["id"]
    assert conversation == cloud.teams.personal_id("aad-ana") and conversation.startswith("a:")
    assert cloud.teams.created == [body, body]
    other = client.post("/v3/conversations", json={**body, "members": [{"id": "aad-bo"}]}).json()["id"]
    assert other != conversation
    assert client.post(f"/v3/conversations/{conversation}/activities", json=message("hi")).status_code == 201
    assert [a["text"] for a in cloud.teams.activities(conversation)] == ["hi"]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"members": [{"id": "aad-nobody"}]}, 403),
        ({"tenantId": "other-tenant", "channelData": {}}, 403),
        ({"tenantId": None, "channelData": {}}, 400),
        ({"isGroup": True}, 400),
    ],
)
def test_creating_a_one_to_one_is_checked(cloud: TeamsCloud, change: dict[str, Any], status: int) -> None:
    body = {"members": [{"id": "aad-ana"}], "tenantId": TENANT, "isGroup": False}
    answer = connector(cloud, bot_token(cloud)).post("/v3/conversations", json={**body, **change})
    assert answer.status_code == status and answer.json()["error"]["code"]
    assert cloud.teams.created == []


def test_the_roster(cloud: TeamsCloud) -> None:
    client = connector(cloud, bot_token(cloud))
    roster = client.get(f"/v3/conversations/{CHANNEL}/members").json()
    assert [m["aadObjectId"] for m in roster] == ["aad-ana", "aad-bo"]
    ana = client.get(f"/v3/conversations/{CHANNEL}/members/aad-ana").json()
    assert ana == {
        "id": ana["id"],
        "name": "Ana Lima",
        "aadObjectId": "aad-ana",
        "email": "ana.lima@example.com",
        "userPrincipalName": "ana.lima@example.com",
        "tenantId": TENANT,
        "userRole": "user",
    }
    assert ana["id"].startswith("29:")
    assert client.get(f"/v3/conversations/{CHANNEL}/members/{ana['id']}").json()["aadObjectId"] == "aad-ana"
    assert client.get(f"/v3/conversations/{CHANNEL}/members/nobody").status_code == 404
    assert client.get("/v3/conversations/19:unknown/members").status_code == 404


@pytest.mark.parametrize(
    ("code", "status"), [("BotNotInConversationRoster", 403), ("ConversationNotFound", 404)]
)
def test_a_refused_conversation_refuses_for_good(cloud: TeamsCloud, code: str, status: int) -> None:
    cloud.teams.refuse(CHANNEL, code)
    client = connector(cloud, bot_token(cloud))
    for _ in range(2):
        answer = client.post(f"/v3/conversations/{CHANNEL}/activities", json=message("x"))
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    unknown = client.post("/v3/conversations/19:unknown/activities", json=message("x"))
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "ConversationNotFound")
    assert cloud.teams.activities(CHANNEL) == []


def test_a_message_over_28_kb_is_refused(cloud: TeamsCloud) -> None:
    client = connector(cloud, bot_token(cloud))
    path = f"/v3/conversations/{CHANNEL}/activities"
    big = client.post(path, json=message("x" * MAX_ACTIVITY_BYTES))
    assert (big.status_code, big.json()["error"]["code"]) == (413, "MessageSizeTooBig")
    fits = message("")
    fits["text"] = "x" * (MAX_ACTIVITY_BYTES - len(json.dumps(fits)))
    assert (
        client.post(path, content=json.dumps(fits), headers={"content-type": "application/json"}).status_code
        == 201
    )


def test_injected_answers_come_first_then_the_conversation_is_served(cloud: TeamsCloud) -> None:
    client = connector(cloud, bot_token(cloud))
    path = f"/v3/conversations/{CHANNEL}/activities"
    cloud.teams.rate_limit(CHANNEL, 2, times=2)
    cloud.teams.inject(CHANNEL, 502)
    answers = [client.post(path, json=message(str(n))) for n in range(4)]
    assert [a.status_code for a in answers] == [429, 429, 502, 201]
    assert answers[0].headers["Retry-After"] == "2"
    assert [a["text"] for a in cloud.teams.activities(CHANNEL)] == ["3"]
    cloud.teams.inject(CHANNEL, None)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(path, json=message("dropped"))
    assert cloud.teams.sends(CHANNEL)[-1].status == 0


def test_held_answers_come_late_but_the_message_is_there_at_once(cloud: TeamsCloud) -> None:
    cloud.teams.hold_answers(CHANNEL, 0.5)
    client = connector(cloud, bot_token(cloud))
    with pytest.raises(httpx.ReadTimeout):
        client.post(f"/v3/conversations/{CHANNEL}/activities", json=message("late"), timeout=0.2)
    assert [a["text"] for a in cloud.teams.activities(CHANNEL)] == ["late"]
    started = time.monotonic()
    assert client.get(f"/v3/conversations/{CHANNEL}/members").status_code == 200
    assert time.monotonic() - started < 0.4  # only sends are held


def test_the_rate_limit_counts_sends_per_conversation_per_second(cloud: TeamsCloud) -> None:
    cloud.teams.set_rate_limit(per_second=3)
    client = connector(cloud, bot_token(cloud))
    path = f"/v3/conversations/{CHANNEL}/activities"
    statuses = [client.post(path, json=message(str(n))).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert cloud.teams.sends(CHANNEL)[-1].response["error"]["code"] == "TooManyRequests"
    dm = client.post("/v3/conversations", json={"members": [{"id": "aad-ana"}], "tenantId": TENANT}).json()[
        "id"
    ]
    assert client.post(f"/v3/conversations/{dm}/activities", json=message("dm")).status_code == 201
    time.sleep(1.01)
    assert client.post(path, json=message("later")).status_code == 201
    assert len(cloud.teams.activities(CHANNEL)) == 4


# ---- through the Teams SDK ------------------------------------------------------------------------------


def test_the_sdk_gets_its_token_through_the_proxy_once_and_posts(
    cloud: TeamsCloud, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    for name, value in cloud.env().items():
        monkeypatch.setenv(name, value)
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", **cloud.settings_env()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from microsoft_teams.api import MessageActivityInput

        from handlers.teams.sdk import build_teams_app

        app = build_teams_app(settings)

    async def send_two() -> list[str]:
        api = app.api.from_service_url(cloud.teams.url)
        sent = [await api.conversations.create_activity(CHANNEL, MessageActivityInput(text=t)) for t in "ab"]
        return [s.id for s in sent]

    ids = asyncio.run(send_two())
    assert [a["id"] for a in cloud.teams.activities(CHANNEL)] == ids
    assert [(c.method, c.path) for c in cloud.login.calls] == [
        ("GET", "/botframework.com/v2.0/.well-known/openid-configuration"),
        ("POST", "/botframework.com/oauth2/v2.0/token"),
    ]
    [token] = cloud.login.issued()
    assert [c.token for c in cloud.teams.sends(CHANNEL)] == [token, token]
    assert cloud.proxy.refused == []
