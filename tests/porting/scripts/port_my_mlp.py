"""A user's own MLP script as they write it for PyTorch: a device, a seeded run, a DataLoader
that shuffles, a scheduler, a checkpoint saved and loaded, and evaluation under inference_mode."""
# port: outcome accuracy >= 0.9
# port: outcome reloaded_same >= 1
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(0)

rng = np.random.default_rng(0)
X = rng.normal(size=(1000, 2)).astype(np.float32)
y = ((X[:, 0] ** 2 + X[:, 1] ** 2) < 1.0).astype(np.int64)
dataset = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
train_set, val_set = random_split(dataset, [800, 200], generator=torch.Generator().manual_seed(1))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True, num_workers=0)
val_loader = DataLoader(val_set, batch_size=100)


class MLP(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, 2)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


model = MLP().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
for epoch in range(15):
    model.train()
    for xb, yb in train_loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    scheduler.step()


def evaluate(model):
    model.eval()
    correct = 0
    with torch.inference_mode():
        for xb, yb in val_loader:
            correct += (model(xb.to(device)).argmax(dim=1) == yb.to(device)).sum().item()
    return correct / len(val_loader.dataset)


accuracy = evaluate(model)
print("accuracy:", accuracy)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "model.pt")
    torch.save(model.state_dict(), path)
    restored = MLP()
    restored.load_state_dict(torch.load(path))
    print("reloaded_same:", int(evaluate(restored) == accuracy))
print("lr at the end:", scheduler.get_last_lr()[0])
