"""LIF f–I curve against the analytic rate of the leaky integrator (validation/gallery_fi.py)."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from validation import gallery_fi as fi

#: Bounds on the error ratio when dt halves (first order: 2, blurred by whole-step intervals).
HALVING = (1.4, 2.8)


def test_analytic_rate_is_the_odes_first_passage_time():
    """r(I) from the formula equals 1 / (time to threshold) of a tight ODE solution."""
    p = fi.P
    tau = 1.0 / p.tau_mem_inv
    for current in (0.95, 1.5, 4.0):
        crossing = lambda t, v: v[0] - p.v_th  # noqa: E731
        crossing.terminal = True
        sol = solve_ivp(lambda t, v: [(p.v_leak - v[0] + current) / tau], (0.0, 1.0),
                        [p.v_reset], events=crossing, rtol=1e-12, atol=1e-12)
        assert fi.analytic_rate([current])[0] == pytest.approx(1.0 / sol.t_events[0][0], rel=1e-9)
    assert np.all(fi.analytic_rate([0.5, 0.9]) == 0.0)  # V_inf <= v_th: silent


@pytest.mark.parametrize("dt", [1e-3, 5e-4])
def test_spike_counts_equal_the_discrete_time_prediction(dt):
    """Every interval is a whole number of steps: the counts are predicted exactly."""
    s = fi.sweep(dt, window=0.25, transient=37, backend="numpy")
    assert np.array_equal(s.rates, s.predicted)
    assert np.all(s.rates > 0)


def test_discrete_rate_error_shrinks_first_order():
    """The model's rate 1 / (n dt) approaches r(I) with an error proportional to dt."""
    analytic = fi.analytic_rate(fi.CURRENTS)
    errors = []
    for dt in fi.DTS:
        rate = 1.0 / (fi.steps_to_spike(fi.CURRENTS, fi.P.v_reset, dt) * dt)
        error = np.abs(rate - analytic) / analytic
        errors.append((error.max(), error.mean()))
        assert np.all(rate <= analytic * (1 + dt * fi.P.tau_mem_inv))
    _check_first_order(np.array(errors))


def _check_first_order(errors):
    ratios = errors[:-1] / errors[1:]
    assert np.all((ratios > HALVING[0]) & (ratios < HALVING[1])), ratios
    total = errors[0] / errors[-1]  # dt shrinks 8-fold
    assert np.all((total > 5) & (total < 12)), total


@pytest.mark.long
def test_fused_sweep_error_shrinks_first_order():
    sweeps = [fi.sweep(dt) for dt in fi.DTS]
    for s in sweeps:
        assert np.array_equal(s.rates, s.predicted), s.dt
    _check_first_order(np.array(fi.error_table(sweeps))[:, 1:3])


@pytest.mark.long
@pytest.mark.plot
def test_figure(tmp_path):
    pytest.importorskip("matplotlib", reason="plot: needs matplotlib")
    sweeps = [fi.sweep(dt, window=0.5, backend="numpy") for dt in fi.DTS[:2]]
    fi.plot(sweeps, tmp_path / "gallery_fi.png")
    assert (tmp_path / "gallery_fi.png").stat().st_size > 10_000
