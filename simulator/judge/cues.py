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
  of it, a generic one ("What happened?") does not (judge/questions.py).

The patterns are written from those definitions and the rubrics' anchors, in English and
German; the levels they suggest are signals a calibration fit weighs (judge/fit.py), and
a reply that reacts to no one is emotional-reaction level 0 in code (judge/requirements.py).
"""

from __future__ import annotations

import re

from simulator.judge.sanitise import split_sentences
from simulator.judge.signals import FEELING, REFLECTING, is_question, reflection

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
                      r"realise|realize|see|get (?:it|that|this|you))|i can only imagine|ich verstehe|"
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
# A sentence about oneself that relates no experience: an opinion or a wish ("I think it
# gets better", "ich hoffe"), the agent's handling of the case ("I've checked the
# system", "Ich habe das geprüft", "I'm looking into it"), an introduction ("My name is
# Sam", "Ich bin Frau Kaya vom Kundenservice"), a polite frame ("I'm afraid we can't",
# "I apologise").
OPINION = re.compile(
    r"(?<!\w)(?:i (?:just |really |also |personally |honestly |do |don'?t |do not )?(?:think|thought|guess|suppose|"
    r"believe|bet|like|love|hate|wish|hope|doubt|agree|disagree|mean|dunno|know|recommend|suggest|would say|"
    r"'d say)|i'?m (?:just |not )?(?:curious|fine|sure|glad|happy|pleased|delighted)|in my opinion|imo|"
    r"ich (?:glaube|denke|finde|meine|hoffe|wünsche|vermute|schätze|weiß|empfehle|freue mich))(?!\w)", re.I)
_HANDLING_EN = (
    r"i'll|i will|i'm going to|i am going to|let me|i can(?!'?t|not)|i could(?!n'?t)|i'd (?:like|be happy)|"
    r"i would like|i need|i have to|i must|i shall|"
    r"i(?:'ve| have)? (?:just |now |already |also )?(?:checked|looked|sent|passed|raised|logged|booked|arranged|"
    r"refunded|added|removed|cancell?ed|escalated|asked|spoke|spoken|contacted|noticed|found|updated|changed|"
    r"lifted|unblocked|reset|confirmed|reviewed|processed|transferred|noted|put|made|set|requested|reported|"
    r"forwarded|issued|credited|reversed|waived|flagged|called|emailed|written|wrote|opened|closed|fixed|sorted|"
    r"resolved)|i (?:can )?see|"
    r"i'?m (?:now |just |currently )?(?:checking|looking|sending|passing|raising|arranging|booking|processing|"
    r"transferring|escalating|calling|writing|contacting|reviewing|updating|noting|putting|adding|getting|going|"
    r"on it|afraid)|"
    r"apolog\w*|(?:comes?|gets?|send it|write|reply|talk|speak|back|contact|reach|call|email) "
    r"(?:straight |directly |back )?(?:to )?me|"
    r"i (?:can )?(?:promise|assure|guarantee|ensure)|(?:make|making) sure|i'?m (?:not )?(?:able|unable) to|"
    r"i am (?:not )?able to|i (?:do ?n'?t|do not|ca ?n'?t|cannot) (?:have|see|find|access|do|change|give|offer)|"
    r"i have no (?:information|access|record|details)|"
    r"my name is|i work (?:in|for|at|with|on)|(?:this is|i'?m|i am) \w+ (?:from|at|in|with)|"
    r"i(?:'m| am) (?:here|available|happy|glad) to|i (?:have|'ve got) (?:good|some|great|bad) news|"
    r"i (?:was|have been|'ve been) (?:on the phone|in touch|speaking|talking) (?:to|with)|"
    r"i (?:spoke|talked) (?:to|with)")
_HANDLING_DE = (
    r"ich (?:verspreche|versichere|garantiere)|ich habe (?:leider )?kein\w*|"
    r"ich (?:werde|kann|könnte|möchte|muss|prüfe|schaue|sehe|kümmere|leite|gebe|veranlasse|buche|storniere|"
    r"erstatte|sende|schicke|rufe|melde|notiere|trage|bearbeite|entschuldige)|lassen sie mich|"
    r"(?:erledige|mache|prüfe|kläre|kümmere|setze|buche|storniere|veranlasse|leite|schicke|sende|rufe|gebe|"
    r"kann|werde|muss|möchte|will|darf) ich|ich (?:setze|mache|kläre|erledige|schreibe|richte|lege|stelle|nehme|"
    r"hebe|buche|übernehme|sorge|halte|informiere|sage)|"
    r"ich habe (?:\w+,? ){0,14}(?:angerufen|markiert|geprüft|nachgesehen|veranlasst|weitergeleitet|angestoßen|"
    r"storniert|erstattet|gebucht|notiert|eingetragen|geändert|freigeschaltet|entsperrt|aufgehoben|gesendet|"
    r"geschickt|bestellt|angewiesen|überwiesen|gutgeschrieben|beauftragt|informiert|gesprochen|kontaktiert|"
    r"angesehen|gesehen|geklärt|erledigt|aufgenommen|bearbeitet)|mein name ist|"
    r"ich bin \w+ \w+ (?:vom|von der|aus dem|aus der)|hier (?:ist|spricht)")
HANDLING = re.compile(rf"(?<!\w)(?:{_HANDLING_EN}|{_HANDLING_DE})(?!\w)", re.I)
# "im" and "ive" are left out: "im" is German ("im Dunkeln").
FIRST_PERSON = re.compile(r"(?<!\w)(?:i|i'm|i've|i'd|me|my|myself|ich|mir|mich|mein|meine|meinen|meinem)"
                          r"(?!\w)", re.I)


def reacting_sentences(reply: str) -> list[str]:
    """Sentences that react to the other person: compassion, a feeling said of them
    ("you must be scared"), knowing the feeling ("I know how that feels"), or generic
    warmth ("take your time", "keine Sorge")."""
    return [s for s in split_sentences(reply)
            if COMPASSION.search(s) or KNOWING.search(s) or WARMTH.search(s) or (FEELING.search(s) and YOU.search(s))
            or (not about_self(s) and ((EMOTION.search(s) and NAMING.search(s)) or (FEELING.search(s) and POINTED.search(s))))]


def reaction(reply: str, stock: list[str] | tuple[str, ...] = ()) -> float:
    """1.0 when a sentence of the reply's own expresses compassion or names the other's
    feeling ("losing her present, you must be gutted"); 0.5 when the reply only alludes to
    the feeling ("I know how you feel"), or its compassion is a stock phrase ("I'm sorry
    to hear that" could be said to anyone: the rubric's level 1); 0 when it reacts to no
    one."""
    reacting = reacting_sentences(reply)
    if any(s not in stock and (COMPASSION.search(s) or (EMOTION.search(WARMTH.sub(" ", s)) and not about_self(s)))
           for s in reacting):
        return 1.0
    return 0.5 if reacting else 0.0


def about_self(sentence: str) -> bool:
    """A sentence in the first person that does not address the other: the writer's own
    feelings ("I am so anxious I sleep all day") react to no one."""
    return bool(FIRST_PERSON.search(sentence)) and not YOU.search(sentence)


def shared_experience(reply: str) -> bool:
    """Whether the reply relates an experience or feeling of the writer's own, as EPITOME's
    strong interpretation: a sentence about themselves, not the other person, that tells
    something of their life ("I was so embarrassed when it happened to me", "My mind is
    foggy all day too"), or a phrase of sharing ("me too", "I've been there") with
    something of their own told. A bare "I know how you feel" tells nothing: the rubric's
    claim of understanding without content. Compassion ("I'm sorry it's so much") is about
    the other person, though it says "I"; an opinion, the agent's handling of the case or
    an introduction is no experience."""
    sentences = split_sentences(reply)
    own = _own_sentences(sentences)
    if any(_tells_experience(s) for s in own):
        return True
    return bool(SHARED.search(reply)) and (bool(own) or not all(_bare_claim(s) for s in sentences if SHARED.search(s)))


def _own_sentences(sentences: list[str]) -> list[str]:
    """The sentences about the writer that are neither compassion nor a claim of understanding."""
    return [s for s in sentences if about_self(s) and not COMPASSION.search(s) and not CLAIMING.search(s)
            and not _bare_claim(s)]


def _tells_experience(sentence: str) -> bool:
    """An own sentence that is no question, opinion or handling of the case."""
    return not is_question(sentence) and not OPINION.search(sentence) and not HANDLING.search(sentence)


def _bare_claim(sentence: str) -> bool:
    """A sentence that is nothing but a claim of knowing the feeling ("I know how you feel.")."""
    rest = KNOWING.sub(" ", SHARED.sub(" ", sentence))
    return len(re.findall(r"\w+", rest)) <= 2


# The understanding signal on the rubric's scale: nothing (0), a bare claim ("I
# understand.", "Ich verstehe Sie"; 0.25), a restatement of their situation in three or
# more of the customer's words (0.5), a reflecting frame or an experience of one's own (1).
CLAIM_SIGNAL = 0.25
RESTATED_SIGNAL = 0.5


def understanding(reply: str, customer_message: str) -> float:
    """How much understanding of the other's situation the reply shows, 0..1: in full, a
    reflecting frame or an experience of one's own related; RESTATED_SIGNAL for three or
    more of the customer's words taken up (judge/signals.reflection; one or two are no
    restatement); CLAIM_SIGNAL for a bare claim of understanding; 0 for none of these."""
    if shared_experience(reply) or REFLECTING.search(reply):
        return 1.0
    if reflection(reply, customer_message) >= RESTATED_SIGNAL:
        return RESTATED_SIGNAL
    return CLAIM_SIGNAL if CLAIMING.search(reply) or KNOWING.search(reply) else 0.0


def bounds(kind: str | None, signal: float, levels: list[int]) -> tuple[int, int]:
    """The levels the code allows for a criterion's signal, whatever the model reads:
    the rubric's level 2 rests on explicit compassion or a named feeling ("reaction"), on
    a specific question ("exploring"); a reply that only alludes or asks generically stays
    at 1, and one that does the strong thing is at least 1. A reply that shows no
    understanding in any form code reads ("understanding" 0) is level 0, and one that only
    claims it stays at 1. A question specific to the customer's situation, open or closed,
    is exploration's level 2 outright, and questions for process data alone are its level
    0: the rubric says both in words, and the model's reading does not tell them apart."""
    low, high = min(levels), max(levels)
    if kind == "exploring" and high >= 2:
        if signal >= 0.75:  # a specific question: the 1.5B model's reading scatters around 1 here
            return min(2, high), high
        if signal == 0:  # process questions only (a reply asking nothing is level 0 before any reading)
            return low, low
    if kind == "understanding" and high >= 2:
        if signal == 0:  # no claim, nothing of their situation said back, no experience: the rubric's level 0
            return low, low
        if signal < RESTATED_SIGNAL:  # a bare claim: the rubric's level 1 at most
            return low, min(1, high)
    if kind in ("reaction", "exploring") and high >= 2:
        if signal >= 0.75:
            return max(low, 1), high
        if signal > 0:
            return low, 1
    return low, high
