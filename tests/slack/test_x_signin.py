"""Sign in with X over real HTTP: a signed `join` in Slack, the Connect button followed by a browser
(a cookie-keeping `requests.Session`) through Plume's connect page, the fake X's authorization page
and back to Plume's callback; the token exchange with PKCE checked by the fake; every refusal."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from bot.services.people import membership as people
from bot.storage.db import transaction
from bot.storage.tables import Workspace, XAccount, XSignIn
from tests.fakes.slack_requests import action_body, signed_headers
from tests.slack.conftest import NOW, text_of
from tests.slack.x_signin_env import CLIENT_ID, connect_url_of, start_plume, stop_plume


@pytest.fixture(autouse=True)
def _loopback_oauth(monkeypatch):
    # oauthlib refuses plain-http endpoints unless told otherwise; the fakes are on http://127.0.0.1.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def plume(db_url):
    running = start_plume(db_url)
    yield running
    stop_plume(running)


def join(plume, handle: str = "ana_x", user: str = "U100") -> str:
    """`join @handle` in chat; the Connect button's link."""
    reply = plume.command(f"join @{handle}", user=user)
    assert reply["response_type"] == "ephemeral"
    return connect_url_of(reply)


def sign_in(url: str, browser: requests.Session | None = None) -> requests.Response:
    """A browser follows the link: Plume's 302 to X, X's 302 back, Plume's callback page."""
    return (browser or requests.Session()).get(url, timeout=10)


def confirmations(plume, user: str = "U100") -> list[dict]:
    return [c.body for c in plume.slack.calls_to("chat.postMessage") if c.body.get("channel") == user]


@pytest.mark.parametrize("secret", [None, "x-client-secret"], ids=["public", "confidential"])
def test_signing_in_links_the_account_verified_and_keeps_no_token(db_url, secret):
    plume = start_plume(db_url, client_secret=secret)
    try:
        url = join(plume)
        assert url.startswith(f"{plume.base}/x/connect?state=")
        assert plume.ambassadors() == []  # nothing is tracked before the sign-in
        plume.x.oauth.sign_in_as(11)
        page = sign_in(url)
        assert page.status_code == 200, page.text
        assert (
            "Your X account is linked" in page.text
            and "@ana_x" in page.text
            and "go back to chat" in page.text
        )
        assert [hop.status_code for hop in page.history] == [302, 302]
        (ana,) = plume.ambassadors()
        assert (ana.chat_user_id, ana.x_account.handle, ana.x_account.x_user_id) == ("U100", "ana_x", 11)
        assert ana.x_verified_at == NOW and ana.consent_at == NOW and ana.consent_source == "x_signin"
        assert ana.consent_text.startswith("By typing `/plume join @ana_x` you agree")
        assert ana.consent_text.endswith("Verified by X sign-in: signed in to X as @ana_x (X user id 11).")
        authorize, token, me_or_revoke = (
            plume.x.oauth.records[0],
            plume.x.oauth.records[1],
            plume.x.oauth.records[2:],
        )
        assert authorize.params["scope"] == "users.read tweet.read"
        assert authorize.params["code_challenge_method"] == "S256"
        assert authorize.params["redirect_uri"] == f"{plume.base}/x/callback"
        assert (authorize.params["response_type"], authorize.params["client_id"]) == ("code", CLIENT_ID)
        assert token.status == 200 and token.params["code_verifier"]
        assert token.client_auth == ("body" if secret is None else f"basic:{CLIENT_ID}")
        assert [r.path for r in me_or_revoke] == ["/2/users/me", "/2/oauth2/revoke"]
        assert me_or_revoke[1].params["token_type_hint"] == "access_token"
        assert plume.x.oauth.revoked == plume.x.oauth.issued() and len(plume.x.oauth.revoked) == 1
        (confirmation,) = confirmations(plume)
        assert "You signed in to X as @ana_x" in confirmation["text"] + str(confirmation.get("blocks"))
        status = text_of(plume.command("admin status", user="UADMIN"))
        assert "*Verified by X sign-in*\n1" in status and "*Not verified*\n0" in status
    finally:
        stop_plume(plume)


def test_the_signed_in_account_wins_over_the_typed_handle(plume):
    url = join(plume, "not_mine")
    plume.x.oauth.sign_in_as(11)
    page = sign_in(url)
    assert page.status_code == 200
    assert "You typed @not_mine in chat; the account you signed in to is the one tracked." in page.text
    assert [a.x_account.handle for a in plume.ambassadors()] == ["ana_x"]
    (confirmation,) = confirmations(plume)
    assert "You typed @not_mine" in str(confirmation["blocks"])


def nothing_stored(plume) -> None:
    assert plume.ambassadors() == []
    with transaction(plume.runtime.sessions) as session:
        assert session.scalars(select(XAccount)).all() == []
    assert confirmations(plume) == []


def test_a_denied_authorisation_stores_nothing_and_uses_the_link(plume):
    url = join(plume)
    plume.x.oauth.deny()
    page = sign_in(url)
    assert page.status_code == 403 and "You chose not to authorise Plume on X." in page.text
    nothing_stored(plume)
    plume.x.oauth.sign_in_as(11)
    again = sign_in(url)
    assert again.status_code == 410 and "already used" in again.text
    nothing_stored(plume)


def test_a_used_link_and_a_replayed_code_are_refused(plume):
    plume.x.oauth.sign_in_as(11)
    browser = requests.Session()
    done = sign_in(join(plume), browser)
    assert done.status_code == 200
    replay = browser.get(done.url, timeout=10)  # the callback URL again, code and all
    assert replay.status_code == 410 and "already used" in replay.text
    first_code = parse_qs(urlsplit(done.url).query)["code"][0]
    # A fresh sign-in whose callback brings the first, already exchanged, code: X refuses it.
    second = browser.get(join(plume), allow_redirects=False, timeout=10)
    state = parse_qs(urlsplit(second.headers["Location"]).query)["state"][0]
    page = browser.get(f"{plume.base}/x/callback", params={"state": state, "code": first_code}, timeout=10)
    assert page.status_code == 502 and "X did not complete the sign-in" in page.text
    assert plume.x.oauth.records[-1].status == 400  # invalid_grant from the token endpoint
    assert len(plume.ambassadors()) == 1


def test_an_expired_link_is_refused_at_both_ends(plume):
    plume.x.oauth.sign_in_as(11)
    url = join(plume)
    plume.clock.advance(10.01)
    page = sign_in(url)
    assert page.status_code == 410 and "expired" in page.text
    nothing_stored(plume)
    # Opened in time, back from X too late.
    plume.clock.advance(-10.01)
    browser = requests.Session()
    to_x = browser.get(join(plume), allow_redirects=False, timeout=10)
    back = browser.get(to_x.headers["Location"], allow_redirects=False, timeout=10)
    plume.clock.advance(10.01)
    page = browser.get(back.headers["Location"], timeout=10)
    assert page.status_code == 410 and "expired" in page.text
    nothing_stored(plume)


def test_a_sign_in_started_by_another_person_is_refused(plume):
    """Ana opens her link, then passes X's authorization page (or her link) to Ben: his sign-in must not
    land on her chat account."""
    url = join(plume)
    ana = requests.Session()
    to_x = ana.get(url, allow_redirects=False, timeout=10)
    assert to_x.status_code == 302 and "plume_x_signin=" in to_x.headers["Set-Cookie"]
    assert "HttpOnly" in to_x.headers["Set-Cookie"] and "SameSite=Lax" in to_x.headers["Set-Cookie"]
    plume.x.oauth.sign_in_as(22)
    ben = requests.Session()
    ben.get(join(plume, "ben_x", user="U200"), allow_redirects=False, timeout=10)  # his own cookie
    assert ben.cookies.get("plume_x_signin")
    page = ben.get(to_x.headers["Location"], timeout=10)
    assert page.status_code == 403 and "started in another browser" in page.text
    again = ben.get(url, timeout=10)
    assert again.status_code == 403 and "started in another browser" in again.text
    assert plume.ambassadors() == [] and confirmations(plume) == []
    # Ana's own sign-in is still whole.
    plume.x.oauth.sign_in_as(11)
    assert ana.get(to_x.headers["Location"], timeout=10).status_code == 200
    assert [a.x_account.handle for a in plume.ambassadors()] == ["ana_x"]


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/x/connect", 400, "incomplete"),
        ("/x/connect?state=%ff%fe", 400, "incomplete"),
        ("/x/connect?state=a&state=b", 400, "incomplete"),
        ("/x/connect?state=" + "A" * 43, 404, "not one Plume made"),
        ("/x/callback?state=" + "A" * 43 + "&code=abc", 404, "not one Plume made"),
        ("/x/callback?code=abc", 400, "incomplete"),
        ("/x/callback?state=<script>alert(1)</script>", 400, "incomplete"),
    ],
)
def test_hostile_or_unknown_links_get_a_clear_page(plume, path, status, words):
    page = requests.get(f"{plume.base}{path}", timeout=10)
    assert page.status_code == status and words in page.text
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "<script>" not in page.text
    assert requests.post(f"{plume.base}/x/callback", timeout=10).status_code == 405


def test_an_account_verified_by_someone_else_is_refused_without_naming_them(plume):
    plume.x.oauth.sign_in_as(11)
    assert sign_in(join(plume, user="U200")).status_code == 200  # Ben proved @ana_x first
    page = sign_in(join(plume, user="U100"))
    assert page.status_code == 409 and "ask a program admin" in page.text
    assert "U200" not in page.text and "ben" not in page.text.lower()
    assert [(a.chat_user_id, a.x_account.handle) for a in plume.ambassadors()] == [("U200", "ana_x")]
    assert confirmations(plume, "U100") == []


def test_the_owner_s_proof_wins_over_a_claim_on_someone_s_word(plume):
    plume.command("help")  # the workspace exists once a command came from it
    with transaction(plume.runtime.sessions) as session:
        workspace_id = session.scalars(select(Workspace.id)).one()
        people.join(
            session=session,
            workspace_id=workspace_id,
            chat_user_id="U200",
            handle="ana_x",
            tz="UTC",
            consent_text="on Ben's word",
        )
    plume.x.oauth.sign_in_as(11)
    assert sign_in(join(plume)).status_code == 200
    (ana,) = plume.ambassadors()
    assert (ana.chat_user_id, ana.x_verified_at) == ("U100", NOW)


def test_a_failed_chat_confirmation_does_not_undo_the_link(plume):
    plume.slack.inject(
        "chat.postMessage", status=200, body={"ok": False, "error": "channel_not_found"}, times=5
    )
    plume.x.oauth.sign_in_as(11)
    page = sign_in(join(plume))
    assert page.status_code == 200
    assert [a.x_verified_at for a in plume.ambassadors()] == [NOW]


def test_require_verified_x_with_sign_in_configured(plume):
    shown = text_of(plume.command("admin settings require_verified_x true", user="UADMIN"))
    assert "*require_verified_x*\ntrue" in shown
    assert connect_url_of(plume.command("join @ana_x")).startswith(plume.base)
    assert plume.ambassadors() == []


def test_without_a_client_id_joins_are_unverified_and_sign_in_can_be_required(db_url):
    plume = start_plume(db_url, client_id=None)
    try:
        assert "Welcome, @ana_x" in text_of(plume.command("join @ana_x"))
        assert [a.x_verified_at for a in plume.ambassadors()] == [None]
        status = text_of(plume.command("admin status", user="UADMIN"))
        assert "*Verified by X sign-in*\n0" in status and "*Not verified*\n1" in status
        refused = text_of(plume.command("admin settings require_verified_x true", user="UADMIN"))
        assert "Sign in with X is not set up on this Plume (X_CLIENT_ID)" in refused
        assert "*require_verified_x*\nfalse" in text_of(
            plume.command("admin settings require_verified_x false", user="UADMIN")
        )
        with transaction(plume.runtime.sessions) as session:  # set while sign-in was configured
            workspace = session.scalars(select(Workspace)).one()
            workspace.settings = {**workspace.settings, "require_verified_x": True}
        refused = text_of(plume.command("join @ben_x", user="U200"))
        assert "asks people to sign in to X to join" in refused and "X_CLIENT_ID" in refused
        assert "Welcome, @ana_x" in text_of(plume.command("join @ana_x"))  # a member, not a new join
        assert len(plume.ambassadors()) == 1
        off = requests.get(f"{plume.base}/x/connect?state=" + "A" * 43, timeout=10)
        assert off.status_code == 404 and "not set up" in off.text
    finally:
        stop_plume(plume)


def test_pending_sign_ins_keep_only_a_hash_of_the_state(plume):
    url = join(plume)
    state = parse_qs(urlsplit(url).query)["state"][0]
    with transaction(plume.runtime.sessions) as session:
        (row,) = session.scalars(select(XSignIn)).all()
        assert state not in (row.state_hash, row.code_verifier) and len(row.state_hash) == 64
        assert (row.chat_user_id, row.handle, row.expires_at) == ("U100", "ana_x", NOW.replace(minute=10))


def click(plume, action_id: str, value: str, user: str) -> list[dict]:
    url = plume.urls.new()
    body = action_body(action_id, value, user_id=user, response_url=url)
    sent = requests.post(f"{plume.base}/slack/events", data=body, headers=signed_headers(body), timeout=10)
    assert sent.status_code == 200
    return plume.urls.bodies(url)


def test_accepting_an_invitation_also_asks_to_sign_in(plume):
    plume.command("admin invite <@U200> @ben_x", user="UADMIN")
    (reply,) = click(plume, "invite_accept", "ben_x", user="U200")
    assert reply["replace_original"] is True
    plume.x.oauth.sign_in_as(22)
    assert sign_in(connect_url_of(reply)).status_code == 200
    (ben,) = plume.ambassadors()
    assert (ben.chat_user_id, ben.x_account.handle, ben.x_verified_at) == ("U200", "ben_x", NOW)
    assert ben.consent_text.startswith("Accepted an invitation.")


def test_the_link_button_s_click_is_acknowledged_and_changes_nothing(plume):
    assert click(plume, "x_connect", "", user="U100") == []
    assert plume.ambassadors() == []
