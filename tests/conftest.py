"""Hypothesis profiles for the whole suite: "ci" (derandomized, so a CI run is reproducible)
when the CI environment variable is set, else "dev" (random, same size). Select another with
`pytest --hypothesis-profile=<name>`."""

import os

from hypothesis import HealthCheck, settings

# Each example of an op test runs a finite-difference Jacobian, so a few dozen examples per
# property is what keeps the op suite around a minute on two cores.
_COMMON = dict(
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

settings.register_profile("ci", derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("dev", **_COMMON)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


# ----- devices: "cuda" played by a CuPy stand-in (tests/device_arrays.py) on machines without
# a GPU; the real CuPy runs in tests/test_gpu.py (`pytest -m gpu`).
import pytest  # noqa: E402


@pytest.fixture
def standin_cuda():
    """The CuPy stand-in registered as the "cuda" backend for one test."""
    import device_arrays
    device_arrays.install()
    yield "cuda"
    device_arrays.uninstall()


@pytest.fixture(params=["cpu", "cuda"], ids=["cpu", "standin-cuda"])
def device(request):
    """Each test twice: on the CPU (NumPy) and on "cuda" played by the CuPy stand-in."""
    if request.param == "cpu":
        yield "cpu"
    else:
        yield request.getfixturevalue("standin_cuda")
