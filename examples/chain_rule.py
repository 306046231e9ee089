"""The chain rule on the source material's example (article 001): x = 3k + 8m, y = 5m + 2, z = xy.

At k = 1, m = 3: z = 459, dz/dk = dz/dx * dx/dk = y * 3 = 51, and m reaches z along two paths
whose gradients add up, dz/dm = y * 8 + x * 5 = 136 + 135 = 271.

Then the article's two calculations toward the target z = 450:

1. Move k alone: dz = 450 - 459 = -9, dk = dz / (dz/dk) = -0.1765, k1 = 0.8235. z is linear in
   k, so the step lands on 450 exactly; the article's 449.9985 comes from rounding k1 to 0.8235.
2. Move k and m together, each responsible for half of the change (W_k = W_m = 0.5):
   dk = dz * W_k / (dz/dk), dm = dz * W_m / (dz/dm), repeated until |z - 450| < 1e-6.
   z is not linear in m, so one step is not enough: the derivative only holds near the point.

Run:  python examples/chain_rule.py [--quick] [--out DIR]
"""

from __future__ import annotations

from _common import parse_args, prepare, print_table

import autograd_lite as ag

NAME = "chain_rule"
TARGET = 450.0
TOLERANCE = 1e-6


def forward(k0: float, m0: float):
    """Build the graph at (k0, m0) in float64; return the leaves k, m and the nodes x, y, z."""
    k = ag.tensor(k0, dtype=ag.float64, requires_grad=True)
    m = ag.tensor(m0, dtype=ag.float64, requires_grad=True)
    x = 3 * k + 8 * m
    y = 5 * m + 2
    z = x * y
    return k, m, x, y, z


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(__doc__, NAME, "small sizes (the same here)", argv)
    out = prepare(args)

    # The derivatives at k = 1, m = 3, and the graph they come from.
    k, m, x, y, z = forward(1.0, 3.0)
    x.retain_grad()
    y.retain_grad()
    z.backward()
    z0, dz_dk, dz_dm = z.item(), k.grad.item(), m.grad.item()
    print("x = 3k + 8m, y = 5m + 2, z = xy at k = 1, m = 3\n")
    print_table(
        ["quantity", "value", "by hand"],
        [
            ["x", f"{x.item():g}", "3*1 + 8*3 = 27"],
            ["y", f"{y.item():g}", "5*3 + 2 = 17"],
            ["z", f"{z0:g}", "27*17 = 459"],
            ["dz/dx", f"{x.grad.item():g}", "y = 17"],
            ["dz/dy", f"{y.grad.item():g}", "x = 27"],
            ["dz/dk", f"{dz_dk:g}", "dz/dx * dx/dk = 17*3 = 51"],
            ["dz/dm", f"{dz_dm:g}", "17*8 + 27*5 = 136 + 135 = 271"],
        ],
    )
    names = {"k": k, "m": m, "x": x, "y": y, "z": z}
    graph_file = out / "km_graph.svg"
    ag.save_graph(z, graph_file, params=names)
    print()
    print(ag.explain(z, params=names))

    # Calc 1: move k alone by dk = dz / (dz/dk).
    k1 = 1.0 + (TARGET - z0) / dz_dk
    z1 = forward(k1, 3.0)[-1].item()
    k1_rounded = round(k1, 4)
    z1_rounded = forward(k1_rounded, 3.0)[-1].item()
    print(f"\nCalc 1: move k alone toward z = {TARGET:g}: dk = ({TARGET:g} - {z0:g}) / {dz_dk:g}\n")
    print_table(
        ["k", "z"],
        [[f"{k1:.10f}", f"{z1:.10f}"], [f"{k1_rounded:.4f}", f"{z1_rounded:.4f}"]],
    )

    # Calc 2: move k and m together, each carrying half of the change.
    w_k = w_m = 0.5
    kv, mv = 1.0, 3.0
    steps = []
    while True:
        k, m, x, y, z = forward(kv, mv)
        z.backward()
        steps.append((kv, mv, z.item(), k.grad.item(), m.grad.item()))
        dz = TARGET - z.item()
        if abs(dz) < TOLERANCE:
            break
        kv += dz * w_k / k.grad.item()
        mv += dz * w_m / m.grad.item()
    print(f"\nCalc 2: move k and m together (W_k = W_m = {w_k}) until |z - {TARGET:g}| < "
          f"{TOLERANCE:g}\n")
    print_table(
        ["step", "k", "m", "z", "z - 450", "dz/dk", "dz/dm"],
        [
            [i, f"{s[0]:.8f}", f"{s[1]:.8f}", f"{s[2]:.8f}", f"{s[2] - TARGET:+.2e}",
             f"{s[3]:.4f}", f"{s[4]:.4f}"]
            for i, s in enumerate(steps)
        ],
    )
    print(f"\nwrote {out}/")
    return {
        "z": z0,
        "dz_dk": dz_dk,
        "dz_dm": dz_dm,
        "k1": k1,
        "z1": z1,
        "k1_rounded": k1_rounded,
        "z1_rounded": z1_rounded,
        "steps": [(s[0], s[1], s[2]) for s in steps],
        "k_final": steps[-1][0],
        "m_final": steps[-1][1],
        "z_final": steps[-1][2],
        "files": [graph_file],
    }


if __name__ == "__main__":
    main()
