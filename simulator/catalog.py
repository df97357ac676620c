"""The content a deployment uses: the seed files plus the versions stored in the database.

The newest version of each id wins (a trainer's saved version over the seed file it was
made from); archived ids leave the pickers but stay readable. A session reads its
scenario and rubric by the content hash it stored, so editing a scenario never changes
how an old session is shown or what its scores meant.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from simulator.content.library import Library, UnknownContent
from simulator.content.schema import Rubric, Scenario
from simulator.hashing import content_hash
from simulator.store import content as versions
from simulator.store.repository import Store


class ContentRejected(ValueError):
    """A scenario or rubric that cannot be saved as it is; the message says why."""


@dataclass
class Catalog:
    seeds: Library
    store: Store
    _cache: tuple[Any, Library] | None = field(default=None, repr=False)
    #: Stored versions by (kind, id, hash): a version never changes once stored, so a
    #: session's content is read and validated once per process, not on every page poll.
    _versions: dict[tuple[str, str, str], BaseModel] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- the current library --------------------------------------------------------

    def library(self) -> Library:
        """Seeds overlaid with the newest stored versions (cached until content changes)."""
        key = versions.generation(self.store.db)
        with self._lock:
            if self._cache is None or self._cache[0] != key:
                self._cache = (key, self._merge())
            return self._cache[1]

    def _merge(self) -> Library:
        db = self.store.db
        rubrics = dict(self.seeds.rubrics)
        for content_id, row in versions.latest(db, "rubric").items():
            if content_id not in rubrics or row["version"] >= rubrics[content_id].version:
                rubrics[content_id] = versions.load(row)
        scenarios = dict(self.seeds.scenarios)
        for content_id, row in versions.latest(db, "scenario").items():
            if content_id not in scenarios or row["version"] >= scenarios[content_id].version:
                scenarios[content_id] = versions.load(row)
        # A stored scenario whose rubric is gone cannot be played; it stays in history.
        scenarios = {i: s for i, s in scenarios.items() if s.rubric in rubrics}
        return Library(scenarios=scenarios, rubrics=rubrics, sources=self.seeds.sources)

    def active_scenarios(self) -> list[Scenario]:
        hidden = versions.archived_ids(self.store.db, "scenario")
        return [s for i, s in self.library().scenarios.items() if i not in hidden]

    def is_archived(self, kind: str, content_id: str) -> bool:
        return content_id in versions.archived_ids(self.store.db, kind)

    # -- what a session used ----------------------------------------------------------

    def remember(self, *items: BaseModel) -> None:
        """Store the exact content a session starts with (no-op if stored already)."""
        for item in items:
            versions.snapshot(self.store.db, _kind(item), item)

    def remember_draft(self, scenario: Scenario) -> None:
        """Store a draft that is being tried out, so its trial session can be read later."""
        versions.snapshot(self.store.db, "scenario", scenario, origin="draft")

    def scenario_at(self, scenario_id: str, digest: str | None) -> Scenario:
        return self._at("scenario", scenario_id, digest)

    def rubric_at(self, rubric_id: str, digest: str | None) -> Rubric:
        return self._at("rubric", rubric_id, digest)

    def _at(self, kind: str, content_id: str, digest: str | None):
        if digest:
            key = (kind, content_id, digest)
            if key in self._versions:
                return self._versions[key]
            row = versions.find(self.store.db, kind, content_id, digest)
            if row is not None:
                item = self._versions[key] = versions.load(row)
                return item
        # Sessions from before versions were stored: the current content is all there is.
        library = self.library()
        return library.scenario(content_id) if kind == "scenario" else library.rubric(content_id)

    # -- saving -----------------------------------------------------------------------

    def save(self, item: BaseModel, yaml_text: str | None, author: str, note: str = "",
             origin: str = "studio") -> BaseModel:
        """Store `item` as the next version of its id; return it with that version."""
        kind = _kind(item)
        self._check_references(item)
        current = self._current(kind, item.id)
        if current is not None and content_hash(current.model_copy(update={"version": item.version})) == content_hash(item):
            raise ContentRejected(f"Nothing changed: this is {kind} '{item.id}' version {current.version} as it is.")
        floor = self.seeds.scenarios.get(item.id) if kind == "scenario" else self.seeds.rubrics.get(item.id)
        return versions.save_new_version(self.store.db, kind, item, yaml_text, origin, author, note,
                                         floor=floor.version if floor else 0)

    def _check_references(self, item: BaseModel) -> None:
        if isinstance(item, Scenario):
            rubrics = self.library().rubrics
            if item.rubric not in rubrics:
                known = ", ".join(sorted(rubrics)) or "none"
                raise ContentRejected(f"rubric: no rubric with id '{item.rubric}' (known rubrics: {known})")
            if item.language not in rubrics[item.rubric].grades:
                raise ContentRejected(f"language: rubric '{item.rubric}' grades only "
                                      f"{', '.join(rubrics[item.rubric].grades)}, not '{item.language}'")

    def _current(self, kind: str, content_id: str) -> BaseModel | None:
        library = self.library()
        pool = library.scenarios if kind == "scenario" else library.rubrics
        return pool.get(content_id)

    def history(self, kind: str, content_id: str) -> list[dict[str, Any]]:
        """Every version of one id, oldest first: the seed file's (if not stored) and
        the stored ones, each with its content loaded under "item"."""
        rows = [dict(r, item=versions.load(r)) for r in versions.versions(self.store.db, kind, content_id)]
        seed = (self.seeds.scenarios if kind == "scenario" else self.seeds.rubrics).get(content_id)
        if seed is not None and not any(r["content_hash"] == content_hash(seed) for r in rows):
            rows.insert(0, {"version": seed.version, "origin": "seed file", "author": "", "note": "",
                            "created_at": None, "content_hash": content_hash(seed), "item": seed})
        return sorted(rows, key=lambda r: (r["version"], r.get("id") or 0))

    def archive(self, kind: str, content_id: str, archived: bool = True) -> None:
        if content_id not in (self.library().scenarios if kind == "scenario" else self.library().rubrics):
            raise UnknownContent(kind, content_id, sorted(self.library().scenarios))
        versions.set_archived(self.store.db, kind, content_id, archived)


def _kind(item: BaseModel) -> str:
    if isinstance(item, Scenario):
        return "scenario"
    if isinstance(item, Rubric):
        return "rubric"
    raise TypeError(f"not a scenario or rubric: {type(item).__name__}")
