"""Gradient checking: analytical gradients against central finite differences, in float64.

Floating inputs in lower precision (float32, float16) are checked on float64 copies, so that
a correct function passes whatever dtype its inputs have; complex inputs are used as given.
Inputs on a device (a GPU) are perturbed there, in place; each output's values, and each
gradient, are copied to the host to fill the Jacobians.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import engine
from .arrays import like, to_host
from .tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by `gradcheck` when analytical and numerical gradients disagree; the message
    tables the worst entries."""


def _in_float64(inputs: tuple) -> tuple:
    """`inputs` with every floating Tensor that is not float64 replaced by a float64 copy: a
    new contiguous leaf with the same requires_grad. The same Tensor given twice gets the same
    copy; float64 and complex Tensors, and other values, are passed through as they are."""
    copies: dict[int, Tensor] = {}
    result = []
    for t in inputs:
        if (isinstance(t, Tensor) and t.array.dtype.kind == "f"
                and t.array.dtype != np.float64):
            if id(t) not in copies:
                data = t.array.astype(np.float64, order="C")  # (where it lives)
                copies[id(t)] = Tensor._make(data, t.requires_grad, None)
            t = copies[id(t)]
        result.append(t)
    return tuple(result)


def _outputs(fn: Callable, inputs: tuple) -> tuple:
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return tuple(o for o in outs if isinstance(o, Tensor) and o.array.dtype.kind in "fc")


def _numerical(fn: Callable, inputs: tuple, wrt: list, eps: float) -> list:
    """Per output, per input: the Jacobian of shape (output.size, input.size).

    `fn` runs with grad mode on: it may itself differentiate (as in gradgradcheck)."""
    outs = _outputs(fn, inputs)
    jac = [[np.zeros((o.array.size, t.array.size)) for t in wrt] for o in outs]
    for j, t in enumerate(wrt):
        flat = t.array.reshape(-1)  # a view: perturb in place, then restore
        if t.array.size and not np.shares_memory(flat, t.array):
            raise ValueError("gradcheck: inputs must be contiguous arrays")
        for k in range(flat.size):
            original = flat[k]
            flat[k] = original + eps
            plus = [to_host(o.array).astype(np.float64).ravel() for o in _outputs(fn, inputs)]
            flat[k] = original - eps
            minus = [to_host(o.array).astype(np.float64).ravel() for o in _outputs(fn, inputs)]
            flat[k] = original
            for i in range(len(outs)):
                jac[i][j][:, k] = (plus[i] - minus[i]) / (2 * eps)
    return jac


def _analytical(fn: Callable, inputs: tuple, wrt: list) -> list:
    outs = _outputs(fn, inputs)
    jac = [[np.zeros((o.array.size, t.array.size)) for t in wrt] for o in outs]
    for i, out in enumerate(outs):
        if not out.requires_grad:
            continue
        for r in range(out.array.size):
            seed = np.zeros(out.array.size, dtype=out.array.dtype)
            seed[r] = 1
            seed = like(seed.reshape(out.shape), out.array)  # where the output lives
            grads = engine.grad(out, wrt, Tensor._make(seed, False, None),
                                  retain_graph=True, allow_unused=True)
            for j, g in enumerate(grads):
                if g is not None:
                    jac[i][j][r, :] = to_host(g.array).astype(np.float64).ravel()
    return jac


def gradcheck(fn: Callable, inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check `fn`'s analytical gradients against central finite differences, in float64.

    `inputs` is a Tensor or a tuple of them (and other values); those with
    `requires_grad=True` are checked. Returns True, or raises `GradcheckError` tabling the
    worst mismatches (returns False with `raise_exception=False`).

    float32 and float16 inputs are fine: every floating Tensor in `inputs` that is not float64
    is copied to a float64 leaf with the same `requires_grad`, `fn` runs on the copies, and both
    Jacobians come from them (finite differences in float32 are too coarse for `eps=1e-6`).
    The tensors you pass are left as they were: values, dtype and `.grad`. Tensors that `fn`
    closes over (a model's float32 parameters) keep their dtype; ops mixing them with the
    float64 copies compute in float64 (elementwise ops as in PyTorch; matmul here too, which
    PyTorch refuses). Because `fn` gets copies, it must use its arguments, not capture the
    inputs themselves. float64 inputs are used as given (perturbed in place and restored);
    complex inputs too, with a warning.

    >>> x = ag.randn(3, requires_grad=True)         # float32
    >>> ag.gradcheck(lambda a: (a.tanh() * a).sum(), (x,))
    True
    >>> x.dtype, x.grad                             # untouched
    (<class 'numpy.float32'>, None)
    """
    inputs = _in_float64((inputs,) if isinstance(inputs, Tensor) else tuple(inputs))
    wrt = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad; pass tensors with "
                         "requires_grad=True")
    for n, t in enumerate(wrt):
        if t.array.dtype.kind == "c":
            warnings.warn(
                f"gradcheck: input {n} is {t.array.dtype.name}, not float64; finite differences "
                "in lower precision are unreliable", UserWarning, stacklevel=2)
    numerical = _numerical(fn, inputs, wrt, eps)
    analytical = _analytical(fn, inputs, wrt)
    if not numerical or len(numerical) != len(analytical):
        raise ValueError(
            f"gradcheck: fn returned {len(analytical)} floating-point output(s) with grad mode "
            f"on and {len(numerical)} when re-evaluated; it must return the same Tensors "
            "each time (and at least one)")
    rows = []
    for i, (num_row, ana_row) in enumerate(zip(numerical, analytical)):
        for j, (num, ana) in enumerate(zip(num_row, ana_row)):
            bad = ~(np.abs(ana - num) <= atol + rtol * np.abs(num))
            for r, k in zip(*np.nonzero(bad)):
                rows.append((abs(ana[r, k] - num[r, k]), i, j, r, k, ana[r, k], num[r, k]))
    if not rows:
        return True
    if not raise_exception:
        return False
    rows.sort(reverse=True)
    lines = [f"gradcheck: {len(rows)} Jacobian entries differ (atol={atol}, rtol={rtol}); "
             "the worst:",
             f"  {'output':>6} {'input':>5} {'out idx':>7} {'in idx':>6} "
             f"{'analytical':>14} {'numerical':>14} {'|diff|':>10}"]
    for diff, i, j, r, k, a, n in rows[:10]:
        lines.append(f"  {i:>6} {j:>5} {r:>7} {k:>6} {a:>14.6g} {n:>14.6g} {diff:>10.3g}")
    raise GradcheckError("\n".join(lines))


def gradgradcheck(fn: Callable, inputs: Any,
                  grad_outputs: Tensor | Sequence[Tensor] | None = None,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  seed: int = 0, raise_exception: bool = True) -> bool:
    """Check second-order gradients: `gradcheck` of the vector-Jacobian product of `fn`
    (with random `grad_outputs` unless given: a Tensor, or one per output), which runs
    backward with `create_graph`. Returns True, or raises `GradcheckError` (returns False
    with `raise_exception=False`).

    As in `gradcheck`, float32 and float16 Tensors in `inputs` and `grad_outputs` are checked
    on float64 copies (the tensors you pass are left as they were), and the random
    `grad_outputs` are float64 for float outputs.

    >>> x = ag.randn(3, requires_grad=True)         # float32
    >>> ag.gradgradcheck(lambda a: a.sin() * a, (x,))
    True
    """
    inputs = _in_float64((inputs,) if isinstance(inputs, Tensor) else tuple(inputs))
    wrt = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    outs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [Tensor._make(like(rng.standard_normal(o.shape), o.array, o.array.dtype),
                                     True, None) for o in outs]
    grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    grad_outputs = list(_in_float64(tuple(grad_outputs)))
    if len(grad_outputs) != len(outs):
        raise ValueError(
            f"gradgradcheck: got {len(grad_outputs)} grad_outputs for {len(outs)} "
            "floating-point output(s) of fn; give one per output")
    count = len(inputs)

    def vjp_of_fn(*args: Any) -> tuple:
        pairs = [(o, v) for o, v in zip(_outputs(fn, args[:count]), args[count:])
                 if o.requires_grad]
        if not pairs:
            return ()
        grads = engine.grad([o for o, _ in pairs], [a for a in args[:count] if a in wrt_ids],
                              [v for _, v in pairs], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    wrt_ids = _IdentitySet(wrt)
    return gradcheck(vjp_of_fn, tuple(inputs) + tuple(grad_outputs), eps, atol, rtol,
                     raise_exception)


class _IdentitySet:
    """Membership by identity (Tensor's == is elementwise)."""

    def __init__(self, items: list) -> None:
        self.ids = {id(x) for x in items}

    def __contains__(self, item: Any) -> bool:
        return id(item) in self.ids
