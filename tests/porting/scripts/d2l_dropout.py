"""d2l.ai 5.6 "Dropout": dropout written by hand, then nn.Dropout, in an MLP trained on
synthetic data."""
# port: rtol=1e-6 atol=1e-6
# port: outcome scratch_accuracy >= 0.85
# port: outcome concise_accuracy >= 0.85
import numpy as np
import torch
from torch import nn


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
print("dropout 0:", dropout_layer(X, 0.).flatten().tolist())
print("dropout 1:", dropout_layer(X, 1.).flatten().tolist())
kept = dropout_layer(X, 0.5)
print("kept values doubled:", bool(((kept == 0) | (kept == 2 * X)).all()))

torch.manual_seed(0)
rng = np.random.default_rng(0)
centers = rng.normal(0, 2, (3, 20)).astype(np.float32)
labels = rng.integers(0, 3, 600)
features = torch.tensor(centers[labels] + rng.normal(0, 1, (600, 20)).astype(np.float32))
labels = torch.tensor(labels)


class Net(nn.Module):
    def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
        super().__init__()
        self.num_inputs = num_inputs
        self.training = is_training
        self.lin1 = nn.Linear(num_inputs, num_hiddens1)
        self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
        self.lin3 = nn.Linear(num_hiddens2, num_outputs)
        self.relu = nn.ReLU()

    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
        if self.training:
            H1 = dropout_layer(H1, 0.2)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = dropout_layer(H2, 0.5)
        return self.lin3(H2)


def fit(net):
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()
    for epoch in range(10):
        for i in range(0, 600, 50):
            trainer.zero_grad()
            loss(net(features[i:i + 50]), labels[i:i + 50]).backward()
            trainer.step()
    net.eval()
    with torch.no_grad():
        return (net(features).argmax(dim=1) == labels).float().mean().item()


print("scratch_accuracy:", fit(Net(20, 3, 64, 64)))
net = nn.Sequential(nn.Flatten(), nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.2),
                    nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 3))
print("concise_accuracy:", fit(net))
