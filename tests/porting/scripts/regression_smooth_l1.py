"""pytorch/examples "regression": fit a polynomial with a Linear layer and smooth L1 loss until
the loss falls below 1e-3."""
# port: outcome steps <= 400
# port: outcome final_loss <= 0.001
import numpy as np
import torch
import torch.nn.functional as F

POLY_DEGREE = 4
rng = np.random.default_rng(0)
W_target = torch.tensor(rng.normal(size=(POLY_DEGREE, 1)).astype(np.float32)) * 5
b_target = torch.tensor(rng.normal(size=1).astype(np.float32)) * 5


def make_features(x):
    x = x.unsqueeze(1)
    return torch.cat([x ** i for i in range(1, POLY_DEGREE + 1)], 1)


def f(x):
    return x.mm(W_target) + b_target.item()


def get_batch(batch_size=32):
    random = torch.tensor(rng.normal(size=batch_size).astype(np.float32))
    x = make_features(random)
    y = f(x)
    return x, y


fc = torch.nn.Linear(W_target.size(0), 1)
with torch.no_grad():
    fc.weight.zero_()
    fc.bias.zero_()

for batch_idx in range(1, 1000):
    batch_x, batch_y = get_batch()
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()
    output.backward()
    for param in fc.parameters():
        param.data.add_(-0.1 * param.grad)
    if loss < 1e-3:
        break

print("steps:", batch_idx)
print("final_loss:", loss)
print("weights close:", bool(torch.allclose(fc.weight.view(-1), W_target.view(-1), atol=0.1)))
