"""The one word for the three meters (shown as the mood and the face): one rule, tested at
its boundaries (issue 14, item 5: "angry" at anger 4, anxiety 1, trust 6 contradicted the
meters)."""

import pytest

from simulator.roleplay.mood import MODERATE, STRONG, WARY, MoodState


def label(anger, anxiety, trust):
    return MoodState(anger=anger, anxiety=anxiety, trust=trust).label


def test_the_reported_case_is_calm_not_angry():
    assert label(4, 1, 6) == "calm"


@pytest.mark.parametrize(("anger", "anxiety", "trust", "expected"), [
    # a strong feeling always shows
    (STRONG, 0, 10, "angry"), (STRONG - 1, 0, 10, "calm"),
    (0, STRONG, 10, "anxious"), (0, STRONG - 1, 10, "calm"),
    # a moderate one only while trust is low
    (MODERATE, 0, WARY, "angry"), (MODERATE, 0, WARY + 1, "calm"), (MODERATE - 1, 0, 0, "calm"),
    (0, MODERATE, WARY, "anxious"), (0, MODERATE, WARY + 1, "calm"),
    # the stronger feeling names the mood; anger on a tie
    (6, 7, 5, "anxious"), (7, 6, 5, "angry"), (6, 6, 5, "angry"),
    # relieved: trust 7+, anger 2-, anxiety 3-
    (2, 3, 7, "relieved"), (3, 3, 7, "calm"), (2, 4, 7, "calm"), (2, 3, 6, "calm"),
    (0, 0, 10, "relieved"), (0, 0, 0, "calm"),
])
def test_the_label_follows_the_rule_at_its_boundaries(anger, anxiety, trust, expected):
    assert label(anger, anxiety, trust) == expected


def test_the_face_and_the_mood_line_use_the_same_word():
    from simulator.app.avatar import avatar_svg

    mood = MoodState(anger=4, anxiety=1, trust=6)
    assert f'data-mood="{mood.label}"' in avatar_svg(mood.label, anger=4, anxiety=1, trust=6, name="Dana")
