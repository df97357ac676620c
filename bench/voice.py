"""The offline voice engines: word error rate and speed of recognition, speed of the
customer's voice.

    python bench/voice.py [--per-language 10]

Synthesises a fixed set of utterances with the product's own offline voice (espeak-ng),
in English and German: the voice samples of the seed scenarios, which are customer lines
in each language, the first `--per-language` of each. Each is transcribed by the offline
recogniser (Whisper base, faster-whisper, 2 threads) and compared with what was said
(lower case, punctuation dropped, digits as written). Prints one line per utterance, then
one JSON object on its last line: per language the WER, the real-time factor of
recognition (seconds of work per second of audio), and the speech synthesis real-time
factor and time per sentence.

Synthetic speech is not a person: espeak-ng's robotic German is harder for Whisper than a
human voice is likely to be, its English easier than a noisy line. Goals (issue 18):
WER <= 15 % English, <= 25 % German; recognition faster than real time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.content.library import load_library  # noqa: E402
from simulator.voice.audio import read_recording  # noqa: E402
from simulator.voice.backends import SpeechStyle, build_stt, build_tts  # noqa: E402
from tests.support.speech import word_errors  # noqa: E402


def utterances(per_language: int) -> dict[str, list[str]]:
    library, _ = load_library(ROOT / "scenarios", ROOT / "rubrics")
    found: dict[str, list[str]] = {"en": [], "de": []}
    for scenario in sorted(library.scenarios.values(), key=lambda s: s.id):
        if scenario.channel == "email":
            continue  # letters ("Dear Sir or Madam") are not said on the phone
        for samples in scenario.persona.voice_samples.values():
            found[scenario.language].extend(s.strip() for s in samples)
    return {language: lines[:per_language] for language, lines in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-language", type=int, default=10)
    args = parser.parse_args()
    speaker, hearer = build_tts("embedded"), build_stt("embedded")
    warm = read_recording(speaker.speak("Hello there.", "en", SpeechStyle()))
    started = time.perf_counter()
    hearer.transcribe(warm, "en")  # loads the model (assembled once into the cache)
    print(f"recogniser loaded in {time.perf_counter() - started:.1f} s", flush=True)
    summary = {}
    for language, lines in utterances(args.per_language).items():
        edits = total = 0
        audio_s = stt_s = tts_s = 0.0
        sentence_s = []
        for line in lines:
            t0 = time.perf_counter()
            recording = read_recording(speaker.speak(line, language, SpeechStyle()))
            sentence_s.append(time.perf_counter() - t0)
            heard = hearer.transcribe(recording, language)
            wrong, said = word_errors(line, heard.text)
            edits, total = edits + wrong, total + said
            audio_s, stt_s, tts_s = audio_s + recording.seconds, stt_s + heard.seconds, tts_s + sentence_s[-1]
            print(f"{language} {wrong}/{said} {heard.seconds:.2f}s | {line} | {heard.text}", flush=True)
        summary[language] = {
            "utterances": len(lines), "wer": round(edits / total, 3) if total else None,
            "stt_rtf": round(stt_s / audio_s, 3) if audio_s else None,
            "tts_rtf": round(tts_s / audio_s, 4) if audio_s else None,
            "tts_median_sentence_s": round(statistics.median(sentence_s), 3) if sentence_s else None,
            "audio_s": round(audio_s, 1),
        }
    print(json.dumps({**summary, "goals": {"wer_en": 0.15, "wer_de": 0.25, "stt_rtf": 1.0}}))


if __name__ == "__main__":
    main()
