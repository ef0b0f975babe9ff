"""Every job kind a web process enqueues survives the trip through JSON (procrastinate stores a job's
arguments as JSON), and the Slack bot token is never among them."""

from __future__ import annotations

import json

import pytest

from handlers.slack.archive import ArchiveJob
from handlers.slack.offload import CommandJob, job_args, job_of, person_lock
from handlers.teams.offload import TurnJob, turn_args, turn_job_of
from handlers.teams.offload import person_lock as turn_lock
from handlers.teams.turns import turn_of
from tests.teams.activities import channel_message, person, personal_message

TOKEN = "xoxb-secret-token-123"


def through_json(value: dict) -> dict:
    return json.loads(json.dumps(value))


def test_a_slash_command_round_trips_without_its_token():
    job = CommandJob("me 2026-W46", "U100", "T0001", "https://hooks.slack.test/commands/T0001/1/x", TOKEN)
    args = through_json(job_args(job))
    assert TOKEN not in json.dumps(args) and "bot_token" not in args
    assert job_of(args, TOKEN) == job
    assert job_of(args, None) == CommandJob(job.text, job.user_id, job.team_id, job.response_url, None)
    assert person_lock(job) == "slack:T0001:U100"


def test_an_archive_sent_in_a_dm_round_trips_without_its_token():
    job = ArchiveJob("T0001", "U100", "D0001", "F0001", TOKEN)
    args = through_json(job_args(job))
    assert TOKEN not in json.dumps(args)
    assert job_of(args, TOKEN) == job
    assert person_lock(job) == "slack:T0001:U100"


@pytest.mark.parametrize(
    "args",
    [{}, {"kind": "other"}, {"kind": "command", "text": "me"}, {"kind": "archive", "team_id": 1}],
)
def test_a_slack_job_of_another_shape_is_refused_clearly(args):
    with pytest.raises(ValueError, match="Slack job"):
        job_of(args, TOKEN)


def test_a_teams_message_turn_round_trips_with_its_mentions():
    activity = channel_message("https://smba.test/emea", person("aad-1", "Jo"), "admin channel")
    job = TurnJob("handle_message", turn_of(activity))
    assert job.turn.entities and job.turn.team_id  # the fields under test are set
    back = turn_job_of(through_json(turn_args(job)))
    assert back == job
    assert turn_lock(back) == f"teams:{job.turn.tenant_id}:aad-1"


def test_a_teams_turn_with_a_file_and_a_timezone_round_trips():
    attachment = {
        "contentType": "application/vnd.microsoft.teams.file.download.info",
        "name": "twitter-archive.zip",
        "content": {"downloadUrl": "https://files.test/abc", "uniqueId": "u1"},
    }
    activity = personal_message(
        "https://smba.test/emea",
        "a:1on1",
        person("aad-2"),
        "",
        attachments=[attachment],
        localTimezone="Europe/Paris",
    )
    job = TurnJob("handle_message", turn_of(activity))
    assert job.turn.files and job.turn.local_timezone == "Europe/Paris" and job.turn.team_id is None
    assert turn_job_of(through_json(turn_args(job))) == job


@pytest.mark.parametrize(
    "args",
    [{}, {"work": "rm -rf", "turn": {}}, {"work": "handle_message", "turn": {"tenant_id": "t"}}],
)
def test_a_teams_job_of_another_shape_is_refused_clearly(args):
    with pytest.raises(ValueError, match="Teams turn job"):
        turn_job_of(args)
