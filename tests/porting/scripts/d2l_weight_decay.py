"""d2l.ai 3.7 "Weight decay": high-dimensional linear regression with an L2 penalty, from
scratch, and the same with the optimizer's weight_decay."""
# port: rtol=1e-4 atol=1e-6
import numpy as np
import torch
from torch import nn

n_train, num_inputs, batch_size = 20, 200, 5
rng = np.random.default_rng(0)
true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05
X = torch.tensor(rng.normal(size=(n_train, num_inputs)).astype(np.float32))
y = torch.matmul(X, true_w) + true_b
w0 = torch.tensor(rng.normal(size=(num_inputs, 1)).astype(np.float32))


def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2


def train(lambd):
    w = w0.clone().requires_grad_(True)
    b = torch.zeros(1, requires_grad=True)
    for epoch in range(10):
        for i in range(0, n_train, batch_size):
            Xb, yb = X[i:i + batch_size], y[i:i + batch_size]
            l = ((torch.matmul(Xb, w) + b - yb) ** 2 / 2).sum() + lambd * l2_penalty(w) * batch_size
            l.backward()
            with torch.no_grad():
                w -= 0.003 * w.grad / batch_size
                b -= 0.003 * b.grad / batch_size
                w.grad.zero_()
                b.grad.zero_()
    return torch.norm(w).item()


print("L2 norm of w without decay:", train(lambd=0))
print("L2 norm of w with decay:", train(lambd=3))


def train_concise(wd):
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    with torch.no_grad():
        net[0].weight.copy_(w0.T)
        net[0].bias.zero_()
    loss = nn.MSELoss(reduction='none')
    trainer = torch.optim.SGD([
        {"params": net[0].weight, 'weight_decay': wd},
        {"params": net[0].bias}], lr=0.003)
    for epoch in range(10):
        for i in range(0, n_train, batch_size):
            trainer.zero_grad()
            l = loss(net(X[i:i + batch_size]), y[i:i + batch_size])
            l.mean().backward()
            trainer.step()
    return net[0].weight.norm().item()


print("concise norm without decay:", train_concise(0))
print("concise norm with decay:", train_concise(3))
