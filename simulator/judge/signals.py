"""Deterministic signals about a reply, computed in code.

They are shown next to the judge's levels so a trainer can see why a level looks odd
(a reply full of stock phrases, the same lines as two turns ago, text aimed at the
grader); they never change a level themselves.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from simulator.judge.sanitise import Sanitised, normalise, sanitise, sentence_words, split_sentences

# Stock phrases of contact-centre scripts. Matched on normalised text (case, apostrophe
# and umlaut spelling ignored); a longer phrase wins over a shorter one it contains.
CLICHES: dict[str, list[str]] = {
    "en": [
        "we apologise for any inconvenience",
        "we apologise for the inconvenience",
        "sorry for any inconvenience",
        "sorry for the inconvenience",
        "apologies for any inconvenience",
        "I apologise for any confusion",
        "I understand your frustration",
        "I completely understand",
        "I understand how you feel",
        "I understand your concern",
        "I hear you",
        "I'm sorry to hear that",
        "I am sorry to hear that",
        "I'm sorry you feel that way",
        "thank you for your patience",
        "we appreciate your patience",
        "thank you for your understanding",
        "thank you for reaching out",
        "thank you for contacting us",
        "thank you for bringing this to our attention",
        "your call is important to us",
        "your business is important to us",
        "we value your business",
        "we value you as a customer",
        "valued customer",
        "rest assured",
        "I can assure you",
        "we take this very seriously",
        "please bear with us",
        "we are working hard to resolve",
        "we strive to",
        "don't hesitate to contact us",
        "please don't hesitate",
        "is there anything else I can help you with",
        "is there anything else I can do for you",
        "happy to help",
        "have a nice day",
        "have a great day",
        "due to high call volumes",
        "as per our policy",
        "for your convenience",
    ],
    "de": [
        "Wir bitten um Ihr Verständnis",
        "Vielen Dank für Ihr Verständnis",
        "Danke für Ihr Verständnis",
        "Entschuldigen Sie die Unannehmlichkeiten",
        "Wir entschuldigen uns für die Unannehmlichkeiten",
        "für etwaige Unannehmlichkeiten",
        "Wir bedauern die Unannehmlichkeiten",
        "Ich verstehe Ihren Ärger",
        "Ich verstehe Ihre Frustration",
        "Ich verstehe Ihre Sorge",
        "Ich kann Sie gut verstehen",
        "Ich verstehe Sie vollkommen",
        "Ich verstehe Sie voll und ganz",
        "Vielen Dank für Ihre Geduld",
        "Danke für Ihre Geduld",
        "Vielen Dank für Ihre Anfrage",
        "Vielen Dank für Ihre Nachricht",
        "Danke, dass Sie sich an uns gewandt haben",
        "Ihr Anliegen ist uns wichtig",
        "Ihre Zufriedenheit liegt uns am Herzen",
        "Ihre Zufriedenheit ist uns wichtig",
        "Seien Sie versichert",
        "Wir arbeiten mit Hochdruck",
        "Es tut mir leid, das zu hören",
        "Das tut mir leid zu hören",
        "Kann ich sonst noch etwas für Sie tun",
        "Gibt es sonst noch etwas",
        "Haben Sie noch weitere Fragen",
        "Zögern Sie nicht",
        "Wir schätzen Sie als Kunden",
        "stehen wir Ihnen gerne zur Verfügung",
        "stehe ich Ihnen gerne zur Verfügung",
        "Einen schönen Tag noch",
        "aufgrund des hohen Anrufaufkommens",
    ],
}

# Question openings that invite the customer to tell, rather than answer yes or no.
# "was" is German only: in English "Was it ...?" is a closed question.
OPEN_STARTS: dict[str, list[str]] = {
    "en": ["what", "how", "why", "when", "where", "which", "who", "what's", "how's", "where's", "who's", "in what way",
           "tell me", "can you tell me", "could you tell me", "would you tell me",
           "can you describe", "could you describe", "would you like to tell me"],
    "de": ["was", "wie", "warum", "wieso", "weshalb", "wann", "wo", "woran", "wobei", "welche", "welcher",
           "welches", "welchen", "wer", "inwiefern", "erzählen sie", "erzähl", "beschreiben sie",
           "können sie mir erzählen", "könnten sie mir erzählen", "können sie mir sagen",
           "könnten sie mir sagen", "können sie beschreiben", "möchten sie erzählen"],
}
REPEAT_WORDS = 300
_LEAD_INS = r"(?:and|so|also|und|also|dann|okay|ok)\s+"
_CLAUSE_BREAK = re.compile(r"[,;:–—-]\s*")


def compute_signals(reply: str, language: str, earlier: list[str], *, cleaned: Sanitised | None = None) -> dict[str, Any]:
    """The signals of `reply` (see the module doc). `earlier`: the trainee's earlier replies
    in the session; `cleaned`: the reply's sanitise() result if the caller has it already."""
    cleaned = cleaned or sanitise(reply)
    sentences = split_sentences(reply)
    questions = [s for s in sentences if is_question(s)]
    keys = [sentence_words(s) for s in sentences]
    return {
        "words": len(reply.split()),
        "sentences": len(sentences),
        "questions": len(questions),
        "open_questions": sum(1 for q in questions if is_open(q, language)),
        "feeling_sentences": len(feeling_sentences(reply)),
        "cliches": find_cliches(reply, language),
        "repeats_earlier": repeats_earlier(reply, earlier),
        "repeated_sentences": sum(1 for i, key in enumerate(keys) if key and key in keys[:i]),
        "addressed_to_grader": list(cleaned.removed),
    }


def find_cliches(reply: str, language: str) -> list[str]:
    """Stock phrases in `reply`, the reply language's bank first (a pasted English
    template in a German reply is a template too)."""
    text = f" {_fold(reply)} "
    banks = [language] + sorted(b for b in CLICHES if b != language)
    found = []
    for bank in banks:
        for phrase in sorted(CLICHES.get(bank, []), key=len, reverse=True):
            key = f" {_fold(phrase)} "
            if key in text:
                found.append(phrase)
                text = text.replace(key, " | ")  # a shorter phrase inside it is not counted again
    return found


def _fold(text: str) -> str:
    return normalise(text).replace("apologiz", "apologis")


def repeats_earlier(reply: str, earlier: list[str]) -> float | None:
    """Highest word-level similarity (0..1) to one of the earlier replies; None without any."""
    # Capped: SequenceMatcher is quadratic in the worst case, and a rehearsed opening
    # shows in the first few hundred words anyway.
    words = normalise(reply).split()[:REPEAT_WORDS]
    others = [normalise(e).split()[:REPEAT_WORDS] for e in earlier if e and e.strip()]
    if not others:
        return None
    return round(max(SequenceMatcher(None, words, other, autojunk=False).ratio() for other in others), 2)


# Invitations to tell more that explore without a question mark.
INVITATIONS = re.compile(
    r"^(?:please )?(?:tell me|talk me through|walk me through|describe|let me know|"
    r"erzählen sie|erzähl|beschreiben sie|schildern sie|sagen sie mir)\b", re.I)


# Words of feeling, warmth or concern (stems, matched at the start of a word). An
# emotional reaction is expressed in such words; a reply without any ("Your account has a
# restriction. Send your ID.") reacts to nothing, whatever a lenient model says. Written
# from the rubric's anchors, not fitted to any evaluation data.
FEELING_STEMS = {
    "en": [
        "sorry", "sad", "hurt", "pain", "hard", "difficult", "tough", "awful", "terribl", "horribl",
        "dreadful", "scar", "frighten", "fright", "afraid", "fear", "worr", "concern", "anxi", "stress",
        "frustrat", "upset", "angry", "anger", "annoy", "embarrass", "humiliat", "asham", "shame",
        "lonel", "alone", "overwhelm", "exhaust", "heartbreak", "heart", "grief", "griev", "loss",
        "condolenc", "sympath", "empath", "compassion", "care", "caring", "hug", "love", "feel", "felt",
        "understand", "understandabl", "glad", "happy", "relie", "proud", "hope", "wish", "unfair",
        "rough", "sucks", "miserabl", "devastat", "distress", "nightmare", "shock", "here for you",
        "with you", "not alone", "thank you for telling", "thanks for sharing", "must be", "sounds like",
    ],
    "de": [
        "leid", "bedauer", "traurig", "schwer", "schlimm", "furchtbar", "schrecklich", "belast",
        "stress", "sorge", "besorg", "angst", "ängst", "befürcht", "ärger", "frustr", "unangenehm",
        "peinlich", "schäm", "scham", "einsam", "allein", "überfordert", "erschöpf", "herz", "trauer",
        "verlust", "beileid", "mitgefühl", "anteil", "verständ", "verstehe", "nachvollzieh", "fühl",
        "gefühl", "froh", "erleichter", "hoffe", "wünsch", "unfair", "ungerecht", "bin für sie da",
        "nicht allein", "danke, dass sie", "muss sehr", "klingt",
    ],
}
FEELING = re.compile(
    # "leider" (unfortunately) is the stem "leid" but carries no feeling of its own.
    r"(?<!\w)(?!leider\b)(?:" + "|".join(sorted((re.escape(s) for b in FEELING_STEMS.values() for s in b), key=len, reverse=True)) + ")",
    re.I,
)


def feeling_sentences(reply: str) -> list[str]:
    """Sentences that contain a word of feeling, warmth or concern."""
    return [s for s in split_sentences(reply) if FEELING.search(s)]


# Frames that say back what the reply understood, tentatively where it infers: the
# rubric's level 2 of interpretation ("it sounds like...", the consequence, the cause).
REFLECTING = re.compile(
    r"(?<!\w)(?:sounds like|it sounds|that sounds|sounds (?:really |so |very )?(?:hard|awful|stressful|frustrating)|"
    r"must (?:be|have been|feel|have felt)|it seems|seems like|that means|which means|so you(?:'re| are| have|'ve)?|"
    r"you(?:'ve| have) been|because you|since you|after you|klingt|hört sich|das heißt|das bedeutet|"
    r"sie haben also|also haben sie|muss (?:sehr |wirklich |ganz )?\w+ (?:sein|gewesen sein)|weil sie|nachdem sie|"
    r"seit sie)", re.I)
# Words too common to show that the customer's situation was taken up.
COMMON = set("""about after again because being could every first there their these those thing things
    think which while would should really never always still other where today thank thanks please
    sorry hello dass diese dieser einen einem einer haben hatte nicht noch schon wieder immer heute
    bitte danke hallo werden wurde würde können könnte sollte meine meinen ihnen""".split())


def reflection(reply: str, customer_message: str) -> float:
    """How much of the customer's situation the reply says back, 0..1: half for a
    reflecting frame, half for taking up the customer's own words (three or more of
    them in full). Written from the interpretation rubric, not fitted to evaluation data."""
    framed = 1.0 if REFLECTING.search(reply) else 0.0
    said = {w[:5] for w in normalise(customer_message).split() if len(w) >= 5 and w not in COMMON}
    taken = said & {w[:5] for w in normalise(reply).split() if len(w) >= 5}
    return round(0.5 * framed + 0.5 * min(1.0, len(taken) / 3), 3)


# Stock closings ask nothing about the customer's situation: "Let me know if you have
# any other questions" ends a chatbot answer, it does not explore.
CLOSINGS = re.compile(
    r"(?:let me know if (?:you have|there (?:is|are))|is there anything else\s*(?:\?|(?:i|we) can|for you|today)|"
    r"anything else (?:i|we) can|"
    r"feel free to (?:ask|contact|reach out|get in touch)|do you have any (?:other|more|further) questions|"
    r"kann ich (?:ihnen |dir )?sonst noch|haben sie (?:noch )?(?:weitere )?fragen|"
    r"(?:melden|wenden) sie sich (?:gern|gerne|jederzeit)|bei (?:weiteren )?fragen)", re.I)


def asking_sentences(reply: str) -> list[str]:
    """Sentences that ask: questions, and invitations such as "Tell me what happened";
    not the stock closings."""
    return [s for s in split_sentences(reply)
            if (is_question(s) or INVITATIONS.match(s.strip())) and not CLOSINGS.search(s)]


def is_question(sentence: str) -> bool:
    return sentence.rstrip("\"'»“”’)] !").endswith("?")  # "Really?!" asks too


def is_open(question: str, language: str) -> bool:
    """Open if the question or its last clause ("Sam, what happened?") opens with an open word."""
    starts = OPEN_STARTS.get(language) or [s for bank in OPEN_STARTS.values() for s in bank]
    pattern = re.compile(rf"^(?:{_LEAD_INS})?(?:{'|'.join(re.escape(normalise(s)) for s in starts)})\b")
    clauses = [question, *_CLAUSE_BREAK.split(question)[1:]]
    return any(pattern.match(normalise(c)) for c in clauses)
