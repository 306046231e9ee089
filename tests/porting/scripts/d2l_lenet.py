"""d2l.ai 7.6 "LeNet": the layer-by-layer shapes, then a few epochs on synthetic 28x28 images."""
# port: outcome train_accuracy >= 0.9
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.Sigmoid(),
    nn.Linear(84, 10))

X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)
for layer in net:
    X = layer(X)
    print(layer.__class__.__name__, 'output shape:', list(X.shape))


def init_weights(m):
    if type(m) == nn.Linear or type(m) == nn.Conv2d:
        nn.init.xavier_uniform_(m.weight)


net.apply(init_weights)

rng = np.random.default_rng(0)
labels = rng.integers(0, 2, 256)
images = rng.normal(0, 0.3, (256, 1, 28, 28)).astype(np.float32)
images[labels == 1, :, 8:20, 8:20] += 2.0
X_all, y_all = torch.tensor(images), torch.tensor(labels)
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
loss = nn.CrossEntropyLoss()
for epoch in range(10):
    net.train()
    for i in range(0, 256, 32):
        optimizer.zero_grad()
        l = loss(net(X_all[i:i + 32]), y_all[i:i + 32])
        l.backward()
        optimizer.step()
net.eval()
with torch.no_grad():
    acc = (net(X_all).argmax(axis=1) == y_all).float().mean().item()
print("train_accuracy:", acc)
