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
