"""An MLP on handwritten digits (articles 000 and 003): accuracy, confusion matrix, and what the
hidden units learned.

Article 000 feeds a digit to a network as a vector of pixels and reads the answer from ten
outputs, one per digit; article 003 trains such a network and draws each hidden unit's weights
as an image. Here: the bundled UCI digits (1,797 images of 8x8 pixels, scaled to [0, 1]), a
seeded 80/20 split, an MLP 64 -> 64 (ReLU) -> 10 trained with Adam on cross-entropy (softmax
outputs, article 003) in mini-batches of 32, through nn.fit.

Prints the loss and accuracy per epoch and the test set's confusion matrix. Pictures: the loss
and accuracy per epoch, and the 64 weights into each hidden unit drawn as an 8x8 image (red
positive, blue negative). As article 003 found, most look like speckle rather than strokes:
the network reads the digits through all of them together, not one detector per digit.

Run:  python examples/digits_mlp.py [--quick] [--out DIR]
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

NAME = "digits_mlp"
SEED = 0
HIDDEN = 64


def split(seed: int = SEED, train_fraction: float = 0.8):
    """The digits scaled to [0, 1], shuffled with a seed and split into train and test."""
    X, y = digits()
    X = X / 16.0
    train, test = shuffled_split(len(y), seed, train_fraction)
    return X[train], y[train], X[test], y[test]


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """Row i, column j: how many images of digit i were predicted as j."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (true, predicted), 1)
    return matrix


def plot_history(history: dict, out: Path) -> Path:
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    left.plot(epochs, history["loss"], label="train")
    left.plot(epochs, history["val_loss"], label="test")
    left.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="loss")
    right.plot(epochs, history["accuracy"], label="train")
    right.plot(epochs, history["val_accuracy"], label="test")
    right.set(xlabel="epoch", ylabel="accuracy", title="accuracy",
              ylim=(max(0.0, min(history["val_accuracy"]) - 0.05), 1.005))
    for ax in (left, right):
        ax.legend(fontsize=8)
        ax.title.set_fontsize(10)
    fig.tight_layout()
    return save_png(fig, out / "training.png")


def plot_hidden_weights(weight: np.ndarray, out: Path) -> Path:
    """Each row of the first layer's weight (hidden unit x 64 pixels) as an 8x8 image."""
    columns = 8
    rows = -(-len(weight) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.8 + 0.9, rows * 0.8))
    for ax in axes.flat:
        ax.axis("off")
    limit = float(np.abs(weight).max())  # one scale for all, so that the colour key holds
    for ax, w in zip(axes.flat, weight):
        shown = ax.imshow(w.reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.suptitle("weights into each hidden unit (red positive, blue negative)", fontsize=9)
    fig.subplots_adjust(left=0.01, right=0.86, bottom=0.01, top=0.93, wspace=0.08, hspace=0.08)
    key = fig.colorbar(shown, cax=fig.add_axes((0.89, 0.1, 0.025, 0.78)))
    key.set_label("weight", fontsize=8)
    key.ax.tick_params(labelsize=7)
    return save_png(fig, out / "hidden_weights.png")


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__, NAME, "3 epochs instead of 40", argv)
    out = prepare(args, SEED)

    X_train, y_train, X_test, y_test = split()
    train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True,
                              seed=SEED)
    test_loader = DataLoader(TensorDataset(X_test, y_test), batch_size=len(y_test))
    model = nn.MLP([64, HIDDEN, 10], activation="relu", seed=SEED)
    optimizer = nn.optim.Adam(model.parameters(), lr=2e-3)
    epochs = 3 if args.quick else 40
    history = nn.fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, epochs,
                     val_loader=test_loader, progress=False)

    print(f"MLP 64 -> {HIDDEN} (ReLU) -> 10 on the digits: {len(y_train)} training, "
          f"{len(y_test)} test images, Adam lr 2e-3, batches of 32\n")
    every = 1 if epochs <= 10 else 5
    shown = [e for e in range(epochs) if (e + 1) % every == 0 or e == 0]
    print_table(
        ["epoch", "train loss", "train acc", "test loss", "test acc"],
        [[e + 1, f"{history['loss'][e]:.4f}", f"{history['accuracy'][e]:.2%}",
          f"{history['val_loss'][e]:.4f}", f"{history['val_accuracy'][e]:.2%}"]
         for e in shown],
    )

    with ag.no_grad():
        predicted = model(ag.tensor(X_test)).numpy().argmax(axis=1)
    matrix = confusion_matrix(y_test, predicted)
    test_accuracy = float(np.trace(matrix) / matrix.sum())
    print(f"\ntest accuracy {test_accuracy:.2%}; confusion matrix (row: true digit, column: "
          "predicted):\n")
    print_table(["true"] + [str(d) for d in range(10)],
                [[d, *matrix[d]] for d in range(10)])

    files = [plot_history(history, out),
             plot_hidden_weights(model[0].weight.detach().numpy(), out)]
    print(f"\nwrote {out}/")
    return {
        "epochs": epochs,
        "train_size": len(y_train),
        "test_size": len(y_test),
        "loss": history["loss"],
        "test_accuracy": test_accuracy,
        "val_accuracy": history["val_accuracy"],
        "confusion": matrix,
        "files": files,
    }


if __name__ == "__main__":
    main()
