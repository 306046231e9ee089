"""Three ways to train the same network (article 000), run four ways: monkey (and random
search, the monkey that works), evolution, gradient descent.

Article 000 trains a network three ways, in the order people thought of them:

- "monkey" training: draw parameters at random until the loss is good enough. Drawn afresh
  each time (as the article tells it, "it basically never finds satisfactory parameters") it
  is shown here as "monkey"; nn.optim.RandomSearch is the version that works: a random
  change of the current parameters, kept if the loss went down ("random search");
- evolution: a population of parameter sets; keep the better half (selection), refill with
  randomly changed copies of the survivors (mutation) (nn.optim.Evolution);
- gradient descent: step against the gradient, the direction in which the loss falls fastest
  (here Adam, nn.optim.Adam; backward() gives the gradient).

Each gets the same model (an MLP 2 -> 16 -> 16 -> 2 from the same initial weights), the same
data (200 points of the two moons, full batch, cross-entropy) and the same budget of loss
evaluations, counted in the closure each optimiser calls. A gradient step costs one
evaluation (its backward pass costs about as much again as the forward, not counted).

Picture: the loss against the number of evaluations for the four runs.

Run:  python examples/training_methods.py [--quick] [--out DIR]
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
from nn.data import moons  # noqa: E402

NAME = "training_methods"
SEED = 0
SIZES = [2, 16, 16, 2]


class Monkey:
    """The article's monkey: every step tries completely fresh random parameters (drawn as a
    new MLP is) and keeps them if they beat the best so far."""

    def __init__(self, model: nn.Module, seed: int) -> None:
        self.model = model
        self.generator = np.random.default_rng(seed)
        self.best = None

    def step(self, closure) -> float:
        if self.best is None:
            with ag.no_grad():
                self.best = closure().item()
        kept = {name: t.numpy().copy() for name, t in self.model.state_dict().items()}
        self.model.load_state_dict(nn.MLP(SIZES, generator=self.generator).state_dict())
        with ag.no_grad():
            loss = closure().item()
        if loss < self.best:
            self.best = loss
        else:
            self.model.load_state_dict(kept)
        return self.best


def train(method: str, initial: dict, X: ag.Tensor, y: ag.Tensor, budget: int) -> dict:
    """Train a fresh copy of the initial model with one method until the budget is spent.

    Returns the best loss seen after each number of evaluations (a staircase: what the method
    would hand back if stopped there), the final loss and accuracy.
    """
    model = nn.MLP(SIZES, seed=SEED)
    model.load_state_dict(initial)
    loss_fn = nn.CrossEntropyLoss()
    if method == "monkey":
        optimizer = Monkey(model, seed=SEED)
    elif method == "random search":
        optimizer = nn.optim.RandomSearch(model.parameters(), std=0.05, seed=SEED)
    elif method == "evolution":
        optimizer = nn.optim.Evolution(model.parameters(), population=20, std=0.1, seed=SEED)
    else:
        optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
    uses_gradients = method == "gradient descent"

    evaluations: list[float] = []  # the loss at every evaluation, in order

    def closure() -> ag.Tensor:
        if uses_gradients:
            optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        if uses_gradients:
            loss.backward()
        evaluations.append(loss.item())
        return loss

    initial_loss = float(loss_fn(model(X), y).item())
    while len(evaluations) < budget:
        optimizer.step(closure)
    with ag.no_grad():
        logits = model(X)
        final_loss = loss_fn(logits, y).item()
        accuracy = float(np.mean(logits.numpy().argmax(axis=1) == y.numpy()))
    return {
        "curve": np.minimum.accumulate(np.array(evaluations[:budget])),
        "evaluations": len(evaluations),
        "initial_loss": initial_loss,
        "loss": final_loss,
        "accuracy": accuracy,
    }


def plot(results: dict, out: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.3))
    colors = ["tab:brown", "tab:orange", "tab:purple", "tab:green"]
    for (method, r), color in zip(results.items(), colors):
        ax.plot(np.arange(1, len(r["curve"]) + 1), r["curve"], color=color, lw=1.5,
                label=f"{method}: {r['loss']:.2g}")
    ax.set(xlabel="loss evaluations", ylabel="best training loss so far", yscale="log",
           title="the same MLP on two moons, the same budget")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_png(fig, out / "training_methods.png")


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__, NAME, "a smaller evaluation budget", argv)
    out = prepare(args, SEED)

    X_np, y_np = moons(n_samples=200, noise=0.1, seed=SEED)
    X, y = ag.tensor(X_np), ag.tensor(y_np)
    initial = nn.MLP(SIZES, seed=SEED).state_dict()
    budget = 300 if args.quick else 3000
    results = {method: train(method, initial, X, y, budget)
               for method in ("monkey", "random search", "evolution", "gradient descent")}

    print(f"MLP {' -> '.join(map(str, SIZES))} on {len(y_np)} two-moons points, cross-entropy, "
          f"a budget of {budget} loss evaluations\n")
    print_table(
        ["method", "evaluations", "initial loss", "final loss", "accuracy"],
        [[method, r["evaluations"], f"{r['initial_loss']:.4f}", f"{r['loss']:.2e}",
          f"{r['accuracy']:.1%}"] for method, r in results.items()],
    )
    picture = plot(results, out)
    print(f"\nwrote {out}/")
    return {
        "budget": budget,
        "evaluations": {m: r["evaluations"] for m, r in results.items()},
        "initial_loss": {m: r["initial_loss"] for m, r in results.items()},
        "loss": {m: r["loss"] for m, r in results.items()},
        "accuracy": {m: r["accuracy"] for m, r in results.items()},
        "files": [picture],
    }


if __name__ == "__main__":
    main()
