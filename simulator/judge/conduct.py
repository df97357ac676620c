"""What a reply does to the customer, read in code: a threat, a dismissal, a concrete step.

The customer's plan reacts to it before any model call (roleplay/plan.py), and the judge
caps the levels it reads for a reply that threatens or brushes the customer off: a 1.5B
model reads "We will pass this to our collections agency unless you pay by Friday. I
understand this is hard." as half empathic, which no trainer would (judge/grader.py).
The patterns are written from the issues' examples and contact-centre practice in both
languages, never fitted to labelled data.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from simulator.content.schema import Rubric
from simulator.judge.sanitise import split_sentences
from simulator.judge.verdict import CriterionVerdict

# Pressure and consequences: a reminder of a debt with a deadline, a cut-off "as
# announced", collectors and courts. Written from the issue's examples and contact-centre
# practice, not fitted to any data.
THREATS = [
    # "otherwise" alone is no threat ("Otherwise your account is fine"): a consequence follows.
    r"\b(?:otherwise|or else|failing (?:that|which|payment)),? (?:we|the|your|this|it|there)\b"
    r"(?: \w+)? (?:will|'ll|must|may|shall|has to|have to|goes|go)\b",
    r"\bor else\b",
    r"\bif (?:you|the (?:amount|balance|payment)) (?:don'?t|do not|doesn'?t|does not|can'?t|cannot|isn'?t|is not) "
    r"(?:pay|paid|settle|received|arrive)",
    r"\bwe (?:will|'ll|shall|may) (?:have (?:no choice but )?to |be forced to )?(?:cut (?:you )?off|disconnect|"
    r"close your|cancel your|terminate|suspend|pass (?:this|your \w+) (?:on|to)|refer (?:this|you)|take (?:legal )?action)",
    r"\b(?:legal action|debt collect\w*|collection agenc\w*|bailiffs?|court order|final (?:notice|warning|demand))\b",
    r"\bas (?:announced|stated in (?:our|the) letter)\b",
    # A demand, not a question about it ("What did you need to pay for most urgently?",
    # "tell me what you need to pay"): never before a question mark in the same sentence.
    r"(?<!what )(?<!did )\b(?:you (?:must|have to|need to) pay|pay (?:the (?:full|outstanding) )?(?:amount|balance) by)"
    r"\b(?![^.!?]*\?)",
    r"\byou (?:must|have to|need to) pay (?:\w+ ){0,4}by\b",  # with a deadline, a question is a demand too
    r"\b(?:andernfalls|ansonsten|sonst),? (?:müssen|werden|wird|muss|bleibt|geht|geben|sperren|kündigen)\b",
    r"\b(?:inkasso\w*|mahnverfahren\w*|gerichtlich\w*|rechtliche schritte|rechtsanwalt|gerichtsvollzieher|"
    r"letzte mahnung)\b",
    r"\bwie (?:angekündigt|angedroht|in unserem schreiben)\b",
    r"\b(?:müssen|werden) wir (?:\w+ ){0,4}(?:sperren|abstellen|kündigen|einstellen|durchführen|abschalten|"
    r"weitergeben|übergeben)\b",
    r"\bbitte (?:begleichen|zahlen|überweisen) sie (?:\w+ ){0,4}bis\b",
]
# Dismissal, blame and brush-offs.
DISMISSALS = [
    r"\bnot (?:our|my) (?:problem|responsibility|fault|department|job)\b",
    r"\b(?:there(?:'s| is) )?nothing (?:i|we) can do\b",
    r"\b(?:that(?:'s| is)|it(?:'s| is)) (?:just )?(?:the|our|company) (?:policy|procedure|rules?)\b",
    # An order, not "it is hard to calm down when ...".
    r"(?:^|[.!?]\s+|\b(?:please|just|you (?:need|have|must|should) (?:to )?|try to)\s+)calm down\b",
    r"\byou should have\b",
    r"\byour own fault\b",
    r"\bas i (?:already )?(?:said|told you|explained)\b",
    r"\bi can(?:'t|not) help you\b",
    r"\b(?:wait|queue) like every(?:one|body) else\b",
    r"\b(?:it(?:'s| is)|that(?:'s| is)) (?:only|just) a (?:small|minor|little) (?:problem|issue|thing)\b",
    r"\bwarten wie alle anderen\b",
    r"\b(?:das sind|so sind) (?:nun mal |eben )?unsere (?:richtlinien|regeln|vorgaben)\b",
    r"\b(?:das ist )?(?:doch )?nur eine kleinigkeit\b",
    r"\b(?:nicht (?:zuständig|unser problem|unsere schuld)|selbst schuld)\b",
    r"\bda (?:kann|können) (?:man|ich|wir) nichts (?:machen|tun)\b",
    r"\bberuhigen sie sich\b",
    r"\bhätten sie (?:\w+ ){0,4}(?:müssen|sollen)\b",
    r"\bwie (?:bereits |schon )?gesagt\b",
    r"\b(?:das ist|so sind) (?:nun mal |eben )?(?:die )?(?:vorschrift|richtlinie|regeln)\b",
    r"\bich kann ihnen (?:da )?nicht helfen\b",
    # Sent elsewhere; "wenden Sie sich gern an mich" is an offer.
    r"\bwenden sie sich (?:bitte )?(?:direkt )?an (?:den|die|das|ihre?n?|einen?)\b",
    r"\b(?:please )?contact (?:the|your) (?:courier|bank|carrier|provider|other)\b",
]
# A concrete step the agent takes or has taken: first person, a commitment, an action or
# a time. "I'll look into it" is no step; "I have lifted the block" and "I'll call you
# back by 5 pm today" are.
_FIRST = r"\b(?:i|we|ich|wir)\b"
_COMMIT = (r"(?:'ve|'ll|'m| have| will| am| can| habe| hab| werde| kann| können| haben| werden|"
           r" buche| storniere| setze| schicke| sende| rufe| veranlasse| erstatte| hebe| verschiebe| trage| stoppe| melde|"
           r" schreibe| kläre| gebe)")
_ACTION = (r"\b(?:lift\w*|remov\w*|cancel\w*|refund\w*|book\w*|arrang\w*|paus\w*|set up|sent|send|rais\w*|"
           r"escalat\w*|fix\w*|reset|revers\w*|credit\w*|extend\w*|mov\w*|unblock\w*|reactivat\w*|restor\w*|"
           r"waiv\w*|stop\w*|call you|ring you|freez\w*|postpon\w*|deferr?\w*|aufgehoben|aufheben|storniert|"
           r"erstattet|gutgeschrieben|verschoben|verschieben|ausgesetzt|aussetzen|gestoppt|stoppen|zurückrufen|"
           r"rufe sie|gebucht|veranlasst|eingetragen|geschickt|gesendet|freigegeben|freigeben|gesperrt|entsperrt|"
           r"vereinbar\w*|ratenzahlung|stunden|gestundet)\b")
_TIME = (r"\b(?:today|now|right away|straight away|immediately|tomorrow|tonight|this (?:morning|afternoon|evening)|"
         r"by \d|within \d+|before \d|at \d|heute|jetzt|sofort|gleich|morgen|bis \d|bis morgen|bis heute|"
         r"innerhalb von|um \d|noch heute)\b")
PATTERNS = {name: [re.compile(p, re.I) for p in group] for name, group in
             {"threat": THREATS, "dismissal": DISMISSALS}.items()}



class Conduct(BaseModel):
    """The first threat, dismissal and concrete step found in a reply (None: none)."""

    model_config = ConfigDict(frozen=True)
    threat: str | None = None
    dismissal: str | None = None
    step: str | None = None
    #: "threat" / "dismissal" -> the reply's sentence that holds it (the verdict's evidence).
    sentences: dict[str, str] = {}


def read_conduct(reply: str) -> Conduct:
    threat, dismissal = first_match(PATTERNS["threat"], reply), first_match(PATTERNS["dismissal"], reply)
    sentences = {kind: _holding(reply, phrase) for kind, phrase in (("threat", threat), ("dismissal", dismissal))
                 if phrase}
    return Conduct(threat=threat, dismissal=dismissal, step=concrete_step(reply), sentences=sentences)


def _holding(reply: str, phrase: str) -> str:
    """The sentence of `reply` that holds `phrase` (a pattern may span two: then the first)."""
    for sentence in split_sentences(reply):
        if phrase.lower() in sentence.lower():
            return sentence
    return next((s for s in split_sentences(reply) if phrase.lower().split()[0] in s.lower()), phrase)


def concrete_step(reply: str) -> str | None:
    """The first sentence in which the agent commits to an action or a time."""
    for sentence in split_sentences(reply):
        if re.search(_FIRST + _COMMIT, sentence, re.I) and (re.search(_ACTION, sentence, re.I)
                                                          or re.search(_TIME, sentence, re.I)):
            return sentence
    return None


def first_match(patterns: list[re.Pattern], text: str) -> str | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return None


def cap_conduct(rubric: Rubric, criteria: dict[str, CriterionVerdict], conduct: Conduct,
                language: str) -> dict[str, CriterionVerdict]:
    """Levels lowered for a threat or a dismissal, to each criterion's `threat_cap` /
    `dismissal_cap`, with the phrase and the reason in the rationale (the lower cap wins
    when a reply does both)."""
    found = [(kind, phrase) for kind, phrase in (("threat", conduct.threat), ("dismissal", conduct.dismissal))
             if phrase]
    if not found:
        return criteria
    capped = dict(criteria)
    for criterion in rubric.criteria:
        caps = [(getattr(criterion, f"{kind}_cap"), kind, phrase) for kind, phrase in found
                if getattr(criterion, f"{kind}_cap") is not None]
        verdict = criteria.get(criterion.id)
        if not caps or verdict is None:
            continue
        cap, kind, phrase = min(caps)
        if verdict.level is None and cap != 0:
            continue  # the model's failure is no level; only a cap of 0 decides one
        if verdict.level is not None and verdict.level <= cap:
            continue
        note = CONDUCT_NOTE[kind].get(language, CONDUCT_NOTE[kind]["en"]).format(phrase=phrase, cap=cap)
        capped[criterion.id] = verdict.model_copy(update={
            # Decided in code: the model's probability of the level it read is no confidence in this one.
            "level": cap, "status": "scored", "reason": None, "method": "code", "confidence": 1.0, "rationale": note,
            "evidence": [conduct.sentences.get(kind, phrase)]})
    return capped


CONDUCT_NOTE = {
    "threat": {
        "en": "The reply puts pressure on the customer (\"{phrase}\"): a threat is not empathy, so this "
              "criterion stays at {cap} or below (checked in code). Give a consequence as information, after "
              "help is offered.",
        "de": "Die Antwort setzt den Kunden unter Druck („{phrase}“): Eine Drohung ist keine Empathie, daher "
              "bleibt dieses Kriterium bei höchstens {cap} (im Code geprüft). Nennen Sie Folgen als Information, "
              "nachdem Sie Hilfe angeboten haben.",
    },
    "dismissal": {
        "en": "The reply brushes the customer off (\"{phrase}\"), so this criterion stays at {cap} or below "
              "(checked in code). Take the concern up instead of closing it.",
        "de": "Die Antwort wimmelt den Kunden ab („{phrase}“), daher bleibt dieses Kriterium bei höchstens "
              "{cap} (im Code geprüft). Greifen Sie das Anliegen auf, statt es abzuschließen.",
    },
}
