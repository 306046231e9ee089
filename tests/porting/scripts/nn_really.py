"""PyTorch tutorial "What is torch.nn really?": from hand-written log_softmax to nn, optim and
DataLoader, step by step, with the same starting weights."""
# port: rtol=1e-4 atol=1e-6
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(1)
x_train = torch.tensor(rng.random((256, 64), dtype=np.float32))
y_train = torch.tensor(rng.integers(0, 10, 256))
n, c = x_train.shape
print("shape:", n, c, "min label:", y_train.min().item(), "max label:", y_train.max().item())

w0 = rng.normal(size=(64, 10)).astype(np.float32) / math.sqrt(64)
weights = torch.tensor(w0)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


bs = 64
xb = x_train[0:bs]
preds = model(xb)
loss_func = nll
yb = y_train[0:bs]
print("initial loss:", loss_func(preds, yb).item(), "accuracy:", accuracy(preds, yb).item())

lr = 0.5
epochs = 2
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
print("manual loss:", loss_func(model(xb), yb).item())

loss_func = F.cross_entropy


class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(64, 10)

    def forward(self, xb):
        return self.lin(xb)


def get_model():
    model = Mnist_Logistic()
    with torch.no_grad():
        model.lin.weight.copy_(torch.tensor(w0.T))
        model.lin.bias.zero_()
    return model, optim.SGD(model.parameters(), lr=lr)


model, opt = get_model()
print("module initial loss:", loss_func(model(xb), yb).item())
train_ds = TensorDataset(x_train, y_train)
train_dl = DataLoader(train_ds, batch_size=bs)
for epoch in range(epochs):
    for xb, yb in train_dl:
        pred = model(xb)
        loss = loss_func(pred, yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
print("module loss:", loss_func(model(xb), yb).item())
print("module accuracy:", accuracy(model(x_train), y_train).item())
