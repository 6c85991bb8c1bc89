"""``private_metadata`` of the modals: compact JSON, at most 3000 characters."""

from __future__ import annotations

import json

from .limits import MAX_PRIVATE_METADATA


def write_metadata(**fields: object) -> str:
    """Compact JSON of ``fields`` (None values left out); ValueError above 3000 characters."""
    text = json.dumps({k: v for k, v in fields.items() if v is not None}, separators=(",", ":"),
                      ensure_ascii=False)
    if len(text) > MAX_PRIVATE_METADATA:
        raise ValueError(f"private_metadata would have {len(text)} characters (at most {MAX_PRIVATE_METADATA})")
    return text


def read_metadata(private_metadata: str) -> dict:
    """The fields written by :func:`write_metadata` (an empty dict for an empty string)."""
    return json.loads(private_metadata) if private_metadata else {}
