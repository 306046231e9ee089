"""`fit`: the training loop every example writes, once, with a progress bar and a history.

    history = nn.fit(model, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters()),
                     train_loader, epochs=10, val_loader=val_loader)
    history["val_accuracy"][-1]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
from tqdm import tqdm

import autograd_lite as ag

from .module import Module

__all__ = ["evaluate", "fit"]


def _tensor(value: Any, device: Any = None) -> ag.Tensor:
    """A batch as a Tensor on `device` (None: where it is)."""
    tensor = value if isinstance(value, ag.Tensor) else ag.as_tensor(value)
    return tensor if device is None else tensor.to(device)


def _model_device(model: Module, device: Any) -> Any:
    """Where the batches go: `device` if given, else where the model's parameters are (None
    for a model without parameters: the batches stay where they are)."""
    if device is not None:
        return device
    for param in model.parameters():
        return param.device
    return None


def _is_class_index(output: ag.Tensor, target: ag.Tensor) -> bool:
    """Whether `target` holds class indices for `output` (N, C, ...): ints, one dim fewer."""
    return (target.array.dtype.kind in "iu" and output.ndim >= 2
            and target.shape == output.shape[:1] + output.shape[2:])


class _Tally:
    """Running, sample-weighted loss and accuracy over one pass."""

    def __init__(self) -> None:
        self.loss = 0.0
        self.samples = 0
        self.correct = 0
        self.counted = 0  # samples whose accuracy could be measured

    def add(self, loss: float, output: ag.Tensor, target: ag.Tensor) -> None:
        n = len(target) if target.ndim else 1
        self.loss += loss * n
        self.samples += n
        if _is_class_index(output, target):
            predicted = np.argmax(output.array, axis=1)
            self.correct += int(np.sum(predicted == target.array))
            self.counted += target.array.size

    @property
    def mean_loss(self) -> float:
        return self.loss / self.samples if self.samples else float("nan")

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.counted if self.counted else None


def _step(model: Module, loss_fn: Any, optimizer: Any, x: ag.Tensor, y: ag.Tensor) -> tuple:
    """One optimisation step on a batch; returns (loss value, output before the step)."""
    if getattr(optimizer, "uses_gradients", True):
        optimizer.zero_grad()
        output = model(x)
        loss = loss_fn(output, y)
        loss.backward()
        optimizer.step()
        return loss.item(), output.detach()
    with ag.no_grad():  # gradient-free: the optimiser evaluates the loss itself
        output = model(x)
        loss = loss_fn(output, y).item()
        optimizer.step(lambda: loss_fn(model(x), y))
    return loss, output


def evaluate(model: Module, loss_fn: Any, loader: Iterable[Any], *, device: Any = None
             ) -> dict[str, float]:
    """Mean loss (and accuracy, for class-index targets) of `model` over `loader`, in eval
    mode without recording a graph; the model's training flag is restored afterwards. Each
    batch is moved to `device` (default: the device of the model's parameters).

    >>> nn.evaluate(model, nn.CrossEntropyLoss(), [(x, y)])
    {'loss': 0.0213, 'accuracy': 1.0}
    """
    was_training = model.training
    model.eval()
    tally = _Tally()
    device = _model_device(model, device)
    try:
        with ag.no_grad():
            for x, y in loader:
                x, y = _tensor(x, device), _tensor(y, device)
                output = model(x)
                tally.add(loss_fn(output, y).item(), output, y)
    finally:
        model.train(was_training)
    result = {"loss": tally.mean_loss}
    if tally.accuracy is not None:
        result["accuracy"] = tally.accuracy
    return result


def fit(model: Module, loss_fn: Any, optimizer: Any, train_loader: Iterable[Any],
        epochs: int, val_loader: Iterable[Any] | None = None, progress: bool = True,
        scheduler: Any = None, *, device: Any = None) -> dict[str, list[float]]:
    """Train `model` for `epochs` passes over `train_loader` (any re-iterable of `(x, y)`
    batches: a DataLoader or a list) and return the history, a dict of per-epoch lists:
    `loss` (mean training loss, weighted by batch size), `accuracy` (when targets are class
    indices; measured on the batches as they were trained), `val_loss` and `val_accuracy`
    (with `val_loader`, in eval mode), and `time` (seconds per epoch).

    Gradient-free optimisers (`RandomSearch`, `Evolution`) are driven through
    `step(closure)`. A `scheduler` is stepped after every epoch. Each batch is moved to
    `device` (default: the device of the model's parameters), so a loader of CPU batches
    trains a model on the GPU. The tqdm progress bar is shown only when `progress` is true
    and standard output is a terminal.

    >>> history = nn.fit(model, nn.CrossEntropyLoss(), opt, [(x, y)], epochs=100,
    ...                  progress=False)
    >>> history["accuracy"][-1]
    1.0
    """
    if int(epochs) < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs}")
    show = bool(progress) and sys.stdout.isatty()
    history: dict[str, list[float]] = {"loss": []}
    device = _model_device(model, device)
    for epoch in range(int(epochs)):
        start = time.perf_counter()
        model.train()
        tally = _Tally()
        total = len(train_loader) if hasattr(train_loader, "__len__") else None
        bar = tqdm(train_loader, total=total, desc=f"epoch {epoch + 1}/{epochs}",
                   disable=not show, file=sys.stdout, leave=True, dynamic_ncols=True)
        for x, y in bar:
            x, y = _tensor(x, device), _tensor(y, device)
            loss, output = _step(model, loss_fn, optimizer, x, y)
            tally.add(loss, output, y)
            bar.set_postfix(loss=f"{tally.mean_loss:.4f}", refresh=False)
        if tally.samples == 0:
            raise ValueError(
                f"fit: train_loader yielded no batches in epoch {epoch + 1}; pass a "
                "re-iterable of (x, y) batches (a DataLoader or a list), not a generator")
        record = {"loss": tally.mean_loss, "accuracy": tally.accuracy}
        if val_loader is not None:
            scores = evaluate(model, loss_fn, val_loader, device=device)
            record["val_loss"] = scores["loss"]
            record["val_accuracy"] = scores.get("accuracy")
        if scheduler is not None:
            scheduler.step()
        record["time"] = time.perf_counter() - start
        for key, value in record.items():
            if value is not None:
                history.setdefault(key, []).append(value)
        bar.set_postfix({k: f"{v:.4f}" for k, v in record.items() if v is not None and k
                         != "time"})
        bar.close()
    return history
