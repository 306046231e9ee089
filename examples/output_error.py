"""The output error: dL/dz = (a - y) / N for three output layers (article 004, and 003).

Backpropagation starts from the "unit error" delta = dL/dz of the output layer's
pre-activation z (articles 002 and 004). Article 004 works it out for two pairings of output
activation and loss and finds the same answer, a - y, although both the activation and the loss
differ; article 003 pairs softmax with cross-entropy for many classes. Averaged over N samples:

- regression: identity output a = z with the halved squared error 0.5 * (a - y)^2:
  dL/da = a - y and da/dz = 1, so delta = (a - y) / N;
- binary classification: sigmoid a = s(z) with binary cross-entropy -y log a - (1-y) log(1-a):
  dL/da = (a - y) / (a (1 - a)) and da/dz = a (1 - a), so delta = (a - y) / N;
- multi-class: softmax a with cross-entropy -sum_j y_j log a_j (y one-hot): delta = (a - y) / N.

Here delta comes from backward() on an output layer z = X W + b (z.retain_grad()) and is
compared with the closed form, along with dL/dW = X^T delta, the step that article 004 shows
follows from delta alone. PyTorch's MSELoss has no 0.5 in front, so its delta is 2 (a - y) / N:
shown too. The picture plots dL/dz against z for one sample, from backward() and by formula.

Run:  python examples/output_error.py [--quick] [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from _common import parse_args, prepare, print_table, save_png  # noqa: E402

import autograd_lite as ag  # noqa: E402
import nn.functional as F  # noqa: E402

NAME = "output_error"
SEED = 0


def halved_squared_error(a: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
    """The articles' regression loss, 0.5 * (a - y)^2 summed over outputs, averaged over N."""
    return 0.5 * ((a - y) ** 2).sum() / a.shape[0]


# Each case: (output activation, loss of (z, a, target)); the target is what the loss takes.
CASES = {
    "regression": ("identity", "0.5 (a - y)^2", lambda z: z,
                   lambda z, a, t: halved_squared_error(a, t)),
    "regression, PyTorch MSE": ("identity", "F.mse_loss", lambda z: z,
                                lambda z, a, t: F.mse_loss(a, t)),
    "binary": ("sigmoid", "F.binary_cross_entropy", lambda z: z.sigmoid(),
               lambda z, a, t: F.binary_cross_entropy(a, t)),
    "binary, with logits": ("sigmoid", "F.binary_cross_entropy_with_logits",
                            lambda z: z.sigmoid(),
                            lambda z, a, t: F.binary_cross_entropy_with_logits(z, t)),
    "multi-class": ("softmax", "F.cross_entropy", lambda z: z.softmax(dim=1),
                    lambda z, a, t: F.cross_entropy(z, t)),
}


def make_problem(case: str, n: int):
    """Inputs X (n, 3), an output layer W, b, and targets: y as an array, and as the loss wants.

    The two regression cases get the same numbers, and so do the two binary ones.
    """
    kind = ["regression", "binary", "multi-class"].index(case.split(",")[0])
    rng = np.random.default_rng([SEED, kind])
    classes = 4 if case == "multi-class" else 1
    X = rng.standard_normal((n, 3))
    W = 0.5 * rng.standard_normal((3, classes))
    b = 0.1 * rng.standard_normal(classes)
    if case.startswith("regression"):
        y = rng.standard_normal((n, 1))
        target = ag.tensor(y)
    elif case.startswith("binary"):
        y = rng.integers(0, 2, size=(n, 1)).astype(np.float64)
        target = ag.tensor(y)
    else:
        labels = rng.integers(0, classes, size=n)
        y = np.eye(classes)[labels]  # one-hot
        target = ag.tensor(labels)
    return X, W, b, y, target


def output_error(case: str, n: int) -> dict:
    """Backward through one output layer and loss; compare delta and dL/dW with the formulas."""
    activation, loss_name, act, loss_fn = CASES[case]
    X, W0, b0, y, target = make_problem(case, n)
    W = ag.tensor(W0, requires_grad=True)
    b = ag.tensor(b0, requires_grad=True)
    z = ag.tensor(X) @ W + b
    z.retain_grad()
    a = act(z)
    loss = loss_fn(z, a, target)
    loss.backward()
    delta = z.grad.numpy()
    closed_form = (a.detach().numpy() - y) / n  # (a - y) / N
    ratio = delta / closed_form
    return {
        "activation": activation,
        "loss_name": loss_name,
        "loss": loss.item(),
        "delta": delta,
        "closed_form": closed_form,
        "factor": float(np.median(ratio)),
        "max_diff": float(np.max(np.abs(delta - closed_form))),
        "max_diff_scaled": float(np.max(np.abs(delta - np.median(ratio) * closed_form))),
        "dW_diff": float(np.max(np.abs(W.grad.numpy() - X.T @ delta))),
    }


def curves(points: int) -> dict:
    """dL/dz against z for one sample with target 1 (class 0 for softmax): backward vs formula."""
    z_grid = np.linspace(-4.0, 4.0, points)
    result = {"z": z_grid}
    # N independent samples summed, so each sample's dL/dz is its own a - y.
    z = ag.tensor(z_grid, requires_grad=True)
    (halved_squared_error(z, ag.ones(points, dtype=ag.float64)) * points).backward()
    result["regression"] = (z.grad.numpy(), z_grid - 1.0)
    z = ag.tensor(z_grid, requires_grad=True)
    F.mse_loss(z, ag.ones(points, dtype=ag.float64), reduction="sum").backward()
    result["mse"] = (z.grad.numpy(), 2.0 * (z_grid - 1.0))
    z = ag.tensor(z_grid, requires_grad=True)
    F.binary_cross_entropy(z.sigmoid(), ag.ones(points, dtype=ag.float64), reduction="sum")\
        .backward()
    result["binary"] = (z.grad.numpy(), 1.0 / (1.0 + np.exp(-z_grid)) - 1.0)
    logits = np.stack([z_grid, np.zeros(points), np.zeros(points)], axis=1)
    z = ag.tensor(logits, requires_grad=True)
    F.cross_entropy(z, ag.zeros(points, dtype=ag.int64), reduction="sum").backward()
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    result["multi-class"] = (z.grad.numpy()[:, 0], softmax[:, 0] - 1.0)
    return result


def plot(data: dict, out: Path) -> Path:
    z = data["z"]
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.9), sharey=True)
    panels = [
        ("regression: a = z, y = 1", "regression", "a - y = z - 1"),
        ("binary: a = sigmoid(z), y = 1", "binary", "a - y = sigmoid(z) - 1"),
        ("softmax, 3 classes, true class 0", "multi-class", "a0 - y0 = softmax(z)0 - 1"),
    ]
    for ax, (title, key, formula) in zip(axes, panels):
        backward, closed = data[key]
        ax.plot(z, closed, "-", color="tab:blue", lw=1.5, label=formula)
        ax.plot(z[::4], backward[::4], "o", color="tab:orange", ms=4, label="backward()")
        if key == "regression":
            ax.plot(z, data["mse"][1], "--", color="tab:red", lw=1.2, label="MSE (no ½): 2(a - y)")
        ax.axhline(0, color="0.6", lw=0.6)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("pre-activation z (true class's logit)" if key == "multi-class" else
                      "pre-activation z")
        ax.legend(fontsize=7, loc="upper left")
    axes[0].set_ylabel("dL/dz")
    axes[0].set_ylim(-3.2, 3.2)
    fig.tight_layout()
    return save_png(fig, out / "output_error.png")


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__, NAME, "fewer samples and plot points", argv)
    out = prepare(args)
    # Every array is float64 NumPy, which tensors keep: the comparison is at float64 precision.
    n = 8 if args.quick else 32
    results = {case: output_error(case, n) for case in CASES}
    data = curves(41 if args.quick else 161)

    print(f"the output error delta = dL/dz from backward() against k (a - y) / N; N = {n}, "
          "float64\n")
    print_table(
        ["case", "a = f(z)", "loss", "k", "max|dL/dz - k(a-y)/N|", "max|dL/dW - X^T dL/dz|"],
        [[case, r["activation"], r["loss_name"], f"{r['factor']:.12g}",
          f"{r['max_diff_scaled']:.1e}", f"{r['dW_diff']:.1e}"] for case, r in results.items()],
    )
    print("\nWith the halved squared error, regression and classification share delta = "
          "(a - y) / N;\nPyTorch's MSE (mean of (a - y)^2, no 0.5) doubles it.")
    curve_diff = max(float(np.max(np.abs(b - c))) for b, c in
                     (data[k] for k in ("regression", "mse", "binary", "multi-class")))
    print(f"picture: dL/dz over z in [-4, 4], max |backward - formula| = {curve_diff:.1e}")

    picture = plot(data, out)
    print(f"\nwrote {out}/")
    return {
        "max_diff": {case: r["max_diff"] for case, r in results.items()},
        "max_diff_scaled": {case: r["max_diff_scaled"] for case, r in results.items()},
        "factor": {case: r["factor"] for case, r in results.items()},
        "dW_diff": {case: r["dW_diff"] for case, r in results.items()},
        "loss": {case: r["loss"] for case, r in results.items()},
        "curve_diff": curve_diff,
        "files": [picture],
    }


if __name__ == "__main__":
    main()
