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
