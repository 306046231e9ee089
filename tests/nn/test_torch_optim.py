"""Adagrad and LBFGS trajectories, and the schedulers' learning-rate sequences, against
PyTorch's own optimisers from the same start (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

import autograd_lite as ag
import nn
from nn.optim import lr_scheduler

rng = np.random.default_rng(0)
START = [rng.normal(size=(3, 2)), rng.normal(size=3)]
X, Y = rng.normal(size=(8, 2)), rng.normal(size=(8, 3))


def ours_loss(params):
    w, b = params
    out = ag.tensor(X) @ w.T + b
    return ((out - ag.tensor(Y)) ** 2).mean() + (w ** 4).sum() * 0.1


def torch_loss(params):
    w, b = params
    out = torch.tensor(X) @ w.T + b
    return ((out - torch.tensor(Y)) ** 2).mean() + (w ** 4).sum() * 0.1


def trajectories(make_ours, make_theirs, steps: int, start=START, use_closure=False,
                 ours_fn=ours_loss, torch_fn=torch_loss):
    """Run both optimisers `steps` times from `start`; returns the parameters and losses."""
    ours = [nn.Parameter(ag.tensor(a.copy(), dtype=ag.float64)) for a in start]
    theirs = [torch.nn.Parameter(torch.tensor(a.copy())) for a in start]
    opt_a, opt_t = make_ours(ours), make_theirs(theirs)
    out = []
    for _ in range(steps):
        def closure_a():
            opt_a.zero_grad()
            loss = ours_fn(ours)
            loss.backward()
            return loss

        def closure_t():
            opt_t.zero_grad()
            loss = torch_fn(theirs)
            loss.backward()
            return loss

        if use_closure:
            loss_a, loss_t = opt_a.step(closure_a), opt_t.step(closure_t)
        else:
            loss_a, loss_t = closure_a(), closure_t()
            opt_a.step()
            opt_t.step()
        out.append((float(loss_a.item()), float(loss_t.item()),
                    [p.detach().numpy().copy() for p in ours],
                    [p.detach().numpy().copy() for p in theirs]))
    return out, opt_a, opt_t


def assert_same_path(path, rtol=1e-9, atol=1e-11):
    for step, (loss_a, loss_t, params_a, params_t) in enumerate(path):
        assert_allclose(loss_a, loss_t, rtol=rtol, atol=atol, err_msg=f"loss at step {step}")
        for a, t in zip(params_a, params_t):
            assert_allclose(a, t, rtol=rtol, atol=atol, err_msg=f"parameters at step {step}")


# ----- Adagrad --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {}, {"lr": 0.1, "lr_decay": 0.05}, {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}, {"lr": 0.1, "maximize": True},
])
def test_adagrad_trajectory_matches_torch(kwargs):
    path, opt_a, opt_t = trajectories(lambda p: nn.optim.Adagrad(p, **kwargs),
                                      lambda p: torch.optim.Adagrad(p, **kwargs), steps=8)
    assert_same_path(path)
    state_a, state_t = opt_a.state_dict(), opt_t.state_dict()
    assert sorted(state_a["state"][0]) == sorted(state_t["state"][0]) == ["step", "sum"]
    assert state_a["state"][0]["step"] == state_t["state"][0]["step"].item() == 8
    assert_allclose(state_a["state"][1]["sum"], state_t["state"][1]["sum"].numpy(), rtol=1e-10)


def test_adagrad_state_exists_from_the_start_and_checks_arguments():
    opt = nn.optim.Adagrad([nn.Parameter(ag.zeros(2))], initial_accumulator_value=0.3)
    assert_allclose(opt.state_dict()["state"][0]["sum"], [0.3, 0.3])
    for name, value in [("lr", -1.0), ("lr_decay", -0.1), ("weight_decay", -1.0),
                        ("initial_accumulator_value", -1.0), ("eps", -1.0)]:
        with pytest.raises(ValueError, match="Invalid"):
            nn.optim.Adagrad([nn.Parameter(ag.zeros(2))], **{name: value})


# ----- LBFGS ----------------------------------------------------------------------------------

def rosenbrock(params, lib):
    (xy,) = params
    return (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2


@pytest.mark.parametrize("kwargs", [
    {}, {"max_iter": 3}, {"lr": 0.5, "max_iter": 5}, {"history_size": 2, "max_iter": 4},
    {"line_search_fn": "strong_wolfe", "max_iter": 3},
    {"line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 4},
])
def test_lbfgs_trajectory_matches_torch_on_a_least_squares_loss(kwargs):
    path, opt_a, opt_t = trajectories(lambda p: nn.optim.LBFGS(p, **kwargs),
                                      lambda p: torch.optim.LBFGS(p, **kwargs), steps=4,
                                      use_closure=True)
    assert_same_path(path, rtol=1e-8, atol=1e-10)
    state_a = opt_a.state[opt_a.param_groups[0]["params"][0]]
    state_t = opt_t.state[opt_t.param_groups[0]["params"][0]]
    assert state_a["func_evals"] == state_t["func_evals"]
    assert state_a["n_iter"] == state_t["n_iter"]


# With the defaults (lr=1, no line search) Rosenbrock's valley amplifies round-off: after 40
# iterations the two libraries are 1e-10 apart, after 60 they part; so two steps there.
@pytest.mark.parametrize("kwargs, steps", [({}, 2), ({"lr": 0.1}, 6),
                                           ({"line_search_fn": "strong_wolfe"}, 6)])
def test_lbfgs_matches_torch_on_rosenbrock(kwargs, steps):
    start = [np.array([-1.5, 2.0])]
    path, opt_a, _ = trajectories(lambda p: nn.optim.LBFGS(p, **kwargs),
                                  lambda p: torch.optim.LBFGS(p, **kwargs), steps=steps,
                                  start=start, use_closure=True,
                                  ours_fn=lambda p: rosenbrock(p, ag),
                                  torch_fn=lambda p: rosenbrock(p, torch))
    assert_same_path(path, rtol=1e-7, atol=1e-9)
    if "line_search_fn" in kwargs:
        assert_allclose(path[-1][2][0], [1.0, 1.0], atol=1e-4)  # it converges


def test_lbfgs_defaults_and_errors():
    param = nn.Parameter(ag.zeros(2))
    opt = nn.optim.LBFGS([param])
    group = opt.param_groups[0]
    assert (group["lr"], group["max_iter"], group["max_eval"], group["history_size"],
            group["line_search_fn"]) == (1, 20, 25, 100, None)
    with pytest.raises(RuntimeError, match="LBFGS needs a closure"):
        opt.step()
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        nn.optim.LBFGS([{"params": [param]}, {"params": [nn.Parameter(ag.zeros(1))]}])
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        nn.optim.LBFGS([param], line_search_fn="backtracking")


# ----- schedulers -----------------------------------------------------------------------------

def lr_sequences(make_ours, make_theirs, steps: int, optimiser: str = "SGD",
                 groups: int = 1, metrics=None, per_step=None):
    """The lr (and momentum / beta1) of each group after each scheduler step, both libraries."""
    def run(lib_optim, sched_of, param):
        params = [{"params": [param(2)]} for _ in range(groups)]
        opt = (lib_optim.SGD(params, lr=0.1, momentum=0.9) if optimiser == "SGD"
               else lib_optim.Adam(params, lr=0.1))
        sched = sched_of(opt)
        seen = []
        for step in range(steps):
            opt.step()
            sched.step(*([] if metrics is None else [metrics[step]]))
            seen.append([(g["lr"], g.get("momentum"), g.get("betas", (None,))[0])
                         for g in opt.param_groups])
        return seen, sched.get_last_lr()

    ours = run(nn.optim, make_ours, lambda n: nn.Parameter(ag.zeros(n)))
    theirs = run(torch.optim, make_theirs, lambda n: torch.nn.Parameter(torch.zeros(n)))
    return ours, theirs


def assert_same_rates(ours, theirs):
    (seq_a, last_a), (seq_t, last_t) = ours, theirs
    assert len(seq_a) == len(seq_t)
    for step, (a, t) in enumerate(zip(seq_a, seq_t)):
        for group_a, group_t in zip(a, t):
            for value_a, value_t in zip(group_a, group_t):
                if value_t is None:
                    assert value_a is None
                else:
                    assert_allclose(value_a, float(value_t), rtol=1e-12, err_msg=f"step {step}")
    assert_allclose(last_a, last_t, rtol=1e-12)


@pytest.mark.parametrize("name, kwargs", [
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.9 ** epoch + 0.01 * epoch}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.5}),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 20}),
    ("OneCycleLR", {"max_lr": 0.5, "epochs": 4, "steps_per_epoch": 5, "pct_start": 0.25,
                    "anneal_strategy": "linear"}),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": 20, "three_phase": True,
                    "cycle_momentum": False}),
])
@pytest.mark.parametrize("optimiser", ["SGD", "Adam"])
def test_scheduler_rates_match_torch(name, kwargs, optimiser):
    ours, theirs = lr_sequences(lambda o: getattr(lr_scheduler, name)(o, **kwargs),
                                lambda o: getattr(torch.optim.lr_scheduler, name)(o, **kwargs),
                                steps=20, optimiser=optimiser, groups=2)
    assert_same_rates(ours, theirs)


def test_lambda_lr_takes_one_function_per_group():
    fns = [lambda e: 1.0 / (e + 1), lambda e: 0.5]
    ours, theirs = lr_sequences(lambda o: lr_scheduler.LambdaLR(o, fns),
                                lambda o: torch.optim.lr_scheduler.LambdaLR(o, fns),
                                steps=5, groups=2)
    assert_same_rates(ours, theirs)
    opt = nn.optim.SGD([nn.Parameter(ag.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        lr_scheduler.LambdaLR(opt, fns)


def test_one_cycle_errors_match_torch():
    opt = nn.optim.SGD([nn.Parameter(ag.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times. The specified number of "
                                         "total steps is 2"):
        sched.step()
    bare = nn.optim.Adagrad([nn.Parameter(ag.zeros(1))])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lr_scheduler.OneCycleLR(bare, max_lr=1.0, total_steps=5)


METRICS = [1.0, 0.9, 0.95, 0.91, 0.9, 0.92, 0.89, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.6, 0.6, 0.6,
           0.7, 0.8, 0.9, 1.0]


@pytest.mark.parametrize("kwargs", [
    {"patience": 1}, {"patience": 2, "factor": 0.5, "cooldown": 2},
    {"mode": "max", "patience": 1, "threshold_mode": "abs", "threshold": 0.05},
    {"patience": 0, "min_lr": [0.05, 0.001]}, {"patience": 0, "factor": 0.9, "eps": 0.02},
])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    ours, theirs = lr_sequences(lambda o: lr_scheduler.ReduceLROnPlateau(o, **kwargs),
                                lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **kwargs),
                                steps=len(METRICS), groups=2, metrics=METRICS)
    assert_same_rates(ours, theirs)


def test_reduce_lr_on_plateau_errors_and_tensor_metric():
    opt = nn.optim.SGD([nn.Parameter(ag.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match=r"Factor should be < 1.0."):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode maximum is unknown!"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="maximum")
    with pytest.raises(ValueError, match="expected 1 min_lrs, got 2"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(ag.tensor(1.0))
    sched.step(ag.tensor(2.0))
    assert_allclose(sched.get_last_lr(), [0.01])
