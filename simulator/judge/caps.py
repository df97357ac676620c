"""Levels held down in code for a reply that is mostly stock service phrases, with the
reason in the page's language (judge/stock.py finds the phrases)."""

from __future__ import annotations

from simulator.content.schema import Criterion, Rubric
from simulator.judge.stock import StockFinding
from simulator.judge.verdict import CriterionVerdict


def cap_stock(rubric: Rubric, criteria: dict[str, CriterionVerdict], stock: StockFinding,
              language: str) -> dict[str, CriterionVerdict]:
    """Levels lowered for stock phrases (judge/stock.py), with the reason in the rationale:
    a reply that is mostly stock stays at a criterion's `stock_cap`; one that leans on a
    stock sentence or two at its `stock_sentence_cap`, by default one level above (the
    rubrics' own wording: "mostly natural, but leans on stock phrases" is the level below
    the top)."""
    if not stock.sentences:
        return criteria
    capped = dict(criteria)
    for criterion in rubric.criteria:
        verdict = criteria.get(criterion.id)
        cap = stock_ceiling(criterion, stock)
        if cap is None or verdict is None:
            continue
        if verdict.level is None:
            if cap != 0:
                continue  # the model's failure is no level; only a cap of 0 leaves one level
            verdict = verdict.model_copy(update={"level": 0, "status": "scored", "reason": None, "method": "code",
                                                 "confidence": 1.0})
        if verdict.level <= cap and not stock.mostly:
            continue
        # A mostly stock reply was read without its stock sentences (own_sentences): its
        # rationale says so even where that left the level at or below the cap.
        notes = STOCK_NOTE if stock.mostly else STOCK_SOME_NOTE
        note = notes.get(language, notes["en"]).format(share=f"{stock.share:.0%}", cap=cap)
        update = {"rationale": note, "evidence": stock.sentences[:2]}
        if verdict.level > cap:
            update |= {"level": cap, "method": "code", "confidence": 1.0}  # decided in code
        capped[criterion.id] = verdict.model_copy(update=update)
    return capped


def stock_ceiling(criterion: Criterion, stock: StockFinding) -> int | None:
    """The highest level the criterion allows a reply with these stock sentences: its
    `stock_cap` for a reply that is mostly stock; for one that leans on a stock sentence,
    its `stock_sentence_cap`, or one above `stock_cap` without it; None: no cap applies."""
    if not stock.sentences or (criterion.stock_cap is None and criterion.stock_sentence_cap is None):
        return None
    if criterion.stock_sentence_cap is None:
        return criterion.stock_cap if stock.mostly else criterion.stock_cap + 1
    if stock.mostly and criterion.stock_cap is not None:
        return min(criterion.stock_cap, criterion.stock_sentence_cap)
    return criterion.stock_sentence_cap  # a mostly stock reply holds stock sentences too


STOCK_NOTE = {
    "en": "{share} of the reply is stock service phrases: they earn nothing, and this criterion stays at "
          "{cap} or below (checked in code). Say it in your own words, about this customer.",
    "de": "{share} der Antwort sind Standardfloskeln: sie zählen nicht, und dieses Kriterium bleibt bei "
          "höchstens {cap} (im Code geprüft). Sagen Sie es mit eigenen Worten, zu diesem Kunden.",
}
STOCK_SOME_NOTE = {
    "en": "The reply leans on a stock service phrase, so this criterion stays at {cap} "
          "(checked in code): replace it with your own words.",
    "de": "Die Antwort stützt sich auf eine Standardfloskel, daher bleibt dieses Kriterium bei {cap} "
          "(im Code geprüft): Ersetzen Sie sie durch eigene Worte.",
}
