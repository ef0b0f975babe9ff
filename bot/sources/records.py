"""Neutral post and profile records that every source (archive, CSV, X API) produces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class PostKind(StrEnum):
    """What kind of post this is, as X distinguishes them."""

    ORIGINAL = "original"
    REPLY = "reply"
    RETWEET = "retweet"
    QUOTE = "quote"


@dataclass(frozen=True, slots=True)
class PostRecord:
    """One post as read from a source, before storage. `created_at` is timezone-aware UTC."""

    x_id: int
    created_at: datetime
    kind: PostKind
    text: str
    lang: str | None = None
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    in_reply_to_id: int | None = None
    metrics_read_at: datetime | None = None
