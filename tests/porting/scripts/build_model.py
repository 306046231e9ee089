"""PyTorch tutorial "Build the neural network": a Module with Flatten and a Sequential stack."""
# port: rtol=1e-4 atol=1e-6
import numpy as np
import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
print("Using cpu device:", device == "cpu")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
rng = np.random.default_rng(0)
with torch.no_grad():
    for name, param in model.named_parameters():
        param.copy_(torch.from_numpy(rng.normal(0, 0.05, param.shape).astype(np.float32)))

X = torch.from_numpy(rng.random((1, 28, 28), dtype=np.float32)).to(device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print("predicted class:", y_pred.item())
print("probabilities:", pred_probab.flatten().tolist())

input_image = torch.from_numpy(rng.random((3, 28, 28), dtype=np.float32))
flat_image = nn.Flatten()(input_image)
print("flat size:", list(flat_image.size()))
layer1 = nn.Linear(in_features=28 * 28, out_features=20)
hidden1 = layer1(flat_image)
print("hidden size:", list(hidden1.size()))
hidden1 = nn.ReLU()(hidden1)
print("relu nonnegative:", bool((hidden1 >= 0).all()))

for name, param in model.named_parameters():
    print(f"Layer {name.replace('.', '_')} size:", list(param.size()))
print("parameters:", sum(p.numel() for p in model.parameters()))
