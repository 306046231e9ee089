"""``python -m autograd_lite``: the same command line as ``autograd-lite``."""

from autograd_lite.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
