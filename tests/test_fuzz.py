"""Fuzzing the checkpoint reader and each data loader (CSV, NPZ, IDX): every input, however
mangled, gives a clean result or the documented error (one-line ValueError naming the file),
never another exception, a hang or a huge allocation.

The default run tries a few hundred inputs per reader (a few seconds); ``pytest -m fuzz`` runs
the long version (thousands each).
"""

from __future__ import annotations

import gzip
import io
import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from nn.data import load_csv, load_mnist_idx, load_npz
from nn.io import load

SHORT = settings(max_examples=150, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=5000, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def _checkpoint_bytes() -> bytes:
    buffer_path = "/tmp/_fuzz_seed.safetensors"
    model = nn.MLP([3, 4, 2])
    opt = nn.optim.Adam(model.parameters())
    nn.save({"model": model, "optimizer": opt, "config": {"sizes": [3, 4, 2], "lr": 0.1},
             "epoch": 2}, buffer_path)
    with open(buffer_path, "rb") as file:
        data = file.read()
    os.remove(buffer_path)
    return data


def _npz_bytes(compressed: bool) -> bytes:
    buffer = io.BytesIO()
    save = np.savez_compressed if compressed else np.savez
    save(buffer, X=np.arange(12.0).reshape(4, 3), y=np.array([0, 1, 0, 1]))
    return buffer.getvalue()


def _idx(shape: tuple[int, ...], magic: int) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape)
    return header + bytes(range(int(np.prod(shape))))


SEEDS = {
    "checkpoint": _checkpoint_bytes(),
    "npz": _npz_bytes(False),
    "npz_deflated": _npz_bytes(True),
    "idx_images": _idx((3, 2, 2), 2051),
    "idx_images_gz": gzip.compress(_idx((3, 2, 2), 2051)),
    "csv": b"a,b,label\n1,2,0\n3,4,1\n5.5,-6,0\n",
}


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """``seed`` with a few bytes flipped, inserted or deleted, and maybe truncated."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["flip", "set", "insert", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            data[at] = draw(st.sampled_from([0, 0xFF, 0x7F, ord("9"), ord("["), ord('"')]))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete" and data:
            del data[at:at + draw(st.integers(1, 8))]
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]
    return bytes(data)


def _inputs(seed: str):
    return st.one_of(mutated(SEEDS[seed]), st.binary(max_size=300))


def _accepts(read, path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        read(path)
    except (ValueError, FileNotFoundError) as exc:  # the documented errors
        message = str(exc)
        assert os.fspath(path) in message, message
        assert "\n" not in message, message


def _check_checkpoint(tmp_path_factory, data):
    _accepts(load, tmp_path_factory.mktemp("ck") / "m.safetensors", data)


def _check_npz(tmp_path_factory, data):
    _accepts(load_npz, tmp_path_factory.mktemp("npz") / "d.npz", data)


def _check_idx(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("idx")
    labels = folder / "labels"
    labels.write_bytes(_idx((3,), 2049))
    _accepts(lambda path: load_mnist_idx(path, labels), folder / "images", data)


def _check_csv(tmp_path_factory, data):
    _accepts(load_csv, tmp_path_factory.mktemp("csv") / "d.csv", data)


CHECKS = {
    "checkpoint": (_check_checkpoint, _inputs("checkpoint")),
    "npz": (_check_npz, st.one_of(_inputs("npz"), _inputs("npz_deflated"))),
    "idx": (_check_idx, st.one_of(_inputs("idx_images"), _inputs("idx_images_gz"))),
    "csv": (_check_csv, st.one_of(_inputs("csv"), st.text(max_size=200).map(str.encode))),
}


def _fuzz(tmp_path_factory, reader: str, profile: settings) -> None:
    check, inputs = CHECKS[reader]
    tried = []

    def one(data: bytes) -> None:
        tried.append(len(data))
        check(tmp_path_factory, data)

    given(data=inputs)(profile(one))()
    print(f"fuzz {reader}: {len(tried)} inputs, clean or the documented error")
    assert len(tried) >= profile.max_examples // 2  # the fuzz did run


@pytest.mark.parametrize("reader", sorted(CHECKS))
def test_fuzz_short(tmp_path_factory, reader):
    _fuzz(tmp_path_factory, reader, SHORT)


@pytest.mark.fuzz
@pytest.mark.parametrize("reader", sorted(CHECKS))
def test_fuzz_long(tmp_path_factory, reader):
    _fuzz(tmp_path_factory, reader, LONG)


def test_the_seeds_themselves_load(tmp_path):
    """The mutations start from valid files (so the fuzz reaches past the first check)."""
    for name, data in SEEDS.items():
        (tmp_path / name).write_bytes(data)
    assert load(tmp_path / "checkpoint")["epoch"] == 2
    assert set(load_npz(tmp_path / "npz")) == {"X", "y"} == set(load_npz(tmp_path /
                                                                          "npz_deflated"))
    (tmp_path / "labels").write_bytes(_idx((3,), 2049))
    for images in ("idx_images", "idx_images_gz"):
        assert load_mnist_idx(tmp_path / images, tmp_path / "labels")[0].shape == (3, 4)
    assert load_csv(tmp_path / "csv")[0].shape == (3, 2)
    with zipfile.ZipFile(io.BytesIO(SEEDS["npz_deflated"])) as archive:
        assert archive.infolist()[0].compress_type == zipfile.ZIP_DEFLATED
