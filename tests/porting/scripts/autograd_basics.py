"""PyTorch tutorial "Automatic differentiation with torch.autograd" and "A gentle introduction"."""
# port: rtol=1e-5 atol=1e-6
import torch

x = torch.ones(5)
y = torch.zeros(3)
w = torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9],
                  [0.2, 0.1, -0.1], [0.3, -0.3, 0.2]], requires_grad=True)
b = torch.tensor([0.05, -0.05, 0.1], requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print("loss:", loss.item())
print("grad_fn exists:", z.grad_fn is not None, loss.grad_fn is not None)
loss.backward()
print("w.grad:", w.grad.flatten().tolist())
print("b.grad:", b.grad.tolist())

z = torch.matmul(x, w) + b
print("requires_grad:", z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print("requires_grad under no_grad:", z.requires_grad)
z_det = (torch.matmul(x, w) + b).detach()
print("requires_grad after detach:", z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print("first call:", inp.grad.flatten().tolist())
out.backward(torch.ones_like(out))
print("second call:", inp.grad.flatten().tolist())
inp.grad.zero_()
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out))
print("call after zeroing:", inp.grad.flatten().tolist())

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print("a.grad == 9a^2:", (9 * a ** 2 == a.grad).tolist())
print("b.grad == -2b:", (-2 * b == b.grad).tolist())
print("a.grad:", a.grad.tolist())
