"""The Tensor: its attributes, methods, operators, indexing, in-place updates and printed form.

Tensor-level behaviour is checked on its own or against PyTorch, the reference, where the claim
is "as PyTorch does". Creation is in test_creation.py, dtypes in test_promotion.py, NumPy on
Tensors in test_interop.py, and the values and gradients of each op in test_ops_parity.py."""

import re

import pytest
import torch

import autograd_lite as ag

# ----- the printed form: PyTorch's ------------------------------------------------------------

def torch_repr(t):
    """PyTorch's repr with its dtypes' `torch.` prefix and grad_fn's version digit dropped."""
    return re.sub(r"(Backward)\d+", r"\1", repr(t).replace("torch.", ""))


REPR_DATA = [
    "1.", "[1.5, 2.]", "[[1., 2.], [3., 4.]]", "[1e-5, 1.]", "[1e8, 1.]", "[123456., 1.]",
    "[0.1, 1000.]", "[0.1, 10000.]", "[-1.5, 2.]", "[float('nan'), 1.5]", "[float('inf'), -1.]",
    "-0.", "[0., 0.]", "[1.23456789]", "[[[1.5, -2.25]], [[3., 4.]]]", "[0.001, 2.]",
    "[[1.5] * 10] * 3", "[1.5] * 30", "[[0.5] * 7] * 7", "[2.5] * 1001",
    "[[float(i) for i in range(40)]] * 40", "[[[1.25] * 10] * 2] * 2", "[[[[-0.5] * 9]]]",
]


@pytest.mark.parametrize("text", REPR_DATA)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_repr_of_floats_matches_torch(text, dtype, requires_grad):
    values = eval(text)  # the literals above, nothing else
    ours = ag.tensor(values, dtype=getattr(ag, dtype), requires_grad=requires_grad)
    theirs = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    if dtype == "float32":
        assert repr(ours) == torch_repr(theirs)
    else:  # we wrap by our own line, torch by one with "dtype=torch.float64" in it
        assert re.sub(r",\s+", ", ", repr(ours)) == re.sub(r",\s+", ", ", torch_repr(theirs))
    assert max(len(line) for line in repr(ours).splitlines()) <= 80
    assert str(ours) == repr(ours)


@pytest.mark.parametrize("values", [[1, -200], [True, False], [True, True], 7,
                                    list(range(1001)), [[1, 2], [3, 4]]])
def test_repr_of_ints_and_bools_matches_torch(values):
    assert repr(ag.tensor(values)) == torch_repr(torch.tensor(values))


@pytest.mark.parametrize("make", [
    lambda lib: lib.zeros(0), lambda lib: lib.zeros(2, 0), lambda lib: lib.ones(3, dtype=lib.int32),
    lambda lib: lib.ones(2, dtype=lib.float64), lambda lib: lib.zeros(0, dtype=lib.int64),
    lambda lib: lib.ones(2, dtype=lib.float16), lambda lib: lib.ones(2, dtype=lib.uint8),
    lambda lib: lib.arange(6).reshape(2, 3) > 2,
])
def test_repr_of_empty_tensors_and_other_dtypes_matches_torch(make):
    assert repr(make(ag)) == torch_repr(make(torch))


@pytest.mark.parametrize("fn", [
    lambda k, m: (3 * k + 8 * m) * (5 * m + 2),
    lambda k, m: k + m, lambda k, m: k - m, lambda k, m: k / m, lambda k, m: -k,
    lambda k, m: k.exp(), lambda k, m: k.sigmoid(), lambda k, m: k.tanh(), lambda k, m: k.sum(),
    lambda k, m: k.mean(), lambda k, m: k.relu(), lambda k, m: k.log(), lambda k, m: k.sin(),
    lambda k, m: k.sqrt(), lambda k, m: k.abs(), lambda k, m: k.cos(), lambda k, m: k ** 2,
], ids=["worked example", "add", "sub", "div", "neg", "exp", "sigmoid", "tanh", "sum", "mean",
        "relu", "log", "sin", "sqrt", "abs", "cos", "pow"])
def test_repr_with_grad_fn_matches_torch(fn):
    k, m = ag.tensor(1.0, requires_grad=True), ag.tensor(3.0, requires_grad=True)
    tk, tm = torch.tensor(1.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
    assert repr(fn(k, m)) == torch_repr(fn(tk, tm))


def test_repr_of_the_worked_example():
    k, m = ag.tensor(1.0, requires_grad=True), ag.tensor(3.0, requires_grad=True)
    assert repr((3 * k + 8 * m) * (5 * m + 2)) == "tensor(459., grad_fn=<MulBackward>)"
    assert repr(ag.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"
    assert repr(ag.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"

