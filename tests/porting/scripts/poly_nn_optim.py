"""PyTorch tutorial: the cubic fit with nn (Sequential, Flatten, MSELoss) and optim (RMSprop)."""
# port: rtol=1e-4 atol=2e-3
# (atol: RMSprop turns the ~1e-17 gradients of the even coefficients into +-lr steps)
import math

import torch

torch.set_default_dtype(torch.float64)
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[0.5, -0.1, 0.02]]))
    model[0].bias.fill_(0.1)

loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
for t in range(1000):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 250 == 99:
        print(f"loss at {t}:", loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

linear_layer = model[0]
print(f"result: {linear_layer.bias.item()} {linear_layer.weight[:, 0].item()} "
      f"{linear_layer.weight[:, 1].item()} {linear_layer.weight[:, 2].item()}")
