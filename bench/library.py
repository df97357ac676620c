"""The content library as the benchmarks play it: scenarios that run a fixed number of turns."""

from __future__ import annotations

import sys

from simulator.content.library import Library, default_content_dirs, load_library


def endless(scenario, turns: int, *, mood_drift: float | None = 0.1, spare_turn: bool = False):
    """The scenario with end conditions that cannot trigger before `turns` replies.

    `mood_drift`: the mood's pace (None: the scenario's own, for benches that measure the
    mood); `spare_turn`: the session stays open after the last reply."""
    end = scenario.end.model_copy(update={
        "max_turns": turns + 1 if spare_turn else turns,
        "resolved_when": scenario.end.resolved_when.model_copy(update={"min_turns": turns + 1}),
        "abandon_when": scenario.end.abandon_when.model_copy(update={"min_anger": 10, "max_trust": 0}),
    })
    update = {"end": end} if mood_drift is None else {"end": end, "mood_drift": mood_drift}
    return scenario.model_copy(update=update)


def endless_library(ids, turns: int, **options) -> Library:
    """The seed library with scenarios `ids` made `endless`; exits naming any broken file."""
    library, problems = load_library(*default_content_dirs())
    if problems:
        sys.exit("\n".join(map(str, problems)))
    return Library(scenarios={i: endless(library.scenario(i), turns, **options) for i in ids},
                   rubrics=library.rubrics)
