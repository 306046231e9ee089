"""A small CNN on handwritten digits (article 002's convolution part): max, average and L2 pooling
compared, beside the MLP.

Article 002 describes a convolutional network and three ways to pool a region into one value:
its maximum (max pooling), its mean (average pooling) and the square root of its sum of
squares (L2 pooling). Here the same CNN is trained three times, with only the pooling layer
changed (nn.MaxPool2d(2), nn.AvgPool2d(2), nn.LPPool2d(2, 2)), on the bundled UCI digits
(1,797 images of 8x8 pixels scaled to [0, 1], reshaped to (N, 1, 8, 8), a seeded 80/20 split:
the split of examples/digits_mlp.py), and the MLP 64 -> 64 -> 10 of that example is trained
on the same split, the same way, for reference. Each model: Adam (lr 2e-3, cosine-annealed
over the epochs), mini-batches of 32, cross-entropy, through nn.fit.

    8x8 digits:  Conv2d(1, 16, 3, padding=1) -> ReLU -> Conv2d(16, 32, 3, padding=1) -> ReLU
                 -> pool 2x2 -> Flatten -> Linear(32*4*4, 10)
    28x28 MNIST: the same with a pool after each convolution -> Linear(32*7*7, 10)

(On 8x8 images one pooling stage is enough: with a second one, average pooling blurs each digit
into 2x2 cells and falls to ~96% test accuracy, in PyTorch too; max and L2 pooling hold ~99%.)

Prints one table: test accuracy, training time and parameter count per model. Pictures: the
16 learned 3x3 filters of the first convolution of each CNN, and one test digit's feature maps
through the max-pooling CNN (after each convolution and after the pooling).

With MNIST's IDX files (nothing is downloaded), the same comparison runs on 28x28 images:
    python examples/digits_cnn.py --mnist-images train-images-idx3-ubyte.gz \\
        --mnist-labels train-labels-idx1-ubyte.gz [--limit 10000] [--epochs 3]

Run:  python examples/digits_cnn.py [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from _common import (  # noqa: E402
    existing_file,
    fail,
    make_parser,
    positive_int,
    prepare,
    print_table,
    save_png,
    shuffled_split,
)

import autograd_lite as ag  # noqa: E402
import nn  # noqa: E402
from nn.data import DataLoader, TensorDataset, digits, load_mnist_idx  # noqa: E402

NAME = "digits_cnn"
SEED = 0
LEARNING_RATE = 2e-3
BATCH = 32
POOLS = {
    "max": ("max pooling", lambda: nn.MaxPool2d(2)),
    "avg": ("average pooling", lambda: nn.AvgPool2d(2)),
    "l2": ("L2 pooling", lambda: nn.LPPool2d(2, 2)),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = make_parser(__doc__, NAME,
                         "2 epochs (and at most 2,000 MNIST images): a smoke test")
    parser.add_argument("--epochs", type=positive_int, default=None,
                        help="epochs per model (default 30 on the digits, 3 on MNIST)")
    parser.add_argument("--mnist-images", type=existing_file, default=None,
                        help="an MNIST IDX image file (e.g. train-images-idx3-ubyte[.gz])")
    parser.add_argument("--mnist-labels", type=existing_file, default=None,
                        help="the matching IDX label file")
    parser.add_argument("--limit", type=positive_int, default=None,
                        help="use only the first LIMIT MNIST images")
    args = parser.parse_args(argv)
    if (args.mnist_images is None) != (args.mnist_labels is None):
        parser.error("--mnist-images and --mnist-labels go together")
    return args


# ----- data ------------------------------------------------------------------------------------

def load(args: argparse.Namespace) -> tuple[str, np.ndarray, np.ndarray]:
    """The images as (N, 1, side, side) float32 in [0, 1], their labels, and a description."""
    if args.mnist_images is None:
        X, y = digits()
        return "UCI digits (8x8)", (X / 16.0).reshape(-1, 1, 8, 8), y
    X, y = load_mnist_idx(args.mnist_images, args.mnist_labels)
    limit = 2000 if args.quick and args.limit is None else args.limit
    if limit is not None:
        X, y = X[:limit], y[:limit]
    side = int(round(np.sqrt(X.shape[1])))
    if side * side != X.shape[1]:
        raise ValueError(f"{args.mnist_images}: images of {X.shape[1]} pixels are not square")
    return f"MNIST IDX ({side}x{side}, {args.mnist_images.name})", X.reshape(-1, 1, side, side), y


def split(X: np.ndarray, y: np.ndarray, seed: int = SEED, train_fraction: float = 0.8):
    """Shuffled with a seed and split into train and test (the split of digits_mlp.py)."""
    train, test = shuffled_split(len(y), seed, train_fraction)
    return X[train], y[train], X[test], y[test]


# ----- models ----------------------------------------------------------------------------------

def build_cnn(pool: str, side: int) -> nn.Sequential:
    """Two 3x3 convolutions (16 and 32 channels, ReLU); one 2x2 pool of the given kind after
    them on small images, one after each on larger ones (side >= 16); a linear read-out."""
    make_pool = POOLS[pool][1]
    early = side >= 16
    layers = [nn.Conv2d(1, 16, 3, padding=1), nn.ReLU()]
    if early:
        layers.append(make_pool())
    layers += [nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), make_pool(), nn.Flatten()]
    cells = (side // 4 if early else side // 2) ** 2
    return nn.Sequential(*layers, nn.Linear(32 * cells, 10))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def train(model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int) -> float:
    """Adam with a cosine-annealed learning rate, mini-batches of 32; the seconds it took."""
    optimizer = nn.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    scheduler = nn.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(epochs, 1))
    loader = DataLoader(TensorDataset(X, y), batch_size=BATCH, shuffle=True, seed=SEED)
    start = time.perf_counter()
    nn.fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs, progress=False,
           scheduler=scheduler)
    return time.perf_counter() - start


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray, batch: int = 1000) -> float:
    model.eval()
    with ag.no_grad():
        predicted = np.concatenate([model(ag.tensor(X[i:i + batch])).numpy().argmax(axis=1)
                                    for i in range(0, len(y), batch)])
    return float((predicted == y).mean())


# ----- pictures --------------------------------------------------------------------------------

def _show(ax: plt.Axes, image: np.ndarray, cmap: str = "gray_r", symmetric: bool = False,
          limit: float | None = None) -> Any:
    """`image` without ticks, from 0 (or -limit) to `limit` (default: its own largest |value|)."""
    limit = limit or float(np.abs(image).max()) or 1.0
    shown = ax.imshow(image, cmap=cmap, vmin=-limit if symmetric else 0, vmax=limit)
    ax.set_xticks([])
    ax.set_yticks([])
    return shown


def _key(fig: plt.Figure, shown: Any, box: tuple, label: str) -> None:
    """A colour key for `shown` in the figure's rectangle `box`."""
    key = fig.colorbar(shown, cax=fig.add_axes(box))
    key.set_label(label, fontsize=7)
    key.ax.tick_params(labelsize=6)


def plot_filters(models: dict[str, nn.Sequential], out: Path) -> Path:
    """The first convolution's 16 filters of each CNN, one row per pooling (red positive)."""
    fig, axes = plt.subplots(len(models), 16, figsize=(10, 0.62 * len(models) + 0.35))
    axes = np.atleast_2d(axes)
    weights = {pool: model[0].weight.detach().numpy()[:, 0] for pool, model in models.items()}
    limit = max(float(np.abs(w).max()) for w in weights.values())  # one scale: the key holds
    for row, (pool, weight) in zip(axes, weights.items()):
        for ax, w in zip(row, weight):
            shown = _show(ax, w, "RdBu_r", symmetric=True, limit=limit)
        row[0].set_ylabel(pool, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle("learned 3x3 filters of the first convolution (red positive, blue negative; "
                 "the same initial weights in every row)", fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.92, bottom=0.02, top=0.86, wspace=0.1, hspace=0.1)
    _key(fig, shown, (0.94, 0.06, 0.015, 0.78), "weight")
    return save_png(fig, out / f"{NAME}_filters.png")


def plot_feature_maps(model: nn.Sequential, image: np.ndarray, label: int, out: Path) -> Path:
    """One digit through the CNN: the input, the maps after each convolution (+ ReLU) and
    after the pooling."""
    convs = [i for i, layer in enumerate(model) if isinstance(layer, nn.Conv2d)]
    pool = max(i for i, layer in enumerate(model) if not isinstance(layer, (nn.Flatten,
                                                                             nn.Linear)))
    stages = [("conv 1 + ReLU: 16 maps", convs[0] + 1),
              ("conv 2 + ReLU: first 16 of 32", convs[1] + 1),
              ("after pooling: first 16 of 32", pool)]
    model.eval()
    with ag.no_grad():
        maps = [model[:end + 1](ag.tensor(image[None])).numpy()[0, :16] for _, end in stages]
    # one row of 16 maps per stage, one scale per stage (its colour key on the right), the
    # digit on the left: 10 x 3.4 inches, 800 x 272 pixels
    fig = plt.figure(figsize=(10, 3.4))
    grid = fig.add_gridspec(len(stages), 19, wspace=0.08, hspace=0.45, left=0.01, right=0.93,
                            bottom=0.03, top=0.9, width_ratios=[2.2, 0.4] + [1] * 16 + [0.3])
    ax = fig.add_subplot(grid[:, 0])
    _show(ax, image[0])
    ax.set_title(f"digit {label}", fontsize=8)
    for s, ((title, _), stack) in enumerate(zip(stages, maps)):
        limit = float(stack.max()) or 1.0
        for k, feature in enumerate(stack):
            ax = fig.add_subplot(grid[s, 2 + k])
            shown = _show(ax, feature, "magma", limit=limit)
            if k == 0:
                ax.set_title(title, fontsize=8, loc="left")
        _key(fig, shown, (0.945, 0.9 - (s + 1) * 0.87 / len(stages) + 0.05, 0.01,
                          0.87 / len(stages) - 0.1), "activation")
    return save_png(fig, out / f"{NAME}_feature_maps.png")


# ----- main ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    out = prepare(args)
    try:
        source, X, y = load(args)
    except (ValueError, OSError) as exc:  # a corrupt or mismatched IDX file
        fail(str(exc))
    side = X.shape[-1]
    epochs = args.epochs if args.epochs is not None else (
        2 if args.quick else 30 if args.mnist_images is None else 3)
    X_train, y_train, X_test, y_test = split(X, y)

    rows, accuracies, seconds, models = [], {}, {}, {}
    ag.manual_seed(SEED)
    mlp = nn.MLP([side * side, 64, 10], activation="relu", seed=SEED)
    seconds["mlp"] = train(mlp, X_train.reshape(len(y_train), -1), y_train, epochs)
    accuracies["mlp"] = accuracy(mlp, X_test.reshape(len(y_test), -1), y_test)
    rows.append([f"MLP {side * side}-64-10", "—", count_parameters(mlp),
                 f"{accuracies['mlp']:.2%}", f"{seconds['mlp']:.1f}s"])
    for pool, (title, _) in POOLS.items():
        ag.manual_seed(SEED)  # the same initial convolution weights for every pooling
        model = build_cnn(pool, side)
        seconds[pool] = train(model, X_train, y_train, epochs)
        accuracies[pool] = accuracy(model, X_test, y_test)
        models[pool] = model
        rows.append(["CNN", title, count_parameters(model), f"{accuracies[pool]:.2%}",
                     f"{seconds[pool]:.1f}s"])

    print(f"{source}: {len(y_train)} training and {len(y_test)} test images; {epochs} epochs "
          f"each, Adam lr {LEARNING_RATE:g} (cosine), batches of {BATCH}\n")
    print_table(["model", "pooling", "parameters", "test accuracy", "training time"], rows,
                suffixes="%s")
    best = max(POOLS, key=lambda p: accuracies[p])
    print(f"\nbest pooling: {POOLS[best][0]} ({accuracies[best]:.2%}, MLP "
          f"{accuracies['mlp']:.2%})")

    digit = int(np.flatnonzero(y_test == 5)[0]) if (y_test == 5).any() else 0
    files = [plot_filters(models, out),
             plot_feature_maps(models["max"], X_test[digit], int(y_test[digit]), out)]
    print(f"wrote {', '.join(str(f) for f in files)}")
    return {
        "dataset": source,
        "epochs": epochs,
        "train_size": len(y_train),
        "test_size": len(y_test),
        "test_accuracy": accuracies,
        "train_seconds": seconds,
        "parameters": {"mlp": count_parameters(mlp),
                       **{p: count_parameters(m) for p, m in models.items()}},
        "best_pooling": best,
        "files": files,
    }


if __name__ == "__main__":
    main()
