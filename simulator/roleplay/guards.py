"""Checks in code on what the customer model wrote.

A weak model slips into the agent's role ("How can I help you?"), admits to being an AI
or echoes its instructions. Each check returns where the problem starts, so the caller
can cut the message there or regenerate it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

AGENT_VOICE = [
    r"how (?:can|may) i (?:help|assist)",
    r"is there anything (?:else )?i can",
    r"thank you for (?:your patience|contacting|reaching out|your understanding)",
    r"i(?:'| a)m (?:here|happy|glad) to (?:help|assist)",
    r"i(?:'| wi)ll (?:look into|check) (?:this|that|it) for you",
    r"let me (?:check|look into|help)",
    r"\bi understand (?:that )?you(?:'re| are| feel)",
    r"could you (?:please )?(?:let me know|tell me|provide|confirm)",
    r"please let me know (?:if|when|how)",
    r"i(?:'m| am) sorry to hear (?:that|about)",
    r"i apologi[sz]e for (?:the|any) inconvenience",
    r"ich verstehe, dass sie",
    r"könnten sie mir (?:bitte )?(?:sagen|mitteilen|bestätigen)",
    r"es tut mir leid,? (?:das zu hören|dass sie)",
    r"wie kann ich (?:ihnen|dir) (?:helfen|behilflich)",
    r"kann ich (?:ihnen|dir) sonst noch",
    r"vielen dank für (?:ihre geduld|ihr verständnis|ihre anfrage|ihre nachricht)",
    r"ich helfe ihnen",
    r"ich (?:kümmere|schaue) mich (?:gerne )?(?:darum|drum)",
    # The German side of "I'm here to help" and "I apologise for any inconvenience", in
    # the first person and not in quotes: a customer's "Und Sie bedauern die
    # Unannehmlichkeiten, ja klar" or "„Wir bedauern die Unannehmlichkeiten“ - DA ist er
    # wieder!" (an authored line of lieferung-dreimal-de) stays the customer's.
    r"ich bin (?:gerne? )?für sie da",
    r"(?<![„“\"'‚»«])\b(?:ich|wir) (?:entschuldigen uns|bedauern) (?:\w+ ){0,3}unannehmlichkeiten",
    r"(?<![„“\"'‚»«])\b(?:bitte )?entschuldigen sie (?:\w+ ){0,2}unannehmlichkeiten",
    # Promises only the company can make ("Ich werde sofort die Überweisung freigeben").
    r"ich rufe sie (?:\w+ ){0,4}zurück",
    r"ich werde (?:\w+ ){0,4}(?:freigeben|veranlassen|erstatten|gutschreiben|entsperren|aufheben)\b",
    r"i(?:'ll| will) (?:\w+ ){0,2}call you back",
    r"(?<!not )\bsorry to hear (?:that|about)",
    r"\blet'?s look into (?:it|this|that)\b",
    r"\bcan you tell me (?:a bit )?more about\b",
    # The customer talking about "the agent" (or to "Agent") narrates the scene instead of
    # speaking in it: "The agent is being mean", "Thank you, Agent", "den Agenten".
    r"\b(?:the agent\b|,\s*agent\b)",
    r"\b(?:der|den|dem|des) (?:agent(?:en)?|kundenberater\w*)\b",
    # Stage directions about the customer ("Er schreibt im Chat und ist wütend.").
    r"^(?:er|sie) (?:schreibt|sagt|antwortet|ist wütend)\b",
    r"^(?:he|she) (?:writes|says|replies|is (?:angry|upset))\b",
    r"i(?:'ll| will| can) (?:\w+ ){0,2}(?:release|unblock|refund|credit) (?:the|your)\b",
]
AI_VOICE = [
    r"\bas an ai\b",
    r"\bi(?:'| a)m an? (?:ai|language model|assistant|chatbot)\b",
    r"\blanguage model\b",
    r"\bi(?:'m| am)? ?(?:sorry,? (?:but )?)?i? ?can(?:'t|not) (?:assist|help) (?:you )?with (?:that|this)\b",
    r"^(?:sure|certainly|of course)[,!.]? here(?:'s| is| are)\b",
    r"\bals (?:ki|künstliche intelligenz|sprachmodell)\b",
    r"\bich bin (?:eine? )?(?:ki|sprachmodell|assistent|chatbot)\b",
    # An assistant's refusal in German ("Es tut mir leid, aber ich kann Ihnen nicht
    # helfen.", seen from the embedded model in kartenterminal-de): the apology is part of
    # the pattern, as in English, so a customer's "Da kann ich Ihnen nicht helfen, die
    # Nummer hab ich nicht" stays the customer's.
    r"\btut mir leid,? (?:aber )?(?:ich kann ihnen|(?:da|dabei|damit) kann ich ihnen) "
    r"(?:(?:da|dabei|damit|leider|hier) )*nicht (?:weiter)?helfen\b",
]
# Leaving the conversation is the end conditions' decision, not the model's: a goodbye
# from a customer who is not yet relieved ends the talk for no reason.
GOODBYE = [
    r"\b(?:good)?bye\b",
    r"\bi(?:'| a)m (?:hanging up|done here|leaving)\b",
    r"\bhave a (?:nice|good) day\b",
    r"\btschüss\b",
    r"\bauf wieder(?:hören|sehen)\b",
    r"\bich lege (?:jetzt )?auf\b",
    r"\bschönen tag noch\b",
]
LEAK = [r"\byour mood now\b", r"\bwrite only\b", r"\byou are not the agent\b", r"\banger \d+/10\b"]


class GuardHit(BaseModel):
    # agent_voice | ai_voice | instruction_leak | speaker_label | wrong_language |
    # agent_echo | unearned_fact | early_goodbye | too_long | repeated | off_plan | narration
    kind: str
    at: int
    match: str


_CHECKS = [
    ("agent_voice", [re.compile(p, re.I) for p in AGENT_VOICE]),
    ("ai_voice", [re.compile(p, re.I) for p in AI_VOICE]),
    ("instruction_leak", [re.compile(p, re.I) for p in LEAK]),
]
SPEAKER_LABEL = re.compile(r"(?:^|\n)\s*(?:agent|kundenberater(?:in)?|assistant|system)\s*:", re.I)


def first_hit(text: str) -> GuardHit | None:
    hits = []
    for kind, patterns in _CHECKS:
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                hits.append(GuardHit(kind=kind, at=match.start(), match=match.group(0)))
    label = SPEAKER_LABEL.search(text)
    if label:
        hits.append(GuardHit(kind="speaker_label", at=label.start(), match=label.group(0).strip()))
    return min(hits, key=lambda h: h.at) if hits else None


_GOODBYE = [re.compile(p, re.I) for p in GOODBYE]
# A customer who gives up or asks for someone else has abandoned the conversation.
GIVING_UP = [
    r"\b(?:speak|talk) to (?:a|your|the) (?:manager|supervisor|team leader)\b",
    r"\b(?:get|put) me (?:a|your) (?:manager|supervisor)\b",
    r"\bi(?:'| a)m (?:done|finished) (?:with you|here)\b",
    r"\b(?:forget it|i give up)\b",
    r"\btake my (?:business|money|account) elsewhere\b",
    r"\b(?:ihren|einen|den) (?:vorgesetzten|chef|teamleiter)\b",
    r"\bich gebe auf\b",
    r"\bvergessen sie es\b",
    r"\bich (?:kündige|wechsle)\b",
]
_GIVING_UP = [re.compile(p, re.I) for p in GIVING_UP]


def gives_up(text: str) -> str | None:
    """The words with which the customer gives up or asks for a manager, or None."""
    for pattern in _GIVING_UP:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return None


def goodbye_hit(text: str) -> GuardHit | None:
    for pattern in _GOODBYE:
        match = pattern.search(text)
        if match:
            return GuardHit(kind="early_goodbye", at=match.start(), match=match.group(0))
    return None


# Words after which a name is someone spoken to: "Oh no, Dana!", "Thank you, Dana."
ADDRESSING = r"(?:oh(?: no)?|ah|hi|hey|hello|well|okay|ok|sorry|thanks|thank you|ach|hallo|danke|nein|ja)"


def narration_hit(text: str, name: str) -> GuardHit | None:
    """The customer named in the third person in their own message ("Für die drei
    Termine hat Herr Aydın zwei Urlaubstage genommen"): narration, not speech. Or spoken
    to by their first name ("Oh no, Dana! This is so frustrating.", the embedded model on
    frozen-account-en, whose customer is Dana): the agent's words, not the customer's."""
    first, surname = name.split()[0], name.split()[-1]
    match = re.search(rf"\b(?:herr|frau|mr|mrs|ms|miss)\.?\s+{re.escape(surname)}\b|\b{re.escape(name)}\b"
                      rf"|(?:^\s*|\b{ADDRESSING}\W{{0,3}}\s*){re.escape(first)}\b(?=\s*[,!?.])", text, re.I)
    return GuardHit(kind="narration", at=match.start(), match=match.group(0).strip()) if match else None


def owned(opening: str) -> set[str]:
    """What the customer calls their own in the scenario's opening ("my salary", "mein
    Konto"): lower-cased nouns."""
    return {m.group(1).casefold() for m in re.finditer(r"\b(?:my|mein|meine|meinen|meinem|meiner|meines)\s+(\w+)",
                                                      opening, re.I)}


def owner_reversed_hit(text: str, own: set[str]) -> GuardHit | None:
    """The customer's own things called the agent's ("How about we talk about your
    account", written by the embedded model in frozen-account-en, whose customer opened
    with "my account"): the roles have swapped. German only with the capitalised Sie-form
    ("Ihr Konto"), as a lower-case "ihr" is "her" or "their"."""
    for match in re.finditer(r"\b(?:[Yy]our|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)\s+(\w+)", text):
        if match.group(1).casefold() in own:
            return GuardHit(kind="agent_voice", at=match.start(), match=match.group(0))
    return None


def length_hit(text: str, limit: int) -> GuardHit | None:
    return GuardHit(kind="too_long", at=limit, match=f"{len(text)} > {limit} characters") if len(text) > limit else None


def strip_own_label(text: str, name: str) -> str:
    """Drop a leading "Name:" the model repeated from the speaker prefix."""
    first = name.split()[0]
    return re.sub(rf"^\s*(?:{re.escape(name)}|{re.escape(first)})\s*:\s*", "", text, flags=re.I)


QUOTES = "\"“”„«»"


def unwrap_quotes(text: str, complete: bool = False) -> str:
    """The message without the quotation marks a small model wraps it in (seen on the
    page: a whole customer message in "…"). The opening mark goes at once, while the
    message streams; the closing one when the message is `complete`, and only if it is the
    last quotation mark left (a quote inside the message keeps its marks)."""
    if not text.startswith(tuple(QUOTES)):
        return text
    body = text[1:].lstrip()
    if complete and body.endswith(tuple(QUOTES)) and not any(q in body[:-1] for q in QUOTES):
        body = body[:-1].rstrip()
    return body


def cut_before(text: str, at: int) -> str:
    """The text before a hit, ended at the last full sentence if there is one."""
    head = text[:at].rstrip()
    end = max(head.rfind(c) for c in ".!?")
    return head[: end + 1] if end >= 0 else head


STOPWORDS = {
    "en": {"the", "and", "you", "is", "my", "i", "to", "it", "that", "this", "what", "with", "have",
           "not", "me", "was", "are", "for", "of", "your", "can", "just", "why", "don't", "i'm"},
    "de": {"ich", "und", "der", "die", "das", "nicht", "ist", "mit", "sie", "es", "ein", "eine", "zu",
           "mein", "meine", "was", "wie", "warum", "ja", "nein", "auf", "mir", "mich", "schon", "aber"},
}


def language_of(text: str) -> str | None:
    """'en' or 'de' by stopwords, or None when the text is too short to tell."""
    words = re.findall(r"[\w']+", text.casefold())
    if len(words) < 6:
        return None
    counts = {lang: sum(w in stop for w in words) for lang, stop in STOPWORDS.items()}
    best = max(counts, key=counts.get)
    other = min(counts, key=counts.get)
    return best if counts[best] >= 2 and counts[best] > 2 * counts[other] else None


def echo_of(text: str, agent_text: str, run: int = 6) -> str | None:
    """The first run of `run` words the customer copied from the agent's last message:
    a small model that repeats the agent has slipped into the agent's voice."""
    hit = echo_hit(text, agent_text, run)
    return hit.match if hit else None


def echo_hit(text: str, agent_text: str, run: int = 6) -> GuardHit | None:
    """`echo_of` with where the copied run starts in `text`, so a message can be cut there."""
    found = list(re.finditer(r"[\w']+", text.casefold()))
    agent = f" {' '.join(_words(agent_text))} "
    for i in range(len(found) - run + 1):
        piece = " ".join(m.group(0) for m in found[i:i + run])
        if f" {piece} " in agent:
            return GuardHit(kind="agent_echo", at=found[i].start(), match=piece)
    return None


def whole_echo(text: str, agent_text: str, least: int = 3) -> bool:
    """The whole message, of at least `least` words, is the agent's words in order: a
    question asked back and nothing else ("Was zeigt das Terminal an?", written by the
    embedded model in kartenterminal-de), too short for `echo_of`'s run. Judged on the
    finished message: a customer may repeat a question and then answer it."""
    words = _words(text)
    return len(words) >= least and f" {' '.join(words)} " in f" {' '.join(_words(agent_text))} "


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.casefold())


# What shows relief in a customer's message, and what shows it is not over yet.
RELIEF = re.compile(
    r"\b(?:thank(?:s| you)|that helps|that(?:'s| is) (?:a )?(?:relief|good|great|better)|what a relief|"
    r"sounds good|i can live with|okay,? (?:good|great|thanks)|brilliant|perfect|"
    r"danke|vielen dank|dank dir|das hilft|erleichter\w*|klingt gut|das ist gut|da bin ich froh|gut,? dann|super|prima|"
    r"ein stein vom herzen|ich kann (?:heute nacht )?(?:wieder |vielleicht )?(?:mal )?schlafen)\b", re.I)
UNSETTLED = re.compile(
    r"\b(?:(?:i )?(?:still )?don'?t understand|i'?m (?:still )?(?:confused|not sure|worried)|still not|"
    r"why (?:is|does|did|has)|what (?:about|happens)|but what|"
    r"(?:ich )?verstehe (?:das )?(?:immer noch )?nicht|immer noch|warum (?:ist|wird|hat|haben)|"
    r"und was ist mit|aber was|ich weiß nicht|"
    # Negated relief: "das hilft mir nicht", "that doesn't help", "no thanks".
    r"(?:doesn'?t|does not|won'?t|didn'?t) help|no,? thanks?|hilft (?:mir |uns )?(?:\w+ )?(?:nicht|nichts|kein\w*)|"
    r"nein,? danke)\b", re.I)


def shows_relief(text: str) -> bool:
    """The customer's message sounds relieved and asks nothing more."""
    cleaned = text.strip()
    if not cleaned or cleaned.rstrip("\"'» )").endswith("?"):
        return False
    return bool(RELIEF.search(cleaned)) and not UNSETTLED.search(cleaned)
