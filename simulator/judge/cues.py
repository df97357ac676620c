"""What a reply does towards the person, read in code: reacting to them, understanding
them from experience, asking about their situation.

EPITOME (Sharma et al. 2020), which the first three criteria of `empathy-core` follow,
defines them by what the reply does towards the other person, not by the words it uses:
- an emotional reaction is warmth, compassion or concern *for the other person*. "I am
  so paralysed by anxiety that I sleep all day" is full of words of feeling and reacts to
  no one; "I'm so sorry you're going through this" reacts. Explicit compassion is the
  strong form; alluding to the feeling ("I know how you feel", "you must feel ...")
  is the weak one.
- an interpretation is understanding of the other's situation, shown by saying it back
  ("it sounds like ...", judge/signals.reflection) or by relating an experience of one's
  own ("I can relate, I lost my job last year too").
- an exploration asks about the other's situation: a specific question names something
  of it, a generic one ("What happened?") does not.

The patterns are written from those definitions and the rubrics' anchors, in English and
German; the levels they suggest are signals a calibration fit weighs (judge/fit.py), and
a reply that reacts to no one is emotional-reaction level 0 in code (judge/requirements.py).
"""

from __future__ import annotations

import re

from simulator.judge.sanitise import normalise, split_sentences
from simulator.judge.signals import COMMON, FEELING, REFLECTING, asking_sentences, is_open, reflection

# Words that address the other person.
YOU = re.compile(r"(?<!\w)(?:you|your|yours|yourself|you're|youre|you've|you'll|u|ur|ya|sie|ihnen|ihr|ihre|"
                 r"ihren|ihrem|ihrer|du|dir|dich|dein|deine|deinen|deinem)(?!\w)", re.I)
# Explicit compassion: sympathy for what happened to them, a hug, a condolence.
COMPASSION = re.compile(
    r"(?<!\w)(?:sorry|\*?hugs?\*?|condolences|my heart goes out|sending (?:you )?(?:love|hugs|strength)|"
    r"that sucks|tut mir (?:\w+ )?leid|beileid|mitgefühl|mein herz)", re.I)
# Named emotions (stems): naming what the other person feels is the strong form of a
# reaction. "hard", "difficult", "schwierig" are left out: "that sounds difficult" is
# the rubric's generic warmth.
EMOTION = re.compile(
    r"(?<!\w)(?:awful|terribl|horribl|dreadful|scar|frighten|afraid|fear|worr|anxi|stress|frustrat|upset|"
    r"angry|anger|annoy|embarrass|humiliat|asham|shame|lonel|overwhelm|exhaust|heartbreak|heartbroken|"
    r"devastat|distress|gutted|hurt|pain|sad|miserabl|hopeless|nightmare|unfair|"
    r"angst|ängst|ärger|ärgerlich|frust|sorge|besorg|schäm|scham|peinlich|traurig|schlimm|furchtbar|"
    r"schrecklich|belast|einsam|überfordert|erschöpf|verzweif|ungerecht|unfair)", re.I)
# The frames that say a feeling of the other or of their situation ("must be
# frightening", "that is awful", "das macht Angst"): with a named emotion any of them.
NAMING = re.compile(r"(?<!\w)(?:must|is|was|sounds|seems|feel|feels|felt|makes|muss|ist|war|klingt|macht|fühlt)"
                    r"(?!\w)", re.I)
# With a mere word of feeling ("hard", "care") only a frame that points at their
# situation reacts: "that must be hard", "das ist schwer"; "every request is handled
# with care" says a feeling word and "is" of no one.
POINTED = re.compile(r"(?<!\w)(?:must|sounds|seems|muss|klingt|(?:that|this|it|das|dies|es)(?:'s| is| was| has been| "
                     r"ist| war| wäre| would be)|that's)(?!\w)", re.I)
# Claiming to understand or imagine the other's feeling is about them, not an experience
# of one's own, though it says "I" ("I understand how frustrating this can be").
CLAIMING = re.compile(r"(?<!\w)(?:i (?:fully |completely |totally |really |can )?(?:understand|imagine|appreciate|"
                      r"realise|realize|see)|i can only imagine|ich verstehe|"
                      r"(?:ich kann|kann ich) (?:mir )?(?:gut |sehr gut |nur )?(?:vorstellen|verstehen|nachvollziehen))"
                      r"(?!\w)", re.I)
# Saying that one knows the feeling: the weak form of a reaction.
KNOWING = re.compile(
    r"(?<!\w)(?:i can relate|i relate|i know (?:how|what) (?:it|that|this|you)(?:'s| is| feels?| must| are)|"
    r"i know (?:this|that|the) feeling|i feel (?:you|the same|for you)|"
    r"same here|me too|been there|i(?:'ve| have) (?:been|felt) (?:there|the same|that way|like that)|"
    r"ich kenne das|kenne ich|geht mir (?:genauso|auch so|ähnlich)|ging mir (?:genauso|auch so|ähnlich))", re.I)
# Generic warmth towards the person: the rubric's level 1 ("could be said to anyone"),
# still a reaction to them, unlike a bare "thank you".
WARMTH = re.compile(
    r"(?<!\w)(?:take care|look after yourself|stay safe|take your time|no worries|don'?t worry|"
    r"i'?m (?:here|still here) (?:for|with) you|(?:glad|happy|good|great) to hear|i'?m (?:so )?glad|"
    r"passen sie (?:gut )?auf sich auf|bleiben sie (?:gesund|sicher)|nehmen sie sich (?:ruhig |gerne |gern )?zeit|"
    r"keine sorge|machen sie sich keine sorgen|ich bin (?:hier |noch |weiter |weiterhin )?(?:für sie|bei ihnen) da|"
    r"ich bin (?:immer )?noch bei ihnen|das freut mich|freut mich|ich bin froh|schön zu hören)", re.I)
# Relating an experience of one's own. Narrow on purpose: an agent's "I've had a look at
# your account" or "Ich habe auch Ihre Adresse geändert" relates no experience.
SHARED = re.compile(
    r"(?<!\w)(?:me too|same here|same boat|the same way|i can relate|i relate|i know (?:this|that|the) feeling|"
    r"i know how (?:it|that|this|you) feels?|i feel you|been there|i(?:'ve| have) been (?:there|through)|"
    r"i(?:'ve| have) (?:felt|struggled|dealt with|gone through)|i(?:'ve| have) had (?:the same|similar)|i felt|"
    r"i feel (?:like this|like that|this way|that way|the same)|i used to|when i was|"
    r"happened to me|in my experience|as someone who|i went through|"
    r"ich kenne das|kenne ich|ging mir|geht mir (?:genauso|auch so|ähnlich)|mir ging es|"
    r"(?:habe|hatte) ich auch (?:erlebt|gehabt|durchgemacht)|ich habe das auch (?:erlebt|gehabt|durchgemacht))", re.I)
# "im" and "ive" are left out: "im" is German ("im Dunkeln").
FIRST_PERSON = re.compile(r"(?<!\w)(?:i|i'm|i've|i'd|me|my|myself|ich|mir|mich|mein|meine|meinen|meinem)"
                          r"(?!\w)", re.I)
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
    ihre ihren ihrem ihrer euch eure sich sind wird kann lautet mitteilen angeben denn""".split()}
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


def reacting_sentences(reply: str) -> list[str]:
    """Sentences that react to the other person: compassion, a feeling said of them
    ("you must be scared"), knowing the feeling ("I know how that feels"), or generic
    warmth ("take your time", "keine Sorge")."""
    return [s for s in split_sentences(reply)
            if COMPASSION.search(s) or KNOWING.search(s) or WARMTH.search(s) or (FEELING.search(s) and YOU.search(s))
            or (not _about_self(s) and ((EMOTION.search(s) and NAMING.search(s)) or (FEELING.search(s) and POINTED.search(s))))]


def reaction(reply: str, stock: list[str] | tuple[str, ...] = ()) -> float:
    """1.0 when a sentence of the reply's own expresses compassion or names the other's
    feeling ("losing her present, you must be gutted"); 0.5 when the reply only alludes to
    the feeling ("I know how you feel"), or its compassion is a stock phrase ("I'm sorry
    to hear that" could be said to anyone: the rubric's level 1); 0 when it reacts to no
    one."""
    reacting = reacting_sentences(reply)
    if any(s not in stock and (COMPASSION.search(s) or (EMOTION.search(WARMTH.sub(" ", s)) and not _about_self(s)))
           for s in reacting):
        return 1.0
    return 0.5 if reacting else 0.0


def _about_self(sentence: str) -> bool:
    """A sentence in the first person that does not address the other: the writer's own
    feelings ("I am so anxious I sleep all day") react to no one."""
    return bool(FIRST_PERSON.search(sentence)) and not YOU.search(sentence)


def shared_experience(reply: str) -> bool:
    """Whether the reply relates an experience or feeling of the writer's own: a sentence
    about themselves, not the other person, that names an emotion ("I was so embarrassed
    when it happened to me"), or a phrase of sharing ("me too", "I've been there") with
    something of their own told. A bare "I know how you feel" tells nothing: the rubric's
    claim of understanding without content. Compassion ("I'm sorry it's so much") is
    about the other person, though it says "I"."""
    sentences = split_sentences(reply)
    own = [s for s in sentences if _about_self(s) and not COMPASSION.search(s) and not CLAIMING.search(s)
           and not _bare_claim(s)]
    if any(EMOTION.search(s) for s in own):
        return True
    return bool(SHARED.search(reply)) and (bool(own) or not all(_bare_claim(s) for s in sentences if SHARED.search(s)))


def _bare_claim(sentence: str) -> bool:
    """A sentence that is nothing but a claim of knowing the feeling ("I know how you feel.")."""
    rest = KNOWING.sub(" ", SHARED.sub(" ", sentence))
    return len(re.findall(r"\w+", rest)) <= 2


def understanding(reply: str, customer_message: str) -> float:
    """How much understanding of the other's situation the reply shows, 0..1: saying it
    back (judge/signals.reflection) or, in full, relating an experience of one's own."""
    return 1.0 if shared_experience(reply) or REFLECTING.search(reply) else reflection(reply, customer_message)


def exploring(reply: str, customer_message: str, language: str | None = None) -> float:
    """How the reply explores the other's situation, 0..1:
    1.0, an open question specific to it (with two words of its own, or one the customer's
    message holds): "What does money look like for you over the next couple of months?";
    0.75, a closed specific one ("Is the rent the most urgent payment?");
    0.5, generic questions only ("Can you tell me more?", "Is that correct?");
    0, nothing asked but process data ("Wie lautet Ihre Kundennummer?") or nothing at all.
    The rubric's level 2 is a specific, open question; a closed one it grades lower."""
    said = _content(customer_message)
    asked = [q for q in asking_sentences(reply) if not process_question(q, said)]
    if not asked:
        return 0.0
    specific = [q for q in asked if _names_their_situation(_content(q), said) and not BLAMING.search(q)]
    if not specific:
        return 0.5
    return 1.0 if any(is_open(q, language) for q in specific) else 0.75


def _names_their_situation(asked: set[str], said: set[str]) -> bool:
    """Two words of the question's own, or one the customer's message holds."""
    return len(asked) >= 2 or bool(asked & said)


def process_question(question: str, said: set[str] = frozenset()) -> bool:
    """A question for the process's data (an account number, a date of birth, a number to
    call back on) that takes up nothing the customer said (`said`: their content words), or
    holds at most one word of its own besides."""
    if not PROCESS_DATA.search(question):
        return False
    return len(_content(PROCESS_DATA.sub(" ", question))) <= 1 or not _content(question) & said


def bounds(kind: str | None, signal: float, levels: list[int]) -> tuple[int, int]:
    """The levels the code allows for a criterion's signal, whatever the model reads:
    the rubric's level 2 rests on explicit compassion or a named feeling ("reaction"), on
    a specific question ("exploring"); a reply that only alludes or asks generically stays
    at 1, and one that does the strong thing is at least 1. A specific, open question is
    exploration's level 2 outright, and questions for process data alone are its level 0:
    the rubric says both in words, and the model's reading does not tell them apart."""
    low, high = min(levels), max(levels)
    if kind == "exploring" and high >= 2:
        if signal >= 1.0:  # a specific, open question: the 1.5B model's reading scatters around 1 here
            return min(2, high), high
        if signal == 0:  # process questions only (a reply asking nothing is level 0 before any reading)
            return low, low
    if kind in ("reaction", "exploring") and high >= 2:
        if signal >= 0.75:
            return max(low, 1), high
        if signal > 0:
            return low, 1
    return low, high


def _content(text: str) -> set[str]:
    return {w[:5] for w in normalise(text).split() if len(w) >= 4 and w not in _ASKING_WORDS and w not in COMMON}
