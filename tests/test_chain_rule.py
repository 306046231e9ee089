"""The worked chain-rule example of the source material: x = 3k + 8m, y = 5m + 2, z = xy."""

import numpy as np
import pytest

import autograd_lite as ag


def km(k0=1.0, m0=3.0, dtype=ag.float32):
    k = ag.tensor(k0, dtype=dtype, requires_grad=True)
    m = ag.tensor(m0, dtype=dtype, requires_grad=True)
    x = 3 * k + 8 * m
    y = 5 * m + 2
    return k, m, x, y, x * y


def test_value_and_gradients_at_k1_m3():
    k, m, x, y, z = km()
    z.backward()
    assert z.item() == 459.0
    assert k.grad.item() == 51.0           # dz/dk = y * 3 = 17 * 3
    assert m.grad.item() == 271.0          # dz/dm = y * 8 + x * 5 = 136 + 135
    assert (x.item(), y.item()) == (27.0, 17.0)


def test_one_step_toward_450_moving_k_alone():
    k, m, x, y, z = km(dtype=ag.float64)
    z.backward()
    k1 = k.item() + (450.0 - z.item()) / k.grad.item()     # dk = dz / (dz/dk)
    assert round(k1, 4) == 0.8235
    # z is linear in k, so one step lands on 450 (to float precision)...
    *_, z1 = km(k1, 3.0, dtype=ag.float64)
    assert z1.item() == pytest.approx(450.0, abs=1e-9)
    # ...and the article's 449.9985 comes from rounding k to 0.8235 before recomputing
    *_, z_rounded = km(0.8235, 3.0, dtype=ag.float64)
    assert z_rounded.item() == pytest.approx(449.9985, abs=1e-9)


def test_same_numbers_from_the_functional_transforms():
    def f(k, m):
        return (3 * k + 8 * m) * (5 * m + 2)

    value, (dk, dm) = ag.value_and_grad(f, argnums=(0, 1))(1.0, 3.0)
    assert (value.item(), dk.item(), dm.item()) == (459.0, 51.0, 271.0)
    np.testing.assert_array_equal(ag.hessian(lambda v: f(v[0], v[1]))(
        ag.tensor([1.0, 3.0], dtype=ag.float64)).numpy(), [[0.0, 15.0], [15.0, 80.0]])
