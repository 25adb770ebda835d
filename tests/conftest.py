"""Test configuration.

* The repository root goes on ``sys.path`` so tests can import ``validation``.
* ``REFSNN_REQUIRE_NORSE=1`` (set by CI) turns every test skipped for lack of
  torch/Norse into a failure, so the parity suite cannot silently vanish;
  likewise ``REFSNN_REQUIRE_NVRTC=1`` (CI) for the tests marked ``nvrtc`` and
  ``REFSNN_REQUIRE_CUDA=1`` (the GPU check) for those marked ``gpu``,
  ``REFSNN_REQUIRE_PLOT=1`` (CI) for ``plot`` and ``REFSNN_REQUIRE_SPIKINGJELLY=1``
  (CI) for ``spikingjelly``; with ``REFSNN_REQUIRE_NIR=1`` (CI), ``..._PLOT`` or
  ``..._SPIKINGJELLY`` the run stops at once if nir, matplotlib or SpikingJelly
  does not import.
* Hypothesis profiles: ``ci`` (default, fast) and ``thorough``
  (``--hypothesis-profile=thorough``).
* Tests marked ``long`` run only with ``--long`` (CI runs them after the
  main suite): exhaustive variants of checks whose representative cases run
  by default.
"""

import importlib
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

settings.register_profile("ci", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REQUIRE_NORSE = os.environ.get("REFSNN_REQUIRE_NORSE") == "1"
#: Marker -> the variable that makes its skips failures.
REQUIRED_MARKERS = {"nvrtc": "REFSNN_REQUIRE_NVRTC", "gpu": "REFSNN_REQUIRE_CUDA",
                    "plot": "REFSNN_REQUIRE_PLOT",
                    "spikingjelly": "REFSNN_REQUIRE_SPIKINGJELLY"}
#: Variable -> a module that must import when it is set (a test module that
#: skips itself at collection, ``pytest.importorskip``, cannot vanish either).
REQUIRED_IMPORTS = {"REFSNN_REQUIRE_NIR": "nir", "REFSNN_REQUIRE_PLOT": "matplotlib",
                    "REFSNN_REQUIRE_SPIKINGJELLY": "spikingjelly"}


def pytest_configure(config):
    for variable, name in REQUIRED_IMPORTS.items():
        if os.environ.get(variable) == "1":
            try:
                importlib.import_module(name)
            except ImportError as exc:
                raise pytest.UsageError(f"{variable}=1 but {name} does not import: {exc}") from exc


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped:
        return
    reason = str(report.longrepr).lower()
    if "long: run with --long" in reason:
        return
    if REQUIRE_NORSE and ("norse" in reason or "torch" in reason):
        report.outcome = "failed"
        report.longrepr = f"REFSNN_REQUIRE_NORSE=1 but this test was skipped: {reason}"
    for marker, variable in REQUIRED_MARKERS.items():
        if os.environ.get(variable) == "1" and marker in item.keywords:
            report.outcome = "failed"
            report.longrepr = f"{variable}=1 but this test was skipped: {reason}"


@pytest.fixture
def allow_nonfinite():
    """Let NaN and infinity through (``refsnn.options(nonfinite="ignore")``) for one test."""
    import refsnn

    with refsnn.options(nonfinite="ignore"):
        yield


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", help="also run the tests marked long")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--long"):
        return
    skip = pytest.mark.skip(reason="long: run with --long")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)
