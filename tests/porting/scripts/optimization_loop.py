"""PyTorch tutorial "Optimizing model parameters": train and test loops over DataLoaders."""
# port: outcome final_accuracy >= 0.9
# port: outcome final_test_loss <= 0.35
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
rng = np.random.default_rng(0)
centers = rng.normal(0, 3, (4, 8)).astype(np.float32)
labels = rng.integers(0, 4, 1200)
features = centers[labels] + rng.normal(0, 1, (1200, 8)).astype(np.float32)
training_data = TensorDataset(torch.tensor(features[:1000]), torch.tensor(labels[:1000]))
test_data = TensorDataset(torch.tensor(features[1000:]), torch.tensor(labels[1000:]))

learning_rate = 1e-2
batch_size = 64
epochs = 8

train_dataloader = DataLoader(training_data, batch_size=batch_size, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=batch_size)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 4))

    def forward(self, x):
        return self.linear_relu_stack(x)


model = NeuralNetwork()
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9)


def train_loop(dataloader, model, loss_fn, optimizer):
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    return test_loss, correct


for t in range(epochs):
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loss, correct = test_loop(test_dataloader, model, loss_fn)
print("final_test_loss:", test_loss)
print("final_accuracy:", correct)
