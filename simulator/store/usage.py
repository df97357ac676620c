"""Cost accounting: tokens in and out of every model call, per role, with the estimated cost.

The session records one `CallRecord` per model call of a turn (customer, fact check, each
judge call, feedback) with `record_calls`. The cost is computed when the call is recorded,
from the price table of that moment (`simulator.prices`), and only for models the table
names; embedded and scripted models have none. Totals say whether any count was estimated
(`counted_by` other than "server") and whether every call had a price.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlite_utils import Database

from simulator.store.database import insert_rows, now, write_transaction

if TYPE_CHECKING:
    from simulator.llm.base import Completion
    from simulator.prices import PriceTable

#: Roles in the order tables and exports show them; others follow alphabetically.
ROLE_ORDER = ("customer", "fact_check", "judge", "feedback", "coach", "draft")
SERVER = "server"


class CallRecord(BaseModel):
    """One model call, as the session reports it."""

    model_config = ConfigDict(extra="forbid")

    role: str
    model: str  # the spec: openai:gpt-4o-mini, embedded:default, scripted, ...
    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)
    counted_by: str = SERVER  # "server", or how the counts were estimated
    seconds: float | None = None
    first_token_ms: float | None = None
    cached_tokens: int | None = Field(default=None, ge=0)

    @classmethod
    def of(cls, role: str, completion: Completion) -> CallRecord:
        """The record of one `simulator.llm.base.Completion`."""
        usage = completion.usage
        first = completion.first_token_seconds
        return cls(
            role=role, model=completion.model, prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens, counted_by=usage.counted_by,
            seconds=completion.seconds, first_token_ms=None if first is None else first * 1000,
            cached_tokens=getattr(usage, "cached_tokens", None),
        )


class TokenTotals(BaseModel):
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    #: Sum over the priced calls; None when no call had a price.
    cost_usd: float | None = None
    priced_calls: int = 0
    #: Some counts were estimated locally, not reported by the model server.
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def cost_complete(self) -> bool:
        """Every call had a price (so `cost_usd` covers them all)."""
        return self.calls > 0 and self.priced_calls == self.calls

    def plus(self, other: TokenTotals) -> TokenTotals:
        costs = [c for c in (self.cost_usd, other.cost_usd) if c is not None]
        return TokenTotals(
            calls=self.calls + other.calls, prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens, cost_usd=sum(costs) if costs else None,
            priced_calls=self.priced_calls + other.priced_calls, estimated=self.estimated or other.estimated,
        )


class SessionUsage(TokenTotals):
    """A session's totals, and the same per role (customer, judge, ...)."""

    by_role: dict[str, TokenTotals] = Field(default_factory=dict)


def sorted_roles(roles: Iterable[str]) -> list[str]:
    known = [r for r in ROLE_ORDER if r in set(roles)]
    return known + sorted(set(roles) - set(ROLE_ORDER))


# -- writing ------------------------------------------------------------------------


def _row(call: CallRecord, session_id: str | None, turn_id: int | None, prices: PriceTable) -> dict[str, Any]:
    cost = prices.cost(call.model, call.prompt_tokens, call.completion_tokens, call.cached_tokens or 0)
    return {"session_id": session_id, "turn_id": turn_id, **call.model_dump(), "cost_usd": cost,
            "created_at": now()}


def record_calls(db: Database, session_id: str | None, turn_id: int | None, calls: Iterable[CallRecord],
                 prices: PriceTable | None = None) -> int:
    """Store the calls of one turn in one transaction; returns how many. `prices`: the
    table to cost them with (default: the configured one, see `simulator.prices`)."""
    if prices is None:
        from simulator.prices import configured_prices

        prices = configured_prices()
    rows = [_row(call, session_id, turn_id, prices) for call in calls]
    if not rows:
        return 0
    if db.conn.in_transaction:  # part of the caller's transaction
        insert_rows(db, "llm_calls", rows)
    else:
        with write_transaction(db):
            insert_rows(db, "llm_calls", rows)
    return len(rows)


def record_call(db: Database, *, session_id: str | None, turn_id: int | None = None,
                prices: PriceTable | None = None, **call: Any) -> None:
    """One call: the fields of `CallRecord` as keywords."""
    record_calls(db, session_id, turn_id, [CallRecord(**call)], prices)


# -- reading ------------------------------------------------------------------------

_SUMS = """
    select session_id, role, count(*) as calls,
           coalesce(sum(prompt_tokens), 0) as prompt_tokens,
           coalesce(sum(completion_tokens), 0) as completion_tokens,
           coalesce(sum(cached_tokens), 0) as cached_tokens,
           sum(cost_usd) as cost_usd, count(cost_usd) as priced_calls,
           max(coalesce(counted_by, '') != 'server') as estimated
    from llm_calls where session_id in (select value from json_each(:ids))
    group by session_id, role
"""


def totals_for_sessions(db: Database, session_ids: Iterable[str]) -> dict[str, SessionUsage]:
    """session id -> its totals; sessions without recorded calls are left out."""
    found: dict[str, SessionUsage] = {}
    for row in db.query(_SUMS, {"ids": json.dumps(list(session_ids))}):
        sid, role = row.pop("session_id"), row.pop("role")
        part = TokenTotals(**{**row, "estimated": bool(row["estimated"])})
        usage = found.get(sid) or SessionUsage()
        found[sid] = SessionUsage(**usage.plus(part).model_dump(), by_role={**usage.by_role, role: part})
    return {sid: u.model_copy(update={"by_role": {r: u.by_role[r] for r in sorted_roles(u.by_role)}})
            for sid, u in found.items()}


def session_totals(db: Database, session_id: str) -> SessionUsage:
    """The session's totals (all zero, no cost, when no call was recorded)."""
    return totals_for_sessions(db, [session_id]).get(session_id) or SessionUsage()
