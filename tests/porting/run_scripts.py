"""Run corpus scripts in one process, each in a fresh namespace, and print their outputs as JSON.

    python run_scripts.py torch SCRIPT...     # as written, on PyTorch
    python run_scripts.py ported SCRIPT...    # imports rewritten by nn.porting, on autograd_lite

One process for all scripts, because importing torch costs seconds; the global state a script
may change (the default dtype) is reset before each.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import traceback
from pathlib import Path


def reset(library: str) -> None:
    if library == "torch":
        import torch

        torch.set_default_dtype(torch.float32)
    else:
        import numpy as np

        import autograd_lite as ag

        ag.set_default_dtype(np.float32)


def run(library: str, path: Path) -> dict:
    source = path.read_text(encoding="utf-8")
    if library == "ported":
        from nn.porting import port_source

        source = port_source(source)
    reset(library)
    stdout = io.StringIO()
    error = None
    cwd = os.getcwd()
    try:
        with contextlib.redirect_stdout(stdout):
            namespace = {"__name__": "__main__", "__file__": str(path)}
            exec(compile(source, str(path), "exec"), namespace)
    except BaseException:  # noqa: BLE001 - the test reports whatever the script raised
        error = traceback.format_exc(limit=-3)
    finally:
        os.chdir(cwd)
    return {"stdout": stdout.getvalue(), "error": error}


if __name__ == "__main__":
    library, *scripts = sys.argv[1:]
    if library == "torch":
        import torch

        torch.set_num_threads(1)
    results = {Path(s).stem: run(library, Path(s)) for s in scripts}
    sys.stdout.write(json.dumps(results))
