"""The simulated customer's face, drawn as an inline SVG string.

The trainee should *see* how the customer feels, not only read numbers on a mood meter:
a face that frowns, sweats or smiles is read at a glance while typing a reply. The face is
built from plain SVG shapes so that it needs no asset files, fonts, images or network
access, and can be embedded in any page as-is. This module stays free of Streamlit so it
can be tested (and reused) without a running app.

Each mood has its own eyebrows, eyes and mouth, so the four moods stay distinguishable
even at low intensity; anger, anxiety and trust (0..10) only exaggerate or soften them.
"""

from __future__ import annotations

import hashlib
import html

from simulator.i18n import LANGUAGES, N_, translate

MOODS = ("calm", "anxious", "angry", "relieved")
VIEWBOX = 120

# English msgids; the German is in the catalog (simulator/locale). German has no
# gender-neutral "the customer"; its translation, "die Person", avoids guessing the gender.
_ADJECTIVES = {"calm": N_("calm"), "anxious": N_("anxious"), "angry": N_("angry"), "relieved": N_("relieved")}
_NAMED = N_("{name} looks {adjective}")
_ANONYMOUS = N_("The customer looks {adjective}")

_INK = "#3b2a20"
_SKIN = (242, 201, 160)
_FLUSH = (224, 87, 74)
_PALLOR = (236, 226, 205)
_HAIR = "#5b4636"
_SHIRT = "#6c8ebf"
_CHEEK = "#e8737a"
_SWEAT = "#7cc4f0"
_MOUTH_INSIDE = "#8a3b3b"


def avatar_label(mood: str, language: str = "en", name: str = "") -> str:
    """The face's text alternative, e.g. "Dana looks angry" / "Die Person wirkt verärgert"."""
    _check(mood, language)
    adjective = translate(_ADJECTIVES[mood], language)
    name = " ".join(name.split())
    if name:
        return translate(_NAMED, language).format(name=name, adjective=adjective)
    return translate(_ANONYMOUS, language).format(adjective=adjective)


def avatar_svg(
    mood: str,
    *,
    anger: int = 0,
    anxiety: int = 0,
    trust: int = 5,
    name: str = "",
    size: int = 120,
    language: str = "en",
) -> str:
    """An accessible SVG face for `mood`; anger, anxiety and trust (0..10) set its intensity."""
    _check(mood, language)
    if size <= 0:
        raise ValueError(f"size must be positive, got {size}")
    anger, anxiety, trust = _clamp(anger), _clamp(anxiety), _clamp(trust)
    title_id = "avatar-" + _digest(mood, anger, anxiety, trust, name, size, language) + "-title"
    label = html.escape(avatar_label(mood, language, name))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {VIEWBOX} {VIEWBOX}" role="img" aria-labelledby="{title_id}" '
        f'class="avatar" data-mood="{mood}">',
        f'<title id="{title_id}">{label}</title>',
        _head(_skin(mood, anger, anxiety)),
        _cheeks(mood, anger, trust),
        _brows(mood, anger, anxiety),
        _eyes(mood, anger, anxiety),
        _mouth(mood, anger, anxiety, trust),
        _sweat(mood, anxiety),
        "</svg>",
    ]
    # No whitespace between tags: a blank line would end an HTML block in Markdown.
    return "".join(parts)


def _check(mood: str, language: str) -> None:
    if mood not in MOODS:
        raise ValueError(f"unknown mood {mood!r}; expected one of {', '.join(MOODS)}")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")


def _clamp(value: int) -> int:
    return max(0, min(10, int(value)))


def _digest(*args: object) -> str:
    # A hash rather than a counter keeps the output reproducible; the arguments that
    # change the picture also change the id, so different avatars on a page never clash.
    return hashlib.sha256(repr(args).encode()).hexdigest()[:12]


def _num(value: float) -> str:
    # One decimal is finer than a pixel at any sensible size and keeps the markup stable.
    text = f"{round(value, 1):g}"
    return "0" if text == "-0" else text


def _mix(base: tuple[int, int, int], target: tuple[int, int, int], amount: float) -> str:
    channels = (round(b + (t - b) * amount) for b, t in zip(base, target))
    return "#" + "".join(f"{c:02x}" for c in channels)


def _skin(mood: str, anger: int, anxiety: int) -> str:
    if mood == "angry":
        # Already flushed at anger 0 so the mood reads as angry; deeper red as anger grows.
        return _mix(_SKIN, _FLUSH, 0.25 + 0.045 * anger)
    if mood == "anxious":
        return _mix(_SKIN, _PALLOR, 0.2 + 0.05 * anxiety)
    return _mix(_SKIN, _FLUSH, 0.02 * anger)


def _head(skin: str) -> str:
    return (
        f'<g class="head">'
        f'<path d="M28 120 Q28 98 60 98 Q92 98 92 120 Z" fill="{_SHIRT}"/>'
        f'<circle cx="21" cy="66" r="7" fill="{skin}"/>'
        f'<circle cx="99" cy="66" r="7" fill="{skin}"/>'
        f'<circle class="face" cx="60" cy="64" r="40" fill="{skin}"/>'
        f'<path d="M20 62 Q20 18 60 18 Q100 18 100 62 Q94 36 60 34 Q26 36 20 62 Z" fill="{_HAIR}"/>'
        f"</g>"
    )


def _cheeks(mood: str, anger: int, trust: int) -> str:
    if mood == "angry":
        opacity = 0.3 + 0.05 * anger
    else:
        opacity = 0.08 + 0.03 * trust
    return (
        f'<g class="cheeks" fill="{_CHEEK}" opacity="{_num(opacity)}">'
        f'<ellipse cx="37" cy="75" rx="6" ry="4"/>'
        f'<ellipse cx="83" cy="75" rx="6" ry="4"/>'
        f"</g>"
    )


def _mirror(d: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    return [(command, VIEWBOX - x, y) for command, x, y in d]


def _path(d: list[tuple[str, float, float]]) -> str:
    return " ".join(f"{command}{_num(x)} {_num(y)}" if command else f"{_num(x)} {_num(y)}" for command, x, y in d)


def _pair(d: list[tuple[str, float, float]], attributes: str) -> str:
    """The same stroke on the left and, mirrored, on the right side of the face."""
    return f'<path d="{_path(d)}" {attributes}/><path d="{_path(_mirror(d))}" {attributes}/>'


def _brows(mood: str, anger: int, anxiety: int) -> str:
    width = 3.0
    if mood == "calm":
        left = [("M", 38, 49), ("Q", 45.5, 46), ("", 53, 49)]
    elif mood == "anxious":
        # Inner ends pulled up: the classic worried brow.
        raise_ = 4 + 0.4 * anxiety
        left = [("M", 38, 50), ("Q", 46, 50 - raise_ / 2 + 1.5), ("", 53, 50 - raise_)]
    elif mood == "angry":
        # Inner ends pulled down into a V; steeper and heavier with anger.
        drop = 4 + 0.4 * anger
        left = [("M", 37, 45), ("Q", 46, 45 + drop / 2 - 0.5), ("", 55, 45 + drop)]
        width = 3.5 + 0.15 * anger
    else:
        left = [("M", 38, 46), ("Q", 45.5, 39), ("", 53, 46)]
    attributes = f'fill="none" stroke="{_INK}" stroke-width="{_num(width)}" stroke-linecap="round"'
    return f'<g class="brows">{_pair(left, attributes)}</g>'


def _eyes(mood: str, anger: int, anxiety: int) -> str:
    if mood == "calm":
        inner = f'<circle cx="46" cy="60" r="3.2" fill="{_INK}"/><circle cx="74" cy="60" r="3.2" fill="{_INK}"/>'
    elif mood == "anxious":
        ry = _num(5.5 + 0.1 * anxiety)
        pupil = _num(2.6 - 0.06 * anxiety)  # pupils shrink to pinpoints as fear grows
        inner = "".join(
            f'<ellipse cx="{cx}" cy="60" rx="5.5" ry="{ry}" fill="#ffffff" stroke="{_INK}" stroke-width="1.5"/>'
            f'<circle cx="{cx}" cy="60" r="{pupil}" fill="{_INK}"/>'
            for cx in (46, 74)
        )
    elif mood == "angry":
        ry = _num(2.6 - 0.12 * anger)
        lid = [("M", 39, 56), ("L", 53, 59)]
        inner = (
            f'<ellipse cx="46" cy="61" rx="5" ry="{ry}" fill="{_INK}"/>'
            f'<ellipse cx="74" cy="61" rx="5" ry="{ry}" fill="{_INK}"/>'
            + _pair(lid, f'fill="none" stroke="{_INK}" stroke-width="2" stroke-linecap="round"')
        )
    else:
        # Closed, upward-curved eyes: the relaxed look after tension lets go.
        arc = [("M", 40, 62), ("Q", 46, 55), ("", 52, 62)]
        inner = _pair(arc, f'fill="none" stroke="{_INK}" stroke-width="2.5" stroke-linecap="round"')
    return f'<g class="eyes">{inner}</g>'


def _mouth(mood: str, anger: int, anxiety: int, trust: int) -> str:
    stroke = f'fill="none" stroke="{_INK}" stroke-width="2.5" stroke-linecap="round"'
    if mood == "calm":
        depth = 2 + 0.25 * trust
        inner = f'<path d="M49 84 Q60 {_num(84 + 2 * depth)} 71 84" {stroke}/>'
    elif mood == "anxious":
        inner = f'<path d="{_wave(45, 86, 4, 7, 1 + 0.25 * anxiety)}" {stroke}/>'
    elif mood == "angry":
        depth = 3 + 0.5 * anger
        corners, middle = _num(86 + depth / 2), _num(86 - 1.5 * depth)
        inner = f'<path d="M46 {corners} Q60 {middle} 74 {corners}" {stroke}/>'
    else:
        depth = 6 + 0.5 * trust
        inner = (
            f'<path d="M41 79 Q60 {_num(79 + 2 * depth)} 79 79 Z" fill="{_MOUTH_INSIDE}" '
            f'stroke="{_INK}" stroke-width="2.5" stroke-linejoin="round"/>'
        )
    return f'<g class="mouth">{inner}</g>'


def _wave(x: float, y: float, waves: int, span: float, amplitude: float) -> str:
    """A trembling mouth line: `waves` half-waves of width `span` alternating up and down."""
    d = f"M{_num(x)} {_num(y)}"
    for i in range(waves):
        sign = -1 if i % 2 == 0 else 1
        d += f" Q{_num(x + span / 2)} {_num(y + sign * 2 * amplitude)} {_num(x + span)} {_num(y)}"
        x += span
    return d


def _sweat(mood: str, anxiety: int) -> str:
    # A drop belongs to every anxious face; any other face only breaks a sweat when
    # anxiety runs high despite the dominant mood.
    if mood != "anxious" and anxiety < 7:
        return ""
    scale = 0.7 + 0.05 * anxiety
    x, y, h, w = 93, 43, 12 * scale, 5 * scale
    d = (
        f"M{x} {y} C{_num(x + w)} {_num(y + h * 0.65)} {_num(x + w * 0.8)} {_num(y + h)} {x} {_num(y + h)} "
        f"C{_num(x - w * 0.8)} {_num(y + h)} {_num(x - w)} {_num(y + h * 0.65)} {x} {y} Z"
    )
    return f'<g class="sweat"><path d="{d}" fill="{_SWEAT}" stroke="#4a90c2" stroke-width="1"/></g>'
