"""Optimisers against their update equations written out in NumPy, state dicts, schedulers,
and the gradient-free optimisers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
import nn
from nn.optim import lr_scheduler

STEPS = 5
rng = np.random.default_rng(0)
START = [rng.normal(size=(3, 2)), rng.normal(size=4)]
GRADS = [[rng.normal(size=(3, 2)), rng.normal(size=4)] for _ in range(STEPS)]


def run_ours(make, steps=STEPS):
    """Apply the fixed gradient sequence with our optimiser; returns the parameter arrays."""
    params = [nn.Parameter(ag.tensor(p.copy(), dtype=ag.float64)) for p in START]
    opt = make(params)
    for grads in GRADS[:steps]:
        for p, g in zip(params, grads):
            p.grad = ag.tensor(g, dtype=ag.float64)
        opt.step()
    return [p.array for p in params], opt


# ----- the reference equations, one function per optimiser --------------------------------------

def sgd_ref(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
            maximize=False):
    out = []
    for p, *gs in zip(START, *GRADS):
        p, buf = p.copy(), None
        for t, g in enumerate(gs):
            g = -g if maximize else g
            g = g + weight_decay * p
            if momentum:
                buf = g.copy() if t == 0 else momentum * buf + (1 - dampening) * g
                g = g + momentum * buf if nesterov else buf
            p = p - lr * g
        out.append(p)
    return out


def adam_ref(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
             decoupled=False):
    b1, b2 = betas
    out = []
    for p, *gs in zip(START, *GRADS):
        p, m, v, vmax = p.copy(), 0.0, 0.0, 0.0
        for t, g in enumerate(gs, start=1):
            if decoupled:
                p = p * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            vmax = np.maximum(vmax, v)
            m_hat = m / (1 - b1 ** t)
            v_hat = (vmax if amsgrad else v) / (1 - b2 ** t)
            p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def rmsprop_ref(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                centered=False):
    out = []
    for p, *gs in zip(START, *GRADS):
        p, s, a, buf = p.copy(), 0.0, 0.0, 0.0
        for g in gs:
            g = g + weight_decay * p
            s = alpha * s + (1 - alpha) * g * g
            if centered:
                a = alpha * a + (1 - alpha) * g
                d = np.sqrt(s - a * a) + eps
            else:
                d = np.sqrt(s) + eps
            if momentum:
                buf = momentum * buf + g / d
                p = p - lr * buf
            else:
                p = p - lr * g / d
        out.append(p)
    return out


CASES = [
    ("sgd", lambda ps: nn.optim.SGD(ps, lr=0.1), lambda: sgd_ref(0.1)),
    ("sgd-momentum", lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1,
                                             weight_decay=0.01),
     lambda: sgd_ref(0.1, 0.9, 0.1, 0.01)),
    ("sgd-nesterov", lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
     lambda: sgd_ref(0.05, 0.8, nesterov=True)),
    ("sgd-maximize", lambda ps: nn.optim.SGD(ps, lr=0.1, maximize=True),
     lambda: sgd_ref(0.1, maximize=True)),
    ("adam", lambda ps: nn.optim.Adam(ps, lr=0.01), lambda: adam_ref(0.01)),
    ("adam-wd-amsgrad", lambda ps: nn.optim.Adam(ps, lr=0.01, betas=(0.8, 0.9), eps=1e-6,
                                                 weight_decay=0.1, amsgrad=True),
     lambda: adam_ref(0.01, (0.8, 0.9), 1e-6, 0.1, amsgrad=True)),
    ("adamw", lambda ps: nn.optim.AdamW(ps, lr=0.01), lambda: adam_ref(0.01, weight_decay=0.01,
                                                                       decoupled=True)),
    ("adamw-amsgrad", lambda ps: nn.optim.AdamW(ps, lr=0.02, weight_decay=0.5, amsgrad=True),
     lambda: adam_ref(0.02, weight_decay=0.5, amsgrad=True, decoupled=True)),
    ("rmsprop", lambda ps: nn.optim.RMSprop(ps), lambda: rmsprop_ref()),
    ("rmsprop-all", lambda ps: nn.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-6,
                                                weight_decay=0.1, momentum=0.5,
                                                centered=True),
     lambda: rmsprop_ref(0.01, 0.9, 1e-6, 0.1, 0.5, centered=True)),
]


@pytest.mark.parametrize("name, make, reference", CASES, ids=[c[0] for c in CASES])
def test_update_equations(name, make, reference):
    ours, _ = run_ours(make)
    for got, expected in zip(ours, reference()):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-12)


def test_defaults_are_pytorchs():
    p = [nn.Parameter(ag.zeros(1))]
    assert nn.optim.SGD(p).defaults["lr"] == 1e-3
    assert nn.optim.Adam(p).defaults == {
        "lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False,
        "maximize": False, "decoupled_weight_decay": False}
    assert nn.optim.AdamW(p).defaults["weight_decay"] == 1e-2
    rms = nn.optim.RMSprop(p).defaults
    assert (rms["lr"], rms["alpha"], rms["eps"]) == (1e-2, 0.99, 1e-8)


def test_parameters_without_grad_are_skipped_and_updates_are_in_place():
    a, b = nn.Parameter(ag.ones(2)), nn.Parameter(ag.ones(2))
    data = a.array
    opt = nn.optim.SGD([a, b], lr=0.5)
    a.grad = ag.ones(2)
    opt.step()
    np.testing.assert_array_equal(a.array, [0.5, 0.5])
    np.testing.assert_array_equal(b.array, [1.0, 1.0])
    assert a.array is data and a.grad_fn is None and a.requires_grad


def test_step_returns_the_closure_loss_and_zero_grad():
    w = nn.Parameter(ag.tensor([3.0]))
    opt = nn.optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 9.0
    np.testing.assert_allclose(w.array, [1.5])
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and w.grad.item() == 0.0
    opt.zero_grad()
    assert w.grad is None


def test_param_groups_have_their_own_hyperparameters():
    a, b = nn.Parameter(ag.ones(1)), nn.Parameter(ag.ones(1))
    opt = nn.optim.SGD([{"params": [a], "lr": 0.5}, {"params": [b]}], lr=0.1, momentum=0.0)
    a.grad, b.grad = ag.ones(1), ag.ones(1)
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.5, 0.9])
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]


def test_argument_errors():
    p = [nn.Parameter(ag.zeros(1))]
    with pytest.raises(ValueError, match="Invalid learning rate value: -1"):
        nn.optim.SGD(p, lr=-1)
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        nn.optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        nn.optim.Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.optim.Adam([])
    with pytest.raises(ValueError, match="more than once"):
        nn.optim.SGD([{"params": p}, {"params": p}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        nn.optim.SGD([p[0] * 2], lr=0.1)
    with pytest.raises(TypeError, match="wrap it in a list"):
        nn.optim.SGD(p[0], lr=0.1)


# ----- state dicts -------------------------------------------------------------------------------

def test_optimizer_given_the_parameters_method_says_to_call_it():
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        nn.optim.Adam(model.parameters)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        nn.optim.SGD(5, lr=0.1)


def test_state_dict_layout_is_pytorchs():
    _, opt = run_ours(lambda ps: nn.optim.Adam(ps, lr=0.01, amsgrad=True), steps=2)
    state = opt.state_dict()
    assert list(state) == ["state", "param_groups"]
    assert list(state["state"]) == [0, 1]
    assert set(state["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert state["state"][0]["step"] == 2 and state["state"][1]["exp_avg"].shape == (4,)
    assert state["param_groups"] == [{
        "lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": True,
        "maximize": False, "decoupled_weight_decay": False, "params": [0, 1]}]
    state["state"][0]["exp_avg"][:] = 99  # a copy: the optimiser is unaffected
    assert not np.any(opt.state_dict()["state"][0]["exp_avg"] == 99)


@pytest.mark.parametrize("make", [
    lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: nn.optim.Adam(ps, lr=0.01),
    lambda ps: nn.optim.RMSprop(ps, momentum=0.5, centered=True),
], ids=["sgd", "adam", "rmsprop"])
def test_resume_from_state_dict_is_exact(make, tmp_path):
    uninterrupted, _ = run_ours(make)
    params = [nn.Parameter(ag.tensor(p.copy(), dtype=ag.float64)) for p in START]
    opt = make(params)
    for grads in GRADS[:2]:
        for p, g in zip(params, grads):
            p.grad = ag.tensor(g)
        opt.step()
    nn.save({"params": [p.array for p in params], "opt": opt}, tmp_path / "ckpt.npz")
    checkpoint = nn.load(tmp_path / "ckpt.npz")
    params = [nn.Parameter(ag.tensor(a)) for a in checkpoint["params"]]
    opt = make(params)
    opt.load_state_dict(checkpoint["opt"])
    for grads in GRADS[2:]:
        for p, g in zip(params, grads):
            p.grad = ag.tensor(g)
        opt.step()
    for p, expected in zip(params, uninterrupted):
        np.testing.assert_array_equal(p.array, expected)


def test_load_state_dict_checks_groups():
    opt = nn.optim.SGD([nn.Parameter(ag.zeros(1))], lr=0.1)
    other = nn.optim.SGD([nn.Parameter(ag.zeros(1)), nn.Parameter(ag.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(other.state_dict())


# ----- learning-rate schedules --------------------------------------------------------------------

def lrs(scheduler_cls, epochs=12, **kwargs):
    opt = nn.optim.SGD([nn.Parameter(ag.zeros(1))], lr=0.5)
    sched = scheduler_cls(opt, **kwargs)
    seen = [sched.get_last_lr()[0]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        seen.append(sched.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == seen[-1]
    return np.array(seen)


def test_step_lr():
    np.testing.assert_allclose(lrs(lr_scheduler.StepLR, step_size=3, gamma=0.5),
                               [0.5 * 0.5 ** (t // 3) for t in range(13)], rtol=1e-12)


def test_exponential_lr():
    np.testing.assert_allclose(lrs(lr_scheduler.ExponentialLR, gamma=0.9),
                               [0.5 * 0.9 ** t for t in range(13)], rtol=1e-12)


def test_cosine_annealing_lr():
    expected = [0.01 + (0.5 - 0.01) * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(13)]
    np.testing.assert_allclose(lrs(lr_scheduler.CosineAnnealingLR, T_max=10, eta_min=0.01),
                               expected, rtol=1e-10)


def test_scheduler_state_dict_and_module_alias():
    opt = nn.optim.SGD([nn.Parameter(ag.zeros(1))], lr=1.0)
    sched = nn.optim.lr_scheduler.StepLR(opt, step_size=2)
    sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 1 and state["base_lrs"] == [1.0]
    from nn.optim.lr_scheduler import StepLR
    assert StepLR is lr_scheduler.StepLR


# ----- gradient-free ------------------------------------------------------------------------------

def regression():
    data_rng = np.random.default_rng(3)
    x = data_rng.normal(size=(32, 2))
    y = x @ np.array([[1.5], [-2.0]]) + 0.5
    model = nn.Linear(2, 1, seed=0)
    loss_fn = nn.MSELoss()
    xt, yt = ag.tensor(x), ag.tensor(y)
    return model, lambda: loss_fn(model(xt), yt)


def test_random_search_reduces_the_loss():
    model, closure = regression()
    start = closure().item()
    opt = nn.optim.RandomSearch(model.parameters(), std=0.1, seed=0)
    losses = [opt.step(closure) for _ in range(300)]
    assert all(b <= a for a, b in zip(losses, losses[1:]))  # it only keeps improvements
    assert losses[-1] < start / 20
    assert model.weight.grad is None  # no gradients were computed


def test_evolution_reduces_the_loss():
    model, closure = regression()
    start = closure().item()
    opt = nn.optim.Evolution(model.parameters(), population=12, std=0.1, seed=0)
    losses = [opt.step(closure) for _ in range(40)]
    assert all(b <= a + 1e-7 for a, b in zip(losses, losses[1:]))  # elitism
    assert losses[-1] < start / 20
    np.testing.assert_allclose(closure().item(), losses[-1], rtol=1e-5)  # holds the best


def test_gradient_free_needs_a_closure_and_is_seeded():
    model, closure = regression()
    with pytest.raises(RuntimeError, match="needs a closure"):
        nn.optim.RandomSearch(model.parameters()).step()
    results = []
    for _ in range(2):
        model, closure = regression()
        opt = nn.optim.Evolution(model.parameters(), population=4, seed=1)
        results.append([opt.step(closure) for _ in range(3)])
    assert results[0] == results[1]
