"""Content hashes: the version stamp stored with every verdict and customer message."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel


def content_hash(value: BaseModel | str | dict[str, Any] | list[Any]) -> str:
    """A short, stable SHA-256 of a model, a text or plain data (12 hex digits)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]
