"""nn: a thin neural-network package on top of autograd_lite's public API."""
