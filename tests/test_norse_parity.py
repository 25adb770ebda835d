"""Every row of validation/norse_parity.py must meet its expectation."""

import numpy as np
import pytest

pytest.importorskip("torch", reason="torch is needed for Norse parity")
pytest.importorskip("norse", reason="norse is needed for Norse parity")

from validation import norse_parity  # noqa: E402

pytestmark = pytest.mark.norse
MODULE_ROWS = "validation.parity_modules"
CASES = norse_parity.cases([m for m in norse_parity.EXTRA_MODULES if m != MODULE_ROWS])
#: Module rows run by default; the others (every module of norse.torch) with --long.
REPRESENTATIVE_MODULES = {"LIFCell", "LIFRecurrent", "CobaLIFCell",
                          "network[Linear, LIFCell, Linear, LIFRecurrentCell, Linear, LICell]"}


def _ids(cases):
    return [f"{c.label}-{c.variant}-{c.dtype}" for c in cases]


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_parity_row(case):
    r = case.run()
    assert r.ok, r.summary()


MODULE_CASES = norse_parity.cases([MODULE_ROWS])


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=() if c.label in REPRESENTATIVE_MODULES else pytest.mark.long)
    for c in MODULE_CASES], ids=_ids(MODULE_CASES))
def test_module_parity_row(case):
    r = case.run()
    assert r.ok, r.summary()


def test_ulp_distance_counts_representable_steps():
    a = np.array([1.0, -0.0, np.nan], np.float32)
    b = np.array([np.nextafter(np.float32(1), np.float32(2)), 0.0, np.nan], np.float32)
    assert norse_parity.ulp_distance(a, b) == 1
    assert norse_parity.ulp_distance(a[:1], np.float32([np.inf])) > 10**6


def test_floored_ulp_error_counts_ulp_of_one_below_one():
    small, big = np.float32([1e-3]), np.float32([4.0])
    shifted = small + np.finfo(np.float32).eps
    assert norse_parity.floored_ulp_error(small, shifted) == pytest.approx(1, rel=1e-3)
    assert norse_parity.ulp_distance(small, shifted) > 1000
    assert norse_parity.floored_ulp_error(big, np.nextafter(big, np.float32(5))) == 1
    assert norse_parity.floored_ulp_error(np.float32([np.nan]), np.float32([1])) == np.inf


def test_compare_demands_the_same_dtypes_shapes_and_leaves():
    with pytest.raises(TypeError):
        norse_parity.compare(np.float32([1.0]), np.float64([1.0]))
    with pytest.raises(TypeError):
        norse_parity.compare(np.zeros((2, 3)), np.zeros(3))
    with pytest.raises(TypeError):
        norse_parity.compare((np.zeros(2),), (np.zeros(2), np.zeros(2)))


def test_a_lively_row_fails_when_one_run_is_silent():
    d = norse_parity.Differences()
    d.spike_rates += [0.2, 0.3]
    assert norse_parity.judge("f", "refsnn", np.float32, d, 0, lively=True).ok
    d.spike_rates.append(0.001)
    assert not norse_parity.judge("f", "refsnn", np.float32, d, 0, lively=True).ok


def test_a_deviation_row_fails_when_nothing_deviates():
    d = norse_parity.Differences()
    d.add(np.float32([1.0]), np.float32([1.0]), np.float32)
    same = norse_parity.judge("f", "compat", np.float32, d, 0)
    assert same.ok and same.expected == "identical"
    assert not norse_parity.judge("f", "refsnn", np.float32, d, 0, compat=same).ok


@pytest.mark.long  # the whole table (its rows run as tests above)
def test_the_script_runs_from_the_command_line():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "validation/norse_parity.py", "lif_feed_forward_step",
                           "poisson_encode_step"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lif_feed_forward_step" in done.stdout and "rows as expected, 0 not" in done.stdout
