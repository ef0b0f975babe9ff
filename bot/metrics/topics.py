"""On-topic matching against declared topics: case- and accent-insensitive, words and hashtags.

A topic `b2b` matches the word `b2b` and the hashtag `#b2b`; a topic `#marketing` matches only the
hashtag; a topic of several words (`machine learning`) matches the phrase. Matching never splits a
word: `b2b` does not match `b2bsales`. Accents are handled in the pattern rather than by normalizing
every post's text, which keeps the pass one regex per distinct topic list.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

_COMBINING = "[\u0300-\u036f]*"


@lru_cache(maxsize=1)
def _accent_variants() -> dict[str, str]:
    """Base letter -> every precomposed Latin letter that decomposes to it (é, è, ê … for e)."""
    variants: dict[str, set[str]] = {}
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[:1].lower()
        if base.isascii() and base.isalpha():
            variants.setdefault(base, set()).update({char.lower(), char.upper()})
    return {base: "".join(sorted(chars)) for base, chars in variants.items()}


def fold(text: str) -> str:
    """Lower-case with accents removed: `Écoute` -> `ecoute`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _letter_pattern(char: str) -> str:
    """A pattern for one folded character matching its accented forms and combining marks."""
    extra = _accent_variants().get(char, "")
    if extra:
        return f"[{re.escape(char)}{re.escape(extra)}]{_COMBINING}"
    return re.escape(char)


def topic_pattern(topic: str) -> str:
    """Regex source for one topic (see the module docstring)."""
    folded = fold(topic.strip())
    hashtag_only = folded.startswith("#")
    words = folded.lstrip("#").split()
    body = r"\s+".join("".join(_letter_pattern(c) for c in word) for word in words)
    prefix = "#" if hashtag_only else "#?"
    return rf"(?<![\w#]){prefix}{body}(?!\w)"


@lru_cache(maxsize=4096)
def topics_regex(topics: tuple[str, ...]) -> re.Pattern[str] | None:
    """One compiled alternation for a topic list, or None when the list is empty."""
    parts = [topic_pattern(t) for t in topics if fold(t).lstrip("#").strip()]
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


def on_topic_flags(frame: pd.DataFrame, people: pd.DataFrame) -> np.ndarray:
    """1.0 / 0.0 per post whether it matches its author's topics; NaN for people with no topics."""
    flags = np.full(len(frame), np.nan)
    key_of_person = people["topics"].map(lambda topics: "\x1f".join(topics))
    key_of_post = frame["ambassador_id"].map(key_of_person)
    for key, idx in key_of_post.groupby(key_of_post, sort=False).groups.items():
        regex = topics_regex(tuple(key.split("\x1f"))) if key else None
        if regex is None:
            continue
        matched = frame.loc[idx, "text"].fillna("").str.contains(regex)
        flags[frame.index.get_indexer(idx)] = matched.to_numpy(dtype=float)
    return flags
