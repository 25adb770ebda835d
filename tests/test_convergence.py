"""Forward Euler converges at first order to the documented ODE of every family."""

import numpy as np
import pytest

from refsnn import MODELS, simulate
from refsnn.functional import iaf
from validation import convergence


def test_every_family_with_dynamics_is_covered():
    covered = {case.model for case in convergence.CASES}
    assert covered == set(MODELS) - {"iaf"}


@pytest.mark.parametrize("case", convergence.CASES, ids=[c.model for c in convergence.CASES])
def test_first_order_convergence(case):
    e = convergence.errors(case)
    ratios = [e[k] / e[k + 1] for k in range(len(e) - 1)]
    assert e[-1] < 1e-3 * max(1.0, np.max(np.abs(case.y0)))
    assert all(1.8 < r < 2.2 for r in ratios), (e, ratios)


def test_iaf_is_a_pure_accumulator_independent_of_dt():
    x = np.full((10, 3), 0.05, np.float64)
    state = iaf.IAFFeedForwardState(np.zeros(3))
    _, fine = simulate("iaf", x, state=state, dt=1e-5)
    _, coarse = simulate("iaf", x, state=state, dt=1e-1)
    np.testing.assert_array_equal(fine.v, coarse.v)
    np.testing.assert_allclose(fine.v, 0.5)


@pytest.mark.long  # the script end to end (the convergence itself is tested above)
def test_the_script_prints_the_table():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "validation/convergence.py"], cwd=root,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "izhikevich" in done.stdout and "FAIL" not in done.stdout
