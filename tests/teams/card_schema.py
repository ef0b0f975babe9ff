"""The vendored Adaptive Cards 1.5 schema (see schema/README.md) as a validator for rendered cards."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator

SCHEMA = Path(__file__).parent / "schema" / "adaptive-card-1.5.json"


@lru_cache(maxsize=1)
def validator() -> Draft6Validator:
    """A draft-06 validator (the schema's own `$schema`), checked once for being a valid schema."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-06/schema#"
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def schema_errors(card: dict[str, Any]) -> list[str]:
    """Every way the card breaks the schema, as `path: message` lines (empty when it is valid)."""
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator().iter_errors(card)
    ]
