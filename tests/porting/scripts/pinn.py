"""A small physics-informed network: u'' + u = 0 on [0, 2], u(0) = 0, u'(0) = 1 (so u = sin x),
derivatives with torch.autograd.grad(create_graph=True), trained with Adam from fixed weights."""
# port: rtol=2e-4 atol=1e-7
import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)


class PINN(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                                 nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)


model = PINN()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.5, tuple(p.shape))))

x = torch.linspace(0, 2, 41).reshape(-1, 1).requires_grad_(True)
x0 = torch.zeros(1, 1, requires_grad=True)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(300):
    optimizer.zero_grad()
    u = model(x)
    du = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)[0]
    d2u = torch.autograd.grad(du, x, torch.ones_like(du), create_graph=True)[0]
    residual = d2u + u
    u0 = model(x0)
    du0 = torch.autograd.grad(u0.sum(), x0, create_graph=True)[0]
    loss = residual.pow(2).mean() + (u0 ** 2).sum() + ((du0 - 1) ** 2).sum()
    loss.backward()
    optimizer.step()
    if step % 100 == 0:
        print(f"loss at {step}:", loss.item())
print("final loss:", loss.item())
with torch.no_grad():
    test = torch.tensor([[0.5], [1.0], [1.5]])
    print("u:", model(test).flatten().tolist())
