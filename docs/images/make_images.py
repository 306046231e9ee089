"""Make the pictures in docs/images with autograd_lite: ``python docs/images/make_images.py``.

- km_graph.svg: the chain-rule example x = 3k + 8m, y = 5m + 2, z = xy at k = 1, m = 3,
  after backward;
- km_explain.txt: `ag.explain` of the same graph;
- mlp_backward.svg: a 2-3-1 MLP from raw tensors with the gradient flow drawn back, top to
  bottom so that it reads at page width;
- page_km.png, page_mlp.png: screenshots of the interactive pages, made by
  ``AGL_UPDATE_SCREENSHOTS=1 python -m pytest tests/test_page_browser.py``.
"""

from pathlib import Path

import numpy as np

import autograd_lite as ag

HERE = Path(__file__).resolve().parent


def km() -> tuple[ag.Tensor, dict[str, ag.Tensor]]:
    """The source material's example, with every tensor named."""
    k = ag.tensor(1.0, requires_grad=True)
    m = ag.tensor(3.0, requires_grad=True)
    x = 3 * k + 8 * m
    y = 5 * m + 2
    z = x * y
    return z, {"k": k, "m": m, "x": x, "y": y, "z": z}


def mlp() -> tuple[ag.Tensor, dict[str, ag.Tensor]]:
    """One sample through Linear(2, 3), ReLU, Linear(3, 1), squared error: PyTorch's names."""
    rng = np.random.default_rng(7)
    x = ag.tensor([[0.5, -1.0]])
    target = ag.tensor([[1.0]])
    params = {"0.weight": ag.tensor(rng.normal(0, 0.7, (3, 2)).astype(np.float32),
                                    requires_grad=True),
              "0.bias": ag.tensor([0.1, 0.0, -0.1], requires_grad=True),
              "2.weight": ag.tensor(rng.normal(0, 0.6, (1, 3)).astype(np.float32),
                                    requires_grad=True),
              "2.bias": ag.tensor([0.05], requires_grad=True)}
    hidden = (x @ params["0.weight"].T + params["0.bias"]).relu()
    out = hidden @ params["2.weight"].T + params["2.bias"]
    loss = ((out - target) ** 2).mean()
    return loss, {"x": x, "target": target, **params, "hidden": hidden, "out": out,
                  "loss": loss}


def main() -> None:
    z, names = km()
    z.backward()
    ag.save_graph(z, HERE / "km_graph.svg", params=names)
    (HERE / "km_explain.txt").write_text(str(ag.explain(z, params=names)) + "\n")
    loss, names = mlp()
    loss.backward()
    # top to bottom: the layers stack down the page, which keeps it readable at page width
    ag.save_graph(loss, HERE / "mlp_backward.svg", params=names, show_backward=True,
                  rankdir="TB")


if __name__ == "__main__":
    main()
