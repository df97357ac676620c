"""The seed scenarios' authored lines (beats and facts' tell lines) do what the customer
modes rely on: every beat and fact has lines, a beat line gives away no hidden fact, a
tell line shows its own fact (and no other), a relieved line reads as relief, and no
line is said twice or copies the persona's voice samples."""

from __future__ import annotations

import pytest

from simulator.content.library import default_content_dirs, load_library
from simulator.content.schema import BEATS
from simulator.roleplay import guards
from simulator.roleplay.facts import revealed

LIBRARY, PROBLEMS = load_library(*default_content_dirs())
SCENARIOS = sorted(LIBRARY.scenarios.values(), key=lambda s: s.id)


def test_seed_library_loads_cleanly():
    assert PROBLEMS == []


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_beat_and_fact_has_lines(scenario):
    for beat in BEATS:
        assert len(getattr(scenario.lines, beat)) >= 2, f"{scenario.id}: lines.{beat} needs two lines or more"
    for fact in scenario.hidden_facts:
        assert fact.tell, f"{scenario.id}: {fact.id} has no tell line"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_beat_lines_give_no_fact_away(scenario):
    for beat in BEATS:
        for line in getattr(scenario.lines, beat):
            for fact in scenario.hidden_facts:
                assert revealed(fact, line) is None, f"{scenario.id} lines.{beat}: {line!r} reveals {fact.id}"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_tell_lines_show_their_own_fact_only(scenario):
    for fact in scenario.hidden_facts:
        for line in fact.tell:
            assert revealed(fact, line), f"{scenario.id}: {line!r} does not show {fact.id}"
            others = [f.id for f in scenario.hidden_facts if f is not fact and revealed(f, line)]
            assert not others, f"{scenario.id}: the tell line {line!r} of {fact.id} also reveals {others}"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_relieved_lines_read_as_relief_and_the_others_do_not(scenario):
    for line in scenario.lines.relieved:
        assert guards.shows_relief(line), f"{scenario.id}: relieved line {line!r} does not read as relief"
    for beat in ("threatened", "unheard", "pressing"):
        for line in getattr(scenario.lines, beat):
            assert not guards.shows_relief(line), f"{scenario.id} lines.{beat}: {line!r} reads as relief"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_lines_are_the_customers_voice_and_never_repeat(scenario):
    lines = [line for beat in BEATS for line in getattr(scenario.lines, beat)]
    lines += [line for fact in scenario.hidden_facts for line in fact.tell]
    folded = [" ".join(line.casefold().split()) for line in lines]
    assert len(set(folded)) == len(folded), f"{scenario.id}: a line is authored twice"
    samples = {" ".join(s.casefold().split()) for lines_ in scenario.persona.voice_samples.values() for s in lines_}
    assert not samples & set(folded), f"{scenario.id}: a line copies a voice sample"
    for line in lines:
        hit = (guards.first_hit(line) or guards.owner_reversed_hit(line, guards.owned(scenario.opening))
               or guards.narration_hit(line, scenario.persona.name))
        assert hit is None, f"{scenario.id}: {line!r} sounds like the agent ({hit.kind}: {hit.match})"
        language = guards.language_of(line)
        assert language in (None, scenario.language), f"{scenario.id}: {line!r} is not in {scenario.language}"
