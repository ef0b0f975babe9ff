"""Installations (multi-workspace OAuth) in Plume's database, bot tokens encrypted when a key is set."""

from __future__ import annotations

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine

from bot.config import Settings

PREFIX = "fernet:"


def installation_store(settings: Settings, engine: Engine) -> EncryptedInstallationStore:
    """The store of every workspace's installation, in Plume's database (tables created if missing)."""
    key = settings.PLUME_ENCRYPTION_KEY.get_secret_value() if settings.PLUME_ENCRYPTION_KEY else None
    store = EncryptedInstallationStore(settings.SLACK_CLIENT_ID or "", engine, key)
    store.create_tables()
    return store


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy store, with bot and user tokens encrypted at rest (Fernet)."""

    def __init__(self, client_id: str, engine: Engine, key: str | None) -> None:
        super().__init__(
            client_id=client_id,
            engine=engine,
            bots_table_name="slack_bots",
            installations_table_name="slack_installations",
        )
        self.fernet = Fernet(key.encode()) if key else None

    def _seal(self, token: str | None) -> str | None:
        if not token or self.fernet is None:
            return token
        return PREFIX + self.fernet.encrypt(token.encode()).decode()

    def _open(self, token: str | None) -> str | None:
        if not token or not token.startswith(PREFIX) or self.fernet is None:
            return token
        return self.fernet.decrypt(token[len(PREFIX) :].encode()).decode()

    def save(self, installation: Installation) -> None:
        installation.bot_token = self._seal(installation.bot_token)
        installation.user_token = self._seal(installation.user_token)
        try:
            super().save(installation)
        finally:
            installation.bot_token = self._open(installation.bot_token)
            installation.user_token = self._open(installation.user_token)

    def find_bot(self, **kwargs) -> Bot | None:
        bot = super().find_bot(**kwargs)
        if bot is not None:
            bot.bot_token = self._open(bot.bot_token)
        return bot

    def find_installation(self, **kwargs) -> Installation | None:
        found = super().find_installation(**kwargs)
        if found is not None:
            found.bot_token = self._open(found.bot_token)
            found.user_token = self._open(found.user_token)
        return found
