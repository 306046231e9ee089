"""Tensor functions PyTorch users call without thinking: gather, scatter, sort, topk, cumsum,
prod, einsum, chunk, split, masked_fill, norm, log2/log10, all/any, isclose, with gradients."""
# port: rtol=1e-6 atol=1e-7
import torch

torch.set_default_dtype(torch.float64)
x = torch.tensor([[0.5, -1.0, 2.0, 0.25], [1.5, 3.0, -0.5, 0.75]], requires_grad=True)
idx = torch.tensor([[3, 0], [1, 1]])

gathered = torch.gather(x, 1, idx)
values, indices = torch.sort(x, dim=1, descending=True)
top = x.topk(2, dim=1)
parts = x.chunk(2, dim=1)
pieces = torch.split(x, [1, 3], dim=1)
masked = x.masked_fill(x < 0, 0.0)
summary = (gathered.sum() + values[:, 0].sum() + top.values.sum() + parts[1].prod()
           + pieces[1].cumsum(dim=1).sum() + masked.norm() + torch.einsum("ij,ij->", x, x)
           + x.abs().log2().sum() + x.abs().log10().mean() + x.norm(p=1))
summary.backward()
print("gathered:", gathered.flatten().tolist())
print("sorted:", values.flatten().tolist(), indices.flatten().tolist())
print("topk:", top.values.flatten().tolist(), top.indices.flatten().tolist())
print("cumsum:", x.cumsum(dim=0).flatten().tolist())
print("prod:", x.prod(dim=1).tolist())
print("summary:", summary.item())
print("grad:", x.grad.flatten().tolist())

scattered = torch.zeros(2, 4).scatter_(1, idx, torch.ones(2, 2))
print("scatter:", scattered.flatten().tolist())
print("all/any:", bool((x > -2).all()), bool((x > 2.5).any()), (x > 0).any(dim=1).tolist())
print("isclose:", torch.isclose(x, x + 1e-9).all().item(), torch.allclose(x, x * 1.1))
print("mm:", torch.mm(x, x.t()).flatten().tolist())
print("add alpha:", torch.add(x, x, alpha=2).flatten().tolist())
print("numel:", x.nelement(), x.numel())
print("argmax axis:", x.argmax(axis=1).tolist())
