"""The audit log: who did what with the data, and when.

Every HR export adds one entry (who, when, which filter, which format and file, how many
rows). Entries are only ever added, never changed or deleted.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from simulator.store.database import now


def record(db: Database, actor: str, action: str, detail: dict[str, Any], rows: int) -> int:
    """Add one entry; returns its id. `detail` is stored as JSON (dates as ISO text)."""
    actor = " ".join(str(actor or "").split()) or "unknown"
    return db["audit_log"].insert(
        {
            "at": now(),
            "actor": actor,
            "action": action,
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
            "rows": int(rows),
        }
    ).last_pk


def entries(db: Database, action: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Entries oldest first (optionally one action only), `detail` decoded."""
    where, params = ("action = ?", [action]) if action else (None, [])
    found = []
    for row in db["audit_log"].rows_where(where, params, order_by="id", limit=limit):
        found.append({**row, "detail": json.loads(row["detail"]) if row["detail"] else {}})
    return found
