"""Why initialise from a normal scaled by the layer size (article 001's question)?

Article 001's network draws its weights from a normal distribution whose spread shrinks with
the size of the layer, and asks why not a standard normal, or all zeros. The same MLP
(64 -> 64 -> 64 -> 10 with tanh, digits, SGD, the same batches) is trained from four starts,
biases zero in all of them:

- zeros: every hidden unit computes the same thing, so every one gets the same gradient and
  they stay identical forever: the symmetry never breaks (with tanh, zero weights even pass no
  gradient back at all). A constant 0.01 shows the same without that excuse: the units move,
  but in lockstep, so the layer is worth a single unit;
- a standard normal N(0, 1): a unit sums 64 inputs, so its pre-activation has a spread of
  about sqrt(64) = 8 times its inputs': tanh saturates, most units start stuck at +-1. The
  net still fits the training set (its training loss even ends lowest), but from those large
  weights it generalises worse: about 90% on the test set;
- a normal with variance 1 / fan_in (std 1 / sqrt(64)): the pre-activations keep the spread
  of the inputs, the units start in tanh's sloped middle; fastest at first, and about 98%.

Prints the spread of the pre-activations and the share of saturated units at the start, the
loss and accuracy after training, and the largest difference between any two hidden units'
weights (0.0 for the symmetric starts, or float32 rounding). Pictures: the loss and test
accuracy per epoch.

Run:  python examples/init_matters.py [--quick] [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from _common import parse_args, prepare, print_table, save_png, shuffled_split  # noqa: E402

import autograd_lite as ag  # noqa: E402
import nn  # noqa: E402
from nn.data import DataLoader, TensorDataset, digits  # noqa: E402

NAME = "init_matters"
SEED = 0
SIZES = [64, 64, 64, 10]
INITS = ["zeros", "constant 0.01", "normal N(0, 1)", "normal N(0, 1/fan_in)"]
SYMMETRIC = INITS[:2]  # every hidden unit starts like every other


def make_model(init: str) -> nn.MLP:
    """The MLP with its weights drawn by `init` and all biases zero."""
    model = nn.MLP(SIZES, activation="tanh", seed=SEED)
    rng = np.random.default_rng(SEED)
    for name, param in model.named_parameters():
        fan_in = param.shape[-1]
        if name.endswith("bias") or init == "zeros":
            nn.init.zeros_(param)
        elif init == "constant 0.01":
            nn.init.constant_(param, 0.01)
        elif init == "normal N(0, 1)":
            nn.init.normal_(param, 0.0, 1.0, generator=rng)
        else:
            nn.init.normal_(param, 0.0, fan_in**-0.5, generator=rng)
    return model


def hidden_layers(model: nn.MLP) -> list[nn.Linear]:
    """The Linear layers that feed hidden units (all but the output layer)."""
    return [m for m in model if isinstance(m, nn.Linear)][:-1]


def start_statistics(model: nn.MLP, X: np.ndarray) -> dict:
    """Spread of each hidden layer's pre-activations on the data, and the share of saturated
    units (|tanh| > 0.99), before training."""
    spreads, saturated = [], []
    h = ag.tensor(X)
    with ag.no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.Linear) and len(spreads) < len(SIZES) - 2:
                spreads.append(float(h.numpy().std()))
            elif isinstance(layer, nn.Tanh):
                saturated.append(float(np.mean(np.abs(h.numpy()) > 0.99)))
    return {"spread": spreads, "saturated": float(np.mean(saturated))}


def number(value: float) -> str:
    """Three significant digits, and an exact zero as 0.0."""
    return "0.0" if value == 0 else f"{value:.3g}"


def max_pairwise_difference(weight: np.ndarray) -> float:
    """The largest |w_i - w_j| between the incoming weights of any two units i, j."""
    return float(np.max(np.abs(weight[:, None, :] - weight[None, :, :])))


def plot(results: dict, out: Path) -> Path:
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.1))
    colors = ["tab:gray", "tab:brown", "tab:red", "tab:green"]
    for (init, r), color in zip(results.items(), colors):
        epochs = np.arange(1, len(r["history"]["loss"]) + 1)
        style = "--" if init == "constant 0.01" else "-"
        left.plot(epochs, r["history"]["loss"], style, color=color, label=init)
        right.plot(epochs, r["history"]["val_accuracy"], style, color=color, label=init)
    left.set(xlabel="epoch", ylabel="training loss", yscale="log", title="loss")
    right.set(xlabel="epoch", ylabel="test accuracy", title="test accuracy", ylim=(0, 1))
    right.legend(fontsize=7, loc="center right")
    for ax in (left, right):
        ax.title.set_fontsize(10)
    fig.tight_layout()
    return save_png(fig, out / "init_curves.png")


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__, NAME, "2 epochs instead of 20", argv)
    out = prepare(args, SEED)

    X, y = digits()
    X = X / 16.0
    train, test = shuffled_split(len(y), SEED, 0.8)
    epochs = 2 if args.quick else 20

    results = {}
    for init in INITS:
        model = make_model(init)
        start = start_statistics(model, X[train])
        initial = [layer.weight.detach().numpy().copy() for layer in hidden_layers(model)]
        # The same seed: every model sees the same batches in the same order.
        loader = DataLoader(TensorDataset(X[train], y[train]), batch_size=32, shuffle=True,
                            seed=SEED)
        history = nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                         loader, epochs, val_loader=[(X[test], y[test])], progress=False)
        weights = [layer.weight.detach().numpy() for layer in hidden_layers(model)]
        results[init] = {
            "history": history,
            "start": start,
            "pairwise": [max_pairwise_difference(w) for w in weights],
            "moved": max(float(np.max(np.abs(w - w0))) for w, w0 in zip(weights, initial)),
        }

    print(f"MLP {' -> '.join(map(str, SIZES))} (tanh), digits, SGD lr 0.1, {epochs} epochs, "
          "biases zero\n")
    print("at the start: spread (std) of each hidden layer's pre-activations, saturated units")
    print_table(
        ["init", "std layer 1", "std layer 2", "|tanh| > 0.99"],
        [[init, f"{r['start']['spread'][0]:.3f}", f"{r['start']['spread'][1]:.3f}",
          f"{r['start']['saturated']:.0%}"] for init, r in results.items()],
    )
    print(f"\nafter {epochs} epochs: loss, test accuracy, and whether the hidden units differ")
    print_table(
        ["init", "train loss", "test loss", "test acc", "max weight change",
         "max |w_i - w_j| layer 1", "layer 2"],
        [[init, f"{r['history']['loss'][-1]:.4f}", f"{r['history']['val_loss'][-1]:.4f}",
          f"{r['history']['val_accuracy'][-1]:.1%}",
          number(r["moved"]), number(r["pairwise"][0]), number(r["pairwise"][1])]
         for init, r in results.items()],
    )
    symmetric = max(max(r["pairwise"]) for init, r in results.items() if init in SYMMETRIC)
    print("\nZeros and the constant start every hidden unit alike; alike units get alike "
          "gradients,\nso after training every unit's weights are still the same "
          f"(max |w_i - w_j| = {number(symmetric)}"
          + (", float32 rounding)." if symmetric else ")."))

    picture = plot(results, out)
    print(f"\nwrote {out}/")
    return {
        "epochs": epochs,
        "loss": {init: r["history"]["loss"] for init, r in results.items()},
        "test_loss": {init: r["history"]["val_loss"][-1] for init, r in results.items()},
        "test_accuracy": {init: r["history"]["val_accuracy"][-1] for init, r in results.items()},
        "pairwise": {init: r["pairwise"] for init, r in results.items()},
        "moved": {init: r["moved"] for init, r in results.items()},
        "saturated": {init: r["start"]["saturated"] for init, r in results.items()},
        "spread": {init: r["start"]["spread"] for init, r in results.items()},
        "files": [picture],
    }


if __name__ == "__main__":
    main()
