"""nn.fit, and the XOR story: one hidden layer learns it, a single linear layer cannot."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd_lite as ag
import nn

XOR_X = ag.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = ag.tensor([0, 1, 1, 0])


@pytest.mark.parametrize("seed", range(10))
def test_one_hidden_layer_learns_xor(seed):
    model = nn.MLP([2, 8, 2], seed=seed)
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, [(XOR_X, XOR_Y)], epochs=300,
                     progress=False)
    assert history["accuracy"][-1] == 1.0
    assert history["loss"][-1] < 0.05
    predictions = model(XOR_X).array.argmax(axis=1)
    np.testing.assert_array_equal(predictions, XOR_Y.array)


def test_a_perceptron_cannot_learn_xor():
    """A single linear layer separates the plane by a line, and no line puts (0,1), (1,0) on
    one side and (0,0), (1,1) on the other: at most 3 of the 4 points are right."""
    best = 0.0
    for seed in range(3):
        model = nn.Linear(2, 2, seed=seed)
        opt = nn.optim.Adam(model.parameters(), lr=0.05)
        history = nn.fit(model, nn.CrossEntropyLoss(), opt, [(XOR_X, XOR_Y)], epochs=300,
                         progress=False)
        best = max(best, *history["accuracy"])
    assert best <= 0.75
    # and no linear classifier at all: class 1 iff w.x + b > 0, over a grid of lines
    points, labels = XOR_X.array.astype(np.float64), XOR_Y.array
    grid = np.linspace(-2, 2, 21)
    for w1, w2, b in itertools.product(grid, grid, grid):
        accuracy = np.mean((points @ np.array([w1, w2]) + b > 0) == labels)
        assert accuracy <= 0.75


def test_fit_history_with_validation_and_scheduler():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype(np.float32)
    y = (x[:, 0] > x[:, 1]).astype(np.int64)
    batches = [(ag.tensor(x[i:i + 16]), ag.tensor(y[i:i + 16])) for i in range(0, 64, 16)]
    model = nn.MLP([2, 8, 2], seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=0.5)
    sched = nn.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, batches, epochs=4,
                     val_loader=batches[:2], progress=False, scheduler=sched)
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "time"}
    assert all(len(values) == 4 for values in history.values())
    assert history["loss"][-1] < history["loss"][0]
    assert all(0.0 <= a <= 1.0 for a in history["accuracy"] + history["val_accuracy"])
    assert all(t > 0 for t in history["time"])
    assert opt.param_groups[0]["lr"] == 0.125
    assert model.training  # evaluation restored the mode


def test_fit_regression_has_no_accuracy_and_accepts_numpy_batches():
    x = np.linspace(-1, 1, 20, dtype=np.float32).reshape(-1, 1)
    model = nn.Linear(1, 1, seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=0.3)
    history = nn.fit(model, nn.MSELoss(), opt, [(x, 3 * x - 1)], epochs=60, progress=False)
    assert set(history) == {"loss", "time"}
    assert history["loss"][-1] < 1e-3


def test_fit_with_a_gradient_free_optimiser():
    model = nn.MLP([2, 4, 2], seed=0)
    opt = nn.optim.Evolution(model.parameters(), population=10, std=0.3, seed=0)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, [(XOR_X, XOR_Y)], epochs=30,
                     progress=False)
    assert history["loss"][-1] < history["loss"][0]
    assert all(p.grad is None for p in model.parameters())


def test_fit_rejects_an_exhausted_generator():
    model = nn.Linear(2, 2)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    batches = ((XOR_X, XOR_Y) for _ in range(1))
    with pytest.raises(ValueError, match="no batches in epoch 2"):
        nn.fit(model, nn.CrossEntropyLoss(), opt, batches, epochs=2, progress=False)


def test_progress_bar_is_off_when_stdout_is_not_a_terminal(capsys):
    model = nn.Linear(2, 2)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    nn.fit(model, nn.CrossEntropyLoss(), opt, [(XOR_X, XOR_Y)], epochs=2, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_evaluate():
    model = nn.MLP([2, 8, 2], seed=0)
    scores = nn.evaluate(model, nn.CrossEntropyLoss(), [(XOR_X, XOR_Y)])
    assert set(scores) == {"loss", "accuracy"} and model.training


def test_fit_with_the_data_loader():
    from nn.data import DataLoader, TensorDataset, datasets

    x, y = datasets.xor()
    loader = DataLoader(TensorDataset(x, y), batch_size=len(x))
    model = nn.MLP([x.shape[1], 8, int(y.max()) + 1], seed=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    history = nn.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=300, progress=False)
    assert history["accuracy"][-1] == 1.0
