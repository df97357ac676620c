"""What the judge returns: the model's raw answer shapes and the stored verdict."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from simulator.content.schema import Criterion, Rubric

Status = Literal["scored", "unscored"]
#: How a level was decided: read from the model's probabilities, answered in constrained
#: JSON (the fallback where a backend returns no probabilities), or fixed by a rule in code.
Method = Literal["logprobs", "constrained", "code"]
#: Where the written feedback stands: the levels are stored first, the words follow.
FeedbackState = Literal["done", "pending", "failed", "none"]
# Length limits are part of the JSON schema, so constrained decoding cannot ramble: on a
# 2-core CPU every generated token costs about 70 ms.
# Long enough for a complete sentence: at 150 characters answers stopped mid-clause. What
# still reaches the limit is shortened at a sentence end in code (judge/wording.py).
RATIONALE_MAX, TIP_MAX, BETTER_REPLY_MAX = 280, 300, 700
Rationale = Annotated[str, Field(max_length=RATIONALE_MAX)]
QUOTE_MAX = 120
Quote = Annotated[str, Field(max_length=QUOTE_MAX)]
Tip = Annotated[str, Field(max_length=TIP_MAX)]
BetterReply = Annotated[str, Field(max_length=BETTER_REPLY_MAX)]


class CriterionAnswer(BaseModel):
    """One criterion as the model answers it: evidence first, then reasoning, then level,
    so a small model commits to quotes before it picks a number."""

    model_config = ConfigDict(extra="forbid")
    evidence: list[Quote] = Field(default_factory=list, max_length=2)
    rationale: Rationale
    level: int


class FeedbackAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tip: Tip
    better_reply: BetterReply


def criterion_answer_schema(criterion: Criterion, choices: list[str] | None = None) -> dict[str, Any]:
    """CriterionAnswer's JSON schema with the level limited to this criterion's levels and,
    given `choices`, each quote limited to one of them: constrained decoding then cannot
    invent evidence (checks in code still catch a server that ignores the schema)."""
    schema = CriterionAnswer.model_json_schema()
    schema["properties"]["level"] = {"type": "integer", "enum": sorted(criterion.levels)}
    if choices is not None:
        evidence = {"type": "array", "maxItems": 2 if choices else 0}
        if choices:
            evidence["items"] = {"type": "string", "enum": choices}
        schema["properties"]["evidence"] = evidence
    schema["required"] = ["evidence", "rationale", "level"]
    return schema


def joint_answer_model(rubric: Rubric) -> type[BaseModel]:
    """One object with a CriterionAnswer per criterion, plus tip and better reply."""
    fields: dict[str, Any] = {c.id: (CriterionAnswer, ...) for c in rubric.criteria}
    fields["tip"] = (Tip, ...)
    fields["better_reply"] = (BetterReply, ...)
    return create_model("JointAnswer", __config__=ConfigDict(extra="forbid"), **fields)


def joint_answer_schema(rubric: Rubric, choices: dict[str, list[str]] | None = None) -> dict[str, Any]:
    schema = joint_answer_model(rubric).model_json_schema()
    for criterion in rubric.criteria:
        # Inline a per-criterion copy so each level enum matches its own criterion.
        options = None if choices is None else choices[criterion.id]
        schema["properties"][criterion.id] = criterion_answer_schema(criterion, options)
    schema.pop("$defs", None)
    return schema


class CriterionVerdict(BaseModel):
    level: int | None
    max_level: int
    rationale: str = ""
    evidence: list[str] = Field(default_factory=list)
    # Share of samples that agreed with the chosen level (1.0 with one sample).
    confidence: float = 1.0
    status: Status = "scored"
    reason: str | None = None
    method: Method = "constrained"
    # The model's expected level and distribution over the levels (method "logprobs").
    expected: float | None = None
    probs: dict[int, float] | None = None
    # The criterion's signal computed in code (requirements.criterion_signal), as the fit used it.
    signal: float | None = None


class FitSummary(BaseModel):
    """The thresholds fit a verdict was decided with (judge/fit.py), as shown with it."""

    created_at: str
    sources: dict[str, int]
    kappa: dict[str, float | None]  # per criterion, leave-one-out
    n: dict[str, int]


class Verdict(BaseModel):
    """The stored grade of one reply. `unscored` means "no grade", never zero."""

    status: Status
    reason: str | None = None
    score: float | None = None
    criteria: dict[str, CriterionVerdict] = Field(default_factory=dict)
    tip: str = ""
    better_reply: str = ""
    rubric_id: str = ""
    rubric_hash: str = ""
    prompt_hash: str = ""
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    # Computed in code and shown next to the levels, never silently overriding them.
    signals: dict[str, Any] = Field(default_factory=dict)
    # "logprobs", "constrained" or "mixed" (some criteria fell back): how the levels were read.
    method: str = ""
    # The fit the levels were decided with; None: plain rounding (no fit stored).
    fit: FitSummary | None = None
    # The reply's sentences that are stock service phrases (judge/stock.py).
    stock: list[str] = Field(default_factory=list)
    # Their share of the reply's words: at judge/stock.MOSTLY or above the reply is mostly stock.
    stock_share: float = 0.0
    feedback_state: FeedbackState = "done"
    needs_review: bool = False
    review_reasons: list[str] = Field(default_factory=list)

    def grade_line(self, item_id: Any) -> dict[str, Any]:
        """The `empathy-sim grade` output format (kept stable for other tools)."""
        return {
            "id": item_id,
            "status": self.status,
            "reason": self.reason,
            "score": self.score,
            "criteria": {
                cid: {"level": c.level, "rationale": c.rationale, "evidence": c.evidence}
                for cid, c in self.criteria.items()
            },
        }


def weighted_score(rubric: Rubric, criteria: dict[str, CriterionVerdict]) -> float | None:
    """0-100 from the weighted levels; None unless every criterion is scored."""
    total = sum(c.weight for c in rubric.criteria)
    points = 0.0
    for criterion in rubric.criteria:
        verdict = criteria.get(criterion.id)
        if verdict is None or verdict.status != "scored" or verdict.level is None:
            return None
        points += criterion.weight * verdict.level / criterion.max_level
    return round(100 * points / total, 1)
