"""The README's Python examples run as written, in order, and print what they say."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), re.S | re.M)


def test_every_python_block_of_the_readme_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)           # the tour writes km.svg and checkpoint.safetensors
    namespace: dict = {}
    blocks = python_blocks()
    assert len(blocks) >= 6
    for number, block in enumerate(blocks):
        try:
            exec(compile(block, f"README.md python block {number}", "exec"), namespace)
        except Exception as e:  # pragma: no cover - the message names the block
            raise AssertionError(f"README python block {number} fails: {e!r}\n{block}") from e
    ag = namespace["ag"]
    # the numbers the tour states
    assert (namespace["z"].item(), namespace["k"].grad.item(), namespace["m"].grad.item()) \
        == (459.0, 51.0, 271.0)
    value, (dk, dm) = ag.value_and_grad(namespace["f"], argnums=(0, 1))(1.0, 3.0)
    assert (value.item(), dk.item(), dm.item()) == (459.0, 51.0, 271.0)
    np.testing.assert_array_equal(
        ag.hessian(lambda v: namespace["f"](v[0], v[1]))(ag.tensor([1.0, 3.0])).numpy(),
        [[0.0, 15.0], [15.0, 80.0]])
    assert ag.jacobian(namespace["g"])(namespace["w"]).shape == (2, 2)
    assert (tmp_path / "km.svg").stat().st_size > 1000
    assert (tmp_path / "checkpoint.safetensors").stat().st_size > 1000
