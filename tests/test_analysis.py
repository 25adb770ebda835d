"""refsnn.analysis: conversions, rates, interval statistics, f-I sweeps, phase portraits, plots.

Statistical checks use a fixed seed and a Bernoulli process (spike
probability p per step), the discrete-time Poisson process whose exact
values are known: geometric intervals with CV = sqrt(1 - p), binomial
counts with Fano factor 1 - p. Each tolerance is four standard errors of
the estimate (averaged over the neurons), stated next to it.
"""

from __future__ import annotations

import doctest
import sys

import numpy as np
import pytest

from refsnn import analysis
from refsnn.analysis import (
    adaptation_index,
    cv,
    fano_factor,
    fi_curve,
    firing_rate,
    isi,
    mean_rate,
    phase_portrait,
    spike_array,
    spike_indices,
    spike_times,
)
from refsnn.functional import izhikevich as izh
from refsnn.functional import lif_adex
from refsnn.functional.lif import LIFParameters

P_SPIKE, STEPS, NEURONS = 0.02, 50_000, 20


@pytest.fixture(scope="module")
def bernoulli():
    rng = np.random.default_rng(20081)
    return rng.random((STEPS, NEURONS)) < P_SPIKE


def regular(period, steps, phase=0):
    z = np.zeros(steps)
    z[phase::period] = 1
    return z


# --------------------------------------------------------------------------- conversions
def test_times_and_indices_round_trip(bernoulli):
    raster = bernoulli[:2000]
    times = spike_times(raster, dt=1e-3)
    assert len(times) == NEURONS
    assert np.array_equal(spike_array(times, 2000, NEURONS, dt=1e-3), raster)
    steps, neurons = spike_indices(raster)
    assert np.all(np.diff(steps) >= 0)
    assert np.array_equal(spike_array((steps, neurons), 2000, NEURONS), raster)
    assert len(steps) == raster.sum()
    assert all(np.array_equal(t, steps[neurons == j] * 1e-3) for j, t in enumerate(times))


def test_one_neuron_and_spike_dtypes():
    z = np.array([0.0, 1.0, 0.0, 1.0], dtype=np.float32)
    (t,) = spike_times(z, dt=0.5)
    assert np.array_equal(t, [0.5, 1.5])
    steps, neurons = spike_indices(z.astype(np.uint8))
    assert np.array_equal(steps, [1, 3]) and np.array_equal(neurons, [0, 0])
    back = spike_array([t], 4, 1, dt=0.5, dtype=np.float32)
    assert back.dtype == np.float32 and np.array_equal(back[:, 0], z)


def test_spike_times_does_not_modify_its_input():
    z = np.array([[0, 1], [1, 0]], dtype=np.float64)
    before = z.copy()
    spike_times(z)
    firing_rate(z, 1.0, kernel="gaussian", width=1.0)
    assert np.array_equal(z, before)


# --------------------------------------------------------------------------- statistics
def test_cv_of_a_bernoulli_process_is_that_of_geometric_intervals(bernoulli):
    values = cv(spike_times(bernoulli))
    n_isi = min(len(d) for d in isi(spike_times(bernoulli)))
    # Standard error of a CV near 1 from n exponential-like intervals: about 1 / sqrt(n);
    # averaged over the neurons, divided by sqrt(NEURONS).
    tolerance = 4 / np.sqrt(n_isi * NEURONS)
    assert abs(values.mean() - np.sqrt(1 - P_SPIKE)) < tolerance
    assert abs(values.mean() - 1) < tolerance + P_SPIKE  # a Poisson process: CV = 1


def test_fano_factor_of_a_bernoulli_process(bernoulli):
    window = 100
    fano = fano_factor(bernoulli, window)
    n_windows = STEPS // window
    # Standard error of a variance-to-mean ratio from n windows: about sqrt(2 / (n - 1)).
    tolerance = 4 * np.sqrt(2 / (n_windows - 1)) / np.sqrt(NEURONS)
    assert fano.shape == (NEURONS,)
    assert abs(fano.mean() - (1 - P_SPIKE)) < tolerance


def test_a_regular_train_has_zero_cv_adaptation_and_fano():
    z = regular(25, 1000, phase=3)
    (times,) = spike_times(z)
    assert cv(times) == 0.0
    assert adaptation_index(times) == 0.0
    assert fano_factor(z, 50) == 0.0
    assert cv(spike_times(z, dt=1e-4)[0]) < 1e-12  # float times: zero to rounding


def test_statistics_of_known_trains():
    times = np.array([0.0, 1.0, 3.0, 7.0])           # intervals 1, 2, 4
    assert np.array_equal(isi(times), [1.0, 2.0, 4.0])
    assert cv(times) == pytest.approx(np.std([1, 2, 4], ddof=1) / (7 / 3))
    assert adaptation_index(times) == pytest.approx((1 / 3 + 2 / 6) / 2)
    assert adaptation_index(times[::-1] * -1) == pytest.approx(-(1 / 3 + 2 / 6) / 2)
    per_neuron = cv([times, np.array([0.0, 2.0]), np.array([])])
    assert per_neuron[0] == cv(times) and np.isnan(per_neuron[1:]).all()
    assert np.isnan(cv([0.0, 1.0]))                   # one interval: NaN (documented)
    assert np.isnan(fano_factor(np.zeros(100), 10))  # no spikes
    assert np.isnan(fano_factor(np.ones(15), 10))    # one window


def test_mean_rate_and_binned_rates_of_known_trains():
    dt = 1e-3
    z = np.stack([regular(100, 1000), regular(10, 1000), np.zeros(1000)], axis=1)
    assert np.array_equal(mean_rate(z, dt), [10.0, 100.0, 0.0])
    t, r = firing_rate(z, dt, bin=0.2)
    assert np.allclose(t, [0.1, 0.3, 0.5, 0.7, 0.9])
    assert np.allclose(r, [[10.0, 100.0, 0.0]] * 5)
    burst = np.zeros(1000)
    burst[250:260] = 1                                 # 10 spikes in the second 250-step bin
    t, r = firing_rate(burst, dt, bin=0.25)
    assert np.allclose(r, [0.0, 40.0, 0.0, 0.0])
    t, r = firing_rate(np.ones(1050), dt, bin=0.1)     # the trailing partial bin is dropped
    assert r.shape == (10,)


@pytest.mark.parametrize("kernel", ["gaussian", "exponential"])
def test_kernel_rates_integrate_to_the_spike_count_and_follow_a_regular_train(kernel):
    dt, width = 1e-3, 0.01
    single = np.zeros(2001)
    single[1000] = 1
    t, r = firing_rate(single, dt, kernel=kernel, width=width)
    assert r.sum() * dt == pytest.approx(1.0, rel=1e-12)
    assert np.all(r >= 0)
    if kernel == "gaussian":
        assert np.argmax(r) == 1000 and np.allclose(r[1000 - 30], r[1000 + 30])
        assert r[1000] == pytest.approx(1 / (np.sqrt(2 * np.pi) * width), rel=1e-3)
    else:
        assert np.all(r[:1000] == 0) and np.argmax(r) == 1000    # causal
        assert r[1010] / r[1000] == pytest.approx(np.exp(-1), rel=1e-12)
    t, r = firing_rate(regular(20, 4000), dt, kernel=kernel, width=width)
    assert r[1000:3000].mean() == pytest.approx(50.0, rel=1e-3)


# --------------------------------------------------------------------------- f-I curve
def _lif_isi_steps(x, p, dt):
    """Steps between spikes of a LIF neuron whose synaptic current has settled.

    With a constant input x the current after the jump settles at
    x / (dt tau_syn_inv); from v_reset = v_leak = 0 the voltage follows
    D (1 - (1 - h)^n), D = x / (dt tau_syn_inv), h = dt tau_mem_inv, and
    crosses v_th after the first n with (1 - h)^n < 1 - v_th / D.
    """
    drive = x / (dt * p.tau_syn_inv)
    if drive <= p.v_th:
        return np.inf
    return np.floor(np.log(1 - p.v_th / drive) / np.log(1 - dt * p.tau_mem_inv)) + 1


def test_fi_curve_of_lif_matches_the_closed_form_of_the_discrete_model():
    p, dt, steps, transient = LIFParameters(), 1e-3, 2000, 300
    currents = np.array([0.1, 0.3, 0.5, 1.0])
    rates = fi_curve("lif", currents, params=p, steps=steps, dt=dt, backend="numpy",
                     transient=transient)
    expected = np.array([1 / (_lif_isi_steps(x, p, dt) * dt) for x in currents])
    # A window of L steps holds L / n spikes, give or take one.
    assert np.all(np.abs(rates - expected) <= 1 / ((steps - transient) * dt))
    assert rates[0] == 0 and np.all(np.diff(rates) > 0)


def test_fi_curve_broadcasts_behaviours_and_per_neuron_parameters():
    dt, steps = 1e-3, 600
    currents = np.array([0.0, 5.0, 10.0, 20.0])
    rates = fi_curve("izhikevich", currents, params=izh.tonic_spiking, steps=steps, dt=dt,
                     backend="numpy", transient=100)
    # Independent of simulate: the reference step on the four neurons, counted by hand.
    s = izh.IzhikevichState(v=np.full(4, -65.0), u=np.full(4, -65.0 * 0.2))
    counts = np.zeros(4)
    for k in range(steps):
        z, s = izh.izhikevich_feed_forward_step(currents, s, izh.tonic_spiking_p, dt)
        counts += z if k >= 100 else 0
    assert np.array_equal(rates, counts / (500 * dt))
    assert rates[0] == 0 and np.all(np.diff(rates) > 0)
    thresholds = np.array([0.5, 1.0, 2.0])
    rates = fi_curve("lif", np.full(3, 0.5), params=LIFParameters(v_th=thresholds),
                     steps=500, dt=dt, backend="numpy")
    assert np.all(np.diff(rates) < 0)            # a higher threshold fires less


# --------------------------------------------------------------------------- phase portrait
def test_izhikevich_portrait_matches_the_reference_step():
    p, dt, current = izh.tonic_spiking_p, 1e-5, 10.0
    pp = phase_portrait("izhikevich", izh.tonic_spiking, v_range=(-80, 20), w_range=(-20, 5),
                        resolution=(30, 20), current=current)
    assert pp.dv.shape == pp.dw.shape == (20, 30)
    assert (pp.threshold, pp.reset) == (30.0, -65.0)
    v, u = np.meshgrid(pp.v, pp.w)
    _, s = izh.izhikevich_feed_forward_step(np.full(v.shape, current), izh.IzhikevichState(v, u),
                                            p, dt)
    assert np.allclose((s.v - v) / dt, pp.dv, rtol=1e-6, atol=1e-3)
    assert np.allclose((s.u - u) / dt, pp.dw, rtol=1e-6, atol=1e-3)
    # On the nullclines the reference step leaves v (or u) unchanged.
    _, s = izh.izhikevich_feed_forward_step(np.full(30, current),
                                            izh.IzhikevichState(pp.v, pp.v_nullcline), p, dt)
    assert np.allclose(s.v, pp.v, rtol=0, atol=1e-9)
    assert np.array_equal(pp.w_nullcline, 0.2 * pp.v)


def test_adex_portrait_matches_the_reference_step():
    p = lif_adex.LIFAdExParameters(adaptation_current=0.2, adaptation_spike=5.0, delta_T=2.0,
                                   tau_ada_inv=1 / 0.1, tau_mem_inv=1 / 0.02, v_leak=-70.0,
                                   v_th=-50.0, v_reset=-58.0)
    dt, current = 1e-6, 25.0
    pp = phase_portrait("lif_adex", p, v_range=(-75, -45), w_range=(-5, 20), current=current)
    v, a = np.meshgrid(pp.v, pp.w)
    state = lif_adex.LIFAdExFeedForwardState(v=v, i=np.zeros_like(v), a=a)
    _, s = lif_adex.lif_adex_feed_forward_step(np.full(v.shape, current), state, p, dt)
    below = v < p.v_th - 1
    assert np.allclose(((s.v - v) / dt)[below], pp.dv[below], rtol=1e-6, atol=1e-2)
    assert np.allclose(((s.a - a) / dt)[below], pp.dw[below], rtol=1e-6, atol=1e-2)
    flat = lif_adex.LIFAdExFeedForwardState(v=pp.v, i=np.zeros(25), a=pp.v_nullcline)
    _, s = lif_adex.lif_adex_feed_forward_step(np.full(25, current), flat, p, dt)
    assert np.allclose(s.v[pp.v < p.v_th], pp.v[pp.v < p.v_th], rtol=0, atol=1e-9)
    assert np.allclose(pp.w_nullcline, 0.2 * (pp.v + 70.0))


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, error, name", [
    (lambda: spike_times(np.zeros((3, 2, 2))), ValueError, "spikes"),
    (lambda: spike_times(np.full(3, 2.0)), ValueError, "spikes"),
    (lambda: spike_times(np.array(["a"])), TypeError, "spikes"),
    (lambda: spike_times(np.zeros(3), dt=0), ValueError, "dt"),
    (lambda: spike_array([np.array([5.0])], 3, 1), ValueError, "step 5"),
    (lambda: spike_array((np.array([0]), np.array([4])), 3, 2), ValueError, "neuron 4"),
    (lambda: spike_array([np.zeros(1)], 3, 2), ValueError, "neurons=2"),
    (lambda: spike_array(np.zeros(3), 3, 1), TypeError, "times_or_indices"),
    (lambda: spike_array([np.array([2.0, 1.0])], 3, 1), ValueError, "sorted"),
    (lambda: spike_array((np.array([0.5]), np.array([0])), 3, 1), TypeError, "steps"),
    (lambda: spike_array([], -1, 0), ValueError, "steps"),
    (lambda: firing_rate(np.zeros(10), 1.0), ValueError, "bin="),
    (lambda: firing_rate(np.zeros(10), 1.0, bin=2, kernel="gaussian"), ValueError, "bin="),
    (lambda: firing_rate(np.zeros(10), 1.0, bin=1.5), ValueError, "bin"),
    (lambda: firing_rate(np.zeros(10), 1.0, kernel="box", width=1), ValueError, "kernel"),
    (lambda: firing_rate(np.zeros(10), 1.0, kernel="gaussian"), ValueError, "width"),
    (lambda: mean_rate(np.zeros((0, 2)), 1.0), ValueError, "spikes"),
    (lambda: isi(np.array([1.0, 0.0])), ValueError, "sorted"),
    (lambda: cv(np.array([[0.0, 1.0]])), ValueError, "times"),
    (lambda: cv([np.array([0.0, np.nan])]), ValueError, "times[0]"),
    (lambda: fano_factor(np.zeros(10), 0), ValueError, "window"),
    (lambda: fano_factor(np.zeros(10), 2.0), TypeError, "window"),
    (lambda: fi_curve("li", [1.0], steps=10, dt=1e-3, backend="numpy"), ValueError, "li"),
    (lambda: fi_curve("lif", [[1.0]], steps=10, dt=1e-3, backend="numpy"), ValueError,
     "currents"),
    (lambda: fi_curve("lif", [np.inf], steps=10, dt=1e-3, backend="numpy"), ValueError,
     "currents"),
    (lambda: fi_curve("lif", [1.0], steps=10, dt=1e-3, transient=10), ValueError, "transient"),
    (lambda: fi_curve("lif", [1.0], steps=10, dt=1e-3, dtype=np.int32), ValueError, "dtype"),
    (lambda: phase_portrait("lif", v_range=(0, 1), w_range=(0, 1)), ValueError, "lif_adex"),
    (lambda: phase_portrait("izhikevich", izh.IzhikevichParameters(a=np.ones(2), b=0.2, c=-65,
                                                                    d=6),
                            v_range=(0, 1), w_range=(0, 1)), ValueError, "params.a"),
    (lambda: phase_portrait("izhikevich", LIFParameters(), v_range=(0, 1), w_range=(0, 1)),
     TypeError, "params"),
    (lambda: phase_portrait("lif_adex", v_range=(1, 0), w_range=(0, 1)), ValueError, "v_range"),
    (lambda: phase_portrait("lif_adex", v_range=(0, 1), w_range=3), TypeError, "w_range"),
    (lambda: phase_portrait("lif_adex", v_range=(0, 1), w_range=(0, 1), resolution=(2, 2, 2)),
     ValueError, "resolution"),
    (lambda: phase_portrait("lif_adex", v_range=(0, 1), w_range=(0, 1), current="1"),
     TypeError, "current"),
    (lambda: phase_portrait("lif_adex", v_range=(0, 1), w_range=(0, 1), current=np.nan),
     ValueError, "current"),
])
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=name.replace("[", r"\[").replace("]", r"\]")):
        call()


def test_the_examples_in_the_docstrings_hold():
    for module in (analysis.spikes, analysis.rates, analysis.sweep, analysis.phase):
        result = doctest.testmod(module, extraglobs={"np": np}, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


# --------------------------------------------------------------------------- plots
def test_plot_without_matplotlib_says_how_to_install_it(monkeypatch):
    from refsnn.analysis import plot

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "refsnn\[plot\]"'):
        plot.raster(np.zeros((5, 2)))


@pytest.fixture
def axes():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


@pytest.mark.plot
def test_plots_draw_on_the_given_axes(axes):
    from refsnn.analysis import plot

    z = np.zeros((200, 3))
    z[::20, 0] = z[5::10, 1] = 1
    assert plot.raster(z, dt=1e-3, ax=axes) is axes
    offsets = axes.collections[0].get_offsets()
    assert len(offsets) == z.sum() and np.allclose(sorted(offsets[:, 0])[:1], [0.0])
    v = np.cumsum(np.ones((200, 3)), axis=0)
    assert plot.traces(v, 1e-3, spikes=z, labels=["a", "b", "c"], ax=axes) is axes
    marked = axes.lines[1].get_ydata()              # the dots on the first trace
    assert np.array_equal(marked, v[z[:, 0] > 0, 0])
    assert plot.rate(z, 1e-3, bin=0.1, ax=axes) is axes
    assert np.allclose(axes.lines[-1].get_ydata(), mean_rate(z, 1e-3).mean())
    assert plot.isi_histogram(spike_times(z, 1e-3), ax=axes) is axes
    pp = phase_portrait("izhikevich", izh.tonic_spiking, v_range=(-80, 30), w_range=(-20, 10))
    assert plot.phase_portrait(pp, trajectory=(np.linspace(-70, 0, 5), np.zeros(5)),
                               ax=axes) is axes
    with pytest.raises(TypeError, match="portrait"):
        plot.phase_portrait((1, 2), ax=axes)
