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
