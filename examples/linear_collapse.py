"""Why a network needs a non-linear activation (article 000): stacked linear layers collapse,
and one linear layer cannot learn XOR.

1. Two Linear layers with nothing between them are one Linear layer:
   W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2). Checked in float64 on random inputs (the
   difference is rounding, ~1e-16); with a ReLU between them no single linear layer fits the
   outputs (least-squares residual far from zero).
2. XOR: a single-layer perceptron (one Linear unit, sigmoid output, trained by gradient
   descent on binary cross-entropy) never gets more than 3 of the 4 points right: no line
   separates {(0,1), (1,0)} from {(0,0), (1,1)}. A "monkey" search over many random lines
   with a step output does no better. One hidden layer with ReLU learns XOR (4 of 4).

Pictures: the decision regions of the perceptron and of the MLP, side by side.

Run:  python examples/linear_collapse.py [--quick] [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from _common import parse_args, prepare, print_table, save_png  # noqa: E402

import autograd_lite as ag  # noqa: E402
import nn  # noqa: E402
from nn.data import xor  # noqa: E402

NAME = "linear_collapse"
SEED = 0


def collapse() -> dict:
    """Two stacked Linear layers against the single layer W = W2 W1, b = W2 b1 + b2."""
    first = nn.Linear(3, 5, dtype=ag.float64, seed=SEED)
    second = nn.Linear(5, 2, dtype=ag.float64, seed=SEED + 1)
    W1, b1 = first.weight.detach().numpy(), first.bias.detach().numpy()
    W2, b2 = second.weight.detach().numpy(), second.bias.detach().numpy()
    single = nn.Linear(3, 2, dtype=ag.float64)
    single.load_state_dict({"weight": W2 @ W1, "bias": W2 @ b1 + b2})

    x = ag.tensor(np.random.default_rng(SEED).standard_normal((1000, 3)))
    with ag.no_grad():
        stacked = second(first(x)).numpy()
        collapsed = single(x).numpy()
        with_relu = second(first(x).relu()).numpy()

    def linear_fit_residual(outputs: np.ndarray) -> float:
        """Largest error of the best affine fit (least squares) of outputs from x."""
        design = np.hstack([x.numpy(), np.ones((len(outputs), 1))])
        coef, *_ = np.linalg.lstsq(design, outputs, rcond=None)
        return float(np.max(np.abs(design @ coef - outputs)))

    return {
        "max_diff": float(np.max(np.abs(stacked - collapsed))),
        "residual_linear": linear_fit_residual(stacked),
        "residual_relu": linear_fit_residual(with_relu),
    }


def accuracy(model: nn.Module, X: ag.Tensor, y: np.ndarray) -> float:
    with ag.no_grad():
        return float(np.mean((model(X).numpy()[:, 0] > 0) == y))


def train(model: nn.Module, optimizer, X: ag.Tensor, y: np.ndarray, epochs: int) -> dict:
    """Full-batch training on BCE with logits; the accuracy after every epoch."""
    loss_fn = nn.BCEWithLogitsLoss()
    target = ag.tensor(y[:, None].astype(np.float32))
    losses, accuracies = [], [accuracy(model, X, y)]
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        accuracies.append(accuracy(model, X, y))
    return {"loss": losses, "accuracy": accuracies}


def monkey_lines(n: int) -> float:
    """Best XOR accuracy of n random lines w.x + b with a step output (vectorised NumPy)."""
    X, y = xor()
    rng = np.random.default_rng(SEED)
    w, b = rng.standard_normal((n, 2)), rng.standard_normal((n, 1))
    predictions = (w @ X.T + b) > 0  # (n, 4)
    return float(np.max(np.mean(predictions == y, axis=1)))


def plot(models: dict, out: Path, points: int) -> Path:
    X, y = xor()
    g = np.linspace(-0.5, 1.5, points)
    gx, gy = np.meshgrid(g, g)
    grid = ag.tensor(np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32))
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.4))
    for ax, (title, model) in zip(axes, models.items()):
        with ag.no_grad():
            prob = model(grid).sigmoid().numpy().reshape(gx.shape)
        title = f"{title}: {accuracy(model, ag.tensor(X), y):.0%} right"
        ax.contourf(gx, gy, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.8)
        ax.contour(gx, gy, prob, levels=[0.5], colors="k", linewidths=1.2)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", edgecolors="k", s=90, vmin=0, vmax=1)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("x1")
        ax.set_aspect("equal")
    axes[0].set_ylabel("x2")
    fig.tight_layout()
    return save_png(fig, out / "xor_boundaries.png")


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__, NAME, "fewer epochs and random lines", argv)
    out = prepare(args, SEED)

    c = collapse()
    print("1. Two stacked Linear layers (3 -> 5 -> 2, no activation) against one Linear layer\n"
          "   with W = W2 W1, b = W2 b1 + b2, on 1000 random inputs, float64:\n")
    print_table(
        ["comparison", "max abs difference"],
        [["stacked vs collapsed single layer", f"{c['max_diff']:.1e}"],
         ["stacked vs best affine fit", f"{c['residual_linear']:.1e}"],
         ["stacked with ReLU between vs best affine fit", f"{c['residual_relu']:.1e}"]],
    )

    epochs = 200 if args.quick else 1000
    X_np, y = xor()
    X = ag.tensor(X_np)
    perceptron = nn.Linear(2, 1, seed=SEED)
    single = train(perceptron, nn.optim.SGD(perceptron.parameters(), lr=0.5), X, y, epochs)
    mlp = nn.MLP([2, 8, 1], activation="relu", seed=SEED)
    hidden = train(mlp, nn.optim.Adam(mlp.parameters(), lr=0.05), X, y, epochs)
    lines = 10_000 if args.quick else 1_000_000
    monkey = monkey_lines(lines)

    print(f"\n2. XOR, {epochs} epochs of full-batch gradient descent on binary cross-entropy:\n")
    print_table(
        ["model", "best accuracy", "final accuracy", "final loss"],
        [["perceptron: Linear(2, 1) + sigmoid", f"{max(single['accuracy']):.0%}",
          f"{single['accuracy'][-1]:.0%}", f"{single['loss'][-1]:.4f}"],
         [f"{lines:,} random lines, step output", f"{monkey:.0%}", "", ""],
         ["MLP 2 -> 8 (ReLU) -> 1 + sigmoid", f"{max(hidden['accuracy']):.0%}",
          f"{hidden['accuracy'][-1]:.0%}", f"{hidden['loss'][-1]:.4f}"]],
    )

    picture = plot({"perceptron, no hidden layer": perceptron,
                    "8 hidden ReLUs": mlp}, out, 60 if args.quick else 200)
    print(f"\nwrote {out}/")
    return {
        "collapse_diff": c["max_diff"],
        "affine_residual": c["residual_linear"],
        "relu_residual": c["residual_relu"],
        "perceptron_best_accuracy": max(single["accuracy"]),
        "perceptron_accuracy": single["accuracy"][-1],
        "monkey_best_accuracy": monkey,
        "mlp_accuracy": hidden["accuracy"][-1],
        "mlp_loss": hidden["loss"][-1],
        "files": [picture],
    }


if __name__ == "__main__":
    main()
