"""A tour of the losses (article 002's table of PyTorch losses): values and gradients.

Every loss of the contract, on the same small predictions and targets, with reduction "mean"
and "sum": L1 and MSE (regression), BCE on probabilities and BCEWithLogits on the logits that
give those probabilities (the same numbers, the second computed stably), CrossEntropy on
logits and NLL on their log-softmax (again the same numbers: CrossEntropy = LogSoftmax + NLL),
and KLDiv, whose input is log q and whose target is p, giving KL(p || q) = sum p log(p / q).
KL is not symmetric: KL(p || q) != KL(q || p), shown with numbers and in the picture.

"mean" divides the "sum" value, and every gradient, by the number of terms averaged: the
elements for L1, MSE, BCE and KLDiv, the samples for CrossEntropy and NLL. For KLDiv that is
not the KL divergence (PyTorch warns about it too): "batchmean", the sum over the batch size,
is, and is shown as well.

Run:  python examples/losses_tour.py [--quick] [--out DIR]
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from _common import parse_args, prepare, print_table, save_png  # noqa: E402

import autograd_lite as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

NAME = "losses_tour"

# Regression: predictions and targets.
PRED = np.array([0.5, -1.0, 2.0, 0.3])
TARGET = np.array([1.0, -1.5, 2.5, 0.0])
# Binary: logits, their probabilities sigmoid(logits), and 0/1 targets.
LOGITS = np.array([2.0, -1.0, 0.5, -0.5])
PROBS = 1.0 / (1.0 + np.exp(-LOGITS))
LABELS01 = np.array([1.0, 0.0, 0.0, 1.0])
# Multi-class: 2 samples, 3 classes, and the true classes.
CLASS_LOGITS = np.array([[2.0, 1.0, 0.1], [0.5, -1.0, 1.5]])
CLASSES = np.array([0, 1])
# Two distributions over 3 outcomes, for KL: a batch of one.
P = np.array([[0.7, 0.2, 0.1]])
Q = np.array([[0.1, 0.3, 0.6]])


# name: (loss class, input array (gets the gradient), target array, what the input is)
LOSSES = {
    "L1Loss": (nn.L1Loss, PRED, TARGET, "pred"),
    "MSELoss": (nn.MSELoss, PRED, TARGET, "pred"),
    "BCELoss": (nn.BCELoss, PROBS, LABELS01, "sigmoid(logits)"),
    "BCEWithLogitsLoss": (nn.BCEWithLogitsLoss, LOGITS, LABELS01, "logits"),
    "CrossEntropyLoss": (nn.CrossEntropyLoss, CLASS_LOGITS, CLASSES, "class logits"),
    "NLLLoss": (nn.NLLLoss, CLASS_LOGITS - np.log(np.exp(CLASS_LOGITS).sum(1, keepdims=True)),
                CLASSES, "log_softmax(class logits)"),
    "KLDivLoss": (nn.KLDivLoss, np.log(Q), P, "log q (target p)"),
}


def reductions(name: str) -> tuple[str, ...]:
    return ("mean", "batchmean", "sum") if name == "KLDivLoss" else ("mean", "sum")


def value_and_grad(loss_class, inp: np.ndarray, target: np.ndarray, reduction: str):
    """The loss value and its gradient with respect to the input."""
    x = ag.tensor(inp, requires_grad=True)
    with warnings.catch_warnings():
        # KLDivLoss warns that "mean" is not the mathematical KL; the table shows just that.
        warnings.simplefilter("ignore", UserWarning)
        loss = loss_class(reduction=reduction)(x, ag.tensor(target))
    loss.backward()
    return loss.item(), x.grad.numpy()


def fmt(array: np.ndarray) -> str:
    array = np.asarray(array) + 0.0  # + 0.0 turns -0.0 into 0.0
    return np.array2string(array, precision=4, suppress_small=True, max_line_width=200,
                           separator=" ").replace("\n", "")


def kl(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) through the engine's KLDivLoss: input log q, target p, summed."""
    return F.kl_div(ag.tensor(np.log(q)), ag.tensor(p), reduction="sum").item()


def plot(out: Path, points: int) -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 2.9))
    err = np.linspace(-2.0, 2.0, points)
    zeros = ag.zeros(points, dtype=ag.float64)
    l1 = F.l1_loss(ag.tensor(err), zeros, reduction="none").numpy()
    mse = F.mse_loss(ag.tensor(err), zeros, reduction="none").numpy()
    axes[0].plot(err, l1, label="L1: |a - y|")
    axes[0].plot(err, mse, label="MSE: (a - y)²")
    axes[0].set(xlabel="error a - y", title="regression")

    z = np.linspace(-5.0, 5.0, points)
    for y, style in ((1.0, "-"), (0.0, "--")):
        bce = F.binary_cross_entropy_with_logits(
            ag.tensor(z), ag.full((points,), y, dtype=ag.float64), reduction="none").numpy()
        axes[1].plot(z, bce, style, label=f"BCEWithLogits, y = {y:g}")
    axes[1].set(xlabel="logit z", title="binary: -y log s(z) - (1-y) log(1-s(z))")

    p = 0.3
    q = np.linspace(0.01, 0.99, points)

    def bernoulli(prob: float | np.ndarray) -> np.ndarray:
        prob = np.broadcast_to(prob, (points,))
        return np.stack([prob, 1.0 - prob], axis=1)

    forward = F.kl_div(ag.tensor(np.log(bernoulli(q))), ag.tensor(bernoulli(p)), reduction="none")
    backward = F.kl_div(ag.tensor(np.log(bernoulli(p))), ag.tensor(bernoulli(q)), reduction="none")
    axes[2].plot(q, forward.numpy().sum(1), label="KL(p || q)")
    axes[2].plot(q, backward.numpy().sum(1), label="KL(q || p)")
    axes[2].axvline(p, color="0.6", lw=0.6)
    axes[2].set(xlabel="q (Bernoulli)", title="KLDiv, p = Bernoulli(0.3)", ylim=(0, 2.5))
    for ax in axes:
        ax.legend(fontsize=7)
        ax.title.set_fontsize(9)
    fig.tight_layout()
    return save_png(fig, out / "losses.png")


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__, NAME, "fewer plot points", argv)
    out = prepare(args)

    values, grads, rows = {}, {}, []
    for name, (loss_class, inp, target, what) in LOSSES.items():
        for reduction in reductions(name):
            value, grad = value_and_grad(loss_class, inp, target, reduction)
            values[name, reduction] = value
            grads[name, reduction] = grad
            rows.append([name, reduction, what, f"{value:.6f}", fmt(grad)])
    print("inputs:")
    print(f"  pred    = {fmt(PRED)}   target = {fmt(TARGET)}")
    print(f"  logits  = {fmt(LOGITS)}   sigmoid(logits) = {fmt(PROBS)}   y = {fmt(LABELS01)}")
    print(f"  class logits = {fmt(CLASS_LOGITS)}   classes = {fmt(CLASSES)}")
    print(f"  p = {fmt(P)}   q = {fmt(Q)}\n")
    print_table(["loss", "reduction", "input", "value", "d loss / d input"], rows)

    kl_pq, kl_qp = kl(P, Q), kl(Q, P)
    print(f"\nKL is not symmetric: KL(p || q) = {kl_pq:.6f}, KL(q || p) = {kl_qp:.6f}")
    for label, key in [("BCELoss on sigmoid(logits)", "BCELoss"),
                       ("BCEWithLogitsLoss on logits", "BCEWithLogitsLoss"),
                       ("CrossEntropyLoss on logits", "CrossEntropyLoss"),
                       ("NLLLoss on log_softmax(logits)", "NLLLoss")]:
        print(f"{label:<30} = {values[key, 'mean']:.15f}")

    picture = plot(out, 41 if args.quick else 201)
    print(f"\nwrote {out}/")
    return {
        "values": values,
        "grads": grads,
        "kl_pq": kl_pq,
        "kl_qp": kl_qp,
        "files": [picture],
    }


if __name__ == "__main__":
    main()
