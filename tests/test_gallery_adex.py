"""The Naud et al. (2008) AdEx gallery (validation/gallery_adex.py).

By default at dt = 0.2 ms (twice the paper's step, which still classifies
every pattern); the paper's 0.1 ms, the dt/2 refinement and the figure run
with --long.
"""

from __future__ import annotations

import numpy as np
import pytest

from refsnn.functional import adex
from validation import gallery_adex as g

NAMES = [row.name for row in g.TABLE]
COARSE_DT = 2e-4


@pytest.fixture(scope="module")
def coarse():
    return g.run_refsnn("adex", COARSE_DT), g.paper_adex(COARSE_DT)


def test_refsnn_adex_shows_all_eight_patterns(coarse):
    (spikes, _), _ = coarse
    assert g.classify_all(spikes, COARSE_DT) == NAMES


def test_refsnn_adex_agrees_with_an_independent_euler_of_the_equations(coarse):
    """Identical spike trains over the agreement window; voltages below V_T to rounding."""
    (spikes, v), (paper_spikes, paper_v) = coarse
    assert np.all(g.first_disagreement(spikes, paper_spikes, COARSE_DT) >= g.AGREEMENT_WINDOW)
    assert g.classify_all(paper_spikes, COARSE_DT) == NAMES
    window = int(round(g.AGREEMENT_WINDOW / COARSE_DT))
    v, paper_v = v[:window], paper_v[:window]
    v_t = np.array([row.V_T for row in g.TABLE])
    below = (v < v_t) & (paper_v < v_t)
    assert below.mean() > 0.5
    assert np.abs(v - paper_v)[below].max() < 1e-3                # mV


def test_first_disagreement_finds_the_first_differing_step():
    a = np.zeros((5, 3), bool)
    b = a.copy()
    b[3, 0] = b[1, 2] = b[4, 2] = True
    np.testing.assert_array_equal(g.first_disagreement(a, b, 0.5), [1.5, np.inf, 0.5])


def test_lif_adex_reproduces_only_the_sets_that_reset_below_threshold():
    spikes, _ = g.run_refsnn("lif_adex", COARSE_DT)
    classes = g.classify_all(spikes, COARSE_DT)
    shortest = g.shortest_interval_steps(spikes)
    above = g.reset_above_threshold()
    assert [row.name for row, a in zip(g.TABLE, above) if not a] == [
        "tonic", "adapting", "delayed accelerating"]
    for j in np.flatnonzero(~above):
        assert classes[j] == NAMES[j] and shortest[j] > 10, (NAMES[j], classes[j])
    # Norse's model cuts at v_th = V_T: at or above it the reset voltage is itself
    # a spike on the next step (see the module docstring).
    assert np.all(shortest[above] == 1)


def test_a_refractory_period_does_not_help_lif_adex():
    """lif_adex_refrac holds v at V_r >= V_T; the step after the refractory period spikes."""
    refractory = 10                                  # 2 ms at the coarse step
    spikes, _ = g.run_refsnn("lif_adex", COARSE_DT, duration=0.15, refractory_steps=refractory)
    shortest = g.shortest_interval_steps(spikes)
    above = g.reset_above_threshold()
    assert np.all(shortest[above] == refractory + 1)
    assert np.all(shortest[~above] > 2 * refractory)


def test_run_refsnn_rejects_other_models():
    with pytest.raises(ValueError, match="model"):
        g.run_refsnn("lif", COARSE_DT, duration=1e-3)
    with pytest.raises(ValueError, match="refractory_steps"):
        g.run_refsnn("adex", COARSE_DT, duration=1e-3, refractory_steps=2)


def test_the_parameter_mapping_reproduces_the_papers_derivatives():
    """One refsnn adex step from the mapped state equals the paper's Euler step / g_L."""
    p, dt = g.adex_parameters(), 1e-5
    c, g_l, e_l, v_t, d_t, a, tau_w, b, v_r, i = (np.array([getattr(r, f) for r in g.TABLE],
                                                           dtype=float)
                                                  for f in g.Pattern._fields[1:])
    v, w = np.linspace(-70.0, -44.0, 8), np.linspace(-20.0, 50.0, 8)   # past V_T, not the cut
    state = adex.AdExFeedForwardState(v=v, i=np.zeros(8), a=w / g_l)
    z, new = adex.adex_feed_forward_step(i / g_l, state, p, dt)
    dv = (-g_l * (v - e_l) + g_l * d_t * np.exp((v - v_t) / d_t) - w + i) / c   # mV/ms
    dw = (a * (v - e_l) - w) / tau_w                                           # pA/ms
    assert not z.any()
    assert np.allclose(new.v, v + dt * 1e3 * dv, rtol=1e-12, atol=1e-12)
    assert np.allclose(new.a * g_l, w + dt * 1e3 * dw, rtol=1e-12, atol=1e-12)


def _train(*intervals, start=10.0):
    return start + np.concatenate([[0.0], np.cumsum(intervals)])


@pytest.mark.parametrize("times, expected", [
    (np.array([]), "silent"),
    (_train(5, 8, 12), "transient"),
    (_train(*[10] * 55), "tonic"),
    (_train(10, 14, 20, 30, 45, 60, 70, *[75] * 6), "adapting"),
    (_train(3, 6, *[60] * 9), "initial burst"),
    (_train(*[5, 5, 120] * 5), "regular bursting"),
    (_train(*np.linspace(20, 10, 45), start=40.0), "delayed accelerating"),
    (_train(*[4, 5, 8, 50] * 8, start=60.0), "delayed regular bursting"),
    (_train(*np.random.default_rng(7).uniform(5, 40, 40)), "irregular"),
    (_train(*[20] * 28, start=100.0), "delayed tonic"),
    (_train(*np.linspace(20, 10, 40)), "accelerating"),
])
def test_the_classifier_rules_on_constructed_trains(times, expected):
    assert g.classify(times, 600.0) == expected


@pytest.mark.long
def test_at_the_papers_step_and_under_refinement():
    """dt = 0.1 ms and 0.05 ms: adex names all eight; lif_adex's one-step trains double."""
    spikes, _ = g.run_refsnn("adex")
    assert g.classify_all(spikes, g.DT) == NAMES
    paper, _ = g.paper_adex()
    assert np.all(g.first_disagreement(spikes, paper, g.DT) >= g.AGREEMENT_WINDOW)
    fine, _ = g.run_refsnn("adex", dt=g.DT / 2)
    assert g.classify_all(fine, g.DT / 2) == NAMES
    assert np.all(np.abs(fine.sum(axis=0) - spikes.sum(axis=0)) <= 2)   # converged counts
    norse, _ = g.run_refsnn("lif_adex")
    norse_fine, _ = g.run_refsnn("lif_adex", dt=g.DT / 2)
    counts, fine_counts = norse.sum(axis=0), norse_fine.sum(axis=0)
    below = ~g.reset_above_threshold()
    assert np.all(np.abs(fine_counts - counts)[below] <= 2)       # converged
    above = g.reset_above_threshold() & (g.shortest_interval_steps(norse) == 1)
    runaway = above & (counts > 20)                                # one-step trains
    assert runaway.sum() >= 4
    assert np.all(fine_counts[runaway] > 1.8 * counts[runaway])    # scale with 1/dt


@pytest.mark.long
@pytest.mark.plot
def test_the_figure_is_drawn(tmp_path):
    pytest.importorskip("matplotlib")
    g.plot(tmp_path / "gallery_adex.png", dt=COARSE_DT)
    assert (tmp_path / "gallery_adex.png").stat().st_size > 10_000
