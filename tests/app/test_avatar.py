"""The customer's SVG face: valid, accessible, self-contained, and different for each mood."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from simulator.app.avatar import LANGUAGES, MOODS, avatar_label, avatar_svg

SVG = "{http://www.w3.org/2000/svg}"
XMLNS = 'xmlns="http://www.w3.org/2000/svg"'
FACE_PARTS = ("brows", "eyes", "mouth")
ALLOWED_TAGS = {"svg", "title", "g", "path", "circle", "ellipse"}


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def part(root: ET.Element, name: str) -> ET.Element:
    found = [g for g in root.iter(f"{SVG}g") if g.get("class") == name]
    assert len(found) == 1, f"expected one <g class={name!r}>, found {len(found)}"
    return found[0]


def part_markup(markup: str, name: str) -> bytes:
    return ET.tostring(part(parse(markup), name))


def without_title(markup: str) -> str:
    root = parse(markup)
    root.remove(root.find(f"{SVG}title"))
    for key in ("aria-labelledby", "data-mood"):
        del root.attrib[key]
    return ET.tostring(root, encoding="unicode")


def brow_slant(markup: str) -> float:
    """How far the left brow's inner end sits below its outer end (negative: above)."""
    left = part(parse(markup), "brows").find(f"{SVG}path")
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", left.get("d"))]
    (outer_x, outer_y), (inner_x, inner_y) = numbers[:2], numbers[-2:]
    assert outer_x < inner_x < 60  # the left brow runs from the temple towards the nose
    return inner_y - outer_y


def redness(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return r - (g + b) / 2


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("mood", MOODS)
def test_svg_is_valid_and_accessible(mood, language):
    markup = avatar_svg(mood, anger=4, anxiety=6, trust=3, name="Dana", size=96, language=language)
    root = parse(markup)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == root.get("height") == "96"
    assert root.get("viewBox") == "0 0 120 120"
    title = root[0]  # screen readers expect the title as the first child
    assert title.tag == f"{SVG}title"
    assert title.text == avatar_label(mood, language, "Dana")
    assert root.get("aria-labelledby") == title.get("id")
    for name in FACE_PARTS:
        assert len(part(root, name)) > 0


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("mood", MOODS)
def test_svg_is_self_contained(mood, language):
    for markup in (
        avatar_svg(mood, language=language),
        avatar_svg(mood, anger=10, anxiety=10, trust=10, name="Dana", language=language),
    ):
        # The SVG namespace declaration is the one URL allowed, and it must be there.
        assert markup.count(XMLNS) == 1
        rest = markup.replace(XMLNS, "").lower()
        for forbidden in ("href", "http", "<script", "<image", "<foreignobject", "url(", "<style", "@import"):
            assert forbidden not in rest, forbidden
        for element in parse(markup).iter():
            assert element.tag.removeprefix(SVG) in ALLOWED_TAGS
            assert not any(key.lower().startswith("on") for key in element.attrib)


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(MOODS, 2)))
@pytest.mark.parametrize("levels", [{}, {"anger": 5, "anxiety": 5, "trust": 5}])
def test_every_pair_of_moods_has_different_brows_eyes_and_mouth(first, second, levels):
    a, b = avatar_svg(first, **levels), avatar_svg(second, **levels)

    assert without_title(a) != without_title(b)
    for name in FACE_PARTS:
        assert part_markup(a, name) != part_markup(b, name), name


def test_anxious_face_sweats_and_others_only_when_anxiety_runs_high():
    def sweats(markup: str) -> bool:
        return any(g.get("class") == "sweat" for g in parse(markup).iter(f"{SVG}g"))

    assert sweats(avatar_svg("anxious", anxiety=0))
    assert sweats(avatar_svg("anxious", anxiety=9))
    assert not sweats(avatar_svg("calm", anxiety=6))
    assert sweats(avatar_svg("calm", anxiety=7))
    assert not any(sweats(avatar_svg(mood)) for mood in ("calm", "angry", "relieved"))


@pytest.mark.parametrize("level", [0, 5, 10])
def test_brows_slant_like_the_mood(level):
    assert brow_slant(avatar_svg("angry", anger=level)) > 2  # V: inner ends pulled down
    assert brow_slant(avatar_svg("anxious", anxiety=level)) < -2  # inner ends raised
    assert brow_slant(avatar_svg("calm", anger=level, anxiety=level)) == 0
    assert brow_slant(avatar_svg("relieved", anger=level, anxiety=level)) == 0


def test_anger_intensifies_the_angry_face():
    mild, furious = avatar_svg("angry", anger=0), avatar_svg("angry", anger=10)

    assert mild != furious
    assert brow_slant(furious) > brow_slant(mild)
    assert brow_slant(avatar_svg("anxious", anxiety=10)) < brow_slant(avatar_svg("anxious", anxiety=0))
    assert part_markup(mild, "mouth") != part_markup(furious, "mouth")
    mild_face = next(c for c in parse(mild).iter(f"{SVG}circle") if c.get("class") == "face")
    furious_face = next(c for c in parse(furious).iter(f"{SVG}circle") if c.get("class") == "face")
    assert redness(furious_face.get("fill")) > redness(mild_face.get("fill"))
    calm_face = next(c for c in parse(avatar_svg("calm")).iter(f"{SVG}circle") if c.get("class") == "face")
    assert redness(mild_face.get("fill")) > redness(calm_face.get("fill"))


def test_levels_are_clamped_to_zero_to_ten():
    assert avatar_svg("angry", anger=99) == avatar_svg("angry", anger=10)
    assert avatar_svg("anxious", anxiety=-3) == avatar_svg("anxious", anxiety=0)
    assert avatar_svg("relieved", trust=42) == avatar_svg("relieved", trust=10)


def test_name_is_escaped_and_still_parses():
    name = 'Dana <b>&"x"</b>'
    markup = avatar_svg("calm", name=name)

    assert "<b>" not in markup
    assert '&"x"' not in markup
    assert parse(markup).find(f"{SVG}title").text == avatar_label("calm", name=name)
    assert name in avatar_label("calm", name=name)


def test_labels_in_english_and_german():
    assert avatar_label("angry", "en", "Dana") == "Dana looks angry"
    assert avatar_label("angry", "de", "Dana") == "Dana wirkt verärgert"
    assert avatar_label("angry") == "The customer looks angry"
    assert avatar_label("angry", "de") == "Die Person wirkt verärgert"
    assert avatar_label("relieved", "en", "  ") == "The customer looks relieved"
    for language in LANGUAGES:
        assert len({avatar_label(mood, language) for mood in MOODS}) == len(MOODS)
    for mood in MOODS:
        assert avatar_label(mood, "de", "Dana") != avatar_label(mood, "en", "Dana")


def test_output_is_deterministic_and_ids_are_distinct_per_avatar():
    assert avatar_svg("anxious", anxiety=8, name="Dana") == avatar_svg("anxious", anxiety=8, name="Dana")
    avatars = [avatar_svg(mood, name="Dana") for mood in MOODS]
    avatars += [avatar_svg("calm", name="Ali"), avatar_svg("calm", anger=3), avatar_svg("calm", size=64)]
    ids = [element.get("id") for markup in avatars for element in parse(markup).iter() if element.get("id")]
    assert len(ids) == len(set(ids)) == len(avatars)


@pytest.mark.parametrize("mood", ["happy", "", "Calm"])
def test_unknown_mood_is_rejected(mood):
    with pytest.raises(ValueError, match="calm, anxious, angry, relieved"):
        avatar_svg(mood)
    with pytest.raises(ValueError, match="calm, anxious, angry, relieved"):
        avatar_label(mood)


def test_unknown_language_and_bad_size_are_rejected():
    with pytest.raises(ValueError, match="en, de"):
        avatar_svg("calm", language="fr")
    with pytest.raises(ValueError, match="en, de"):
        avatar_label("calm", "fr")
    with pytest.raises(ValueError, match="size"):
        avatar_svg("calm", size=0)
