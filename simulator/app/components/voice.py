"""Voice scenarios: the customer's face with its live voice (the player in
app/voice_player fetches each sentence as the page publishes it, plays them in order and
opens the mouth with the loudness), the message's audio to play again, and the form in
which the trainee corrects what was heard."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import streamlit.components.v1 as st_components

from simulator.app.avatar import avatar_label, avatar_svg
from simulator.app.components.common import error_text, escape_markdown
from simulator.app.components.signals import voice_signals_caption
from simulator.app.text import _
from simulator.app.text import language as interface_language
from simulator.roleplay.mood import MoodState
from simulator.voice.backends import SpeechStyle, SpeechUnavailable, TextToSpeech
from simulator.voice.live import VoiceLine
from simulator.voice.spoken import SpokenReply

_player = st_components.declare_component(
    "customer_voice", path=str(Path(__file__).resolve().parents[1] / "voice_player"))


def customer_voice(line: VoiceLine, mood: MoodState | None, name: str) -> None:
    """The face, speaking each new sentence of `line`; what was said before the page was
    opened is not said again. One per page (its key keeps the player across reruns, so a
    rerun does not cut the customer off). Without a `mood` (an assessment hides it) the
    player speaks with no face."""
    language = interface_language()
    if mood is None:
        label, svg = _("The customer is on the line."), ""
    else:
        label = avatar_label(mood.label, language, name)
        svg = avatar_svg(mood.label, anger=mood.anger, anxiety=mood.anxiety, trust=mood.trust, name=name,
                         language=language)
    prefix = st.get_option("server.baseUrlPath").strip("/")
    base = f"/{prefix}" if prefix else ""
    _player(token=line.token, after=line.last_seq, svg=svg, label=label, base=base,
            labels={"again": _("Play again"), "start": _("Play the customer's voice"),
                    "closed": _("The customer's voice stopped: reload the page to hear it again.")},
            key="customer_voice", default=None)
    st.caption(escape_markdown(label))


def message_audio(tts: TextToSpeech, turn_id: int, text: str, language: str, style: SpeechStyle, autoplay: bool,
                  problem: str | None = None) -> None:
    """The whole message as an audio control, to play again (`autoplay`: where no live
    player spoke it). `problem`: why the live voice could not speak it."""
    if problem:
        st.caption(escape_markdown(problem))
    try:
        audio = _spoken(tts, turn_id, text, language, style)
    except SpeechUnavailable as exc:
        st.caption(error_text(exc))
        return
    st.audio(audio, format="audio/wav", autoplay=autoplay)


@st.cache_data(max_entries=64, show_spinner=False)
def _spoken(_tts: TextToSpeech, turn_id: int, text: str, language: str, style: SpeechStyle) -> bytes:
    return _tts.speak(text, language, style)


def spoken_reply_form(key: str, heard: SpokenReply, max_chars: int, coach: bool) -> str | None:
    """What was heard, to correct, with the delivery signals when `coach`; the text once sent."""
    with st.form(key, clear_on_submit=True):
        text = st.text_area(_("What you said: correct it before you send it"), heard.raw_transcript,
                            max_chars=max_chars)
        if coach:
            voice_signals_caption(heard.signals, interface_language())
        sent = st.form_submit_button(_("Send"), type="primary", icon=":material/send:")
    return text if sent else None
