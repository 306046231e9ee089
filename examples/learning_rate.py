"""What the learning rate does to gradient descent (article 001): X(k+1) = X(k) - lr * grad f(X(k)).

The function is a long narrow bowl, f(w) = 0.5 * w^T A w with A = diag(1, 10): its curvatures
(the eigenvalues of A) are 1 along w1 and 10 along w2. One gradient step multiplies the w_i
component by (1 - lr * lambda_i), so

- lr > 2 / lambda_max = 0.2: the steep component grows at every step: divergence;
- lr just below 0.2: the steep component flips sign at every step and hardly shrinks: the
  iterate bounces from one wall of the valley to the other ("oscillates", article 001's pictures);
- lr = 2 / (lambda_min + lambda_max) = 0.1818: both components shrink by the same 9/11 per step,
  the best constant rate there is for this bowl (1 / lambda_max = 0.1 kills the steep component
  in one step but then crawls along the valley at 0.9 per step: 83 steps instead of 45);
- a tiny lr: no bouncing, but the flat direction shrinks by only 1 - lr per step: it crawls.

The gradients come from autograd_lite's backward(); the behaviour of each rate is read off its
trajectory, not assumed. Pictures: the contours with the four trajectories, and f against steps.

Run:  python examples/learning_rate.py [--quick] [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from _common import parse_args, prepare, print_table, save_png  # noqa: E402

import autograd_lite as ag  # noqa: E402

NAME = "learning_rate"
A = np.diag([1.0, 10.0])
START = (-8.0, 2.0)
TOLERANCE = 1e-6  # "converged" means f(w) < TOLERANCE
MAX_STEPS = 500
LAMBDA_MIN, LAMBDA_MAX = np.linalg.eigvalsh(A)
RATES = {
    "too large": 0.21,  # > 2 / lambda_max
    "near 2/lambda_max": 0.195,
    "2/(lambda_min+lambda_max)": 2.0 / (LAMBDA_MIN + LAMBDA_MAX),
    "tiny": 0.01,
}


def f(w: ag.Tensor) -> ag.Tensor:
    """The bowl 0.5 * w^T A w."""
    return 0.5 * (w @ ag.from_numpy(A) @ w)


def descend(lr: float, max_steps: int = MAX_STEPS) -> dict:
    """Run gradient descent from START; stop at max_steps or once f has grown a millionfold."""
    w = ag.tensor(START, dtype=ag.float64, requires_grad=True)
    path, values = [w.detach().numpy().copy()], []
    steps_to_tol = None
    for step in range(max_steps + 1):
        loss = f(w)
        values.append(loss.item())
        if steps_to_tol is None and loss.item() < TOLERANCE:
            steps_to_tol = step
        if step == max_steps or not loss.item() < 1e6 * values[0]:
            break
        loss.backward()
        with ag.no_grad():
            w -= lr * w.grad
        w.grad = None
        path.append(w.detach().numpy().copy())
    return {"path": np.array(path), "f": np.array(values), "steps": steps_to_tol}


def classify(run: dict) -> str:
    """Name what a trajectory did, from the trajectory alone."""
    f_values, steep = run["f"], run["path"][:, 1]  # w2 lies along lambda_max's eigenvector
    if not np.isfinite(f_values[-1]) or f_values[-1] > f_values[0]:
        return "diverges"
    moving = np.abs(steep) > 1e-12
    ratios = steep[1:][moving[:-1]] / steep[:-1][moving[:-1]]
    # Bounces: the steep component changes sign at every step and loses less than 10% a step.
    if len(ratios) and np.all(ratios < 0) and np.exp(np.mean(np.log(-ratios))) > 0.9:
        return "oscillates"
    return "converges" if run["steps"] is not None else "crawls"


def plot(runs: dict, out: Path, quick: bool) -> tuple[Path, Path]:
    """Contours with the trajectories (one picture) and f against steps (another)."""
    colors = ["tab:red", "tab:orange", "tab:green", "tab:blue"]
    n = 60 if quick else 200
    g1, g2 = np.meshgrid(np.linspace(-9, 9, n), np.linspace(-3.2, 3.2, n))
    bowl = 0.5 * (A[0, 0] * g1**2 + A[1, 1] * g2**2)

    fig, axes = plt.subplots(2, 2, figsize=(8, 4.8), sharex=True, sharey=True)
    for ax, run, color in zip(axes.flat, runs.values(), colors):
        ax.contour(g1, g2, bowl, levels=np.geomspace(0.05, 150, 10), colors="0.8",
                   linewidths=0.6)
        path = run["path"][:15] if run["behaviour"] == "diverges" else run["path"]
        ax.plot(path[:, 0], path[:, 1], "-", color=color, lw=0.9, marker=".", ms=3)
        ax.plot(*START, "ko", ms=4)
        ax.plot(0, 0, "k*", ms=7)
        ax.set(xlim=(-9, 9), ylim=(-3.2, 3.2))
        ax.set_title(f"lr = {run['lr']:.4g}: {run['behaviour']}", fontsize=10)
    for ax in axes[1]:
        ax.set_xlabel("w1 (curvature 1)")
    for ax in axes[:, 0]:
        ax.set_ylabel("w2 (curvature 10)")
    fig.suptitle("gradient descent on f(w) = 0.5 (w1² + 10 w2²)", fontsize=11)
    fig.tight_layout()
    contour_file = save_png(fig, out / "trajectories.png")

    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    for run, color in zip(runs.values(), colors):
        ax.semilogy(run["f"], color=color, lw=1.2,
                    label=f"lr = {run['lr']:.4g}: {run['behaviour']}")
    ax.axhline(TOLERANCE, color="k", lw=0.6, ls="--")
    ax.set(xlabel="step", ylabel="f(w)", ylim=(1e-12, 1e6), xlim=(0, MAX_STEPS))
    ax.legend(fontsize=7)
    fig.tight_layout()
    curve_file = save_png(fig, out / "loss_curves.png")
    return contour_file, curve_file


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__, NAME, "coarser contour grid", argv)
    out = prepare(args)

    runs = {}
    for label, lr in RATES.items():
        run = descend(lr)
        run["lr"] = lr
        run["behaviour"] = classify(run)
        runs[label] = run

    print(f"f(w) = 0.5 w^T A w, A = diag({A[0, 0]:g}, {A[1, 1]:g}), start w = {START}")
    print(f"eigenvalues {LAMBDA_MIN:g} and {LAMBDA_MAX:g}: 2/lambda_max = {2 / LAMBDA_MAX:g}, "
          f"best constant rate 2/(lambda_min+lambda_max) = {2 / (LAMBDA_MIN + LAMBDA_MAX):.4f}\n")
    rows = []
    for label, run in runs.items():
        lr = run["lr"]
        factor = max(abs(1 - lr * LAMBDA_MIN), abs(1 - lr * LAMBDA_MAX))
        if run["behaviour"] == "diverges":
            reached = f"diverged (step {len(run['f']) - 1})"
        elif run["steps"] is None:
            reached = f"not within {MAX_STEPS} steps"
        else:
            reached = str(run["steps"])
        rows.append([label, f"{lr:.4f}", f"{lr * LAMBDA_MAX:.3f}", f"{factor:.3f}", reached,
                     f"{run['f'][-1]:.3e}", run["behaviour"]])
    print_table(["rate", "lr", "lr*lambda_max", "max|1-lr*lambda|", f"steps to f<{TOLERANCE:g}",
                 "last f", "behaviour"], rows)

    files = plot(runs, out, args.quick)
    print(f"\nwrote {out}/")
    return {
        "rates": {label: run["lr"] for label, run in runs.items()},
        "behaviour": {label: run["behaviour"] for label, run in runs.items()},
        "steps": {label: run["steps"] for label, run in runs.items()},
        "final_f": {label: run["f"][-1] for label, run in runs.items()},
        "files": list(files),
    }


if __name__ == "__main__":
    main()
