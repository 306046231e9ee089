"""`random_split`, `Subset`, `Dataset`, the DataLoader arguments PyTorch scripts pass, and
seedless shuffling that follows `ag.manual_seed` (as PyTorch's follows `torch.manual_seed`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import autograd_lite as ag
import nn
from nn.data import DataLoader, Dataset, Subset, TensorDataset, random_split

X = np.arange(20, dtype=np.float32).reshape(10, 2)
Y = np.arange(10)


def epoch_order(loader):
    return np.concatenate([yb.numpy() for _, yb in loader])


def test_seedless_shuffle_follows_manual_seed():
    loader = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True)
    ag.manual_seed(0)
    first = [epoch_order(loader), epoch_order(loader)]
    ag.manual_seed(0)
    again = [epoch_order(loader), epoch_order(loader)]
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], first[1])  # a new order every epoch
    assert sorted(first[0]) == list(range(10))
    ag.manual_seed(1)
    assert not np.array_equal(epoch_order(loader), first[0])


def test_two_runs_of_a_seeded_script_shuffle_identically(tmp_path):
    script = tmp_path / "shuffle.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import autograd_lite as ag
        from nn.data import DataLoader, TensorDataset
        ag.manual_seed(0)
        loader = DataLoader(TensorDataset(np.arange(50)), batch_size=50, shuffle=True)
        print([int(v) for (batch,) in loader for v in batch.numpy()][:10])
    """))
    runs = [subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].startswith("[")


def test_torch_loader_arguments_are_accepted_and_checked_like_torch():
    dataset = TensorDataset(X, Y)
    loader = DataLoader(dataset, batch_size=4, shuffle=False, num_workers=2, pin_memory=True,
                        persistent_workers=True, prefetch_factor=2)
    batches = list(loader)
    assert len(batches) == 3 and batches[0][1].numpy().tolist() == [0, 1, 2, 3]
    for kwargs, message in [
        ({"num_workers": -1}, "num_workers option should be non-negative"),
        ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
        ({"prefetch_factor": 2}, "prefetch_factor option could only be specified in "
                                 "multiprocessing"),
    ]:
        with pytest.raises(ValueError, match=message):
            DataLoader(dataset, **kwargs)
        with pytest.raises(ValueError, match=message):
            tdata.DataLoader(tdata.TensorDataset(torch.tensor(X)), **kwargs)


def test_collate_fn_and_custom_dataset():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.float64(i * i), i

    loader = DataLoader(Squares(), batch_size=2, collate_fn=lambda samples: samples)
    assert next(iter(loader)) == [(0.0, 0), (1.0, 1)]
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        Dataset()[0]


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.25, 0.25, 0.5], [1 / 3] * 3])
def test_random_split_sizes_match_torch_and_cover_the_data(lengths):
    ours = random_split(TensorDataset(X, Y), lengths, generator=np.random.default_rng(0))
    theirs = tdata.random_split(tdata.TensorDataset(torch.tensor(Y)), lengths,
                                generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert all(isinstance(s, Subset) for s in ours)
    seen = np.concatenate([np.array([s[i][1].item() for i in range(len(s))]) for s in ours])
    assert sorted(seen) == list(range(10))


def test_random_split_follows_generator_and_default_seed_and_errors():
    dataset = TensorDataset(X, Y)
    a = random_split(dataset, [5, 5], generator=np.random.default_rng(3))
    b = random_split(dataset, [5, 5], generator=np.random.default_rng(3))
    assert a[0].indices == b[0].indices
    ag.manual_seed(4)
    c = random_split(dataset, [0.5, 0.5])
    ag.manual_seed(4)
    assert random_split(dataset, [0.5, 0.5])[0].indices == c[0].indices
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length"):
        random_split(dataset, [3, 3])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(TensorDataset(X[:2]), [0.9, 0.1])


def test_loader_over_subsets_batches_the_right_rows():
    train, _ = random_split(TensorDataset(X, Y), [0.6, 0.4],
                            generator=np.random.default_rng(1))
    loader = DataLoader(train, batch_size=4)
    xs, ys = zip(*loader)
    labels = np.concatenate([y.numpy() for y in ys])
    assert labels.tolist() == [int(i) for i in train.indices]
    np.testing.assert_array_equal(np.concatenate([x.numpy() for x in xs]), X[labels])
    assert isinstance(nn.data.Subset(train, [0, 1])[1][0], ag.Tensor)
