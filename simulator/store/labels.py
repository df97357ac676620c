"""Trainers' own levels for graded replies: the human score of record, and gold data.

A label is one trainer's level for one criterion of one reply. Labels are never updated
in place: a new label is added and the newest one per turn and criterion is the score of
record, so the history of a re-labelled reply stays visible. The judge's levels stay in
`criterion_levels` next to them; `score_of_record.combine_levels` puts both side by side.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from simulator.content.schema import Rubric
from simulator.judge.agreement import Agreement, agreement
from simulator.judge.calibration import GoldItem
from simulator.store.database import now, write_transaction
from simulator.store.records import NEWEST_LABELS, Label, labels_by_turn


class NotLabellable(ValueError):
    """The turn cannot be labelled (unknown, or it holds no trainee reply)."""


# -- writing ----------------------------------------------------------------------


def add_label(
    db: Database, turn_id: int, criterion: str, level: int, labeller: str, note: str | None = None
) -> int:
    """Store one trainer's level for one criterion of a reply; returns the label's id.

    Checking the level against the rubric's levels is the caller's job (the rubric lives
    in the content library, not in the database).
    """
    return add_labels(db, turn_id, {criterion: level}, labeller, note)[0]


def add_labels(
    db: Database, turn_id: int, levels: dict[str, int], labeller: str, note: str | None = None
) -> list[int]:
    """Several criteria of one reply at once, in one transaction (one "Save" in the app)."""
    turn = _labellable_turn(db, turn_id)
    labeller = " ".join(str(labeller or "").split())
    if not labeller:
        raise NotLabellable("A label needs the labeller's name.")
    note = (note or "").strip() or None
    stamp = now()
    with write_transaction(db):
        return [
            db["labels"].insert(
                {
                    "turn_id": turn_id,
                    "verdict_id": turn["verdict_id"],
                    "rubric_id": turn["rubric_id"],
                    "criterion": criterion,
                    "level": int(level),
                    "labeller": labeller,
                    "note": note,
                    "created_at": stamp,
                }
            ).last_pk
            for criterion, level in levels.items()
        ]


def _labellable_turn(db: Database, turn_id: int) -> dict[str, Any]:
    """The turn with the verdict a label refers to (the latest) and the rubric it is for."""
    rows = list(
        db.query(
            """
            select t.id, t.trainee_text, s.rubric_id as session_rubric,
                   v.id as verdict_id, v.rubric_id as verdict_rubric
            from turns t join sessions s on s.id = t.session_id
            left join verdicts v on v.id = (select max(id) from verdicts where turn_id = t.id)
            where t.id = ?
            """,
            [turn_id],
        )
    )
    if not rows:
        raise NotLabellable(f"No turn {turn_id} in the database.")
    row = rows[0]
    if not (row["trainee_text"] or "").strip():
        raise NotLabellable(f"Turn {turn_id} has no trainee reply to label (it is the customer's opening).")
    return {"verdict_id": row["verdict_id"], "rubric_id": row["verdict_rubric"] or row["session_rubric"]}


# -- reading ----------------------------------------------------------------------

def labels_for_turn(db: Database, turn_id: int) -> dict[str, Label]:
    """criterion -> the newest label: the human score of record for that criterion."""
    return labels_by_turn(db, "l.turn_id = ?", [turn_id]).get(turn_id, {})


def review_queue(
    db: Database,
    rubric_id: str | None = None,
    only_flagged: bool = False,
    unlabelled_only: bool = True,
    limit: int = 50,
    people: set[str] | None = None,
) -> list[dict[str, Any]]:
    """Graded replies with their latest verdict, for trainers to label.

    Order: replies the judge flagged for human review first, then unscored ones, then the
    rest; newest first within each group. Each row has the turn, its session's trainee and
    scenario, the latest verdict's id, status, score and flag, and how many criteria carry
    a label.
    """
    where = ["t.trainee_text is not null", "trim(t.trainee_text) != ''"]
    params: dict[str, Any] = {"limit": limit}
    if rubric_id:
        where.append("v.rubric_id = :rubric_id")
        params["rubric_id"] = rubric_id
    if only_flagged:
        where.append("coalesce(v.needs_review, 0) = 1")
    if unlabelled_only:
        where.append("not exists (select 1 from labels l where l.turn_id = t.id and l.rubric_id = v.rubric_id)")
    if people is not None:  # None: everyone (hr, admin); else only these trainees
        where.append("s.trainee in (select value from json_each(:people))")
        params["people"] = json.dumps(sorted(people))
    sql = f"""
        select t.id as turn_id, t.session_id, t.idx, t.trainee_text, t.created_at,
               s.trainee, s.scenario_id,
               v.id as verdict_id, v.rubric_id, v.status, v.score,
               coalesce(v.needs_review, 0) as needs_review,
               (select count(distinct criterion) from labels l
                 where l.turn_id = t.id and l.rubric_id = v.rubric_id) as labelled
        from turns t
        join sessions s on s.id = t.session_id
        join verdicts v on v.id = (select max(id) from verdicts where turn_id = t.id)
        where {" and ".join(where)}
        order by coalesce(v.needs_review, 0) = 1 desc, v.status = 'unscored' desc,
                 t.created_at desc, t.id desc
        limit :limit
    """
    return [dict(row) for row in db.query(sql, params)]


def customer_message_before(db: Database, turn_id: int) -> str:
    """The customer message a reply answered: the previous turn's customer text."""
    rows = list(
        db.query(
            """
            select p.customer_text from turns t
            join turns p on p.session_id = t.session_id and p.idx = t.idx - 1
            where t.id = ?
            """,
            [turn_id],
        )
    )
    return (rows[0]["customer_text"] or "") if rows else ""


def gold_from_labels(db: Database, rubric_id: str) -> list[GoldItem]:
    """Trainers' labels as calibration gold: one item per labelled reply of this rubric.

    context is the customer message the reply answered, reply the trainee's text, labels
    the newest human level per criterion.
    """
    rows = db.query(
        f"""
        select n.turn_id, n.criterion, n.level, t.trainee_text, p.customer_text as context
        from ({NEWEST_LABELS} and l.rubric_id = :rubric_id) n
        join turns t on t.id = n.turn_id
        left join turns p on p.session_id = t.session_id and p.idx = t.idx - 1
        order by n.turn_id, n.criterion
        """,
        {"rubric_id": rubric_id},
    )
    items: dict[int, GoldItem] = {}
    for row in rows:
        item = items.get(row["turn_id"])
        if item is None:
            item = items[row["turn_id"]] = GoldItem(
                id=row["turn_id"], context=row["context"] or "", reply=row["trainee_text"], labels={}
            )
        item.labels[row["criterion"]] = row["level"]
    return list(items.values())


def stored_agreement(db: Database, rubric: Rubric) -> dict[str, Agreement]:
    """Agreement of the stored judge levels with the newest human labels, per criterion.

    No model is called: each label is compared with the level the judge gave in the
    verdict the trainer saw (the latest at labelling time). Labels of replies that were
    never graded have nothing to compare with and are left out; a criterion the judge
    left unscored counts as unscored, never as 0.
    """
    rows = db.query(
        f"""
        select n.criterion, n.level as human, c.level as judge, c.status
        from ({NEWEST_LABELS} and l.rubric_id = :rubric_id) n
        join criterion_levels c on c.verdict_id = coalesce(
            n.verdict_id, (select max(id) from verdicts where turn_id = n.turn_id))
            and c.criterion = n.criterion
        order by n.turn_id
        """,
        {"rubric_id": rubric.id},
    )
    pairs: dict[str, tuple[list[int], list[int | None]]] = {}
    for row in rows:
        human, judge = pairs.setdefault(row["criterion"], ([], []))
        human.append(row["human"])
        judge.append(row["judge"] if row["status"] == "scored" else None)
    result = {}
    for criterion in rubric.criteria:
        if criterion.id not in pairs:
            continue
        levels = sorted(criterion.levels)
        # A level the rubric no longer has (it was edited since) cannot be compared.
        kept = [(h, j) for h, j in zip(*pairs[criterion.id]) if h in levels and (j is None or j in levels)]
        result[criterion.id] = agreement([h for h, _ in kept], [j for _, j in kept], levels)
    return result
