"""d2l.ai 2.5 "Automatic differentiation": gradients of dot products, sums, detach, and Python
control flow."""
# port: rtol=1e-6 atol=1e-6
import torch

x = torch.arange(4.0)
x.requires_grad_(True)
print("grad before:", x.grad is None)
y = 2 * torch.dot(x, x)
print("y:", y.item())
y.backward()
print("x.grad:", x.grad.tolist())
print("x.grad == 4x:", bool((x.grad == 4 * x).all()))

x.grad.zero_()
y = x.sum()
y.backward()
print("grad of sum:", x.grad.tolist())

x.grad.zero_()
y = x * x
y.backward(gradient=torch.ones(len(y)))
print("grad of x*x:", x.grad.tolist())

x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
print("detached:", bool((x.grad == u).all()))

x.grad.zero_()
y.sum().backward()
print("grad of y:", bool((x.grad == 2 * x).all()))


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


a = torch.tensor(0.7345, requires_grad=True)
d = f(a)
d.backward()
print("a.grad == d / a:", bool(a.grad == d / a))
print("a.grad:", a.grad.item())
