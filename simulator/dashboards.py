"""Dashboard figures over the rows of `simulator.exports` (no database, no Streamlit).

The input is what `exports.reply_rows` and `exports.session_rows` return: one row per
graded reply with its levels of record (`level:<criterion>`) and its score of record
(`score`), and one row per session. Those functions already leave out trials and sessions
the trainee left early, and apply the filter (mode, team, scenario, person, dates).

An unscored reply has `score` None: it is counted (`unscored`, `share_unscored`) and never
averaged as a zero. A criterion without a level of record is treated the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Row = dict[str, Any]
GroupBy = Literal["person", "team", "scenario", "criterion"]
GROUPINGS: tuple[str, ...] = ("person", "team", "scenario", "criterion")
LEVEL = "level:"
NO_TEAM = "(no team)"
#: A slope smaller than this (levels per session) is "flat".
FLAT = 0.05
#: Score bins of 10 points; 100 falls into the last one.
BINS: tuple[tuple[int, int], ...] = tuple((low, low + 9 if low < 90 else 100) for low in range(0, 100, 10))


# -- small helpers ------------------------------------------------------------------


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def criteria(rows: Iterable[Row]) -> list[str]:
    """The criterion ids that occur in the rows, in the order first seen."""
    return list(dict.fromkeys(key[len(LEVEL):] for row in rows for key in row if key.startswith(LEVEL)))


def level(row: Row, criterion: str) -> float | None:
    return row.get(f"{LEVEL}{criterion}")


def _session_key(row: Row) -> tuple[str, str]:
    return (row.get("started_at") or "", row.get("session_id") or "")


def in_time_order(rows: Iterable[Row]) -> list[Row]:
    """Rows by the start of their session, then by turn."""
    return sorted(rows, key=lambda r: (*_session_key(r), r.get("turn") or 0))


def _sessions_in_order(rows: Iterable[Row]) -> list[tuple[str, list[Row]]]:
    """(session id, its rows) oldest session first."""
    found: dict[str, list[Row]] = {}
    for row in in_time_order(rows):
        found.setdefault(row["session_id"], []).append(row)
    return list(found.items())


def without_running_assessments(rows: Iterable[Row], sessions: Iterable[Row]) -> list[Row]:
    """Reply rows without those of assessments that have not ended: an assessment shows
    its scores to the trainee only once it is over (as on History)."""
    running = {s["session_id"] for s in sessions if s.get("mode") == "assessment" and s.get("status") != "finished"}
    return [r for r in rows if r["session_id"] not in running]


def teams_by_person(teams: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """person -> their teams, from `assignments.teams(db)` (team -> members)."""
    found: dict[str, list[str]] = {}
    for team, people in teams.items():
        for person in people:
            found.setdefault(person, []).append(team)
    return {person: sorted(names) for person, names in found.items()}


def _teams_of(row: Row, membership: Mapping[str, list[str]] | None) -> list[str]:
    if membership is not None:
        return membership.get(row["trainee"]) or [NO_TEAM]
    # The rows carry the teams comma-joined; a team name with a comma needs `teams=`.
    return [t.strip() for t in (row.get("teams") or "").split(",") if t.strip()] or [NO_TEAM]


def _groups(row: Row, by: str, membership: Mapping[str, list[str]] | None) -> list[str]:
    if by == "person":
        return [row["trainee"]]
    if by == "team":
        return _teams_of(row, membership)
    if by == "scenario":
        return [row["scenario_id"]]
    raise ValueError(f"unknown grouping {by!r}: one of {', '.join(GROUPINGS)}")


# -- a trainee's progress -----------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One session's mean level of record for one criterion."""

    session: int  # the person's n-th session (1-based), counted over all their sessions shown
    session_id: str
    started_at: str
    scenario_id: str
    mode: str | None
    level: float
    replies: int  # replies with a level for this criterion in the session


@dataclass(frozen=True)
class CriterionProgress:
    criterion: str
    points: list[Point]
    unscored: int  # the person's replies without a level for this criterion
    first: float | None = None
    best: float | None = None
    latest: float | None = None
    change: float | None = None  # latest minus first; None with fewer than two sessions
    slope: float | None = None  # least-squares change per session; None with fewer than two
    trend: Literal["up", "down", "flat"] | None = None  # from the slope


def _slope(ys: list[float]) -> float | None:
    if len(ys) < 2:
        return None
    xs = range(len(ys))
    mx, my = (len(ys) - 1) / 2, sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def progress(rows: Iterable[Row], person: str) -> list[CriterionProgress]:
    """Per criterion: the person's mean level of record per session in time order, and
    first, best, latest, latest-minus-first and the trend (sign of the slope)."""
    mine = [r for r in rows if r["trainee"] == person]
    sessions = _sessions_in_order(mine)
    result = []
    for criterion in criteria(mine):
        points, unscored = [], 0
        for number, (session_id, replies) in enumerate(sessions, start=1):
            levels = [level(r, criterion) for r in replies if f"{LEVEL}{criterion}" in r]
            known = [x for x in levels if x is not None]
            unscored += len(levels) - len(known)
            if known:
                first = replies[0]
                points.append(Point(number, session_id, first.get("started_at") or "", first["scenario_id"],
                                    first.get("mode"), round(sum(known) / len(known), 2), len(known)))
        ys = [p.level for p in points]
        slope = _slope(ys)
        result.append(CriterionProgress(
            criterion=criterion, points=points, unscored=unscored,
            first=ys[0] if ys else None, best=max(ys) if ys else None, latest=ys[-1] if ys else None,
            change=round(ys[-1] - ys[0], 2) if len(ys) > 1 else None,
            slope=_round(slope, 3),
            trend=None if slope is None else "flat" if abs(slope) < FLAT else "up" if slope > 0 else "down",
        ))
    return result


@dataclass(frozen=True)
class Example:
    """A reply that shows a criterion at a level."""

    text: str
    level: float
    session_id: str
    turn: int
    started_at: str
    scenario_id: str


@dataclass(frozen=True)
class CriterionSummary:
    criterion: str
    mean_level: float
    share: float | None  # mean level / the criterion's top level, when known
    replies: int  # replies with a level for this criterion
    examples: list[Example] = field(default_factory=list)


@dataclass(frozen=True)
class StrengthsAndFocus:
    strength: CriterionSummary | None
    focus: list[CriterionSummary]  # the two weakest (weakest first), never the strength


def _examples(rows: list[Row], criterion: str, highest: bool, count: int) -> list[Example]:
    """The best (or worst) level first; among equal levels the most recent reply first;
    the same text only once."""
    by_level: dict[float, list[Row]] = {}
    for row in in_time_order(rows):
        if level(row, criterion) is not None and (row.get("reply") or "").strip():
            by_level.setdefault(level(row, criterion), []).append(row)
    picked: list[Example] = []
    seen: set[str] = set()
    for value in sorted(by_level, reverse=highest):
        for row in reversed(by_level[value]):  # most recent first
            text = row["reply"].strip()
            if text in seen:
                continue
            seen.add(text)
            picked.append(Example(text, value, row["session_id"], row.get("turn") or 0,
                                  row.get("started_at") or "", row["scenario_id"]))
            if len(picked) == count:
                return picked
    return picked


def strengths_and_focus(
    rows: Iterable[Row], person: str, max_levels: Mapping[str, int] | None = None, examples: int = 2
) -> StrengthsAndFocus:
    """The person's strongest criterion and the two to work on (weakest first), each with
    up to `examples` replies that show it: the highest-level replies for the strength,
    the lowest-level ones for the focus. With `max_levels` (criterion -> top level)
    criteria are compared as a share of their top level, and a criterion already at its
    top level is never a focus."""
    mine = [r for r in rows if r["trainee"] == person]
    max_levels = max_levels or {}
    summaries = []
    for criterion in criteria(mine):
        known = [level(r, criterion) for r in mine if level(r, criterion) is not None]
        if not known:
            continue
        mean = sum(known) / len(known)
        top = max_levels.get(criterion)
        summaries.append(CriterionSummary(criterion, round(mean, 2), round(mean / top, 3) if top else None, len(known)))
    if not summaries:
        return StrengthsAndFocus(None, [])

    def rank(s: CriterionSummary) -> float:
        return s.share if s.share is not None else s.mean_level

    ordered = sorted(summaries, key=rank, reverse=True)  # stable: equal ones keep rubric order
    strength = ordered[0]
    weakest = sorted(ordered[1:], key=rank)
    focus = [s for s in weakest if s.share is None or s.share < 1][:2]
    return StrengthsAndFocus(
        strength=_with_examples(strength, mine, True, examples),
        focus=[_with_examples(s, mine, False, examples) for s in focus],
    )


def _with_examples(summary: CriterionSummary, rows: list[Row], highest: bool, count: int) -> CriterionSummary:
    return CriterionSummary(summary.criterion, summary.mean_level, summary.share, summary.replies,
                            _examples(rows, summary.criterion, highest, count))


# -- trainers' and HR figures -------------------------------------------------------


def _stats(replies: list[Row]) -> dict[str, Any]:
    scores = [r["score"] for r in replies if r.get("score") is not None]
    n = len(replies)
    return {
        "replies": n,
        "scored": len(scores),
        "unscored": n - len(scores),
        "mean_score": _round(_mean(scores), 1),
        "share_unscored": _share(n - len(scores), n),
        "share_needs_review": _share(sum(1 for r in replies if r.get("needs_review")), n),
        "share_trainer_reviewed": _share(sum(1 for r in replies if r.get("score_source") == "trainer"), n),
    }


def totals(rows: Iterable[Row]) -> dict[str, Any]:
    """Counts, mean score of record and shares over all the rows (as one `overview` group)."""
    rows = list(rows)
    return {"sessions": len({r["session_id"] for r in rows}), **_stats(rows)}


def overview(
    rows: Iterable[Row],
    sessions: Iterable[Row] | None = None,
    by: GroupBy = "person",
    teams: Mapping[str, Iterable[str]] | None = None,
) -> list[dict[str, Any]]:
    """One row per person, team, scenario or criterion, sorted by its name (criteria in
    rubric order): `group`, `sessions`, `replies`, `scored`, `unscored`, `mean_score`
    (over scored replies only), `share_unscored`, `share_needs_review` and
    `share_trainer_reviewed` (replies whose score of record is a trainer's label).

    By criterion, `mean_level` is the mean level of record and `scored`/`unscored` count
    replies with and without a level for that criterion; `mean_score` is left out.
    `sessions` (session rows) also counts sessions without a graded reply; `teams`
    (`assignments.teams(db)`) gives exact team membership (a person may be in several
    teams and counts in each; people in none are in "(no team)")."""
    rows = list(rows)
    membership = teams_by_person(teams) if teams is not None else None
    if by == "criterion":
        return [_criterion_row(criterion, rows) for criterion in criteria(rows)]
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        for group in _groups(row, by, membership):
            grouped.setdefault(group, []).append(row)
    session_ids: dict[str, set[str]] = {g: {r["session_id"] for r in found} for g, found in grouped.items()}
    for session in sessions or ():
        for group in _groups(session, by, membership):
            session_ids.setdefault(group, set()).add(session["session_id"])
            grouped.setdefault(group, [])
    return [{"group": group, "sessions": len(session_ids[group]), **_stats(grouped[group])}
            for group in sorted(grouped, key=lambda g: (g == NO_TEAM, g.casefold()))]


def _criterion_row(criterion: str, rows: list[Row]) -> dict[str, Any]:
    graded = [r for r in rows if f"{LEVEL}{criterion}" in r]
    levels = [level(r, criterion) for r in graded if level(r, criterion) is not None]
    stats = _stats(graded)
    stats.pop("mean_score")
    return {
        "group": criterion,
        "sessions": len({r["session_id"] for r in graded}),
        **stats,
        "scored": len(levels),
        "unscored": len(graded) - len(levels),
        "share_unscored": _share(len(graded) - len(levels), len(graded)),
        "mean_level": _round(_mean(levels), 2),
    }


def session_scores(rows: Iterable[Row], person: str | None = None) -> list[dict[str, Any]]:
    """Per session (oldest first): its mean score of record over scored replies, or None."""
    result = []
    for session_id, replies in _sessions_in_order(r for r in rows if person is None or r["trainee"] == person):
        first = replies[0]
        scores = [r["score"] for r in replies if r.get("score") is not None]
        result.append({"session_id": session_id, "trainee": first["trainee"], "scenario_id": first["scenario_id"],
                       "started_at": first.get("started_at"), "mode": first.get("mode"),
                       "mean_score": _round(_mean(scores), 1), "scored": len(scores),
                       "unscored": len(replies) - len(scores)})
    return result


def first_vs_latest(
    rows: Iterable[Row], by: Literal["person", "team", "scenario"] = "person",
    teams: Mapping[str, Iterable[str]] | None = None,
) -> list[dict[str, Any]]:
    """Per group: each person's first and latest session with a score (their mean score of
    record), compared. `people` counts everyone in the group with a scored session,
    `compared` those with two or more; `first`, `latest` and `change` are means over the
    compared people (None when nobody has two scored sessions). Sessions without any
    scored reply are left out, never counted as 0."""
    if by not in ("person", "team", "scenario"):
        raise ValueError(f"first-vs-latest groups by person, team or scenario, not {by!r}")
    rows = list(rows)
    membership = teams_by_person(teams) if teams is not None else None
    per: dict[str, dict[str, list[float]]] = {}  # group -> person -> session means in time order
    for session_id, replies in _sessions_in_order(rows):
        scores = [r["score"] for r in replies if r.get("score") is not None]
        if not scores:
            continue
        for group in _groups(replies[0], by, membership):
            per.setdefault(group, {}).setdefault(replies[0]["trainee"], []).append(sum(scores) / len(scores))
    result = []
    for group in sorted(per, key=lambda g: (g == NO_TEAM, g.casefold())):
        people = per[group]
        compared = [means for means in people.values() if len(means) > 1]
        first = _mean(m[0] for m in compared)
        latest = _mean(m[-1] for m in compared)
        result.append({
            "group": group,
            "people": len(people),
            "compared": len(compared),
            "sessions": sum(len(m) for m in people.values()),
            "first": _round(first, 1),
            "latest": _round(latest, 1),
            "change": _round(latest - first, 1) if compared else None,
        })
    return result


def score_distribution(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """Scored replies in ten bins of 10 points ("0–9" … "90–100"); unscored replies are in
    no bin (count them with `totals`)."""
    counts = [0] * len(BINS)
    for row in rows:
        score = row.get("score")
        if score is None:
            continue
        counts[min(int(max(0.0, float(score)) // 10), len(BINS) - 1)] += 1
    return [{"bin": f"{low}–{high}", "low": low, "high": high, "replies": n} for (low, high), n in zip(BINS, counts)]
