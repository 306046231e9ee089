"""PyTorch tutorial "Double backward with custom functions": a cube that saves its input, its
gradient checked to second order, and a gradient penalty."""
# port: rtol=1e-6 atol=1e-8
import torch


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return grad_out * 3 * x ** 2


x = torch.tensor([0.5, -1.5, 2.0], dtype=torch.double, requires_grad=True)
print("gradcheck:", torch.autograd.gradcheck(Cube.apply, x))
print("gradgradcheck:", torch.autograd.gradgradcheck(Cube.apply, x))

y = Cube.apply(x).sum()
(g,) = torch.autograd.grad(y, x, create_graph=True)
print("first derivative:", g.tolist())
(gg,) = torch.autograd.grad(g.sum(), x)
print("second derivative:", gg.tolist())

w = torch.tensor([[0.3, -0.2], [0.1, 0.4]], dtype=torch.double, requires_grad=True)
inp = torch.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=torch.double, requires_grad=True)
out = torch.tanh(inp @ w).sum()
(grad_inp,) = torch.autograd.grad(out, inp, create_graph=True)
penalty = grad_inp.pow(2).sum()
penalty.backward()
print("penalty:", penalty.item())
print("w.grad:", w.grad.flatten().tolist())
