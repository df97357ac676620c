"""Versions of scenarios and rubrics in the database.

Seed files stay the starting library; what trainers save, import or draft is stored here
as numbered versions. A version is never changed or deleted once stored, so a session
can always be read with the content it used (looked up by content hash).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel
from sqlite_utils import Database

from simulator.content.schema import Rubric, Scenario
from simulator.hashing import content_hash
from simulator.store.database import fetch_rows, now, write_transaction

Kind = Literal["scenario", "rubric"]
MODELS: dict[str, type[BaseModel]] = {"scenario": Scenario, "rubric": Rubric}


def snapshot(db: Database, kind: Kind, item: BaseModel, yaml_text: str | None = None,
             origin: str = "seed", author: str = "", note: str = "") -> dict[str, Any]:
    """Store `item` as it is (its own version number) unless this exact content is stored
    already; return its row."""
    digest = content_hash(item)
    existing = find(db, kind, item.id, digest)
    if existing is not None:
        return existing
    row = {
        "kind": kind, "content_id": item.id, "version": item.version, "content_hash": digest,
        "data": item.model_dump_json(), "yaml": yaml_text, "origin": origin, "author": author,
        "note": note, "created_at": now(),
    }
    try:
        db["content_versions"].insert(row)
    except Exception:  # a concurrent snapshot of the same content won the unique index
        again = find(db, kind, item.id, digest)
        if again is None:
            raise
        return again
    return find(db, kind, item.id, digest)


def save_new_version(db: Database, kind: Kind, item: BaseModel, yaml_text: str | None,
                     origin: str, author: str, note: str = "", floor: int = 0) -> BaseModel:
    """Store `item` as the next version of its id (one above every stored version and
    `floor`, the seed file's version) and return it with that version number."""
    with write_transaction(db):
        latest = max(floor, max((r["version"] for r in versions(db, kind, item.id)), default=0))
        item = item.model_copy(update={"version": latest + 1})
        digest = content_hash(item)
        db["content_versions"].insert({
            "kind": kind, "content_id": item.id, "version": item.version, "content_hash": digest,
            "data": item.model_dump_json(), "yaml": yaml_text, "origin": origin, "author": author,
            "note": note, "created_at": now(),
        })
    return item


def find(db: Database, kind: Kind, content_id: str, digest: str) -> dict[str, Any] | None:
    found = fetch_rows(db, "select * from content_versions where kind = ? and content_id = ? and content_hash = ? limit 1",
                       [kind, content_id, digest])
    return found[0] if found else None


def versions(db: Database, kind: Kind, content_id: str) -> list[dict[str, Any]]:
    """Every stored version of one id, oldest first."""
    return list(db["content_versions"].rows_where(
        "kind = ? and content_id = ?", [kind, content_id], order_by="version, id"))


# Versions that are part of the library. Drafts are not published; seed snapshots only
# record what a session used (the seed file itself stays the source for its id).
PUBLISHED = ("studio", "import")


def latest(db: Database, kind: Kind) -> dict[str, dict[str, Any]]:
    """The newest published version per id."""
    where = f"kind = ? and origin in ({', '.join('?' for _ in PUBLISHED)})"
    best: dict[str, dict[str, Any]] = {}
    for row in db["content_versions"].rows_where(where, [kind, *PUBLISHED], order_by="version, id"):
        best[row["content_id"]] = row
    return best


def load(row: dict[str, Any]) -> BaseModel:
    return MODELS[row["kind"]].model_validate(json.loads(row["data"]))


def set_archived(db: Database, kind: Kind, content_id: str, archived: bool) -> None:
    db["content_state"].upsert(
        {"kind": kind, "content_id": content_id, "archived": int(archived), "updated_at": now()},
        pk=("kind", "content_id"),
    )


def archived_ids(db: Database, kind: Kind) -> set[str]:
    return {r["content_id"] for r in db["content_state"].rows_where("kind = ? and archived = 1", [kind])}


def generation(db: Database) -> tuple[int, str]:
    """Changes whenever a version is stored or an id is (un)archived: a cheap cache key."""
    newest, state = db.execute("""select (select coalesce(max(id), 0) from content_versions),
                                         (select coalesce(max(updated_at), '') from content_state)""").fetchone()
    return newest, state
