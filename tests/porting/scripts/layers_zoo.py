"""The layers people reach for after Linear: ModuleList, ModuleDict, BatchNorm1d, LayerNorm,
Embedding, GELU, SiLU, Softplus, a forward hook, Huber and smooth L1 losses, gradient clipping,
and ReduceLROnPlateau, from the same weights in both libraries."""
# port: rtol=1e-5 atol=1e-6
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 6)
        self.blocks = nn.ModuleList([nn.Linear(6, 6) for _ in range(2)])
        self.norms = nn.ModuleDict({"batch": nn.BatchNorm1d(6), "layer": nn.LayerNorm(6)})
        self.acts = nn.ModuleList([nn.GELU(), nn.SiLU(), nn.Softplus()])
        self.head = nn.Linear(6, 1)

    def forward(self, idx):
        h = self.embed(idx)
        h = self.acts[0](self.blocks[0](h))
        h = self.norms["batch"](h)
        h = self.acts[1](self.blocks[1](h))
        h = self.norms["layer"](h)
        return self.head(self.acts[2](h)).squeeze(-1)


model = Net()
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.5, tuple(p.shape))))
print("parameters:", [name for name, _ in model.named_parameters()].__len__())
print("state keys:", len(model.state_dict()))

seen = []
handle = model.head.register_forward_hook(lambda m, inp, out: seen.append(tuple(out.shape)))
idx = torch.tensor(rng.integers(0, 10, 16))
target = torch.tensor(rng.normal(size=16))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
for step in range(6):
    optimizer.zero_grad()
    out = model(idx)
    loss = F.huber_loss(out, target, delta=0.5) + nn.SmoothL1Loss(beta=0.3)(out, target)
    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    scheduler.step(loss.item())
    print(f"step {step}:", loss.item(), float(norm), optimizer.param_groups[0]["lr"])
handle.remove()
model(idx)
print("hook calls:", len(seen), list(seen[0]))
print("running mean:", model.norms["batch"].running_mean.tolist())
print("running var:", model.norms["batch"].running_var.tolist())
model.eval()
print("eval output:", model(idx)[:4].tolist())
