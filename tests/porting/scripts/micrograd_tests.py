"""micrograd's test_engine.py: the PyTorch side of its two checks (sanity and more ops)."""
# port: rtol=1e-6 atol=1e-6
import torch

x = torch.Tensor([-4.0]).double()
x.requires_grad = True
z = 2 * x + 2 + x
q = z.relu() + z * x
h = (z * z).relu()
y = h + q + q * x
y.backward()
xpt, ypt = x, y
print("sanity y:", ypt.data.item())
print("sanity x.grad:", xpt.grad.item())

a = torch.Tensor([-4.0]).double()
b = torch.Tensor([2.0]).double()
a.requires_grad = True
b.requires_grad = True
c = a + b
d = a * b + b ** 3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + (b + a).relu()
d = d + 3 * d + (b - a).relu()
e = c - d
f = e ** 2
g = f / 2.0
g = g + 10.0 / f
g.backward()
apt, bpt, gpt = a, b, g
print("more ops g:", gpt.data.item())
print("more ops a.grad:", apt.grad.item())
print("more ops b.grad:", bpt.grad.item())
