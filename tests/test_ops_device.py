"""What the op tables do not reach, on "cuda" played by the CuPy stand-in (tests/device_arrays.py)
and on the CPU: each program runs on both devices and must give the CPU's values (and PyTorch's
where it has the op), with every result and gradient on the input's device. Covered here:
tensor methods (comparisons, bitwise, any/all, argmax, indexing with NumPy and CPU index
arrays, `t[index] = value`, in-place arithmetic and fills), the samplers (one seed, the same
numbers on every device), the functional transforms, NumPy's functions on tensors, type
promotion, and erf (computed on a host copy)."""

import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

import autograd_lite as ag

RNG = np.random.default_rng(1616)
X = RNG.standard_normal((3, 4))
V = RNG.standard_normal(4)


def on(device, values, requires_grad=False, dtype=None):
    return ag.tensor(values, dtype=dtype, device=device, requires_grad=requires_grad)


def host(t):
    """A result's values on the host, checking first that it lives on the expected device."""
    return t.detach().cpu().numpy()


def same_as_cpu(program, device, *arrays, grad=True):
    """`program` on `device` and on the CPU: same values, dtypes and gradients; results and
    gradients on `device`."""
    results = []
    for where in ("cpu", device):
        xs = [on(where, a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
        out = program(*xs)
        outs = out if isinstance(out, tuple) else (out,)
        for o in outs:
            assert o.device.type == where
        if grad and outs[0].requires_grad:
            sum(o.sum() for o in outs if o.requires_grad).backward()
            for x in xs:
                assert x.grad is None or x.grad.device == x.device
        results.append(([(host(o), o.dtype) for o in outs],
                        [None if x.grad is None else host(x.grad) for x in xs]))
    (cpu_outs, cpu_grads), (dev_outs, dev_grads) = results
    for (a, dtype_a), (b, dtype_b) in zip(cpu_outs, dev_outs):
        assert dtype_a == dtype_b
        assert_allclose(b, a, rtol=1e-12, atol=1e-14)
    for a, b in zip(cpu_grads, dev_grads):
        assert (a is None) == (b is None)
        if a is not None:
            assert_allclose(b, a, rtol=1e-12, atol=1e-14)


PROGRAMS = {
    "comparisons": (lambda x: ((x > 0) & (x < 1), (x == x) | (x != 0), ~(x >= 0)), [X]),
    "bitwise integers": (lambda a, b: (a & b, a | b, ~a), [np.array([1, 6]), np.array([3, 4])]),
    "any all": (lambda x: ((x > 0).any(), (x > -5).all(1), (x > 0).any(0, keepdim=True)), [X]),
    "argmax argmin": (lambda x: (x.argmax(), x.argmin(1), x.argmax(keepdim=True)), [X]),
    "max min dim": (lambda x: (*x.max(1), *x.min(0, keepdim=True)), [X]),
    "0-d reductions": (lambda x: (x[0, 0].max(0)[1], x[0, 0].argmax(0), x[0, 0].sort()[1]),
                       [X]),
    "numpy index": (lambda x: x[np.array([2, 0, 2])] * 2, [X]),
    "list index": (lambda x: x[[0, 0], 1:] ** 2, [X]),
    "numpy mask": (lambda x: x[X > 0] * 3, [X]),
    "cpu index tensor": (lambda x: x[ag.tensor([1, 1, 2])].exp(), [X]),
    "index pair": (lambda x: x[np.array([0, 2]), np.array([1, 3])].sin(), [X]),
    "setitem recorded": (lambda x: _setitem(x * 1, (slice(None), [0, 2]), x[:, :2] * 5), [X]),
    "setitem number": (lambda x: _setitem(x * 1, x > 0, 0.0), [X]),
    "setitem numpy value": (lambda x: _setitem(x * 1, 1, np.arange(4.0)), [X]),
    "in-place arithmetic": (lambda x: _inplace(x * 1), [X]),
    "fill zero copy": (lambda x: ((x * 1).fill_(2.0), (x * 1).zero_(), (x * 1).copy_(x.exp())),
                       [X]),
    "copy_ from numpy": (lambda x: (x * 1).copy_(np.ones(4)), [X]),
    "where and masked_fill": (lambda x: (ag.where(x > 0, x, 0.0), ag.where(x > 0, 1.0, -1.0),
                                         x.masked_fill(X > 0, 2.5)), [X]),
    "nonzero": (lambda x: ag.where(x > 0), [X]),
    "promotion": (lambda a, b: (a + b, a * 2.5, a / 2, (a > 1) * 1.5, b.float() * a),
                  [np.array([1, 2], np.int32), np.array([0.5, 1.5])]),
    "numpy functions": (lambda x: (np.exp(x), np.sum(x, axis=0), np.where(x > 0, x, 0.0),
                                   np.clip(x, -0.5, 0.5), np.transpose(x), np.maximum(x, 0.1)),
                        [X]),
    "erf": (lambda x: ag.erf(x) * x, [X]),
    "rounded division": (lambda x: (x.div(0.3, rounding_mode="floor"),
                                    x.div(0.3, rounding_mode="trunc")), [X]),
    "integer rounded division": (lambda a, b: (a.div(b, rounding_mode="trunc"),
                                               a.div(b, rounding_mode="floor")),
                                 [np.array([-7, 7, 6]), np.array([2, -2, 4])]),
    "integer powers": (lambda a, b: a ** b, [np.array([2, 1, -1, 3]), np.array([-1, -3, -3, 2])]),
    "cat stack pad": (lambda x, v: (ag.cat([x, v[None]]), ag.stack([v, v], 1),
                                    ag.pad(x, (1, 2), value=3.0)), [X, V]),
    "matmul out of place": (lambda x, v: (x @ v, ag.outer(v, v), x.T @ x), [X, V]),
    "topk sort chunk split": (lambda x: (*x.topk(2), *x.sort(0, descending=True),
                                         *x.chunk(2, 1), *x.split([1, 2])), [X]),
}


def _setitem(t, index, value):
    t[index] = value
    return t


def _inplace(t):
    t += 1.0
    t *= t
    t -= 0.5
    t /= 2.0
    return t


@pytest.mark.parametrize("name", PROGRAMS)
def test_the_program_gives_the_cpus_values_and_gradients(name, standin_cuda):
    program, arrays = PROGRAMS[name]
    same_as_cpu(program, standin_cuda, *arrays)


def test_erf_is_pytorchs(device):
    x = on(device, X, requires_grad=True)
    ag.erf(x).sum().backward()
    tx = torch.tensor(X, requires_grad=True)
    torch.erf(tx).sum().backward()
    assert_allclose(host(ag.erf(x)), torch.erf(tx).detach().numpy(), rtol=1e-14)
    assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-14)


def test_mixing_devices_raises_pytorchs_error(standin_cuda):
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        on(standin_cuda, X) + ag.tensor(X)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        ag.cat([on(standin_cuda, X), ag.tensor(X)])
    assert (on(standin_cuda, X) * ag.tensor(2.0)).device.type == "cuda"  # a CPU scalar: fine
    index = ag.tensor([[0], [1], [2]])
    for call in (lambda: on(standin_cuda, X).gather(1, index),
                 lambda: on(standin_cuda, X).scatter(1, index, 0.0),
                 lambda: ag.tensor(X)[on(standin_cuda, [0, 1])]):
        with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
            call()


def test_copy_across_devices_is_differentiable(standin_cuda):
    source = ag.tensor(X, requires_grad=True)  # on the CPU
    target = on(standin_cuda, np.zeros((3, 4))) * 1
    target.copy_(source)
    assert target.device.type == "cuda"
    (target * 2).sum().backward()
    assert source.grad.device.type == "cpu"
    assert_array_equal(source.grad.numpy(), np.full((3, 4), 2.0))


# ----- samplers: drawn on the host from one generator, so a seed gives the same numbers ------

SAMPLERS = {
    "randn": lambda d: ag.randn(2, 3, device=d, dtype=ag.float64),
    "rand": lambda d: ag.rand(5, device=d),
    "randint": lambda d: ag.randint(0, 7, (4,), device=d),
    "randperm": lambda d: ag.randperm(6, device=d),
    "randn_like": lambda d: ag.randn_like(on(d, X)),
    "rand_like": lambda d: ag.rand_like(on(d, X)),
    "randint_like": lambda d: ag.randint_like(on(d, X), 0, 5),
    "normal tensors": lambda d: ag.normal(on(d, X), on(d, np.abs(X) + 0.1)),
    "normal numbers": lambda d: ag.normal(1.0, 2.0, size=(3,), device=d),
    "multinomial": lambda d: ag.multinomial(on(d, np.array([0.1, 0.0, 0.6, 0.3])), 3),
    "multinomial replacement": lambda d: ag.multinomial(on(d, np.array([[0.2, 0.8],
                                                                        [1.0, 0.0]])),
                                                        5, replacement=True),
    "bernoulli": lambda d: ag.bernoulli(on(d, np.full((2, 3), 0.4))),
    "normal_": lambda d: on(d, X).normal_(0.5, 2.0),
    "uniform_": lambda d: on(d, X).uniform_(-1.0, 1.0),
    "random_": lambda d: on(d, np.zeros(5, np.int64)).random_(3, 9),
    "bernoulli_": lambda d: on(d, X).bernoulli_(0.3),
    "exponential_": lambda d: on(d, X).exponential_(2.0),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_a_seed_gives_the_same_draws_on_every_device(name, standin_cuda):
    draws = []
    for where in ("cpu", standin_cuda):
        ag.manual_seed(16)
        t = SAMPLERS[name](where)
        assert t.device.type == where
        draws.append((host(t), t.dtype))
    assert draws[0][1] == draws[1][1]
    assert_array_equal(draws[1][0], draws[0][0])


def test_a_sample_with_parameters_that_require_grad_gets_zero_gradients(standin_cuda):
    mean = on(standin_cuda, X, requires_grad=True)
    std = on(standin_cuda, np.abs(X), requires_grad=True)
    ag.normal(mean, std).sum().backward()
    for p in (mean, std):
        assert p.grad.device.type == "cuda"
        assert_array_equal(host(p.grad), np.zeros((3, 4)))


# ----- the functional transforms ---------------------------------------------------------------

def _f(x, y):
    return (x.sin() * y).sum() + (x * x).sum()


@pytest.mark.parametrize("transform", [
    lambda d: ag.grad(_f)(on(d, X), on(d, X * 2)),
    lambda d: ag.grad(_f, argnums=(0, 1))(on(d, X), on(d, X * 2)),
    lambda d: ag.value_and_grad(_f)(on(d, X), on(d, X * 2)),
    lambda d: ag.vjp(lambda x: x.tanh() * x, on(d, V))[1](on(d, V * 3)),
    lambda d: ag.jvp(lambda x: x.tanh() * x, (on(d, V),), (on(d, V * 3),)),
    lambda d: ag.jacobian(lambda x: x.tanh() * x.sum())(on(d, V)),
    lambda d: ag.hessian(lambda x: (x ** 3).sum() * x[0])(on(d, V)),
    lambda d: ag.jacobian(lambda x, y: x @ y, argnums=(0, 1))(on(d, X), on(d, V)),
], ids=["grad", "grad argnums", "value_and_grad", "vjp", "jvp", "jacobian", "hessian",
        "jacobian argnums"])
def test_the_functional_transforms_give_the_cpus_results_on_a_device(transform, standin_cuda):
    def leaves(result):
        if isinstance(result, (tuple, list)):
            return [leaf for r in result for leaf in leaves(r)]
        return [result]

    cpu, dev = leaves(transform("cpu")), leaves(transform(standin_cuda))
    assert len(cpu) == len(dev)
    for a, b in zip(cpu, dev):
        assert b.device.type == "cuda" and a.shape == b.shape
        assert_allclose(host(b), host(a), rtol=1e-12, atol=1e-14)


def test_double_backward_through_indexing_and_softmax_on_a_device(standin_cuda):
    """create_graph: the recorded backward of indexing (IndexAdd), gather and softmax runs on
    the device and differentiates again, as on the CPU."""
    hessians = []
    for where in ("cpu", standin_cuda):
        x = on(where, V, requires_grad=True)
        y = (x[np.array([0, 0, 3])] ** 3).sum() + x.softmax(0)[1] \
            + x[None].gather(1, ag.tensor([[2, 2]], device=where)).prod()
        (g,) = ag.autograd.grad(y, x, create_graph=True)
        rows = [host(ag.autograd.grad(g[i], x, retain_graph=True)[0]) for i in range(4)]
        hessians.append(np.stack(rows))
    assert_allclose(hessians[1], hessians[0], rtol=1e-12)
    assert not math.isnan(hessians[1].sum())


def test_integers_to_negative_powers_as_on_the_cpu(device):
    """NumPy refuses integers to negative integer powers and CuPy does not: on a device the
    engine takes PyTorch's way itself (a tensor exponent) or refuses (a number)."""
    base, exponent = np.array([2, 1, -1, -1, 0]), np.array([-1, -3, -2, -3, 2])
    out = on(device, base) ** on(device, exponent)
    assert out.device.type == device
    assert_array_equal(host(out), (torch.tensor(base) ** torch.tensor(exponent)).numpy())
    assert_array_equal(host(2 ** on(device, exponent)), [0, 0, 0, 0, 4])
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        on(device, base) ** -1


def test_a_device_constant_is_written_in_the_picture(standin_cuda):
    x = on(standin_cuda, [1.0, 2.0], requires_grad=True)
    y = (x * on(standin_cuda, [3.0, 4.0]).array).sum()
    assert "* [3, 4]" in ag.draw_graph(y).source
