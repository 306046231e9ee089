"""makemore, part 4 ("becoming a backprop ninja"): backpropagate by hand through a small MLP
with cross-entropy and compare every manual gradient with autograd's."""
# port: rtol=1e-5 atol=1e-7
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(42)
n, n_in, n_hidden, vocab = 32, 12, 20, 27
Xb = torch.tensor(rng.normal(size=(n, n_in)), dtype=torch.float64)
Yb = torch.tensor(rng.integers(0, vocab, n))
W1 = torch.tensor(rng.normal(size=(n_in, n_hidden)) * 0.3, requires_grad=True)
b1 = torch.tensor(rng.normal(size=n_hidden) * 0.1, requires_grad=True)
W2 = torch.tensor(rng.normal(size=(n_hidden, vocab)) * 0.3, requires_grad=True)
b2 = torch.tensor(rng.normal(size=vocab) * 0.1, requires_grad=True)
parameters = [W1, b1, W2, b2]


def cmp(s, dt, t):
    ex = torch.all(dt == t.grad).item()
    app = torch.allclose(dt, t.grad)
    maxdiff = (dt - t.grad).abs().max().item()
    print(f'{s:15s}: approximate: {str(app):5s} exact_or_close: {bool(ex) or maxdiff < 1e-12}')


hprebn = Xb @ W1 + b1
h = torch.tanh(hprebn)
logits = h @ W2 + b2
logit_maxes = logits.max(1, keepdim=True).values
norm_logits = logits - logit_maxes
counts = norm_logits.exp()
counts_sum = counts.sum(1, keepdims=True)
counts_sum_inv = counts_sum ** -1
probs = counts * counts_sum_inv
logprobs = probs.log()
loss = -logprobs[range(n), Yb].mean()

for p in parameters:
    p.grad = None
for t in [logprobs, probs, counts, counts_sum, counts_sum_inv, norm_logits, logit_maxes,
          logits, h, hprebn]:
    t.retain_grad()
loss.backward()
print("loss:", loss.item())

dlogprobs = torch.zeros_like(logprobs)
dlogprobs[range(n), Yb] = -1.0 / n
dprobs = (1.0 / probs) * dlogprobs
dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
dcounts = counts_sum_inv * dprobs
dcounts_sum = (-counts_sum ** -2) * dcounts_sum_inv
dcounts += torch.ones_like(counts) * dcounts_sum
dnorm_logits = counts * dcounts
dlogits = dnorm_logits.clone()
dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
dh = dlogits @ W2.T
dW2 = h.T @ dlogits
db2 = dlogits.sum(0)
dhprebn = (1.0 - h ** 2) * dh
dW1 = Xb.T @ dhprebn
db1 = dhprebn.sum(0)
for name, d, t in [("logprobs", dlogprobs, logprobs), ("probs", dprobs, probs),
                   ("counts_sum_inv", dcounts_sum_inv, counts_sum_inv),
                   ("counts_sum", dcounts_sum, counts_sum), ("counts", dcounts, counts),
                   ("norm_logits", dnorm_logits, norm_logits),
                   ("logit_maxes", dlogit_maxes, logit_maxes), ("logits", dlogits, logits),
                   ("h", dh, h), ("W2", dW2, W2), ("b2", db2, b2),
                   ("hprebn", dhprebn, hprebn), ("W1", dW1, W1), ("b1", db1, b1)]:
    cmp(name, d, t)

loss_fast = F.cross_entropy(logits, Yb)
print("loss_fast diff:", (loss_fast - loss).item())
dlogits = F.softmax(logits, 1)
dlogits[range(n), Yb] -= 1
dlogits /= n
cmp('logits fast', dlogits, logits)
print("grad norm W1:", W1.grad.norm().item())
