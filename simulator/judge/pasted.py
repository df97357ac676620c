"""Pasted instructions and forms, found in code: the other half of a recited script.

Contact centres answer from macros: a numbered procedure ("Führen Sie die folgenden
Schritte aus: 1 Gehen Sie zu ... 2 Tippen Sie auf ..."), a bulleted list of things to try,
a form of fields to fill in ("Name: Street: Postcode:"). None of it is a stock phrase, yet
it is the copy-paste text the authenticity rubric names at level 0: it could be sent to
any customer, and a chatbot answer pasted under a reply is exactly this. So the sentences
of such a block count as stock (judge/stock.py): they name the block in the verdict, and
a reply that is mostly a block is capped like a reply that is mostly stock phrases.

A list of what the agent did ("1. I've lifted the block. 2. I've refunded the fee.") is
the agent's own account, not a pasted instruction: steps that start in the first person
do not make a block.
"""

from __future__ import annotations

import re

# A step number at the start of a sentence ("2 Tippen Sie", "3. Contact", "1) Open").
_STEP_START = re.compile(r"^(\d{1,2})[.)]?\s+(?=\S)")
# A sentence that is only a step number: the splitter ends a sentence after "2." when
# the step follows it ("... settings. 2. Check your ...").
_STEP_ALONE = re.compile(r"^(\d{1,2})[.)]$")
# The first step inside the sentence that introduces it: after a colon ("... Schritte aus:
# 1 Gehen Sie") or a few words after naming the steps ("... folgenden Schritte aus 1 Gehen
# Sie"); only step 1, so a number in the middle of a sentence ("Sie haben 1 Buch") starts
# nothing.
_STEP_AFTER_COLON = re.compile(
    r"(?::\s*|(?i:steps?|instructions|following|schritte?|folgendes|folgt|anleitung)\b[^.!?:]{0,20}?\s)"
    r"(1)[.)]?(?:\s+(?=[A-ZÄÖÜ])|$)")
# A later step inside the same sentence.
_STEP_INLINE = re.compile(r"\s(\d{1,2})[.)]?\s+(?=[A-ZÄÖÜ])")
# A bullet at the start of a line.
_BULLET = re.compile(r"^[-•*–]\s+\S")
# A form field: a short label and a colon with nothing or another label after it
# ("Name: Straße und Hausnummer: Stadt:"). "10:05" has no space after the colon.
_FIELD = re.compile(r"[A-Za-zÄÖÜäöüß][\w /.()-]{0,30}:(?=\s|$)")
FORM_FIELDS = 3
# A step of a help-centre article that lost its numbers when pasted into a chat: an
# instruction to work the device or the website ("Tippen Sie auf Einstellungen.", "Go to
# your home screen."), alone or after a "then". Three in a row are a pasted procedure (a
# person explaining in their own words rarely gives more than two at once); a menu path
# ("Einstellungen > Konto > Abmelden") is the article's own notation, pasted once is enough.
_UI_STEP = re.compile(
    r"^\W*(?:(?:dann|danach|anschließend|jetzt|nun|zuerst|als nächstes|then|next|now|first|finally)\W+)?"
    r"(?:(?:tippen|klicken|drücken|gehen|wählen|öffnen|scrollen|halten|schalten|aktivieren|deaktivieren|navigieren)"
    r"\s+sie|tap|click|press|go to|select|open|scroll|hold|switch|navigate)\b", re.I)
_MENU_PATH = re.compile(r"\w\s+>\s+\w")  # spaced, as articles write it: "<b>x" is no menu path
UI_STEPS = 3
# Steps in the agent's own voice are an account of what was done, not an instruction.
_FIRST_PERSON = re.compile(r"^(?:i|i'm|i've|i'll|i'd|we|we've|we'll|ich|wir)\b", re.I)


def pasted_sentences(sentences: list[str]) -> set[int]:
    """The indices of the sentences that belong to a pasted procedure, list or form."""
    found = _procedure(sentences) | _bullets(sentences) | _ui_steps(sentences)
    found |= {i for i, s in enumerate(sentences) if len(_FIELD.findall(s)) >= FORM_FIELDS}
    return found


def _steps(sentences: list[str]) -> list[tuple[int, int, int]]:
    """(step number, first sentence of the step, sentence its text starts in), in order."""
    steps = []
    for i, sentence in enumerate(sentences):
        if (alone := _STEP_ALONE.match(sentence)) and i + 1 < len(sentences):
            steps.append((int(alone.group(1)), i, i + 1))
        elif start := _STEP_START.match(sentence):
            steps.append((int(start.group(1)), i, i))
        elif after := _STEP_AFTER_COLON.search(sentence):
            steps.append((int(after.group(1)), i, i if after.group(0).strip()[-1:] not in ".)" else i + 1))
            # Steps run on in the same sentence when the paste lost its line breaks
            # ("... aus: 1 Öffnen Sie die App 2 Tippen Sie auf Konto").
            for inline in _STEP_INLINE.finditer(sentence, after.end()):
                if int(inline.group(1)) == steps[-1][0] + 1:
                    steps.append((int(inline.group(1)), i, i))
    return steps


def _procedure(sentences: list[str]) -> set[int]:
    """Sentences from the first to the last step of a run numbered 1, 2, ... (at least two
    steps; three when the run starts later, as a block pasted from the middle of a
    procedure does), unless the steps speak in the first person."""
    found: set[int] = set()
    run: list[tuple[int, int, int]] = []
    for step in _steps(sentences) + [(0, len(sentences), len(sentences))]:
        if run and step[0] == run[-1][0] + 1:
            run.append(step)
            continue
        if run and len(run) >= (2 if run[0][0] == 1 else 3) and not _own_account(sentences, run):
            found |= set(range(run[0][1], min(run[-1][2], len(sentences) - 1) + 1))
        run = [step]
    return found


def _own_account(sentences: list[str], run: list[tuple[int, int, int]]) -> bool:
    texts = [_STEP_START.sub("", _after_colon(sentences[text])) for _, _, text in run if text < len(sentences)]
    return sum(bool(_FIRST_PERSON.match(t.strip())) for t in texts) * 2 > len(texts)


def _after_colon(sentence: str) -> str:
    match = _STEP_AFTER_COLON.search(sentence)
    return sentence[match.start(1):] if match else sentence


def _bullets(sentences: list[str]) -> set[int]:
    """Two or more bulleted items in a row (with the sentence that introduces them)."""
    found: set[int] = set()
    items = [i for i, s in enumerate(sentences) if _BULLET.match(s) and not _FIRST_PERSON.match(s[1:].strip())]
    runs: list[list[int]] = []
    for i in items:
        if runs and i - runs[-1][-1] <= 2:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        if len(run) >= 2:
            start = run[0] - 1 if run[0] > 0 and sentences[run[0] - 1].rstrip().endswith(":") else run[0]
            found |= set(range(start, run[-1] + 1))
    return found


def _ui_steps(sentences: list[str]) -> set[int]:
    """Unnumbered steps of a pasted help article: three instructions to work the device or
    the website in a row (one other sentence may stand between two), and any menu path."""
    steps = [i for i, s in enumerate(sentences) if _UI_STEP.search(s) or _MENU_PATH.search(s)]
    found: set[int] = {i for i in steps if _MENU_PATH.search(sentences[i])}
    run: list[int] = []
    for i in [*steps, len(sentences) + 2]:
        if run and i - run[-1] > 2:
            if len(run) >= UI_STEPS:
                found |= set(range(run[0], run[-1] + 1))
            run = []
        run.append(i)
    return found
