"""Elementwise ops: each forward, and right below it, its derivative.

Derivatives use operators and NumPy functions on `grad`, the saved inputs and the saved output
(`ans`), so they run on arrays in a normal backward and on Tensors under `create_graph`.
Broadcasting is undone by the engine, once, for every op.
"""

from __future__ import annotations

import math

import numpy as np

from ..arrays import is_array, is_host, like, to_host
from ..device import device_of, move
from ..formula import ATOM, ONE, Sym, mul, number, power
from ..function import Function, register


class Add(Function):
    """$f(a, b) = a + b$"""
    label = "+"
    formula, derivatives, commutative = "a + b", ("1", "1"), True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """$f(a, b) = a - b$"""
    label = "-"
    formula, derivatives = "a - b", ("1", "-1")

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """$f(a, b) = a b$"""
    label = "*"
    formula, derivatives, commutative = "a * b", ("b", "a"), True

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    """$f(a, b) = a / b$"""
    label = "/"
    formula, derivatives = "a / b", ("1 / b", "-a / b**2")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # PyTorch's order: a / b / b stays finite where b * b would overflow (b = 1e300)
        return (grad / b if need_a else None), (-grad * (a / b / b) if need_b else None)


class RoundedDiv(Function):
    """$f(a, b) = a / b$ rounded toward zero (`mode` "trunc") or down ("floor"): a step
    function, so its gradient is 0 for both operands, as PyTorch's."""
    label = "div"
    formula = "div(a, b, mode)"

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.mode = mode
        if np.result_type(a, b).kind in "fc":
            with np.errstate(divide="ignore", invalid="ignore"):
                q = np.true_divide(a, b)
                return np.floor(q) if mode == "floor" else np.trunc(q)
        floor = np.floor_divide(a, b)
        if mode == "floor":
            return floor
        inexact = (floor * b != a) & ((a < 0) != (b < 0))  # floor went one below trunc
        return (floor + inexact).astype(floor.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad[:2]
        return (np.zeros_like(grad) if need_a else None), \
            (np.zeros_like(grad) if need_b else None), None


class Neg(Function):
    """$f(a) = -a$"""
    label = "neg"
    formula, derivatives = "-a", ("-1",)

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """$f(a, b) = a^b$, so $\\partial f / \\partial a = b a^{b-1}$ (0 where $b = 0$) and
    $\\partial f / \\partial b = a^b \\ln a$ (0 where $a = 0$ and $b \\ge 0$), as PyTorch takes
    them; the exponent may be a number or a tensor."""
    label = "**"
    formula, derivatives = "a**b", ("b * a**(b - 1)", "a**b * log(a)")

    @staticmethod
    def forward(ctx, a, b):
        if type(b) is int and b >= 0:  # the common x ** 2: nothing to warn about
            ans = a ** b
        else:
            with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 = inf, as in PyTorch
                try:
                    if _device_integer_power(a, b):  # what NumPy refuses, CuPy computes
                        raise ValueError("Integers to negative integer powers are not allowed.")
                    ans = a ** b
                except ValueError:  # NumPy refuses integers to negative integer powers
                    if not is_array(b):
                        raise  # a number exponent: PyTorch refuses too
                    ans = _integer_power(a, b)
        ctx.save_for_backward(a, b, ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        a, b, ans = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            if isinstance(b, (int, float)):
                grad_a = grad * 0.0 if b == 0 else grad * b * a ** (b - 1)
            else:  # b a^(b-1) is 0 * inf at a = b = 0: take 0 there, on a safe base so that
                # no nan reaches second derivatives (elsewhere b = 0 gives 0 by itself)
                at_origin = (a == 0) & (b == 0)
                grad_a = grad * np.where(at_origin, 0.0, b * np.where(at_origin, 1.0, a) ** (b - 1))
        if need_b:
            at_zero = (a == 0) & (b >= 0)
            if isinstance(a, (int, float)):  # a number base: its log is a constant
                log_a = math.log(a) if a > 0 else -math.inf if a == 0 else math.nan
            else:  # log 0 = -inf where the mask keeps it (0^b = inf for b < 0: -inf)
                log_a = np.log(np.where(at_zero, 1.0, a))
            grad_b = grad * np.where(at_zero, 0.0, ans * log_a)
        return grad_a, grad_b

    @classmethod
    def local_derivative(cls, ctx, operands, index):
        base, exponent = operands
        if index == 0 and exponent.number is not None:  # x**3 -> 3*x**2, x**2 -> 2*x
            lower = exponent.number - 1
            if lower == 0:
                return ONE
            return mul(exponent, base if lower == 1 else power(base, number(lower)))
        return super().local_derivative(ctx, operands, index)


def _device_integer_power(a, b) -> bool:
    """Whether `a ** b` raises integers on a device to integer powers that may be negative:
    NumPy refuses those (and then `_integer_power` gives PyTorch's values), CuPy does not."""
    device = not is_host(b) if is_array(b) else is_array(a) and not is_host(a)
    if not device or np.result_type(a).kind not in "biu":
        return False
    return b.dtype.kind in "iu" if is_array(b) else type(b) is int and b < 0


def _integer_power(a, b):
    """Integers to integer powers, some negative, as PyTorch computes them with a tensor
    exponent: $a^{-n}$ is 1 for $a = 1$, $\\pm 1$ for $a = -1$ (by the parity of $n$), else 0."""
    negative = b < 0
    ans = a ** np.where(negative, 0, b)  # the dtype NumPy gives a ** b
    odd = (b % 2).astype(bool)
    small = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, small, ans).astype(ans.dtype)


@register("exp", numpy=np.exp, safe=True)
class Exp(Function):
    """$f(a) = e^a$, so $f' = f$"""
    label = "exp"
    formula, derivatives = "exp(a)", ("exp(a)",)

    @staticmethod
    def forward(ctx, a):
        ans = np.exp(a)
        ctx.save_for_backward(ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        (ans,) = ctx.saved_tensors
        return grad * ans


@register("log", numpy=np.log, safe=True)
class Log(Function):
    """$f(a) = \\ln a$, so $f' = 1 / a$"""
    label = "log"
    formula, derivatives = "log(a)", ("1 / a",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


@register("log10", numpy=np.log10, safe=True)
class Log10(Function):
    """$f(a) = \\log_{10} a$, so $f' = 1 / (a \\ln 10)$"""
    label = "log10"
    formula, derivatives = "log10(a)", ("1 / (a * log(10))",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * math.log(10))


@register("log2", numpy=np.log2, safe=True)
class Log2(Function):
    """$f(a) = \\log_2 a$, so $f' = 1 / (a \\ln 2)$"""
    label = "log2"
    formula, derivatives = "log2(a)", ("1 / (a * log(2))",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log2(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * math.log(2))


@register("sqrt", numpy=np.sqrt, safe=True)
class Sqrt(Function):
    """$f(a) = \\sqrt a$, so $f' = 1 / (2 f)$"""
    label = "sqrt"
    formula, derivatives = "sqrt(a)", ("1 / (2 * sqrt(a))",)

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            ans = np.sqrt(a)
        ctx.save_for_backward(ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        (ans,) = ctx.saved_tensors
        return grad / (2 * ans)


@register("sin", numpy=np.sin, safe=True)
class Sin(Function):
    """$f(a) = \\sin a$, so $f' = \\cos a$"""
    label = "sin"
    formula, derivatives = "sin(a)", ("cos(a)",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.cos(a)


@register("cos", numpy=np.cos, safe=True)
class Cos(Function):
    """$f(a) = \\cos a$, so $f' = -\\sin a$"""
    label = "cos"
    formula, derivatives = "cos(a)", ("-sin(a)",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return -grad * np.sin(a)


@register("tanh", numpy=np.tanh, safe=True)
class Tanh(Function):
    """$f(a) = \\tanh a$, so $f' = 1 - f^2$"""
    label = "tanh"
    formula, derivatives = "tanh(a)", ("1 - tanh(a)**2",)

    @staticmethod
    def forward(ctx, a):
        ans = np.tanh(a)
        ctx.save_for_backward(ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        (ans,) = ctx.saved_tensors
        return grad * (1 - ans * ans)


@register("sigmoid", safe=True)
class Sigmoid(Function):
    """$f(a) = 1 / (1 + e^{-a})$, so $f' = f (1 - f)$"""
    label = "sigmoid"
    formula, derivatives = "sigmoid(a)", ("sigmoid(a) * (1 - sigmoid(a))",)

    @staticmethod
    def forward(ctx, a):
        # exp of a non-positive number only: no overflow for large |a|
        e = np.exp(-np.abs(a))
        ans = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        (ans,) = ctx.saved_tensors
        return grad * ans * (1 - ans)


@register("relu", safe=True, floating=False)
class Relu(Function):
    """$f(a) = \\max(a, 0)$, so $f' = [a > 0]$"""
    label = "relu"
    formula, derivatives = "relu(a)", ("[a > 0]",)

    @staticmethod
    def forward(ctx, a):
        ans = np.maximum(a, 0)
        ctx.save_for_backward(ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        (ans,) = ctx.saved_tensors
        mask = ans > 0
        # an inf or nan upstream gradient gives 0 where a <= 0, as PyTorch's: selected, not
        # multiplied (inf * 0 is nan). np.where costs ~5x the product, so only then.
        return grad * mask if np.isfinite(grad).all() else np.where(mask, grad, 0.0)


@register("leaky_relu")
class LeakyRelu(Function):
    """$f(a) = a$ for $a > 0$, else $s a$"""
    label = "leaky_relu"
    formula = "leaky_relu(a, negative_slope)"
    derivatives = ("1 if a > 0 else negative_slope", None)

    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        ctx.save_for_backward(a)
        ctx.negative_slope = negative_slope
        return np.where(a > 0, a, a * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return np.where(a > 0, grad, grad * ctx.negative_slope), None


@register("abs", numpy=np.absolute, safe=True, floating=False)
class Abs(Function):
    """$f(a) = |a|$, so $f' = \\mathrm{sign}(a)$ (0 at 0)"""
    label = "abs"
    formula, derivatives = "abs(a)", ("sign(a)",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.sign(a)


@register("softplus", safe=True)
class Softplus(Function):
    """$f(a) = \\frac1\\beta \\log(1 + e^{\\beta a})$, and $a$ where $\\beta a >$ `threshold`
    (as PyTorch), so $f' = \\sigma(\\beta a)$ (1 above the threshold)"""
    label = "softplus"
    formula = "softplus(a)"
    derivatives = ("sigmoid(beta * a)", None, None)  # 1 - 2e-9 at the default threshold

    @staticmethod
    def forward(ctx, a, beta=1.0, threshold=20.0):
        ctx.save_for_backward(a)
        ctx.beta, ctx.threshold = beta, threshold
        z = a * beta  # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): no overflow
        return np.where(z > threshold, a, (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))))
                        / beta).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        z = a * ctx.beta
        return grad * np.where(z > ctx.threshold, 1.0, 1 / (1 + np.exp(-z))), None, None


@register("log1p", numpy=np.log1p, safe=True)
class Log1p(Function):
    """$f(a) = \\ln(1 + a)$, exact for small $a$, so $f' = 1 / (1 + a)$"""
    label = "log1p"
    formula, derivatives = "log1p(a)", ("1 / (1 + a)",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (1 + a)


@register("expm1", numpy=np.expm1, safe=True)
class Expm1(Function):
    """$f(a) = e^a - 1$, exact for small $a$, so $f' = e^a = f + 1$"""
    label = "expm1"
    formula, derivatives = "expm1(a)", ("exp(a)",)

    @staticmethod
    def forward(ctx, a):
        ans = np.expm1(a)
        ctx.save_for_backward(ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        (ans,) = ctx.saved_tensors
        return grad * (ans + 1)


@register("tan", numpy=np.tan, safe=True)
class Tan(Function):
    """$f(a) = \\tan a$, so $f' = 1 + f^2$"""
    label = "tan"
    formula, derivatives = "tan(a)", ("1 + tan(a)**2",)

    @staticmethod
    def forward(ctx, a):
        ans = np.tan(a)
        ctx.save_for_backward(ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        (ans,) = ctx.saved_tensors
        return grad * (1 + ans * ans)


@register("atan", numpy=np.arctan, safe=True)
class Atan(Function):
    """$f(a) = \\arctan a$, so $f' = 1 / (1 + a^2)$"""
    label = "atan"
    formula, derivatives = "atan(a)", ("1 / (1 + a**2)",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arctan(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (1 + a * a)


@register("sinh", numpy=np.sinh, safe=True)
class Sinh(Function):
    """$f(a) = \\sinh a$, so $f' = \\cosh a$"""
    label = "sinh"
    formula, derivatives = "sinh(a)", ("cosh(a)",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sinh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.cosh(a)


@register("cosh", numpy=np.cosh, safe=True)
class Cosh(Function):
    """$f(a) = \\cosh a$, so $f' = \\sinh a$"""
    label = "cosh"
    formula, derivatives = "cosh(a)", ("sinh(a)",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cosh(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * np.sinh(a)


_erf = np.vectorize(math.erf, otypes=[np.float64])  # NumPy has no erf; math's is exact


@register("erf", safe=True)
class Erf(Function):
    """$f(a) = \\frac{2}{\\sqrt\\pi} \\int_0^a e^{-t^2} dt$, so
    $f' = \\frac{2}{\\sqrt\\pi} e^{-a^2}$"""
    label = "erf"
    formula, derivatives = "erf(a)", ("2 / sqrt(pi) * exp(-a**2)",)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        if type(a) is not np.ndarray and not is_host(a):  # NumPy's ufuncs lack erf: on the
            return like(_erf(to_host(a)), a, a.dtype)   # host, and back (see ops-device.md)
        return _erf(a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * np.exp(-(a * a))


class Clamp(Function):
    """$f(a) = \\min(\\max(a, lo), hi)$; the gradient passes where $lo \\le a \\le hi$."""
    label = "clamp"
    formula, derivatives = "clamp(a, lo, hi)", ("[lo <= a <= hi]", None, None)

    @staticmethod
    def forward(ctx, a, lo, hi):
        inside = np.ones_like(a, dtype=bool)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        ctx.inside = inside
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.inside, grad, 0.0), None, None  # inf upstream: 0 outside


class Maximum(Function):
    """$f(a, b) = \\max(a, b)$; a tie sends half the gradient each way, as PyTorch does."""
    label = "maximum"
    formula = "maximum(a, b)"
    derivatives = ("[a > b] + [a == b] / 2", "[b > a] + [a == b] / 2")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        tie = np.where(a == b, grad * 0.5, 0.0)  # selected, so an inf upstream gives no nan
        return np.where(a > b, grad, tie), np.where(b > a, grad, tie)


class Minimum(Function):
    """$f(a, b) = \\min(a, b)$; a tie sends half the gradient each way, as PyTorch does."""
    label = "minimum"
    formula = "minimum(a, b)"
    derivatives = ("[a < b] + [a == b] / 2", "[b < a] + [a == b] / 2")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        tie = np.where(a == b, grad * 0.5, 0.0)
        return np.where(a < b, grad, tie), np.where(b < a, grad, tie)


class Where(Function):
    """$f(c, a, b) = a$ where $c$, else $b$"""
    label = "where"
    formula = "where(cond, a, b)"

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        cond = ctx.cond
        need_a, need_b = ctx.needs_input_grad[1:]
        return (None,
                np.where(cond, grad, 0.0) if need_a else None,
                np.where(cond, 0.0, grad) if need_b else None)

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        cond = operands[0].text
        return f"where({cond}, {g.text}, 0)" if index == 1 else f"where({cond}, 0, {g.text})"


class Fill(Function):
    """$f(a, v) = v$ in $a$'s shape and dtype (`zero_`, `fill_`, `copy_` of a tensor in the
    graph): the gradient to $a$ is 0, to $v$ the incoming one."""
    label = "fill"
    formula = "fill(a, value)"

    @staticmethod
    def forward(ctx, a, value):
        ans = np.empty_like(a)
        ans[...] = value
        return ans

    @staticmethod
    def backward(ctx, grad):
        need_a, need_value = ctx.needs_input_grad
        # zeros of grad's shape and dtype (a Tensor under create_graph); grad * 0 would turn
        # an inf gradient into nan
        return (np.zeros_like(grad) if need_a else None), (grad if need_value else None)

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        if index == 0:
            return "0"
        shape = ctx.input_shapes[1]
        return g.text if shape == ctx.out_data.shape else f"{g.text} summed to shape {shape}"


class Cast(Function):
    """$f(a) = a$ in another dtype; the gradient is cast back."""
    label = "to"
    derivatives = ("1", None)

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.in_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return Cast.in_backward(grad, ctx.in_dtype), None

    @classmethod
    def present(cls, ctx, operands):
        return Sym(f"{operands[0].at(ATOM)}.to({np.dtype(ctx.args[1]).name})")

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"to({np.dtype(ctx.args[1]).name})"


class ToDevice(Function):
    """$f(a) = a$ on another device (a copy there); the gradient is copied back."""
    label = "to"
    derivatives = ("1", None)

    @staticmethod
    def forward(ctx, a, target):
        ctx.source = device_of(a)
        return move(a, target)

    @staticmethod
    def backward(ctx, grad):
        return ToDevice.in_backward(grad, ctx.source), None

    @classmethod
    def present(cls, ctx, operands):
        return Sym(f"{operands[0].at(ATOM)}.to('{ctx.args[1]}')")

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"to('{ctx.args[1]}')"


class Clone(Function):
    """$f(a) = a$, a copy"""
    label = "clone"
    formula, derivatives = "clone(a)", ("1",)

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad
