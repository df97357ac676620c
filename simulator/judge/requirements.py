"""What code reads in a reply for one criterion, without a model: the sentences a level
rests on (a question, words of feeling), the level 0 that follows when there are none, the
signal a calibration fit may weigh in, and the evidence shown for a level read from
probabilities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulator.content.schema import Criterion
from simulator.judge import cues, questions
from simulator.judge.conduct import concrete_step
from simulator.judge.evidence import address_only, distinct_quotes
from simulator.judge.sanitise import MARKER, normalise, split_sentences
from simulator.judge.signals import asking_sentences, feeling_sentences, is_open, reflection
from simulator.judge.stock import StockFinding
from simulator.judge.verdict import CriterionVerdict


@dataclass(frozen=True)
class Requirement:
    """A rubric rule checked in code: levels above 0 rest on sentences of one kind."""

    sentences: Callable[[str], list[str]]
    quote: str  # what the evidence must quote, for the retry message
    absent: str  # the rationale of the level 0 given in code


REQUIREMENTS = {
    "question": Requirement(asking_sentences, "what the reply asks (a question or an invitation to tell more)",
                            "The reply asks the customer nothing (checked in code)."),
    "feeling": Requirement(feeling_sentences, "a sentence that expresses feeling, warmth or concern",
                           "The reply has no word of feeling, warmth or concern (checked in code)."),
    "reaction": Requirement(cues.reacting_sentences, "a sentence that reacts to the customer's feeling",
                            "The reply does not react to the customer's feeling: no compassion, no feeling of "
                            "theirs named (checked in code)."),
}


def decided_in_code(criterion: Criterion, reply: str) -> CriterionVerdict | None:
    """A criterion whose rule leaves only level 0 for this reply, without a model call."""
    required = REQUIREMENTS.get(criterion.requires)
    if required is not None and not required.sentences(reply):
        return CriterionVerdict(level=0, max_level=criterion.max_level, rationale=required.absent)
    return None


def criterion_signal(criterion: Criterion, reply: str, language: str, customer_message: str = "",
                     stock: list[str] | tuple[str, ...] = ()) -> float:
    """The criterion's signal computed in code, 0..1, that a fit may add to the expected
    level (judge/fit.py): "feeling", the share of sentences with words of feeling;
    "question", whether the reply asks an open question; "reflection", how much of the
    customer's situation the reply says back (judge/signals.reflection); "step", whether the
    agent commits to an action or a time (judge/conduct.concrete_step); "reaction",
    "understanding", "exploring": judge/cues.py (`stock`: the reply's stock sentences,
    whose compassion counts as generic)."""
    kind = criterion.signal or criterion.requires
    if kind == "reaction":
        return cues.reaction(reply, stock)
    if kind == "understanding":
        return cues.understanding(reply, customer_message)
    if kind == "exploring":
        return questions.exploring(reply, customer_message, language)
    if kind == "feeling":
        sentences = split_sentences(reply)
        return round(len(feeling_sentences(reply)) / len(sentences), 3) if sentences else 0.0
    if kind == "question":
        return 1.0 if any(is_open(q, language) for q in asking_sentences(reply)) else 0.0
    if kind == "reflection":
        return reflection(reply, customer_message)
    if kind == "step":
        return 1.0 if concrete_step(reply) else 0.0
    return 0.0


def level_bounds(criterion: Criterion, signal: float) -> tuple[int, int]:
    """The levels code allows for the criterion's signal (judge/cues.bounds), whatever the
    thresholds decide."""
    return cues.bounds(criterion.signal or criterion.requires, signal, sorted(criterion.levels))


def evidence_in_code(criterion: Criterion, reply: str, customer_message: str) -> list[str]:
    """The sentences a level read from probabilities rests on: those that carry the
    criterion's signal (what it asks, its words of feeling), else those that share the
    most words with the customer's message (what the reply picked up)."""
    required = REQUIREMENTS.get(criterion.requires)
    if required is not None:
        return usable_evidence(required.sentences(reply))[:2]
    said = {w for w in normalise(customer_message).split() if len(w) > 3}
    ranked = sorted(((len(said & set(normalise(s).split())), i, s) for i, s in enumerate(split_sentences(reply))),
                    key=lambda t: (-t[0], t[1]))
    return usable_evidence([s for shared, _, s in ranked if shared > 0])[:2]


def own_sentences(text: str, stock: StockFinding) -> str:
    """What the model reads of a reply: a reply that is mostly stock is read without its
    stock sentences, so corporate filler ("every request is handled with care") or a
    pasted chatbot answer around a weak reply earns nothing. A stock sentence that reacts
    to the customer ("I'm so sorry, that must have been stressful") is still read, the
    caps keep it low, unless it came with a pasted block. Nothing left: the removal
    marker."""
    if not stock.mostly:
        return text
    reacting = set(cues.reacting_sentences(text))
    left = [s for s in split_sentences(text)
            if s not in stock.sentences or (s in reacting and s not in stock.pasted)]
    return " ".join(left) or MARKER


def usable_evidence(quotes: list[str]) -> list[str]:
    """The quotes worth showing: each once, and never a bare salutation or name ("Dana,")."""
    return [q for q in distinct_quotes(quotes) if not address_only(q)]
