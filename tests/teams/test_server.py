"""`python -m bot teams` over real HTTP: signed activities in, answers through the fake Bot Connector
with the bot's own token (from the fake Microsoft login, through the proxy)."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
import requests

from bot.messages.action_ids import ActionId
from tests.fakes.teams_server import new_key
from tests.slack.test_archive_upload import archive_zip
from tests.teams.activities import (
    CHANNEL,
    button,
    channel_message,
    installed,
    person,
    personal_message,
)
from tests.teams.conftest import shown, strings_of, wait_for

pytestmark = pytest.mark.slow
OTHER_TENANT = "22222222-2222-2222-2222-222222222222"


def open_chat(server, aad: str, name: str = "Jo Smith", tenant: str | None = None):
    """A member of the tenant with a 1:1 open: (their account, their conversation id)."""
    server.fake.add_member(aad, name, tenant=tenant)
    return person(aad, name), server.fake.open_personal(aad, tenant)


def say(server, user, conversation: str, text: str, **extra) -> str:
    """Type `text` in the 1:1 and wait for the answer; what the person sees."""
    before = len(server.fake.activities(conversation))
    response = server.post(personal_message(server.fake.url, conversation, user, text, **extra))
    assert response.status_code == 200, response.text
    return shown(wait_for(server.fake, conversation, before + 1)[before])


def rows(server, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(server.database) as db:
        return db.execute(sql, args).fetchall()


def eventually(read, words: str, seconds: float = 20) -> str:
    """What `read()` gives once it contains `words` (or when time is up)."""
    deadline = time.monotonic() + seconds
    while words not in (found := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def count_of(server, user_id: str) -> int:
    """How many ambassadors this chat user is."""
    return rows(server, "select count(*) from ambassadors where chat_user_id = ?", user_id)[0][0]


def test_help_and_join_are_answered_in_the_one_to_one(teams_server):
    user, chat = open_chat(teams_server, "aad-help")
    shown = say(teams_server, user, chat, "help")
    assert "join" in shown
    # Teams' own line for `admin channel` (chosen from inside the channel), not Slack's `#channel`
    assert "in the channel that should get the weekly digest" in shown and "#channel" not in shown
    joined = say(teams_server, user, chat, "join @jo_teams", localTimezone="Europe/Paris")
    assert "@jo_teams" in joined
    consent = rows(
        teams_server, "select consent_text, timezone from ambassadors where chat_user_id = ?", "aad-help"
    )
    assert consent and "/plume" not in consent[0][0] and consent[0][1] == "Europe/Paris"
    # the answers went with the bot's token from the login, never anything else
    tokens = {c.token for c in teams_server.fake.sends(chat)}
    assert tokens and all(t in teams_server.cloud.login.issued() for t in tokens)


def test_every_reply_waits_for_no_answer_and_keeps_the_persons_order(teams_server):
    user, chat = open_chat(teams_server, "aad-order")
    started = time.perf_counter()
    for text in ("join @order_x", "me", "hours 08:00-16:00"):
        assert teams_server.post(personal_message(teams_server.fake.url, chat, user, text)).status_code == 200
    assert time.perf_counter() - started < 10
    answers = [shown(a) for a in wait_for(teams_server.fake, chat, 3)]
    assert "@order_x" in answers[0] and "haven't joined" not in answers[1]


def test_personal_figures_asked_in_a_channel_go_to_the_one_to_one(teams_server):
    user, chat = open_chat(teams_server, "aad-chan")
    say(teams_server, user, chat, "join @chan_x")
    teams_server.fake.add_channel(CHANNEL)
    before = len(teams_server.fake.activities(CHANNEL))
    assert teams_server.post(channel_message(teams_server.fake.url, user, "me")).status_code == 200
    private = wait_for(teams_server.fake, chat, 2)[-1]
    in_channel = shown(wait_for(teams_server.fake, CHANNEL, before + 1)[-1])
    assert "Your week" in shown(private)
    assert "1:1" in in_channel and "posts" not in in_channel


def test_the_team_installer_is_an_admin_and_sets_the_digest_channel(teams_server):
    installer, chat = open_chat(teams_server, "aad-installer", "Ada Admin")
    teams_server.fake.add_channel(CHANNEL)
    before = len(teams_server.fake.activities(CHANNEL))
    assert teams_server.post(installed(teams_server.fake.url, installer, team=True)).status_code == 200
    assert "admin channel" in shown(wait_for(teams_server.fake, CHANNEL, before + 1)[-1])
    teams_server.post(channel_message(teams_server.fake.url, installer, "admin channel"))
    answer = shown(wait_for(teams_server.fake, CHANNEL, before + 2)[-1])
    assert "Digest channel set" in answer and "/invite" not in answer
    channels = rows(teams_server, "select digest_channel from workspaces where platform = 'teams'")
    assert (CHANNEL,) in channels
    assert "program admins" not in say(teams_server, installer, chat, "admin status")


def test_someone_else_is_refused_admin_commands(teams_server):
    user, chat = open_chat(teams_server, "aad-nobody")
    refused = say(teams_server, user, chat, "admin status")
    assert "program admins" in refused and "installed Plume" in refused


def test_a_personal_install_welcomes_and_makes_nobody_admin(teams_server):
    user, chat = open_chat(teams_server, "aad-personal")
    activity = installed(teams_server.fake.url, user, team=False, conversation_id=chat)
    assert teams_server.post(activity).status_code == 200
    assert "join" in shown(wait_for(teams_server.fake, chat, 1)[0])
    assert "program admins" in say(teams_server, user, chat, "admin status")


def test_two_tenants_are_kept_apart(teams_server):
    user, chat = open_chat(teams_server, "aad-tenant-a")
    say(teams_server, user, chat, "join @tenant_a")
    other, other_chat = open_chat(teams_server, "aad-tenant-b", tenant=OTHER_TENANT)
    activity = personal_message(teams_server.fake.url, other_chat, other, "me")
    activity["conversation"]["tenantId"] = OTHER_TENANT
    activity["channelData"] = {"tenant": {"id": OTHER_TENANT}}
    teams_server.post(activity)
    assert "haven't joined" in shown(wait_for(teams_server.fake, other_chat, 1)[0])
    tenants = rows(teams_server, "select external_id from workspaces where platform = 'teams' order by id")
    assert (OTHER_TENANT,) in tenants and len(set(tenants)) == len(tenants)


def test_forget_asks_then_the_button_deletes_and_updates_the_card(teams_server):
    user, chat = open_chat(teams_server, "aad-forget")
    say(teams_server, user, chat, "join @forget_x")
    assert "Confirm" in say(teams_server, user, chat, "forget")
    assert "Action.Execute" in str(teams_server.fake.activities(chat)[-1])
    response = teams_server.post(button(teams_server.fake.url, chat, user, ActionId.FORGET_CONFIRM))
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "deleted your data" in str(body["value"])
    assert count_of(teams_server, "aad-forget") == 0


def test_a_stale_or_unknown_button_is_a_friendly_card(teams_server):
    user, chat = open_chat(teams_server, "aad-stale")
    response = teams_server.post(button(teams_server.fake.url, chat, user, "no_such_button"))
    assert response.status_code == 200 and "no longer in use" in str(response.json()["value"])


@pytest.mark.parametrize(
    "token_options",
    [
        {"key": "other"},
        {"exp_in": -600},
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        {"service_url": "https://evil.example/teams"},
    ],
    ids=["wrong-key", "expired", "wrong-audience", "wrong-issuer", "wrong-serviceurl"],
)
def test_a_bad_token_is_401_and_changes_nothing(teams_server, token_options):
    user, chat = open_chat(teams_server, "aad-intruder")
    if token_options.get("key") == "other":
        token_options = {"key": new_key()}
    token = teams_server.fake.activity_token(**token_options)
    calls = len(teams_server.fake.calls)
    activity = personal_message(teams_server.fake.url, chat, user, "join @intruder")
    assert teams_server.post(activity, token=token).status_code == 401
    assert teams_server.post(activity, token="").status_code == 401
    time.sleep(0.3)
    assert count_of(teams_server, "aad-intruder") == 0
    assert len(teams_server.fake.calls) == calls


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"not json", 400), (b"[1, 2]", 400), (b"{}", 400), (b'{"type": "message"}', 400)],
)
def test_unreadable_bodies_are_refused_without_a_500(teams_server, body, status):
    assert teams_server.post(body).status_code == status


def test_an_oversized_body_is_413(teams_server):
    assert teams_server.post(b"{" + b" " * 2_000_000 + b"}").status_code == 413


HOSTILE = [
    "",
    "   ",
    "<at>Nobody</at>",
    "join",
    "join @",
    "join @" + "x" * 500,
    "me 2026-W99",
    "hours 25:00-99:00 Mars/Olympus",
    "admin invite <at>Ghost</at>",
    "<script>alert(1)</script>",
    "**bold** [x](http://evil.example)",
    "\u202eevil\u202c \x00 \ufeff",
    "nudges snooze -1",
    "topics add " + "#t " * 300,
    "&lt;&amp;&gt; &#0; &#x110000;",
]


def test_hostile_texts_are_all_answered_kindly(teams_server):
    user, chat = open_chat(teams_server, "aad-hostile")
    for text in HOSTILE:
        response = teams_server.post(personal_message(teams_server.fake.url, chat, user, text))
        assert response.status_code == 200, text
    answers = [shown(a) for a in wait_for(teams_server.fake, chat, len(HOSTILE))]
    assert len(answers) == len(HOSTILE)
    assert not any("Traceback" in a or "Something went wrong" in a for a in answers)
    assert all("http://evil.example" not in a or "[x]" in a for a in answers)


def test_health_answers(teams_server):
    import requests

    assert requests.get(f"{teams_server.base}/healthz", timeout=5).json() == {"ok": True, "database": "ok"}


def test_removing_plume_from_the_last_team_schedules_the_tenants_purge(teams_server):
    tenant = "33333333-3333-3333-3333-333333333333"
    admin, _chat = open_chat(teams_server, "aad-leaving-admin", tenant=tenant)
    channel = "19:leaving0123456789abcdef01234567@thread.tacv2"
    teams_server.fake.add_channel(channel, tenant=tenant)
    where = {"tenant": tenant, "channel": channel}
    for action in ("add", "remove"):
        activity = installed(teams_server.fake.url, admin, team=True, action=action, **where)
        assert teams_server.post(activity).status_code == 200
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not purge_after(teams_server, tenant):
        time.sleep(0.05)
    assert purge_after(teams_server, tenant)


def purge_after(server, tenant: str) -> str | None:
    [(settings,)] = rows(server, "select settings from workspaces where external_id = ?", tenant) or [("{}",)]
    return json.loads(settings or "{}").get("purge_after")


def test_an_archive_sent_in_the_one_to_one_is_imported_for_the_persons_own_account(teams_server):
    user, chat = open_chat(teams_server, "aad-archive")
    say(teams_server, user, chat, "join @ana")
    before = len(teams_server.fake.activities(chat))
    theirs = teams_server.fake.add_file("twitter-2026.zip", archive_zip(range(1, 4), owner=(42, "ana")))
    message = personal_message(teams_server.fake.url, chat, user, "", attachments=[theirs])
    assert teams_server.post(message).status_code == 200
    [progress] = wait_for(teams_server.fake, chat, before + 1)[before:]
    outcome = eventually(lambda: shown(teams_server.fake.activities(chat)[before]), "Imported")
    assert "Imported 3 posts for @ana" in outcome
    assert progress["id"] == teams_server.fake.activities(chat)[before]["id"]  # updated in place
    downloads = teams_server.fake.calls_to("GET", "/files/")
    assert downloads and all(call.token is None for call in downloads)  # never the bot's token

    someone_elses = teams_server.fake.add_file("other.zip", archive_zip(range(10, 12), owner=(7, "boss")))
    teams_server.post(personal_message(teams_server.fake.url, chat, user, "", attachments=[someone_elses]))
    wait_for(teams_server.fake, chat, before + 2)
    refused = eventually(lambda: shown(teams_server.fake.activities(chat)[-1]), "another X account")
    assert "another X account" in refused
    assert rows(teams_server, "select count(*) from posts")[0][0] == 3  # nothing of theirs stored


EVERY_COMMAND = [
    ("join @every_x", "@every_x"),
    ("me", "Your week"),
    ("me 2026-W46", "2026-W46"),
    ("hours 08:30-17:00 mon-fri Europe/Berlin", "08:30"),
    ("nudges off", "off"),
    ("nudges on", "on"),
    ("nudges log", "udge"),
    ("nudges snooze 2w", "snooze"),
    ("topics add b2b, ai", "b2b"),
    ("topics remove ai", "Your topics: b2b"),
    ("topics list", "b2b"),
    ("highlights off", "ighlight"),
    ("highlights on", "ighlight"),
    ("recap off", "ecap"),
    ("recap on", "ecap"),
    ("leave", "Confirm"),
    ("help", "join"),
    ("export", "Your Plume data"),  # last: it is answered twice (the link, then where it went)
]


def test_every_person_command_is_answered_in_teams_words(teams_server):
    user, chat = open_chat(teams_server, "aad-every")
    for text, words in EVERY_COMMAND:
        answer = say(teams_server, user, chat, text)
        assert words in answer, (text, answer)
        assert "/plume" not in answer and "Something went wrong" not in answer, (text, answer)


def test_the_export_link_downloads_the_persons_csv_once_it_is_theirs(teams_server):
    user, chat = open_chat(teams_server, "aad-export")
    say(teams_server, user, chat, "join @export_x")
    before = len(teams_server.fake.activities(chat))
    say(teams_server, user, chat, "export")
    link = wait_for(teams_server.fake, chat, before + 2)[before:]  # the link, and the reply saying so
    [url] = [u for a in link for u in urls_in(a) if "/exports/" in u]
    got = requests.get(url, timeout=10)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "export_x" in got.text and "attachment" in got.headers["content-disposition"]
    forged = url.replace("/exports/", "/exports/A")
    assert requests.get(forged, timeout=10).status_code == 404


def test_an_installer_invites_someone_by_mentioning_them(teams_server):
    installer, chat = open_chat(teams_server, "aad-inviter", "Ines Installer")
    teams_server.fake.add_channel(CHANNEL)
    teams_server.post(installed(teams_server.fake.url, installer, team=True))
    guest, guest_chat = open_chat(teams_server, "aad-guest", "Gus Guest")
    gus = {"id": "29:aad-guest", "aadObjectId": "aad-guest", "name": "Gus Guest"}
    mention = {"type": "mention", "text": "<at>Gus Guest</at>", "mentioned": gus}
    typed = "admin invite <at>Gus Guest</at> @gus_x"
    answer = say(teams_server, installer, chat, typed, entities=[mention])
    assert "program admins" not in answer
    [invitation] = wait_for(teams_server.fake, guest_chat, 1)
    assert "@gus_x" in shown(invitation) and "Action.Execute" in str(invitation)
    accept = button(teams_server.fake.url, guest_chat, guest, ActionId.INVITE_ACCEPT, "gus_x")
    accepted = teams_server.post(accept)
    assert accepted.status_code == 200 and "gus_x" in str(accepted.json()["value"])
    assert count_of(teams_server, "aad-guest") == 1


def urls_in(activity: dict) -> list[str]:
    """Every URL an activity's cards carry (buttons, selections)."""
    return [s for s in strings_of(activity) if s.startswith("http")]
