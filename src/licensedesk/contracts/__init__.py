"""The data contracts licensedesk accepts and produces, as shipped JSON Schemas.

The schemas are copies of ``../shared/contracts/`` kept inside the package so an installed licensedesk
works without the source tree; a test asserts the copies equal the shared originals.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

PROFILE_SCHEMA = "company-profile.schema.json"
CHECK_RESULT_SCHEMA = "check-result.schema.json"
WEBHOOK_EVENT_SCHEMA = "webhook-event.schema.json"


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def _paths(schema: dict[str, Any], prefix: str) -> set[str]:
    found: set[str] = set()
    for key, sub in schema.get("properties", {}).items():
        path = f"{prefix}{key}"
        found.add(path)
        if sub.get("type") == "object":
            found |= _paths(sub, path + ".")
    return found


@cache
def profile_paths() -> frozenset[str]:
    """Every dotted path to a field of the company profile (objects inside arrays excluded)."""
    return frozenset(_paths(load_schema(PROFILE_SCHEMA), ""))
