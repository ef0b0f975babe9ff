"""SQLAlchemy 2 typed mappings: workspaces, ambassadors, X accounts, posts, snapshots and delivery logs.

Posts belong to an X account, not to an ambassador, so an account tracked by two workspaces is read
once (every read is billed) and its X id stays unique. Ambassadors are workspace-scoped people with
their own schedule and consent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which stores naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UTC_DT = UtcDateTime()


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names (Alembic needs them on SQLite)."""

    metadata = MetaData(naming_convention=NAMING)


class Workspace(Base):
    """A chat team (Slack workspace, later a Teams tenant), or `cli/local` for operator-tracked people."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_workspaces_platform_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    digest_channel: Mapped[str | None] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What its chat platform needs remembered, under its key, e.g. Teams' service URL and bot id.
    chat_state: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTC_DT)

    ambassadors: Mapped[list[Ambassador]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan", passive_deletes=True
    )


class XAccount(Base):
    """An X account: its stable user id once resolved, its current handle, and the polling cursor."""

    __tablename__ = "x_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    x_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    handle: Mapped[str] = mapped_column(String(64))
    handle_key: Mapped[str] = mapped_column(String(64), unique=True)
    since_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTC_DT)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTC_DT)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTC_DT)
    last_error: Mapped[str | None] = mapped_column(String(300))

    posts: Mapped[list[Post]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    snapshots: Mapped[list[FollowerSnapshot]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class Ambassador(Base):
    """A person who opted in: chat identity, X account, consent record, schedule and nudge preferences."""

    __tablename__ = "ambassadors"
    __table_args__ = (
        UniqueConstraint("workspace_id", "x_account_id", name="uq_ambassadors_workspace_account"),
        Index("ix_ambassadors_workspace_user", "workspace_id", "chat_user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    x_account_id: Mapped[int] = mapped_column(ForeignKey("x_accounts.id", ondelete="CASCADE"), index=True)
    chat_user_id: Mapped[str | None] = mapped_column(String(64))
    consent_at: Mapped[datetime] = mapped_column(UTC_DT)
    consent_text: Mapped[str] = mapped_column(Text)
    consent_source: Mapped[str] = mapped_column(String(16))
    # When they proved, by signing in to X, that the account is theirs; None: taken on their word.
    x_verified_at: Mapped[datetime | None] = mapped_column(UTC_DT)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    work_start: Mapped[int] = mapped_column(Integer, default=540)
    work_end: Mapped[int] = mapped_column(Integer, default=1080)
    work_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [0, 1, 2, 3, 4])
    country: Mapped[str | None] = mapped_column(String(8))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    nudges_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    nudges_snoozed_until: Mapped[datetime | None] = mapped_column(UTC_DT)
    nudge_overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    highlights_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    recap_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # What their chat platform needs remembered, under its key, e.g. {"slack": {"home_file_id": "F1"}}
    # (the file showing their Home chart, so the next one, or leaving, deletes it from the platform).
    chat_state: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTC_DT)

    workspace: Mapped[Workspace] = relationship(back_populates="ambassadors")
    x_account: Mapped[XAccount] = relationship()

    @property
    def home_file_id(self) -> str | None:
        """The chat file showing their Home chart, on their workspace's platform."""
        return (self.chat_state or {}).get(self.workspace.platform, {}).get("home_file_id")


class Post(Base):
    """One public post. The X id is the primary key, so every write is idempotent on it."""

    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_account_created", "x_account_id", "created_at"),)

    x_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    x_account_id: Mapped[int] = mapped_column(ForeignKey("x_accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTC_DT)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str | None] = mapped_column(String(16))
    in_reply_to_id: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    reposts: Mapped[int] = mapped_column(Integer, default=0)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    quotes: Mapped[int] = mapped_column(Integer, default=0)
    metrics_read_at: Mapped[datetime | None] = mapped_column(UTC_DT)
    source: Mapped[str] = mapped_column(String(16))
    refreshed_for: Mapped[str | None] = mapped_column(String(10))


class FollowerSnapshot(Base):
    """Follower, following and post counts of an account at one moment."""

    __tablename__ = "follower_snapshots"
    __table_args__ = (
        UniqueConstraint("x_account_id", "taken_at", name="uq_follower_snapshots_account_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    x_account_id: Mapped[int] = mapped_column(ForeignKey("x_accounts.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(UTC_DT)
    followers: Mapped[int] = mapped_column(Integer)
    following: Mapped[int] = mapped_column(Integer)
    posts_count: Mapped[int] = mapped_column(Integer)


class NudgeLog(Base):
    """A nudge, claimed under (ambassador, rule, window) before it is sent, then marked sent.
    `status`: claimed, sending, sent, failed or unknown (bot.services.delivery.outbox)."""

    __tablename__ = "nudge_log"
    __table_args__ = (
        UniqueConstraint("ambassador_id", "rule", "window_key", name="uq_nudge_log_ambassador_rule_window"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ambassador_id: Mapped[int] = mapped_column(ForeignKey("ambassadors.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    window_key: Mapped[str] = mapped_column(String(64))
    numbers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    message_ref: Mapped[str | None] = mapped_column(String(128))
    feedback: Mapped[str | None] = mapped_column(String(16))
    claimed_at: Mapped[datetime] = mapped_column(UTC_DT)
    sent_at: Mapped[datetime | None] = mapped_column(UTC_DT)


class DigestLog(Base):
    """A weekly digest, claimed under (workspace, channel, week) before it is posted, then marked sent.
    `status`: claimed, sending, sent, failed or unknown (bot.services.delivery.outbox)."""

    __tablename__ = "digest_log"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel", "week", name="uq_digest_log_workspace_channel_week"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    week: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    message_ref: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime] = mapped_column(UTC_DT)
    sent_at: Mapped[datetime | None] = mapped_column(UTC_DT)


class XUsage(Base):
    """One billable item read from X on one UTC day; X bills the same item once per day, and so do we."""

    __tablename__ = "x_usage"
    __table_args__ = (UniqueConstraint("day", "kind", "item_id", name="uq_x_usage_day_kind_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[int] = mapped_column(BigInteger)


class ServiceState(Base):
    """Small process-wide facts that must survive restarts (e.g. "out of X credits since …")."""

    __tablename__ = "service_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTC_DT)


class ProcessedEvent(Base):
    """Chat events already handled, so platform retries (Slack's X-Slack-Retry-Num) run nothing twice."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTC_DT)


class ChatConversation(Base):
    """A person's private conversation with the bot, where the platform needs one created before a
    proactive message can go to them (Teams' 1:1 chats; Slack posts to a user id)."""

    __tablename__ = "chat_conversations"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(512))
    updated_at: Mapped[datetime] = mapped_column(UTC_DT)


class XSignIn(Base):
    """A pending Sign in with X: single-use, bound to one chat person of one workspace and to the
    browser that opened it, expiring after ten minutes. Only a hash of the `state` is kept; the PKCE
    verifier must survive between the two requests, so it lives here (it is worthless without a code)."""

    __tablename__ = "x_signins"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_user_id: Mapped[str] = mapped_column(String(64))
    handle: Mapped[str] = mapped_column(String(64))  # as typed in `join`; the signed-in account wins
    timezone: Mapped[str] = mapped_column(String(64))
    consent_text: Mapped[str] = mapped_column(Text)  # the wording shown in chat
    code_verifier: Mapped[str] = mapped_column(String(128))
    browser_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTC_DT)
    expires_at: Mapped[datetime] = mapped_column(UTC_DT)
    used_at: Mapped[datetime | None] = mapped_column(UTC_DT)
