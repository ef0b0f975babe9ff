"""Settings: typed, secrets masked, one clear message naming the bad variable."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_DATABASE_URL, load_settings
from bot.errors import ConfigError


def test_defaults_need_no_credentials():
    settings = load_settings({})
    assert settings.DATABASE_URL == DEFAULT_DATABASE_URL
    assert DEFAULT_DATABASE_URL.endswith("/var/plume.db")
    assert settings.PORT == 3000 and settings.POLL_INTERVAL == 900 and settings.X_BEARER_TOKEN is None


def test_secrets_are_masked_in_repr_and_str():
    settings = load_settings({"X_BEARER_TOKEN": "AAAA-secret-bearer", "SLACK_BOT_TOKEN": "xoxb-123-secret"})
    assert "secret" not in repr(settings) and "secret" not in str(settings)
    assert settings.X_BEARER_TOKEN.get_secret_value() == "AAAA-secret-bearer"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"X_API_URL": "api.twitter.com"}, "X_API_URL"),
        ({"POLL_INTERVAL": "5"}, "POLL_INTERVAL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"PLUME_JOBS_RECOVER_WITHIN": "0"}, "PLUME_JOBS_RECOVER_WITHIN"),
    ],
)
def test_bad_values_fail_with_the_variable_name(env, name):
    with pytest.raises(ConfigError) as excinfo:
        load_settings(env)
    assert str(excinfo.value).startswith(f"Bad setting {name}:")


def test_bad_value_from_the_process_environment(monkeypatch):
    monkeypatch.setenv("PORT", "-1")
    with pytest.raises(ConfigError, match="PORT"):
        load_settings()


def test_empty_values_mean_default(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "")
    assert load_settings().DATABASE_URL == DEFAULT_DATABASE_URL
    assert load_settings({"PORT": ""}).PORT == 3000


def test_sign_in_with_x_settings():
    settings = load_settings({"X_CLIENT_ID": "cid", "PLUME_PUBLIC_URL": "https://plume.example/"})
    assert settings.x_signin_configured and settings.X_AUTHORIZE_URL == "https://x.com/i/oauth2/authorize"
    assert settings.X_CLIENT_SECRET is None and not load_settings({}).x_signin_configured
    with pytest.raises(ConfigError, match=r"X_CLIENT_ID: .*needs PLUME_PUBLIC_URL"):
        load_settings({"X_CLIENT_ID": "cid"})
    with pytest.raises(ConfigError, match="X_AUTHORIZE_URL"):
        load_settings({"X_AUTHORIZE_URL": "x.com/i/oauth2/authorize"})
    secret = load_settings({"X_CLIENT_SECRET": "s3cret"})
    assert "s3cret" not in repr(secret)


def test_sign_in_states_and_codes_are_masked_in_logs():
    from bot.logs import redact

    line = "GET /x/callback?state=AbC_-12&code=xYz.9 and https://p/x/connect?state=Q1"
    assert redact(line) == "GET /x/callback?state=***&code=*** and https://p/x/connect?state=***"
