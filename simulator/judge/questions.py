"""What a question does, read in code: the exploration of EPITOME (Sharma et al. 2020),
which `empathy-core`'s exploration follows.

A question explores when it asks the other person about their situation. It is specific
when it names something of that situation, a word beyond the asking words that any
generic question is made of ("Can you tell me more?", "What's on your mind?", "Können Sie
mir mehr dazu erzählen?"). Some questions ask the customer nothing, whatever words they
hold: a tag seeking agreement, a suggestion, a rhetorical question, an offer, the writer's
question about themselves, one that blames; and questions for the process's data (an
account number, a date of birth) do not count at all, as the rubric says.
"""

from __future__ import annotations

import re

from simulator.judge.cues import about_self
from simulator.judge.sanitise import normalise
from simulator.judge.signals import COMMON, asking_sentences, is_open

# Question words that carry nothing of the customer's situation ("What is going on?",
# "Können Sie mir mehr dazu erzählen?"), folded as normalise() folds them.
_ASKING_WORDS = {normalise(w) for w in """what when where which why whom whose would could should have been
    being your yours youre about with that this these those there their they them then than from into just
    like really very much more some anything something everything doing does done going want tell talk know
    think also only even still here okay correct right sure können könnten möchten würden mehr dazu
    erzählen sagen nennen geben gerade etwas genau richtig
    give explain details detail information help exactly problem problems issue issues matter situation
    happened happening seems wrong erklären schildern beschreiben details informationen helfen genauer näher
    problem probleme anliegen situation passiert
    ihre ihren ihrem ihrer euch eure sich sind wird kann lautet mitteilen angeben denn
    whats thats hows whos wheres theres heres its yourself someone somebody anyone anybody lately recently
    mind head wanna gonna feel feeling feelings bother bothers bothering particular buddy friend mate
    need needs needed else today
    beschäftigt darüber reden sprechen los bedrückt belastet geht gehts brauchen benötigen wünschen wollen
    machen für über dabei dafür damit noch mal""".split()}
# Questions that ask nothing of the other person, whatever words they hold: a tag that
# seeks agreement ("..., right?", "..., isn't it?", "..., oder?"), a suggestion put as a
# question ("Maybe a walk would help?"), a rhetorical one ("Who knows?", "Warum nicht?"),
# and the writer's question about themselves ("Why am I like this?", "Soll ich ...?").
# They count as asking, never as a specific question about the customer's situation.
TAG_QUESTION = re.compile(r"(?<!\w)(?:right|correct|is that so|you know|yeah|ok|okay|eh|huh|"
                          r"(?:is|was|are|were|do|does|did|would|wo|ca|can|could|has|have|had|should) ?n[o']?t "
                          r"(?:it|that|this|you|they|we|he|she)|"
                          r"oder|nicht wahr|gell|, ne|stimmt(?:'s| das| es)?|richtig)\s*[?!.\s]*$", re.I)
SUGGESTING = re.compile(r"^\W*(?:(?:and|but|so|or|well),? )?(?:maybe|perhaps|possibly|or|might|could it be|"
                        r"vielleicht|oder)(?!\w)", re.I)
# An offer put as a question asks what the agent should do, not about the customer's
# situation ("Shall I call you back tomorrow?", "Soll ich Ihnen die Unterlagen schicken?");
# asking leave to ask ("Can I ask what happened?", "Darf ich fragen, ...") is no offer.
OFFERING = re.compile(r"^\W*(?:\w+,\s*)?(?:shall i|should i|would you like me to|do you want me to|"
                      r"(?:can|could|may) i (?!ask)|soll ich|sollen wir|möchten sie,? dass ich|wollen sie,? dass ich|"
                      r"(?:darf|kann|könnte) ich (?!\w* ?fragen))", re.I)
LEAVE_TO_ASK = re.compile(r"(?<!\w)(?:(?:can|could|may|might) i ask|i wanted to ask|(?:darf|kann|könnte|dürfte) ich "
                          r"(?:sie )?(?:\w+ )?fragen)(?!\w)", re.I)
RHETORICAL = re.compile(r"(?<!\w)(?:who knows|what do you have to lose|what(?:'s| is) the point|why not|"
                        r"warum (?:denn )?nicht|wer weiß|was soll(?:'s| es)?)(?!\w)", re.I)
# The data an agent needs for the process: the rubric's "identity checks and other questions
# the agent needs for the process do not count here on their own". German compounds in
# -nummer are all of this kind (Kundennummer, Zählernummer, Vertragsnummer).
PROCESS_DATA = re.compile(
    r"(?<!\w)(?:\w*nummer|number|no\.|reference|date of birth|birth date|birthday|post ?code|zip code|"
    r"e-?mail[- ]address|e-?mail-adresse|address|full name|your name|password|passcode|pin|iban|sort code|"
    r"security question|geburtsdatum|geburtstag|postleitzahl|plz|anschrift|adresse|ihren namen|ihr name|passwort|"
    r"kennwort|sicherheitsfrage|kundenkonto|login|username|benutzername)(?!\w)", re.I)
# Questions that blame rather than ask ("Why didn't you read the letter?"): they name the
# customer's situation and explore nothing of it.
BLAMING = re.compile(r"(?<!\w)(?:why|how come) (?:did ?n'?t|did you not|have ?n'?t|haven't|had ?n'?t|would ?n'?t|"
                     r"could ?n'?t|do ?n'?t|did you|would you)|(?:warum|wieso|weshalb) (?:haben|hatten|sind|waren|"
                     r"konnten|können|wollten) sie (?:\w+ )?(?:nicht|denn|überhaupt|einfach)", re.I)


def exploring(reply: str, customer_message: str, language: str | None = None) -> float:
    """How the reply explores the other's situation, 0..1:
    1.0, an open question specific to it (a word beyond the asking words of a generic
    question): "What does money look like for you over the next couple of months?";
    0.75, a closed specific one ("Is the rent the most urgent payment?");
    0.5, generic questions only ("Can you tell me more?", "Is that correct?"), and questions
    that ask nothing of the other person (tags, suggestions, rhetorical questions);
    0, nothing asked but process data ("Wie lautet Ihre Kundennummer?") or nothing at all.
    The rubric's level 2 is a question specific to the customer's situation, open or
    closed, as EPITOME's strong exploration; the open one stays the coach's advice."""
    said = _content(customer_message)
    asked = [q for q in asking_sentences(reply) if not process_question(q, said)]
    if not asked:
        return 0.0
    # Specific: a word beyond the asking words of any generic question ("What grade are you in?").
    specific = [q for q in asked if _content(q) and _asks_them(q)]
    if not specific:
        return 0.5
    return 1.0 if any(is_open(q, language) for q in specific) else 0.75


def _asks_them(question: str) -> bool:
    """Whether a question asks the other person about their situation: not a tag, a
    suggestion, a rhetorical question, an offer, the writer's question about themselves or
    one that blames."""
    return not (TAG_QUESTION.search(question) or SUGGESTING.search(question) or RHETORICAL.search(question)
                or OFFERING.search(question) or BLAMING.search(question)
                or about_self(LEAVE_TO_ASK.sub(" ", question)))


def process_question(question: str, said: set[str] = frozenset()) -> bool:
    """A question for the process's data (an account number, a date of birth, a number to
    call back on) that takes up nothing the customer said (`said`: their content words), or
    holds at most one word of its own besides."""
    if not PROCESS_DATA.search(question):
        return False
    return len(_content(PROCESS_DATA.sub(" ", question))) <= 1 or not _content(question) & said


def _content(text: str) -> set[str]:
    return {w[:5] for w in normalise(text).split() if len(w) >= 4 and w not in _ASKING_WORDS and w not in COMMON}
