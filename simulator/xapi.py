"""xAPI 1.0.3 statements from the export rows, for a learning record store (LRS).

One statement per session (completed when finished, else attempted) and one "responded"
per scored reply, each scored with the score of record; ids are stable, so an LRS never
stores a re-export twice.
"""

from __future__ import annotations

import uuid
from typing import Any

XAPI_VERSION = "1.0.3"
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
VERB_RESPONDED = "http://adlnet.gov/expapi/verbs/responded"
ACTIVITY_SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
ACTIVITY_INTERACTION = "http://adlnet.gov/expapi/activities/interaction"
EXTENSION = "urn:empathy-sim:extension:"
# Statement ids are uuid5 names in this namespace: the same session or reply gets the
# same id in every export, so an LRS does not store a re-export twice.
STATEMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:empathy-sim:xapi-statement")


def statement_id(kind: str, *parts: Any) -> str:
    return str(uuid.uuid5(STATEMENT_NAMESPACE, ":".join([kind, *map(str, parts)])))


def scenario_activity_id(scenario_id: str, version: Any) -> str:
    return f"urn:empathy-sim:scenario:{scenario_id}:v{version}"


def _score(value: float) -> dict[str, float]:
    return {"scaled": round(max(0.0, min(100.0, value)) / 100, 4), "raw": value, "min": 0, "max": 100}


def _language(row: dict[str, Any]) -> str:
    return row.get("language") or "en"


def xapi_statements(
    sessions: list[dict[str, Any]], replies: list[dict[str, Any]], homepage: str = "urn:empathy-sim"
) -> list[dict[str, Any]]:
    """xAPI 1.0.3 statements: one per session (completed when finished, else attempted,
    scaled to the mean score of record) and one "responded" per scored reply. A session
    or reply without a score has no `score` in its result, never 0."""
    statements: list[dict[str, Any]] = []
    by_session = {s["session_id"]: s for s in sessions}
    for session in sessions:
        finished = session["status"] == "finished"
        activity = scenario_activity_id(session["scenario_id"], session["scenario_version"])
        result: dict[str, Any] = {"completion": finished}
        if session["mean_score"] is not None:
            result["score"] = _score(session["mean_score"])
        statements.append({
            "id": statement_id("session", session["session_id"]),
            "version": XAPI_VERSION,
            "actor": _actor(session["trainee"], homepage),
            "verb": _verb(VERB_COMPLETED if finished else VERB_ATTEMPTED),
            "object": {
                "objectType": "Activity",
                "id": activity,
                "definition": {
                    "name": {_language(session): session.get("scenario_title") or session["scenario_id"]},
                    "type": ACTIVITY_SIMULATION,
                },
            },
            "result": result,
            "timestamp": session["ended_at"] or session["started_at"],
            "context": _context(session, session["session_id"]),
        })
    for reply in replies:
        if reply["score"] is None:
            continue  # unscored: no grade to report
        session = by_session.get(reply["session_id"], {})
        activity = scenario_activity_id(reply["scenario_id"], reply["scenario_version"])
        name = session.get("scenario_title") or reply["scenario_id"]
        context = _context({**session, **reply}, reply["session_id"])
        context["contextActivities"] = {"parent": [{"objectType": "Activity", "id": activity}]}
        statements.append({
            "id": statement_id("reply", reply["session_id"], reply["turn"]),
            "version": XAPI_VERSION,
            "actor": _actor(reply["trainee"], homepage),
            "verb": _verb(VERB_RESPONDED),
            "object": {
                "objectType": "Activity",
                "id": f"{activity}:turn:{reply['turn']}",
                "definition": {
                    "name": {_language(session): f"{name}: reply {reply['turn']}"},
                    "type": ACTIVITY_INTERACTION,
                },
            },
            "result": {"score": _score(reply["score"]), "completion": True},
            "timestamp": reply.get("replied_at") or reply["started_at"],
            "context": context,
        })
    return statements


def _actor(trainee: str, homepage: str) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": homepage, "name": trainee}}


def _verb(verb_id: str) -> dict[str, Any]:
    return {"id": verb_id, "display": {"en-US": verb_id.rsplit("/", 1)[1]}}


def _context(row: dict[str, Any], session_id: str) -> dict[str, Any]:
    extensions = {
        f"{EXTENSION}session-id": session_id,
        f"{EXTENSION}mode": row.get("mode"),
        f"{EXTENSION}scenario-hash": row.get("scenario_hash"),
        f"{EXTENSION}rubric-id": row.get("rubric_id"),
        f"{EXTENSION}rubric-hash": row.get("rubric_hash"),
        f"{EXTENSION}customer-model": row.get("customer_model"),
        f"{EXTENSION}judge-model": row.get("judge_model"),
    }
    if "turn" in row:
        extensions[f"{EXTENSION}prompt-hash"] = row.get("prompt_hash")
        extensions[f"{EXTENSION}score-source"] = row.get("score_source")
    return {
        # One registration per session ties its replies to it in the LRS.
        "registration": statement_id("registration", session_id),
        "platform": "empathy-sim",
        "language": _language(row),
        "extensions": {key: value for key, value in extensions.items() if value is not None},
    }
