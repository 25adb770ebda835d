"""Spike-frequency adaptation in the LSNN models.

``lsnn_*``: the threshold ``b`` jumps by ``beta`` at each spike and relaxes
exponentially towards ``v_th``; under constant drive the firing rate falls.
``ada_lif_step``: the adaptation current ``b`` jumps by ``beta`` and decays
to 0; it also slows firing down.
"""

import numpy as np
import pytest

from refsnn.functional import lsnn

DT = 1e-3
P = lsnn.LSNNParameters(tau_syn_inv=200.0, tau_mem_inv=100.0, tau_adapt_inv=1 / 0.2,
                        v_leak=0.0, v_th=1.0, v_reset=0.0, beta=0.3)


def drive_lsnn(p, x, steps, n=1):
    """Constant input ``x`` into a feed-forward LSNN that starts at rest (b = v_th)."""
    s = lsnn.LSNNFeedForwardState(v=np.zeros(n), i=np.zeros(n), b=np.full(n, p.v_th))
    zs, bs = [], [s.b]
    for _ in range(steps):
        z, s = lsnn.lsnn_feed_forward_step(np.full(n, x), s, p, DT)
        zs.append(z)
        bs.append(s.b)
    return np.array(zs), np.array(bs)


def isis(z):
    return np.diff(np.flatnonzero(z))


def test_threshold_jumps_by_beta_at_each_spike():
    z, b = drive_lsnn(P, 1.0, 1000)
    z, before, after = z[:, 0], b[:-1, 0], b[1:, 0]
    relaxed = before + DT * P.tau_adapt_inv * (P.v_th - before)
    assert z.sum() >= 10
    np.testing.assert_allclose(after[z == 1] - relaxed[z == 1], P.beta, rtol=1e-12)
    np.testing.assert_allclose(after[z == 0], relaxed[z == 0], rtol=1e-15)
    assert np.all(after[z == 1] > before[z == 1])


def test_threshold_relaxes_exponentially_to_v_th():
    s = lsnn.LSNNFeedForwardState(v=np.zeros(3), i=np.zeros(3), b=np.array([3.0, 1.5, 0.5]))
    bs = [s.b]
    for _ in range(2000):
        z, s = lsnn.lsnn_feed_forward_step(np.zeros(3), s, P, DT)
        assert not z.any()  # no input: v stays 0 < b
        bs.append(s.b)
    bs = np.array(bs)
    k = np.arange(len(bs))[:, None]
    expected = P.v_th + (bs[0] - P.v_th) * (1 - DT * P.tau_adapt_inv) ** k
    np.testing.assert_allclose(bs, expected, rtol=1e-12)
    # monotone approach from both sides, ending close to v_th
    assert np.all(np.diff(bs[:, 0]) < 0) and np.all(np.diff(bs[:, 2]) > 0)
    np.testing.assert_allclose(bs[-1], P.v_th, atol=1e-4)


def test_constant_drive_rate_decreases():
    z, b = drive_lsnn(P, 1.0, 2000)
    z = z[:, 0]
    early, late = z[:200].sum(), z[-500:].sum() * 200 / 500
    assert early > 1.5 * late > 0
    intervals = isis(z)
    assert intervals[-1] > 2 * intervals[0]
    # intervals lengthen (allowing the last ones to settle at a steady value)
    assert np.all(np.diff(intervals[:6]) >= 0)
    # the steady state has a raised mean threshold
    assert b[-500:, 0].mean() > P.v_th + 0.5 * P.beta


def test_without_beta_the_rate_stays_constant():
    z, b = drive_lsnn(P._replace(beta=0.0), 1.0, 2000)
    intervals = isis(z[:, 0])
    assert len(intervals) > 20 and np.ptp(intervals[1:]) <= 1
    np.testing.assert_array_equal(b, P.v_th)


@pytest.mark.parametrize("beta", [0.1, 0.3, 1.0])
def test_more_adaptation_fewer_spikes(beta):
    z_weak, _ = drive_lsnn(P._replace(beta=beta / 2), 1.0, 1500)
    z_strong, _ = drive_lsnn(P._replace(beta=beta), 1.0, 1500)
    assert z_strong.sum() < z_weak.sum()


def test_recurrent_step_adapts_like_feed_forward():
    """With identity input weights and no recurrence, lsnn_step is the feed-forward step."""
    n = 4
    s_ff = lsnn.LSNNFeedForwardState(np.zeros(n), np.zeros(n), np.full(n, P.v_th))
    s_rec = lsnn.LSNNState(np.zeros(n), np.zeros(n), np.zeros(n), np.full(n, P.v_th))
    x = np.linspace(0.5, 1.5, n)
    for _ in range(500):
        z1, s_ff = lsnn.lsnn_feed_forward_step(x, s_ff, P, DT)
        z2, s_rec = lsnn.lsnn_step(x, s_rec, np.eye(n), np.zeros((n, n)), P, DT)
        np.testing.assert_array_equal(z1, z2)
        np.testing.assert_array_equal(s_ff.b, s_rec.b)
        np.testing.assert_array_equal(s_ff.v, s_rec.v)


def test_ada_lif_adaptation_current():
    n = 1
    w_in, w_rec = np.eye(n), np.zeros((n, n))
    p = P._replace(beta=2.0)
    s = lsnn.LSNNState(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n))
    zs, bs = [], [s.b[0]]
    for _ in range(2000):
        z, s = lsnn.ada_lif_step(np.ones(n), s, w_in, w_rec, p, DT)
        zs.append(z[0])
        bs.append(s.b[0])
    zs, bs = np.array(zs), np.array(bs)
    before, after = bs[:-1], bs[1:]
    decayed = before - DT * p.tau_adapt_inv * before
    np.testing.assert_allclose(after - decayed, p.beta * zs, atol=1e-12)
    intervals = isis(zs)
    assert intervals[-1] > 1.5 * intervals[0]
    # compared with no adaptation, fewer spikes
    s0 = lsnn.LSNNState(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n))
    count = 0
    for _ in range(2000):
        z, s0 = lsnn.ada_lif_step(np.ones(n), s0, w_in, w_rec, p._replace(beta=0.0), DT)
        count += z[0]
    assert zs.sum() < count
