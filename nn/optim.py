"""Optimisers with PyTorch's names, defaults, update rules and `state_dict()` layout, plus two
gradient-free ones from the teaching material: `RandomSearch` and `Evolution`.

A gradient step::

    opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    opt.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()

Updates are vectorised NumPy on each parameter's array, applied in place under `ag.no_grad`
(so a graph built before the step notices the change, as in PyTorch). Learning-rate schedules
are in `nn.optim.lr_scheduler`.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

import autograd_lite as ag

from . import lr_scheduler
from .init import _generator
from .module import device_error, zero_grads

__all__ = ["LBFGS", "SGD", "Adagrad", "Adam", "AdamW", "Evolution", "Optimizer", "RMSprop",
           "RandomSearch", "lr_scheduler"]

# `from nn.optim.lr_scheduler import StepLR` works as with torch.optim.lr_scheduler
sys.modules[__name__ + ".lr_scheduler"] = lr_scheduler


def _check(name: str, value: float, low: float = 0.0, what: str = "") -> None:
    if not value >= low:  # also rejects nan
        raise ValueError(f"Invalid {what or name} value: {value}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)) and math.isfinite(value)


def _check_saved_group(index: int, saved: Any, group: dict[str, Any]) -> None:
    """A saved parameter group's hyperparameters must have the types and ranges of the
    optimizer's own (lr="fast", eps=None or a negative momentum would fail at step())."""
    if not isinstance(saved, Mapping) or not isinstance(saved.get("params"), (list, tuple)):
        raise ValueError(f"loaded state dict: parameter group {index} is not a dict with "
                         "'params'")
    for key, value in saved.items():
        if key == "params" or key not in group:
            continue
        current = group[key]
        where = f"loaded state dict: parameter group {index} has {key}={_short(value)}"
        if isinstance(current, bool):
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"{where}; expected True or False")
        elif isinstance(current, (int, float)):
            if not (_is_number(value) and value >= 0):
                raise ValueError(f"{where}; expected a finite non-negative number")
        elif isinstance(current, tuple):
            if not (isinstance(value, (list, tuple)) and len(value) == len(current)
                    and all(_is_number(v) for v in value)):
                raise ValueError(f"{where}; expected {len(current)} finite numbers")


class Optimizer:
    """Base class: holds `param_groups` (a list of dicts, each with its `params` and its own
    hyperparameters) and per-parameter `state`.

    Subclasses define `_update(param, grad, state, group)`, which changes `param` in place
    (a NumPy array).

    >>> opt = nn.optim.SGD([{"params": model[0].parameters(), "lr": 0.01},
    ...                     {"params": model[2].parameters()}], lr=0.1)
    """

    uses_gradients = True  # False for the gradient-free optimisers: step(closure) only

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if isinstance(params, ag.Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor (wrap it in a list)")
        self.defaults = defaults
        self.state: dict[ag.Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if callable(params):
            raise TypeError(
                f"params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__} {getattr(params, '__name__', '')!r}: "
                "call it (e.g. model.parameters(), with the parentheses)")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(f"params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}") from None
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (defaults fill the rest)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, ag.Tensor) else list(params)
        for param in params:
            if not isinstance(param, ag.Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
            if param.array.dtype.kind != "f":
                raise TypeError(f"optimizer can only optimize floating-point Tensors, got "
                                f"{param.array.dtype.name}")
        group = {**param_group, "params": params}
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        known = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in known for p in params):
            raise ValueError("some parameters appear more than once (in this group or in "
                             "more than one parameter group)")
        self.param_groups.append(group)

    # ----- the step
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to `None` (default) or to zeros."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns `closure()`'s loss if given
        (the closure re-evaluates the model and calls `backward()`)."""
        loss = None
        if closure is not None:
            with ag.enable_grad():
                loss = closure()
        with ag.no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    grad = param.grad.array
                    if group.get("maximize", False):
                        grad = -grad
                    state = self.state.setdefault(param, {})
                    # in place on the parameter's array; copy_ of that same array copies
                    # nothing but tells autograd the tensor changed (its version)
                    try:
                        param.copy_(self._update(param.array, grad, state, group))
                    except Exception:
                        _check_state_device(param, state)
                        raise
        return loss

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict,
                group: dict) -> np.ndarray:
        raise NotImplementedError

    # ----- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout: `{"state": {index: {...}}, "param_groups": [{..., "params":
        [index, ...]}]}`, parameters numbered in order across groups; arrays are copies."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            numbers = []
            for param in group["params"]:
                numbers.append(index.setdefault(id(param), len(index)))
            groups.append({**{k: v for k, v in group.items() if k != "params"},
                           "params": numbers})
        state = {}
        for group in self.param_groups:
            for param in group["params"]:
                if self.state.get(param):
                    state[index[id(param)]] = {
                        k: ag.arrays.copy(v) if ag.arrays.is_array(v) else v
                        for k, v in self.state[param].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and per-parameter state saved by `state_dict()` (arrays or
        Tensors; integer or string indices, e.g. after `nn.load`)."""
        if not isinstance(state_dict, Mapping) or not isinstance(
                state_dict.get("param_groups"), (list, tuple)) or not isinstance(
                state_dict.get("state"), Mapping):
            raise ValueError("loaded state dict must be a dict with 'state' (a dict) and "
                             "'param_groups' (a list), as state_dict() returns")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, "
                             f"but the optimizer has {len(self.param_groups)}")
        params: dict[int, ag.Tensor] = {}
        for index, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            _check_saved_group(index, saved, group)
            if len(saved["params"]) != len(group["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group ({len(saved['params'])} "
                                 f"parameters saved, {len(group['params'])} here)")
            for number, param in zip(saved["params"], group["params"]):
                params[int(number)] = param
        new_state: dict[ag.Tensor, dict[str, Any]] = {}
        for number, entries in state_dict["state"].items():
            if not isinstance(entries, Mapping):
                raise ValueError(f"loaded state dict: the state of parameter {number!r} is "
                                 f"{type(entries).__name__}, not a dict")
            param = params.get(int(number))
            if param is None:
                raise KeyError(f"optimizer state for parameter {number} has no parameter")
            new_state[param] = {key: self._restore(key, value, param, number)
                                for key, value in entries.items()}
        for saved, group in zip(saved_groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = tuple(value) if isinstance(value, list) else copy.copy(value)
        self.state = new_state

    @staticmethod
    def _restore(key: str, value: Any, param: ag.Tensor, number: Any) -> Any:
        array = value.array if isinstance(value, ag.Tensor) else value
        array = array if ag.arrays.is_array(array) else np.asarray(array)
        if key == "step":
            array = ag.arrays.to_host(array)
            step = float(array) if array.size == 1 and array.dtype.kind in "iuf" else -1.0
            if not (math.isfinite(step) and step >= 0 and step == round(step)):
                raise ValueError(f"loaded state dict: optimizer state 'step' of parameter "
                                 f"{number} is {_short(value)}; expected a non-negative "
                                 "integer")
            return int(step)
        if array.shape != param.shape:
            raise ValueError(f"optimizer state '{key}' of parameter {number} has shape "
                             f"{array.shape}, but the parameter has shape {tuple(param.shape)}")
        # on the parameter's device and in its dtype, as PyTorch's load_state_dict casts
        return ag.arrays.copy(ag.arrays.like(array, param.array), param.array.dtype)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _check_state_device(param: ag.Tensor, state: dict) -> None:
    """After a failed update: state made on another device than the parameter's (the model
    was moved after the optimiser's first step) raises PyTorch's error, saying what to do."""
    devices = {ag.from_numpy(value).device for value in state.values()
               if ag.arrays.is_array(value)} | {param.device}
    if len(devices) > 1:
        raise device_error(devices, "the optimizer's state was made before the model moved to "
                           f"{param.device}: build the optimizer after model.to(device), as "
                           "PyTorch advises, or load its state_dict() again") from None


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's momentum, dampening, Nesterov and L2
    weight decay::

        g = grad + weight_decay * p
        b = g (first step), else b = momentum * b + (1 - dampening) * g
        g = g + momentum * b (nesterov) or g = b (momentum > 0)
        p = p - lr * g

    >>> opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        _check("learning rate", lr)
        _check("momentum", momentum)
        _check("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update(self, param, grad, state, group):
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad
        return param


class Adam(Optimizer):
    """Adam (Kingma & Ba), exactly as PyTorch computes it, step t counting from 1::

        g = grad + weight_decay * p             (AdamW: p = p * (1 - lr * weight_decay))
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_hat = max(v_hat, v) if amsgrad else v
        p = p - lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)

    >>> opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    """

    decoupled_weight_decay = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        _check("learning rate", lr)
        _check("epsilon", eps)
        _check("weight_decay", weight_decay)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=self.decoupled_weight_decay))

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        step = state["step"]
        if group["weight_decay"]:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * group["weight_decay"]
            else:
                grad = grad + group["weight_decay"] * param
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        second = exp_avg_sq
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            second = state["max_exp_avg_sq"]
        step_size = lr / (1 - beta1 ** step)
        denom = np.sqrt(second) / math.sqrt(1 - beta2 ** step) + eps
        param -= step_size * exp_avg / denom
        return param


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): the parameters shrink by
    `lr * weight_decay` each step instead of adding an L2 term to the gradient. Default
    weight_decay 0.01, as in PyTorch.

    >>> opt = nn.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    """

    decoupled_weight_decay = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)


class RMSprop(Optimizer):
    """RMSprop (Hinton), as PyTorch computes it::

        g = grad + weight_decay * p
        s = alpha * s + (1 - alpha) * g * g
        a = alpha * a + (1 - alpha) * g;  d = sqrt(s - a * a) + eps   (centered)
        d = sqrt(s) + eps                                              (otherwise)
        b = momentum * b + g / d;  p = p - lr * b                      (momentum > 0)
        p = p - lr * g / d                                             (otherwise)

    >>> opt = nn.optim.RMSprop(model.parameters(), lr=1e-2)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        _check("learning rate", lr)
        _check("epsilon", eps)
        _check("momentum", momentum)
        _check("weight_decay", weight_decay)
        _check("alpha", alpha)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, param, grad, state, group):
        alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param))
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            avg = np.sqrt(square_avg) + eps
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * grad / avg
        return param


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), as PyTorch computes it, step t counting from 1::

        g = grad + weight_decay * p
        s = s + g * g                         (s starts at initial_accumulator_value)
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)

    Its state exists from the start, as in PyTorch (`step` 0 and `sum` for every parameter).

    >>> opt = nn.optim.Adagrad(model.parameters(), lr=1e-2)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False
                 ) -> None:
        _check("learning rate", lr)
        _check("lr_decay", lr_decay)
        _check("weight_decay", weight_decay)
        _check("initial_accumulator_value", initial_accumulator_value)
        _check("epsilon", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      maximize=maximize))
        for group in self.param_groups:
            for param in group["params"]:
                self.state[param] = {"step": 0, "sum": np.full_like(
                    param.array, group["initial_accumulator_value"])}

    def _update(self, param, grad, state, group):
        if not state:  # a parameter group added after construction
            state.update(step=0, sum=np.full_like(param, group["initial_accumulator_value"]))
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        param -= clr * (grad / (np.sqrt(state["sum"]) + group["eps"]))
        return param


def _cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                       bounds: tuple[float, float] | None = None) -> float:
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to `bounds`
    (PyTorch's LBFGS line search)."""
    low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, low), high)
    return (low + high) / 2.0


def _strong_wolfe(obj_func: Callable, x: list, t: float, d: np.ndarray, f: float,
                  g: np.ndarray, gtd: float, c1: float = 1e-4, c2: float = 0.9,
                  tolerance_change: float = 1e-9, max_ls: int = 25) -> tuple:
    """PyTorch's line search for LBFGS: a step `t` along `d` meeting the strong Wolfe
    conditions, by bracketing and cubic interpolation. Returns `(f, g, t, evaluations)`."""
    d_norm = float(np.abs(d).max())
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, bracket_gtd = [t], [f_new], [g_new], [gtd_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f = [0.0, t], [f, f_new]
        bracket_g, bracket_gtd = [g, g_new], [gtd, gtd_new]

    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """L-BFGS, PyTorch's algorithm step for step: each `step(closure)` runs up to `max_iter`
    quasi-Newton iterations (at most `max_eval` closure calls), with the two-loop recursion
    over the last `history_size` curvature pairs, a fixed step `lr` (the first scaled by
    $\\min(1, 1/\\|g\\|_1)$) or `line_search_fn="strong_wolfe"`. The closure re-evaluates
    the model, calls `backward()` and returns the loss; `step` returns the first loss.

    >>> opt = nn.optim.LBFGS(model.parameters(), lr=1)
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = loss_fn(model(x), y)
    ...     loss.backward()
    ...     return loss
    >>> opt.step(closure)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        _check("learning rate", lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _gather_flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros_like(p.array.reshape(-1)) if p.grad is None
                               else p.grad.array.reshape(-1) for p in self._params])

    def _add_grad(self, step_size: float, update: np.ndarray) -> None:
        offset = 0
        with ag.no_grad():
            for param in self._params:
                count = math.prod(param.shape)
                change = update[offset:offset + count].reshape(param.shape)
                param.copy_(param.array + (step_size * change).astype(param.array.dtype))
                offset += count

    def _set_param(self, arrays: list[np.ndarray]) -> None:
        with ag.no_grad():
            for param, array in zip(self._params, arrays):
                param.copy_(array)

    @staticmethod
    def _evaluate(closure: Callable[[], Any]) -> tuple[Any, float]:
        with ag.enable_grad():
            loss = closure()
        return loss, float(loss.item() if isinstance(loss, ag.Tensor) else loss)

    def _directional_evaluate(self, closure: Callable[[], Any], x: list[np.ndarray], t: float,
                              d: np.ndarray) -> tuple[float, np.ndarray]:
        self._add_grad(t, d)
        loss = self._evaluate(closure)[1]
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # noqa: C901 - PyTorch's
        """Run up to `max_iter` iterations; returns the loss of the first closure call."""
        if closure is None:
            raise RuntimeError("LBFGS needs a closure: step(closure) with closure() zeroing "
                               "the gradients, computing the loss, calling backward() and "
                               "returning the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss = self._evaluate(closure)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                num_old = len(old_dirs)
                al = state.setdefault("al", [None] * history_size)
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                d = r = q * h_diag
                for i in range(num_old):
                    be_i = float(old_dirs[i] @ r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]  # in place: d is r

            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr
            else:
                t = lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = [p.array.copy() for p in self._params]

                def obj_func(x, step, direction):
                    return self._directional_evaluate(closure, x, step, direction)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = self._evaluate(closure)[1]
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss

    @staticmethod
    def _restore(key: str, value: Any, param: ag.Tensor, number: Any) -> Any:
        return copy.deepcopy(value)


# ----- gradient-free optimisers -----------------------------------------------------------------

def _loss_value(loss: Any) -> float:
    value = float(loss.item() if isinstance(loss, ag.Tensor) else loss)
    return value if not math.isnan(value) else math.inf


def _noise(generator: np.random.Generator, std: float, array: Any) -> Any:
    """N(0, std^2) noise of `array`'s shape, drawn on the host (one seed, the same numbers on
    every device) and copied where `array` lives."""
    return ag.arrays.like(generator.normal(0.0, std, array.shape), array)


class _GradientFree(Optimizer):
    """Shared by the optimisers that only evaluate the loss: `step(closure)` is required, and
    the closure runs under `ag.no_grad` (it need not call `backward`)."""

    uses_gradients = False

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any],
                 generator: np.random.Generator | None, seed: int | None) -> None:
        super().__init__(params, defaults)
        self.generator = _generator(generator, seed)

    def _params(self) -> list[tuple[ag.Tensor, dict]]:
        return [(p, group) for group in self.param_groups for p in group["params"]]

    def _evaluate(self, closure: Callable[[], Any] | None) -> float:
        if closure is None:
            raise RuntimeError(f"{type(self).__name__} needs a closure: step(closure) with "
                               "closure() returning the loss of the current parameters")
        with ag.no_grad():
            return _loss_value(closure())

    def _assign(self, arrays: list[np.ndarray]) -> None:
        with ag.no_grad():
            for (param, _), array in zip(self._params(), arrays):
                param.copy_(array)


class RandomSearch(_GradientFree):
    """The "monkey" method: try a random change of all parameters, keep it if the loss went
    down. Each `step(closure)` evaluates the current loss, adds $N(0, \\mathrm{std}^2)$ noise
    to every parameter, evaluates again, and keeps the change only if the loss decreased
    (otherwise restores the parameters). Returns the loss of the parameters it leaves.

    >>> opt = nn.optim.RandomSearch(model.parameters(), std=0.1, seed=0)
    >>> for _ in range(200):
    ...     opt.step(lambda: loss_fn(model(x), y))
    """

    def __init__(self, params: Iterable[Any], std: float = 0.1, *,
                 generator: np.random.Generator | None = None, seed: int | None = None
                 ) -> None:
        _check("std", std)
        super().__init__(params, dict(std=std), generator, seed)

    def step(self, closure: Callable[[], Any] | None = None) -> float:
        before = self._evaluate(closure)
        saved = [param.array.copy() for param, _ in self._params()]
        self._assign([array + _noise(self.generator, group["std"], array)
                      for array, (_, group) in zip(saved, self._params())])
        after = self._evaluate(closure)
        if after < before:
            return after
        self._assign(saved)
        return before


class Evolution(_GradientFree):
    """Evolutionary training: keep a population of parameter sets, evaluate the loss of each,
    keep the better `elite_fraction` (the selection) and refill the population with mutated
    copies of the survivors (Gaussian noise of `std`). The first population is the current
    parameters plus mutants of them. After each `step(closure)` the model holds the best set
    found so far, and the best loss is returned (it never increases on a fixed data set).

    >>> opt = nn.optim.Evolution(model.parameters(), population=20, std=0.1, seed=0)
    >>> for _ in range(50):
    ...     opt.step(lambda: loss_fn(model(x), y))
    """

    def __init__(self, params: Iterable[Any], population: int = 20, std: float = 0.1,
                 elite_fraction: float = 0.5, *, generator: np.random.Generator | None = None,
                 seed: int | None = None) -> None:
        if int(population) < 2:
            raise ValueError(f"Evolution: population must be at least 2, got {population}")
        if not 0.0 < elite_fraction < 1.0:
            raise ValueError(f"Evolution: elite_fraction must be in (0, 1), got {elite_fraction}")
        _check("std", std)
        super().__init__(params, dict(std=std), generator, seed)
        self.population_size = int(population)
        self.elite_fraction = elite_fraction
        self.population: list[list[np.ndarray]] = []

    def _mutant(self, parent: list[np.ndarray]) -> list[np.ndarray]:
        return [array + _noise(self.generator, group["std"], array)
                for array, (_, group) in zip(parent, self._params())]

    def step(self, closure: Callable[[], Any] | None = None) -> float:
        if not self.population:
            current = [param.array.copy() for param, _ in self._params()]
            self.population = [current] + [self._mutant(current)
                                           for _ in range(self.population_size - 1)]
        losses = []
        for member in self.population:
            self._assign(member)
            losses.append(self._evaluate(closure))
        order = np.argsort(losses, kind="stable")
        keep = max(1, int(round(self.population_size * self.elite_fraction)))
        elite = [self.population[i] for i in order[:keep]]
        parents = self.generator.integers(0, keep, self.population_size - keep)
        self.population = elite + [self._mutant(elite[i]) for i in parents]
        self._assign(elite[0])
        return losses[order[0]]
