"""User-defined Functions that several test files exercise, written as the README shows."""

import autograd_lite as ag


class Cube(ag.Function):
    """$f(x) = x^3$, derivative $3x^2$: the README's custom-op example."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


class CubeWithDetachedDerivative(ag.Function):
    """$x^3$ whose derivative $3x^2$ is cut off from the graph under create_graph: first order
    right, second order lost (what gradgradcheck is there to catch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if isinstance(x, ag.Tensor):
            x = x.detach()
        return grad * 3 * x ** 2
