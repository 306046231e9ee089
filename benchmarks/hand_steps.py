"""The training steps that several benchmarks share, written once.

- The hand-written steps, on the arrays of any array module `xp` (NumPy, CuPy, or the CuPy
  stand-in of tests/device_arrays.py): the MLP's forward and hand-derived backward
  (`hand_mlp`), the CNN's in two phases (`hand_cnn_forward`, `hand_cnn_backward`; both at once:
  `hand_cnn`) and the SGD update (`hand_update`). bench_engine.py and bench_conv.py time them
  as the NumPy floor, bench_gpu.py as the hand-written CuPy step.
- `tensor_mlp_step`: one SGD step of the MLP with raw tensors, the same code for autograd_lite
  and PyTorch (bench_engine.py, bench_instructions.py).

The module imports no library: the caller passes the array module or the tensor library. So it
stays free of PyTorch, which bench_instructions.py needs: it runs `tensor_mlp_step` under
valgrind, where importing PyTorch (as bench_engine.py does) would swamp the instruction counts.
"""

from __future__ import annotations

from typing import Any

LEARNING_RATE = 0.01


def _cross_entropy(xp: Any, logits: Any, y: Any, rows: Any) -> tuple[Any, Any]:
    """The mean softmax cross-entropy of `logits` against the labels `y` (`rows` is
    arange(batch)) as a 0-d array, and the log-probabilities its derivative needs."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
    return -log_p[rows, y].mean(), log_p


def _cross_entropy_backward(xp: Any, log_p: Any, y: Any, rows: Any) -> Any:
    """d loss / d logits = (softmax - onehot) / batch."""
    d_logits = xp.exp(log_p)
    d_logits[rows, y] -= 1
    d_logits /= log_p.shape[0]
    return d_logits


def hand_mlp(xp: Any, params: list[Any], x: Any, y: Any, rows: Any) -> tuple[Any, list[Any]]:
    """Forward and hand-derived backward of the MLP (params: W as (in, out), b, per layer;
    ReLU between layers) on `xp` arrays: the loss (a 0-d array, so a GPU is not waited for)
    and the gradients."""
    activations, pre = [x], []
    h = x
    for i in range(0, len(params), 2):
        z = h @ params[i] + params[i + 1]
        pre.append(z)
        h = xp.maximum(z, 0) if i + 2 < len(params) else z
        activations.append(h)
    loss, log_p = _cross_entropy(xp, h, y, rows)
    delta = _cross_entropy_backward(xp, log_p, y, rows)
    grads: list[Any] = [None] * len(params)
    for layer in range(len(params) // 2 - 1, -1, -1):
        grads[2 * layer] = activations[layer].T @ delta
        grads[2 * layer + 1] = delta.sum(axis=0)
        if layer:
            delta = (delta @ params[2 * layer].T) * (pre[layer - 1] > 0)
    return loss, grads


def hand_cnn_forward(xp: Any, params: list[Any], x: Any, y: Any,
                     rows: Any) -> tuple[Any, tuple[Any, ...]]:
    """The CNN's forward (Conv2d → ReLU → MaxPool2d(2) → Flatten → Linear, cross-entropy) on
    `xp` arrays, params (conv weight, conv bias, fc weight (out, in), fc bias): the loss (0-d)
    and what `hand_cnn_backward` needs.

    The textbook NumPy way: im2col through a strided view and one batched matmul, 2x2 max
    pooling as a running maximum over the four strided offsets."""
    w, b, fc_w, fc_b = params
    n, c, height, width = x.shape
    out, k = w.shape[0], w.shape[2]
    ho, wo = height - k + 1, width - k + 1
    s_n, s_c, s_h, s_w = x.strides
    cols = xp.lib.stride_tricks.as_strided(
        x, (n, c, k, k, ho, wo), (s_n, s_c, s_h, s_w, s_h, s_w)).reshape(n, c * k * k, ho * wo)
    z = xp.matmul(w.reshape(out, -1), cols)                            # (N, O, L)
    z += b[:, None]
    z = z.reshape(n, out, ho, wo)
    a = xp.maximum(z, 0)
    # the running maximum keeps the offset of the first maximum of each window
    pooled = a[:, :, 0::2, 0::2].copy()
    arg = xp.zeros(pooled.shape, xp.uint8)
    for offset in range(1, 4):
        window = a[:, :, offset // 2::2, offset % 2::2]
        later = xp.multiply(window > pooled, offset, dtype=xp.uint8)
        xp.maximum(pooled, window, out=pooled)
        xp.maximum(arg, later, out=arg)
    flat = pooled.reshape(n, -1)
    loss, log_p = _cross_entropy(xp, flat @ fc_w.T + fc_b, y, rows)
    return loss, (params, cols, z, arg, flat, log_p, y, rows)


def hand_cnn_backward(xp: Any, saved: tuple[Any, ...]) -> list[Any]:
    """The CNN's hand-derived backward from what `hand_cnn_forward` saved: the gradients, in
    the order of the params."""
    (w, _, fc_w, _), cols, z, arg, flat, log_p, y, rows = saved
    d_logits = _cross_entropy_backward(xp, log_p, y, rows)
    d_fc_w = d_logits.T @ flat
    d_fc_b = d_logits.sum(axis=0)
    d_pooled = (d_logits @ fc_w).reshape(arg.shape)
    d_z = xp.zeros(z.shape, xp.float32)
    for offset in range(4):
        d_z[:, :, offset // 2::2, offset % 2::2] = d_pooled * (arg == offset)
    d_z *= z > 0
    grad_rows = d_z.reshape(z.shape[0], z.shape[1], -1)
    d_w = xp.matmul(grad_rows, cols.swapaxes(1, 2)).sum(axis=0).reshape(w.shape)
    d_b = grad_rows.sum(axis=(0, 2))
    return [d_w, d_b, d_fc_w, d_fc_b]


def hand_cnn(xp: Any, params: list[Any], x: Any, y: Any, rows: Any) -> tuple[Any, list[Any]]:
    """The CNN's forward and backward at once: the loss (0-d) and the gradients."""
    loss, saved = hand_cnn_forward(xp, params, x, y, rows)
    return loss, hand_cnn_backward(xp, saved)


def hand_update(params: list[Any], grads: list[Any]) -> None:
    """The SGD update, in place."""
    for p, g in zip(params, grads):
        p -= LEARNING_RATE * g


def tensor_mlp_step(lib: Any, params: list[Any], x: Any, y: Any, rows: Any) -> float:
    """One SGD step with raw tensors; the same code runs on autograd_lite and PyTorch (`lib`
    is the library's module). Returns the loss as a number."""
    return tensor_mlp_train_step(lib, params, x, y, rows).item()


def tensor_mlp_train_step(lib: Any, params: list[Any], x: Any, y: Any, rows: Any) -> Any:
    """`tensor_mlp_step`, returning the loss tensor itself (with whatever the library keeps of
    its graph: what bench_memory.py measures)."""
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = h.relu()
    loss = -h.log_softmax(1)[rows, y].mean()
    for p in params:
        p.grad = None
    loss.backward()
    with lib.no_grad():
        for p in params:
            p -= LEARNING_RATE * p.grad
    return loss
