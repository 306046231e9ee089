"""Convolution and pooling (issue 5): gradients against finite differences (first and second
order), values against direct loops written here, values and gradients against PyTorch, the
output-size rule, initialisation, reprs and error messages."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import autograd_lite as ag
import nn
from nn import conv as C

rng = np.random.default_rng(0)


def leaf(*shape: int, positive: bool = False) -> ag.Tensor:
    data = rng.standard_normal(shape)
    return ag.tensor(np.abs(data) + 0.5 if positive else data, requires_grad=True)


def gradgradcheck(fn: Callable, inputs: tuple) -> bool:
    """Second order: `ag.gradcheck` of the vector-Jacobian product of `fn`, taken with
    `create_graph=True`. (The vjp runs under `enable_grad`, so that the finite-difference half
    of gradcheck, which evaluates it under `no_grad`, sees the same function.)"""
    with ag.no_grad():
        out = fn(*inputs)
    v = ag.tensor(rng.standard_normal(out.shape), requires_grad=True)
    count = len(inputs)

    def vjp(*args: ag.Tensor) -> tuple:
        with ag.enable_grad():
            return ag.autograd.grad([fn(*args[:count])], list(args[:count]), [args[count]],
                                    create_graph=True)
    return ag.gradcheck(vjp, (*inputs, v))


def both(array: np.ndarray, requires_grad: bool = True) -> tuple[ag.Tensor, torch.Tensor]:
    array = np.array(array, dtype=np.float64)
    return (ag.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def assert_close(ours: ag.Tensor, theirs: torch.Tensor, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(ours.array, theirs.detach().numpy(), rtol=1e-10, atol=atol)


# --- direct loop references (slow and obvious) ---------------------------------------------------

def conv_reference(x, w, b, stride, padding, dilation, groups):
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, o, ho, wo))
    for b_ in range(n):
        for oc in range(o):
            g = oc // (o // groups)
            for i in range(ho):
                for j in range(wo):
                    total = 0.0 if b is None else b[oc]
                    for ci in range(cg):
                        for p in range(kh):
                            for q in range(kw):
                                total += (w[oc, ci, p, q]
                                          * xp[b_, g * cg + ci, i * sh + p * dh, j * sw + q * dw])
                    y[b_, oc, i, j] = total
    return y


def pool_reference(x, kernel, stride, padding, reduce, pad_value):
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    n, c, h, w = x.shape
    xp = np.full((n, c, h + 2 * ph, w + 2 * pw), pad_value)
    xp[:, :, ph:ph + h, pw:pw + w] = x
    ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    y = np.zeros((n, c, ho, wo))
    for b in range(n):
        for ch in range(c):
            for i in range(ho):
                for j in range(wo):
                    y[b, ch, i, j] = reduce(xp[b, ch, i * sh:i * sh + kh, j * sw:j * sw + kw])
    return y


# --- gradients against finite differences -------------------------------------------------------

CONV_CASES = [  # (N, C, H, W), (O, kh, kw), stride, padding, dilation, groups, bias
    ((2, 3, 5, 5), (4, 3, 3), 1, 0, 1, 1, True),
    ((1, 2, 6, 5), (3, 2, 3), 1, 0, 1, 1, False),                  # non-square kernel, input
    ((2, 2, 7, 6), (2, 3, 3), 2, 1, 1, 1, True),                   # stride and padding
    ((1, 2, 7, 7), (2, 3, 2), (2, 1), (1, 2), (2, 1), 1, True),    # per-axis everything
    ((2, 4, 5, 4), (4, 2, 3), 1, 1, 1, 2, True),                   # groups
    ((1, 6, 5, 6), (6, 3, 3), (1, 2), 1, (1, 2), 3, False),        # depth-wise, dilated
    ((1, 2, 6, 6), (2, 3, 3), 1, "same", 2, 1, True),              # padding="same"
    ((1, 2, 5, 7), (2, 1, 1), 3, 0, 1, 1, True),                   # 1x1, stride skips input
]


def conv_case(x_shape, w_shape, stride, padding, dilation, groups, bias):
    """conv2d with the case's options as a function of (x, w[, b]), and random inputs."""
    o, kh, kw = w_shape
    x, w = leaf(*x_shape), leaf(o, x_shape[1] // groups, kh, kw)
    inputs = (x, w, leaf(o)) if bias else (x, w)

    def fn(x, w, b=None):
        return nn.functional.conv2d(x, w, b, stride, padding, dilation, groups)
    return fn, inputs


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_gradcheck(case):
    assert ag.gradcheck(*conv_case(*case))


@pytest.mark.parametrize("case", [CONV_CASES[i] for i in (0, 3, 5)])
def test_conv2d_second_order(case):
    assert gradgradcheck(*conv_case(*case))


def test_second_order_check_catches_a_wrong_derivative(monkeypatch):
    right = C.ConvolutionWeightGrad.backward

    def wrong(ctx, h):
        d_x, d_grad, *rest = right(ctx, h)
        return (None if d_x is None else d_x * 0.0), d_grad, *rest
    monkeypatch.setattr(C.ConvolutionWeightGrad, "backward", staticmethod(wrong))
    with pytest.raises(ag.GradcheckError, match="Jacobian entries differ"):
        gradgradcheck(lambda x, w: nn.functional.conv2d(x, w), (leaf(1, 1, 4, 4), leaf(1, 1, 2, 2)))


POOL_CASES = [  # kernel, stride, padding: without and with overlap
    (2, None, 0),
    ((2, 3), (2, 3), 0),
    (3, 2, 1),
    ((3, 2), 1, (1, 0)),
]


@pytest.mark.parametrize("kernel, stride, padding", POOL_CASES)
def test_max_pool2d_gradcheck(kernel, stride, padding):
    x = leaf(2, 2, 6, 7)  # continuous values: no ties, so the max is differentiable
    fn = lambda x: nn.functional.max_pool2d(x, kernel, stride, padding)  # noqa: E731
    assert ag.gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("kernel, stride, padding", POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_gradcheck(kernel, stride, padding, count_include_pad):
    fn = lambda x: nn.functional.avg_pool2d(  # noqa: E731
        x, kernel, stride, padding, count_include_pad=count_include_pad)
    assert ag.gradcheck(fn, (leaf(2, 2, 6, 7),))
    assert gradgradcheck(fn, (leaf(1, 2, 6, 7),))


@pytest.mark.parametrize("kernel, stride", [(2, None), (3, 2), ((2, 3), 1)])
@pytest.mark.parametrize("norm_type", [2, 3])
def test_lp_pool2d_gradcheck(kernel, stride, norm_type):
    fn = lambda x: nn.functional.lp_pool2d(x, norm_type, kernel, stride)  # noqa: E731
    assert ag.gradcheck(fn, (leaf(2, 2, 6, 7, positive=True),))
    assert gradgradcheck(fn, (leaf(1, 1, 6, 7, positive=True),))


# --- values against direct loops ---------------------------------------------------------------

@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation, groups, bias",
                         [c for c in CONV_CASES if c[3] != "same"])
def test_conv2d_matches_a_direct_loop(x_shape, w_shape, stride, padding, dilation, groups, bias):
    o, kh, kw = w_shape
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((o, x_shape[1] // groups, kh, kw))
    b = rng.standard_normal(o) if bias else None
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    expected = conv_reference(x, w, b, pair(stride), pair(padding), pair(dilation), groups)
    ours = nn.functional.conv2d(ag.tensor(x), ag.tensor(w), None if b is None else ag.tensor(b),
                                stride, padding, dilation, groups)
    np.testing.assert_allclose(ours.array, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel, stride, padding", [((2, 2), (2, 2), (0, 0)),
                                                     ((3, 2), (2, 1), (1, 1))])
def test_pools_match_direct_loops(kernel, stride, padding):
    x = rng.standard_normal((2, 3, 7, 6))
    area = kernel[0] * kernel[1]
    F = nn.functional
    cases = [
        (F.max_pool2d(ag.tensor(x), kernel, stride, padding), np.max, -np.inf),
        (F.avg_pool2d(ag.tensor(x), kernel, stride, padding), lambda v: v.sum() / area, 0.0),
    ]
    if padding == (0, 0):  # L2 pooling: the square root of the sum of squares
        cases.append((F.lp_pool2d(ag.tensor(x), 2, kernel, stride),
                      lambda v: np.sqrt((v ** 2).sum()), 0.0))
    for ours, reduce, pad_value in cases:
        expected = pool_reference(x, kernel, stride, padding, reduce, pad_value)
        np.testing.assert_allclose(ours.array, expected, rtol=1e-12, atol=1e-12)


# --- against PyTorch ---------------------------------------------------------------------------

@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation, groups, bias", CONV_CASES)
def test_conv2d_module_matches_torch(x_shape, w_shape, stride, padding, dilation, groups, bias):
    o, kh, kw = w_shape
    theirs = torch.nn.Conv2d(x_shape[1], o, (kh, kw), stride, padding, dilation, groups,
                             bias).double()
    ours = nn.Conv2d(x_shape[1], o, (kh, kw), stride, padding, dilation, groups, bias,
                     dtype=np.float64)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x, xt = both(rng.standard_normal(x_shape))
    y, yt = ours(x), theirs(xt)
    assert_close(y, yt)
    g = rng.standard_normal(yt.shape)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    assert_close(x.grad, xt.grad)
    assert_close(ours.weight.grad, theirs.weight.grad, atol=1e-11)
    if bias:
        assert_close(ours.bias.grad, theirs.bias.grad, atol=1e-11)
    assert repr(ours) == repr(theirs)


def test_functional_conv2d_matches_torch_in_float32():
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in [(4, 3, 9, 8), (5, 3, 3, 2),
                                                                  (5,)])
    args = dict(stride=(2, 1), padding=1, dilation=(1, 2))
    ours = nn.functional.conv2d(ag.tensor(x), ag.tensor(w), ag.tensor(b), **args)
    theirs = TF.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), **args)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kernel, stride, padding, dilation, ceil_mode",
                         [(2, None, 0, 1, False), (3, 2, 1, 1, False), (3, 1, 1, 2, False),
                          ((2, 3), (1, 2), (1, 1), 1, True), (3, 2, 0, 1, True)])
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (2, 3, 8, 6)])  # 2x2 windows tile the second
def test_max_pool2d_matches_torch_with_ties(kernel, stride, padding, dilation, ceil_mode, shape):
    data = rng.integers(-2, 3, shape)  # few distinct values: many ties in each window
    x, xt = both(data)
    ours = nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)
    theirs = torch.nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)
    y, yt = ours(x), theirs(xt)
    assert_close(y, yt)
    g = rng.standard_normal(yt.shape)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    assert_close(x.grad, xt.grad)  # each window's gradient goes to its first maximum only
    assert repr(ours) == repr(theirs)


def test_max_pool2d_tie_goes_to_the_first_element_in_window_order():
    x = ag.ones(1, 1, 2, 2, requires_grad=True)
    nn.functional.max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]


def test_max_pool2d_return_indices_match_torch():
    x = rng.integers(-2, 3, (2, 2, 6, 7)).astype(np.float64)
    values, indices = nn.functional.max_pool2d(ag.tensor(x), 3, 2, 1, return_indices=True)
    t_values, t_indices = TF.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    assert_close(values, t_values)
    np.testing.assert_array_equal(indices.array, t_indices.numpy())


@pytest.mark.parametrize("kernel, stride, padding, ceil_mode, count_include_pad, divisor",
                         [(2, None, 0, False, True, None), (3, 2, 1, False, True, None),
                          (3, 2, 1, False, False, None), ((2, 3), (1, 2), (1, 1), True, False,
                                                          None),
                          (3, 2, 1, True, True, None), (3, 2, 1, True, False, 5)])
def test_avg_pool2d_matches_torch(kernel, stride, padding, ceil_mode, count_include_pad, divisor):
    x, xt = both(rng.standard_normal((2, 3, 7, 8)))
    ours = nn.AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad, divisor)
    theirs = torch.nn.AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad, divisor)
    y, yt = ours(x), theirs(xt)
    assert_close(y, yt)
    g = rng.standard_normal(yt.shape)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    assert_close(x.grad, xt.grad)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("norm_type, kernel, stride, ceil_mode",
                         [(2, 2, None, False), (2, 3, 2, True), (3, (2, 3), 1, False),
                          (1.5, 2, 1, False)])
def test_lp_pool2d_matches_torch(norm_type, kernel, stride, ceil_mode):
    x, xt = both(np.abs(rng.standard_normal((2, 3, 7, 8))))
    ours = nn.LPPool2d(norm_type, kernel, stride, ceil_mode)
    theirs = torch.nn.LPPool2d(norm_type, kernel, stride, ceil_mode)
    y, yt = ours(x), theirs(xt)
    assert_close(y, yt, atol=1e-11)
    g = rng.standard_normal(yt.shape)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    assert_close(x.grad, xt.grad, atol=1e-11)
    assert repr(ours) == repr(theirs)


def test_lp_pool2d_sign_and_zero_windows_behave_like_torch():
    data = rng.standard_normal((1, 1, 4, 6))
    data[..., :2, :2] = 0.0  # a zero window: pow(1/p)' is infinite there, but the gradient is 0
    x, xt = both(data)
    y, yt = nn.functional.lp_pool2d(x, 3, 2), TF.lp_pool2d(xt, 3, 2)  # odd p: negative sums
    np.testing.assert_allclose(y.array, yt.detach().numpy(), rtol=1e-10, equal_nan=True)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(x.grad.array, xt.grad.numpy(), rtol=1e-10, equal_nan=True)


@pytest.mark.parametrize("size", [1, 4, 5, 8, 13])
@pytest.mark.parametrize("kernel, stride, padding, dilation",
                         [(1, 1, 0, 1), (3, 1, 1, 1), (3, 2, 0, 1), (2, 3, 1, 2), (4, 2, 2, 1)])
def test_output_size_rule(size, kernel, stride, padding, dilation):
    expected = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    x = ag.zeros(1, 1, size, size + 1)
    w = ag.zeros(1, 1, kernel, kernel)
    if expected < 1:
        with pytest.raises(ValueError, match="larger than the padded input"):
            nn.functional.conv2d(x, w, None, stride, padding, dilation)
        return
    y = nn.functional.conv2d(x, w, None, stride, padding, dilation)
    theirs = TF.conv2d(torch.zeros(1, 1, size, size + 1), torch.zeros(1, 1, kernel, kernel),
                       None, stride, padding, dilation)
    assert y.shape == tuple(theirs.shape) == (1, 1, expected, y.shape[3])
    if 2 * padding <= kernel:
        pooled = nn.functional.max_pool2d(x, kernel, stride, padding, dilation)
        assert pooled.shape == tuple(TF.max_pool2d(torch.zeros(1, 1, size, size + 1), kernel,
                                                   stride, padding, dilation).shape)


def test_pool_stride_defaults_to_kernel_size():
    x = ag.zeros(2, 3, 12, 9)
    assert nn.MaxPool2d(3)(x).shape == (2, 3, 4, 3)
    assert nn.AvgPool2d((2, 3))(x).shape == (2, 3, 6, 3)
    assert nn.LPPool2d(2, 3)(x).shape == (2, 3, 4, 3)
    assert nn.MaxPool2d(3).stride == 3 and nn.LPPool2d(2, 3).stride is None


# --- the layer: parameters and initialisation ---------------------------------------------------

def test_conv2d_default_init_is_pytorchs():
    layer = nn.Conv2d(6, 12, (3, 2), groups=2, seed=0)
    bound = 1 / math.sqrt(3 * 3 * 2)  # fan_in = in/groups * kh * kw
    assert layer.weight.shape == (12, 3, 3, 2) and layer.bias.shape == (12,)
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32 and p.requires_grad
        assert np.abs(p.array).max() <= bound and np.abs(p.array).max() > 0.8 * bound
    again = nn.Conv2d(6, 12, (3, 2), groups=2, seed=0)
    np.testing.assert_array_equal(layer.weight.array, again.weight.array)
    assert nn.Conv2d(2, 3, 1, bias=False).bias is None
    assert [name for name, _ in nn.Conv2d(2, 3, 1).named_parameters()] == ["weight", "bias"]


def test_conv_net_state_dict_moves_between_torch_and_us():
    ours = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3, groups=2), nn.LPPool2d(2, 2), nn.Flatten(),
                         nn.Linear(6, 3))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                                 torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 6, 3, groups=2),
                                 torch.nn.LPPool2d(2, 2), torch.nn.Flatten(),
                                 torch.nn.Linear(6, 3))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = rng.standard_normal((5, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(ours(ag.tensor(x)).array, theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_backward_twice_with_retain_graph_gives_the_same_gradients():
    x = leaf(2, 2, 6, 6)
    layer = nn.Conv2d(2, 3, 3, padding=1, dtype=np.float64, seed=0)
    loss = (nn.MaxPool2d(3, 2)(layer(x)) ** 2).sum() + nn.AvgPool2d(2)(x).sum()
    loss.backward(retain_graph=True)
    first = x.grad.array.copy(), layer.weight.grad.array.copy()
    x.grad = layer.weight.grad = None
    loss.backward()
    np.testing.assert_array_equal(x.grad.array, first[0])
    np.testing.assert_array_equal(layer.weight.grad.array, first[1])


def test_no_graph_under_no_grad():
    layer, pool = nn.Conv2d(1, 2, 3), nn.MaxPool2d(2)
    x = ag.tensor(rng.standard_normal((2, 1, 7, 7)).astype(np.float32))
    with ag.no_grad():
        y = pool(layer(x))
    assert y.grad_fn is None and not y.requires_grad
    np.testing.assert_array_equal(y.array, pool(layer(x)).array)  # the max without the argmax


@pytest.mark.parametrize("trainable", [("bias",), ("weight",), ("input", "bias"), ("input",)])
def test_conv2d_gradients_of_any_subset_of_its_inputs(trainable):
    x, xt = both(rng.standard_normal((2, 4, 6, 5)), "input" in trainable)
    w, wt = both(rng.standard_normal((6, 2, 3, 2)), "weight" in trainable)
    b, bt = both(rng.standard_normal(6), "bias" in trainable)
    y = nn.functional.conv2d(x, w, b, 2, 1, 1, 2)
    yt = TF.conv2d(xt, wt, bt, 2, 1, 1, 2)
    g = rng.standard_normal(yt.shape)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    for ours, theirs in ((x, xt), (w, wt), (b, bt)):
        assert (ours.grad is None) == (theirs.grad is None)
        if ours.grad is not None:
            assert_close(ours.grad, theirs.grad, atol=1e-11)


# --- errors name the layer, the expected and the actual shape ------------------------------------

@pytest.mark.parametrize("make, x_shape, words", [
    (lambda: nn.Conv2d(3, 8, 3), (3, 8, 8), ["Conv2d(3, 8", "(N, 3, H, W)", "(3, 8, 8)"]),
    (lambda: nn.Conv2d(3, 8, 3), (2, 4, 8, 8),
     ["Conv2d(3, 8", "(N, 3, H, W)", "(2, 4, 8, 8)", "4 channels"]),
    (lambda: nn.Conv2d(1, 2, 5, padding=1), (1, 1, 2, 3),
     ["Conv2d(1, 2", "larger than the padded input", "(4, 5)", "(5, 5)"]),
    (lambda: nn.MaxPool2d(2), (4, 5), ["MaxPool2d(kernel_size=2", "(N, C, H, W)", "(4, 5)"]),
    (lambda: nn.AvgPool2d(4), (1, 1, 3, 9), ["AvgPool2d(kernel_size=4", "larger", "(3, 9)"]),
    (lambda: nn.LPPool2d(2, 3), (2, 3, 2, 2), ["LPPool2d(norm_type=2", "larger", "(2, 2)"]),
])
def test_bad_input_shapes_name_the_layer_and_both_shapes(make, x_shape, words):
    with pytest.raises(ValueError, match=re.escape(words[0])) as error:
        make()(ag.zeros(*x_shape))
    for word in words:
        assert word in str(error.value)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"Conv2d: in_channels \(3\) must be divisible by "
                                         r"groups \(2\)"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"out_channels \(3\) must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels.*divisible by groups"):
        nn.functional.conv2d(ag.zeros(1, 4, 5, 5), ag.zeros(3, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match=r"conv2d: expected input of shape \(N, 4, H, W\).*"
                                         r"weight of shape \(6, 2, 3, 3\) and groups=2.*"
                                         r"\(1, 3, 5, 5\)"):
        nn.functional.conv2d(ag.zeros(1, 3, 5, 5), ag.zeros(6, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match=r"bias of shape \(6,\), got a bias of shape \(5,\)"):
        nn.functional.conv2d(ag.zeros(1, 3, 5, 5), ag.zeros(6, 3, 3, 3), ag.zeros(5))
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="at most half"):
        nn.MaxPool2d(2, padding=2)(ag.zeros(1, 1, 6, 6))
    with pytest.raises(TypeError, match="kernel_size must be an int or a tuple of two ints"):
        nn.Conv2d(1, 1, (3, 3, 3))
    with pytest.raises(ValueError, match="stride must be at least 1"):
        nn.functional.avg_pool2d(ag.zeros(1, 1, 4, 4), 2, 0)
