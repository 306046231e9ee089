"""Issue 14: gradients at kinks and at infinity as PyTorch gives them, and a model checkpoint
round-tripping through PyTorch.

Every elementwise op's gradient is compared with PyTorch's where the upstream gradient is inf,
-inf or 0, at the kinks (0, the clamp bounds, ties) and at huge values (1e300): NaN exactly
where PyTorch has NaN, the same infinities, the same finite values.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
import nn

POINTS = [0.0, -0.0, -0.5, 0.5, 1.0, -1.0, 2.0, 1e300, -1e300, 1e-300, np.inf, -np.inf]
UPSTREAM = [np.inf, -np.inf, 0.0, 1.0]

UNARY = {  # name: (ours, PyTorch's)
    "neg": (lambda x: -x, lambda x: -x),
    "exp": (ag.exp, torch.exp), "log": (ag.log, torch.log), "sqrt": (ag.sqrt, torch.sqrt),
    "sin": (ag.sin, torch.sin), "cos": (ag.cos, torch.cos), "tanh": (ag.tanh, torch.tanh),
    "sigmoid": (ag.sigmoid, torch.sigmoid), "relu": (ag.relu, torch.relu),
    "abs": (ag.abs, torch.abs), "log1p": (ag.log1p, torch.log1p),
    "expm1": (ag.expm1, torch.expm1), "atan": (ag.atan, torch.atan),
    "erf": (ag.erf, torch.erf),
    "clamp": (lambda x: ag.clamp(x, 0.0, 1.0), lambda x: torch.clamp(x, 0.0, 1.0)),
    "clamp_min": (lambda x: ag.clamp(x, min=0.0), lambda x: torch.clamp(x, min=0.0)),
    "max": (lambda x: ag.stack([x, ag.tensor(0.0, dtype="float64")]).max(),
            lambda x: torch.stack([x, torch.tensor(0.0, dtype=torch.float64)]).max()),
    "min": (lambda x: ag.stack([x, ag.tensor(0.0, dtype="float64")]).min(),
            lambda x: torch.stack([x, torch.tensor(0.0, dtype=torch.float64)]).min()),
}

BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "maximum": (lambda a, b: ag.maximum(a, b), lambda a, b: torch.maximum(a, b)),
    "minimum": (lambda a, b: ag.minimum(a, b), lambda a, b: torch.minimum(a, b)),
}


def _pair(value):
    return (ag.tensor(value, dtype="float64", requires_grad=True),
            torch.tensor(value, dtype=torch.float64, requires_grad=True))


def _assert_same_gradient(ours, theirs, context):
    np.testing.assert_allclose(np.asarray(ours), theirs, rtol=1e-12, atol=0, equal_nan=True,
                               err_msg=context)
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), context  # nan exactly as torch
    assert np.array_equal(np.signbit(ours[~np.isnan(ours)]),
                          np.signbit(theirs[~np.isnan(theirs)])) or ours == 0, context


def _backward(out, upstream, library):
    if library == "ours":
        out.backward(ag.tensor(upstream, dtype="float64"))
    else:
        out.backward(torch.tensor(upstream, dtype=torch.float64))


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=25, deadline=None)
@given(x=st.sampled_from(POINTS), g=st.sampled_from(UPSTREAM))
def test_unary_gradients_with_infinite_or_zero_upstream_match_torch(name, x, g):
    ours_fn, torch_fn = UNARY[name]
    a, ta = _pair(x)
    with np.errstate(all="ignore"):
        _backward(ours_fn(a), g, "ours")
    _backward(torch_fn(ta), g, "torch")
    _assert_same_gradient(a.grad.array, ta.grad.numpy(), f"{name}({x}) with upstream {g}")


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=40, deadline=None)
@given(x=st.sampled_from(POINTS), y=st.sampled_from(POINTS), g=st.sampled_from(UPSTREAM))
def test_binary_gradients_with_infinite_or_zero_upstream_match_torch(name, x, y, g):
    fns = BINARY[name]
    ours_fn, torch_fn = fns if isinstance(fns, tuple) else (fns, fns)
    (a, ta), (b, tb) = _pair(x), _pair(y)
    with np.errstate(all="ignore"):
        _backward(ours_fn(a, b), g, "ours")
    _backward(torch_fn(ta, tb), g, "torch")
    for mine, theirs, which in ((a, ta, "a"), (b, tb, "b")):
        _assert_same_gradient(mine.grad.array, theirs.grad.numpy(),
                              f"d{name}({x}, {y})/d{which} with upstream {g}")


@pytest.mark.parametrize(("build", "value", "expected"), [
    (lambda m: ag.sqrt(ag.relu(m)), -0.5, 0.0),                      # the issue's example
    (lambda m: ag.log(ag.relu(m)), -0.5, 0.0),
    (lambda m: ag.sqrt(ag.clamp(m, 0.0, 1.0)), -0.5, 0.0),
    (lambda m: ag.stack([m, ag.tensor(0.0, dtype="float64")]).max().sqrt(), -0.5, 0.0),
    (lambda m: ag.tensor(1e300, dtype="float64") / m, 1e300, -1e-300),  # not -0
])
def test_the_issues_gradient_examples(build, value, expected):
    m = ag.tensor(value, dtype="float64", requires_grad=True)
    with np.errstate(all="ignore"):
        build(m).backward()
    assert m.grad.item() == expected


# --------------------------------------------------------------------------- PyTorch round trip


def _torch_mlp(sizes):
    layers = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def test_a_model_checkpoint_loads_in_pytorch_and_back(tmp_path):
    from safetensors.torch import load_file, save_file

    ag.manual_seed(0)
    model = nn.MLP([4, 8, 3])
    path = tmp_path / "model.safetensors"
    nn.save(model, path)
    theirs = _torch_mlp([4, 8, 3]).double()
    theirs.load_state_dict({k: v.double() for k, v in load_file(path).items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    expected = model(ag.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(theirs(torch.from_numpy(x).double()).detach().numpy(), expected,
                               rtol=1e-5, atol=1e-6)

    torch.manual_seed(1)
    trained = _torch_mlp([4, 8, 3])  # float32, as ours
    back = tmp_path / "torch.safetensors"
    save_file(trained.state_dict(), back)
    ours = nn.MLP([4, 8, 3])
    ours.load_state_dict(nn.load(back))
    np.testing.assert_allclose(ours(ag.from_numpy(x)).detach().numpy(),
                               trained(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_optimizer_state_round_trips_through_a_checkpoint(tmp_path):
    ag.manual_seed(0)
    model = nn.MLP([3, 4, 2])
    opt = nn.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9))
    for _ in range(3):
        model.zero_grad()
        model(ag.ones(5, 3)).sum().backward()
        opt.step()
    nn.save({"model": model, "optimizer": opt}, tmp_path / "run.safetensors")
    checkpoint = nn.load(tmp_path / "run.safetensors")
    again = nn.MLP([3, 4, 2])
    again.load_state_dict(checkpoint["model"])
    opt2 = nn.optim.Adam(again.parameters())
    opt2.load_state_dict(checkpoint["optimizer"])
    assert opt2.param_groups[0]["lr"] == 0.01 and opt2.param_groups[0]["betas"] == (0.8, 0.9)
    for p, q in zip(model.parameters(), again.parameters()):
        np.testing.assert_array_equal(opt.state[p]["exp_avg"], opt2.state[q]["exp_avg"])
        assert opt2.state[q]["step"] == 3


@pytest.mark.parametrize(("key", "value", "message"), [
    ("lr", "fast", r"parameter group 0 has lr='fast'; expected a finite non-negative number"),
    ("eps", None, r"eps=None; expected a finite non-negative number"),
    ("lr", float("nan"), r"lr=nan"),
    ("amsgrad", "yes", r"amsgrad='yes'; expected True or False"),
    ("betas", ("a", 0.9), r"betas=\('a', 0.9\); expected 2 finite numbers"),
])
def test_optimizer_load_state_dict_refuses_bad_hyperparameters(key, value, message):
    model = nn.MLP([3, 2])
    opt = nn.optim.Adam(model.parameters())
    state = opt.state_dict()
    state["param_groups"][0][key] = value
    with pytest.raises(ValueError, match=message):
        nn.optim.Adam(model.parameters()).load_state_dict(state)


@pytest.mark.parametrize("step", [-5, 1.5, float("inf"), "3"])
def test_optimizer_load_state_dict_refuses_a_bad_step(step):
    model = nn.MLP([3, 2])
    opt = nn.optim.Adam(model.parameters())
    model(ag.ones(1, 3)).sum().backward()
    opt.step()
    state = opt.state_dict()
    state["state"][0]["step"] = step
    fresh = nn.optim.Adam(model.parameters())
    with pytest.raises(ValueError, match="'step' of parameter 0 .*non-negative integer"):
        fresh.load_state_dict(state)
    assert fresh.state == {}  # nothing half-loaded


# --------------------------------------------------------------------------- hostile files


import gzip  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

from numpy.lib import format as npy_format  # noqa: E402

from autograd_lite.cli import main  # noqa: E402
from nn import commands  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code, err, *needles):
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("autograd-lite: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert str(needle) in err, (needle, err)


def small_npz(path, n=40, features=3):
    rng = np.random.default_rng(0)
    np.savez(path, X=rng.standard_normal((n, features)), y=np.arange(n) % 2)
    return path


def trained(tmp_path, capsys, name="m.safetensors"):
    data = small_npz(tmp_path / "data.npz")
    out = tmp_path / name
    code, _, err = run(capsys, "train", "--data", data, "--epochs", "1", "--no-progress",
                       "--out", out)
    assert code == 0, err
    return data, out


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _patch_zip(path, *, method=None, flags=None):
    """Rewrite the compression method or flag bits in every local and central header."""
    raw = bytearray(path.read_bytes())
    for signature, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = raw.find(signature)
        while start != -1:
            if flags is not None:
                raw[start + at:start + at + 2] = flags.to_bytes(2, "little")
            if method is not None:
                raw[start + at + 2:start + at + 4] = method.to_bytes(2, "little")
            start = raw.find(signature, start + 4)
    path.write_bytes(bytes(raw))
    return path


def _npy_claiming(shape) -> bytes:
    buffer = io.BytesIO()
    npy_format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False,
                                               "shape": shape})
    return buffer.getvalue() + bytes(64)


def _hostile_npz(kind, path):
    good = {"X.npy": _npy(np.ones((4, 2))), "y.npy": _npy(np.arange(4) % 2)}
    if kind == "compression 99":
        return _patch_zip(_zip(path, good), method=99)
    if kind == "encrypted":
        return _patch_zip(_zip(path, good), flags=1)
    if kind == "flipped npy header byte":
        broken = good["X.npy"].replace(b"'shape': (", b"'shape': {", 1)
        return _zip(path, {**good, "X.npy": broken})
    if kind == "shape 10**12":
        return _zip(path, {**good, "X.npy": _npy_claiming((10**12,))})
    if kind == "npy renamed npz":
        path.write_bytes(good["X.npy"])
        return path
    if kind == "bit-flipped data":
        _zip(path, good, zipfile.ZIP_DEFLATED)
        raw = bytearray(path.read_bytes())
        raw[60] ^= 0x10
        path.write_bytes(bytes(raw))
        return path
    if kind == "text named npz":
        path.write_text("X,y\n1,0\n")
        return path
    raise AssertionError(kind)


HOSTILE_NPZ = ["compression 99", "encrypted", "flipped npy header byte", "shape 10**12",
               "npy renamed npz", "bit-flipped data", "text named npz"]


@pytest.mark.parametrize("kind", HOSTILE_NPZ)
def test_hostile_npz_data_is_one_line_naming_the_file(tmp_path, capsys, kind):
    path = _hostile_npz(kind, tmp_path / "d.npz")
    before = path.read_bytes()
    code, _, err = run(capsys, "train", "--data", path, "--epochs", "1", "--no-progress",
                       "--out", tmp_path / "m.safetensors")
    assert_one_line(code, err, path)
    assert "pickle" not in err and "trust" not in err
    assert path.read_bytes() == before and not (tmp_path / "m.safetensors").exists()


def test_a_deflate_bomb_in_an_npz_is_refused_fast(tmp_path, capsys):
    path = _zip(tmp_path / "bomb.npz", {"X.npy": _npy(np.zeros(2**23)),  # 64 MiB of zeros
                                        "y.npy": _npy(np.zeros(2, np.int64))},
                zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 2**20
    started = time.perf_counter()
    code, _, err = run(capsys, "train", "--data", path, "--out", tmp_path / "m.safetensors")
    assert time.perf_counter() - started < 0.5
    assert_one_line(code, err, path, "decompression bomb")


def _idx(shape, magic=2051, data=None):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape)
    return header + (bytes(int(np.prod(shape))) if data is None else data)


def test_a_gzip_idx_bomb_is_refused_before_decompressing(tmp_path, capsys):
    images = tmp_path / "images.gz"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    with open(images, "wb") as file:
        file.write(compressor.compress(_idx((65536, 32, 32), data=b"")))
        chunk = bytes(2**20)
        for _ in range(64):  # 64 MiB of zero pixels, about 64 KB compressed
            file.write(compressor.compress(chunk))
        file.write(compressor.flush())
    labels = tmp_path / "labels"
    labels.write_bytes(_idx((65536,), 2049))
    started = time.perf_counter()
    code, _, err = run(capsys, "train", "--data", images, labels, "--out", tmp_path / "m")
    assert time.perf_counter() - started < 0.5
    assert_one_line(code, err, images, "decompression bomb")


@pytest.mark.parametrize(("shape", "message"), [((0, 28, 28), "holds no images"),
                                                ((5, 0, 0), "0x0 pixels")])
def test_idx_with_no_images_or_no_pixels(tmp_path, capsys, shape, message):
    images, labels = tmp_path / "images", tmp_path / "labels"
    images.write_bytes(_idx(shape))
    labels.write_bytes(_idx(shape[:1], 2049))
    code, _, err = run(capsys, "train", "--data", images, labels, "--out", tmp_path / "m")
    assert_one_line(code, err, images, message)


def test_a_non_ascii_digit_target_is_refused(tmp_path, capsys):
    csv = tmp_path / "d.csv"
    csv.write_text("a,b\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n")
    code, _, err = run(capsys, "train", "--data", csv, "--target", "\u00b2", "--out",
                       tmp_path / "m")
    assert_one_line(code, err, "no column named '\u00b2'")


# --------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("suffix", [".npz", ".csv"])
def test_train_never_replaces_its_own_data(tmp_path, capsys, suffix):
    data = tmp_path / f"d{suffix}"
    if suffix == ".npz":
        small_npz(data)
    else:
        data.write_text("\n".join(f"{i},{i % 2}" for i in range(30)) + "\n")
    before = data.read_bytes()
    for out in (data, tmp_path / "." / data.name):
        code, _, err = run(capsys, "train", "--data", data, "--out", out)
        assert_one_line(code, err, "would replace the data set")
    os.symlink(data, tmp_path / "link")
    code, _, err = run(capsys, "train", "--data", tmp_path / "link", "--out", data)
    assert_one_line(code, err, "would replace the data set")
    assert data.read_bytes() == before


def test_out_that_is_a_fifo_a_device_a_link_or_read_only_is_refused(tmp_path, capsys):
    data = small_npz(tmp_path / "d.npz")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    link = tmp_path / "link.safetensors"
    os.symlink(victim, link)
    readonly = tmp_path / "ro.safetensors"
    readonly.write_text("old")
    os.chmod(readonly, 0o444)
    cases = [(fifo, "FIFO"), ("/dev/null", "device"), (link, "symbolic link")]
    if os.geteuid() != 0:  # root may write anything; os.access says so
        cases.append((readonly, "read-only"))
    for out, message in cases:
        code, _, err = run(capsys, "train", "--data", data, "--out", out)
        assert_one_line(code, err, out, message)
    assert victim.read_text() == "keep me" and readonly.read_text() == "old"
    assert os.path.islink(link) and os.path.exists(fifo)


def test_save_refuses_a_read_only_target_even_as_root(tmp_path, monkeypatch):
    readonly = tmp_path / "ro.safetensors"
    readonly.write_text("old")
    os.chmod(readonly, 0o444)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == readonly
                        else real_access(p, mode, **kw))
    with pytest.raises(PermissionError, match="ro.safetensors is read-only; make it writable"):
        nn.save({"a": np.ones(1)}, readonly)
    assert readonly.read_text() == "old"


def test_demo_plot_is_never_written_through_a_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(victim, out / "training.png")
    commands._plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 0.9]}, out / "training.png")
    assert victim.read_text() == "keep me"
    assert not os.path.islink(out / "training.png")
    assert (out / "training.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(os.listdir(out)) == ["training.png"]


def test_stale_temporary_files_are_removed_and_live_ones_kept(tmp_path):
    target = tmp_path / "m.safetensors"
    dead = tmp_path / ".m.safetensors.999999999.abcd1234.tmp"   # no such process
    old = tmp_path / ".m.safetensors.k3j4h5g6.tmp"              # an older name, an hour old
    live = tmp_path / f".m.safetensors.{os.getppid()}.zzzz9999.tmp"
    other = tmp_path / ".other.safetensors.999999999.abcd1234.tmp"
    for path in (dead, old, live, other):
        path.write_bytes(bytes(100))
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    nn.save({"a": np.ones(2)}, target)
    assert sorted(os.listdir(tmp_path)) == sorted([target.name, live.name, other.name])


def test_a_save_killed_mid_write_leaves_the_old_file_and_no_leftover(tmp_path):
    target = tmp_path / "m.safetensors"
    nn.save({"a": np.zeros(3)}, target)
    before = target.read_bytes()
    script = ("import os, time, numpy as np, nn\n"
              "os.fsync = lambda fd: (print('writing', flush=True), time.sleep(60))\n"
              f"nn.save({{'a': np.ones(10**6)}}, {str(target)!r})\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout.readline() == b"writing\n"
    assert len(os.listdir(tmp_path)) == 2  # the temporary file, mid-write
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert target.read_bytes() == before
    nn.save({"a": np.ones(3)}, target)  # the next save cleans up after the killed one
    assert os.listdir(tmp_path) == [target.name]


# --------------------------------------------------------------------------- checkpoints


def test_eval_on_a_fifo_or_a_link_to_dev_zero_is_refused(tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.safetensors"
    os.symlink("/dev/zero", zero)
    for path, message in ((fifo, "FIFO"), (zero, "device")):
        started = time.perf_counter()
        code, _, err = run(capsys, "eval", path, "--data", "xor")
        assert time.perf_counter() - started < 2
        assert_one_line(code, err, path, message)


def test_an_old_npz_checkpoint_is_refused_with_how_to_convert(tmp_path, capsys):
    old = _patch_zip(_zip(tmp_path / "old.npz", {"__meta__.npy": _npy(np.array("{}"))}),
                     method=99)
    code, _, err = run(capsys, "eval", old, "--data", "xor")
    assert_one_line(code, err, old, "python -m nn.io convert")


def _rewrite(path, change):
    state = nn.load(path)
    change(state)
    nn.save(state, path)


def test_config_sizes_that_do_not_fit_the_weights_are_refused_before_building(tmp_path, capsys):
    data, out = trained(tmp_path, capsys)
    _rewrite(out, lambda s: s["config"].update(sizes=[3, 10**9, 2]))
    started = time.perf_counter()
    code, _, err = run(capsys, "eval", out, "--data", data)
    assert time.perf_counter() - started < 1
    assert_one_line(code, err, out, "do not fit the saved weights", "model.0.bias")


def test_resume_on_nan_weights_names_the_key(tmp_path, capsys):
    data, out = trained(tmp_path, capsys)
    _rewrite(out, lambda s: s["model"]["2.bias"].__setitem__(0, np.nan))
    code, _, err = run(capsys, "train", "--data", data, "--resume", "--no-progress", "--out", out)
    assert_one_line(code, err, out, "model.2.bias holds nan")
    assert "--lr" not in err


def test_resume_with_bad_optimizer_hyperparameters_is_one_line(tmp_path, capsys):
    data, out = trained(tmp_path, capsys)
    _rewrite(out, lambda s: s["optimizer"]["param_groups"][0].update(eps=None))
    code, _, err = run(capsys, "train", "--data", data, "--resume", "--no-progress", "--out", out)
    assert_one_line(code, err, out, "eps=None")


def test_a_flipped_byte_in_a_checkpoint_header_is_one_line(tmp_path, capsys):
    data, out = trained(tmp_path, capsys)
    raw = bytearray(out.read_bytes())
    raw[20] ^= 0x55
    out.write_bytes(bytes(raw))
    code, _, err = run(capsys, "eval", out, "--data", data)
    assert_one_line(code, err, out)


def test_metadata_with_a_lone_surrogate_is_one_line(tmp_path, capsys):
    path = tmp_path / "odd.safetensors"
    header = json.dumps({"__metadata__": {"format": "autograd_lite.checkpoint", "version": "2",
                                          "tree": '{"type": "dict", "items": [["\\udc80", 1]]}'}})
    path.write_bytes(len(header).to_bytes(8, "little") + header.encode())
    code, _, err = run(capsys, "eval", path, "--data", "xor")
    assert_one_line(code, err, path)


# --------------------------------------------------------------------------- stdout


def _cli(*argv, env=None, **kw):
    if "stdout" not in kw:
        kw["capture_output"] = True
    return subprocess.run([sys.executable, "-m", "autograd_lite", *argv],
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, **kw)


def test_stdout_to_dev_full_is_one_line():
    with open("/dev/full", "w") as full:
        result = _cli("grad", "x*x", "--at", "x=3", stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 2
    assert result.stderr.decode() == ("autograd-lite: error: cannot write the output (No space "
                                      "left on device)\n")


def test_stdout_closed_is_one_line():
    result = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.close(1); sys.stdout = None; "
         "from autograd_lite.cli import main; sys.exit(main(['grad', 'x', '--at', 'x=1']))"],
        stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1
    assert "standard output is closed" in result.stderr.decode()


def test_an_ascii_only_stdout_gets_escapes_not_a_traceback(tmp_path):
    result = _cli("grad", "x\u00b2", "--at", "x=1", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(b"autograd-lite: error: invalid expression: invalid "
                                    b"character '\\xb2'") and b"Traceback" not in result.stderr
    result = _cli("grad", "x*x", "--at", "x=3", "--explain", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    result.stdout.decode("ascii")  # only ASCII reached the stream


def test_gzip_data_ratio_limit_lets_real_data_through(tmp_path):
    """The bomb limit (MAX_GZIP_RATIO) does not refuse ordinary compressed data."""
    rng = np.random.default_rng(0)
    images = tmp_path / "images.gz"
    pixels = rng.integers(0, 4, size=(50, 8, 8), dtype=np.uint8).tobytes()
    images.write_bytes(gzip.compress(_idx((50, 8, 8), data=pixels)))
    labels = tmp_path / "labels.gz"
    labels.write_bytes(gzip.compress(_idx((50,), 2049, data=bytes(50))))
    X, y = nn.data.load_mnist_idx(images, labels)
    assert X.shape == (50, 64) and y.shape == (50,)
