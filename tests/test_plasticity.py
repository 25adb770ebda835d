"""Behaviour of the plasticity models, checked against theory (no Norse needed).

* Tsodyks–Markram: a regular train drives u and x to the closed-form fixed
  point of the discrete update (to rounding) and, as dt -> 0, to the
  continuous-time steady state (first-order error, bounded by dt/tau);
  depressing and facilitating parameter sets do what their names say.
* STDP: the weight change as a function of the pre/post spike-time
  difference is the exponential asymmetric window implied by the
  parameters; fitted time constants are within a few percent of tau.
* Every weight dependence and the bounds against hand-computed values; the
  convolutional rule against an explicit loop; unfold against its definition.
* Sensors: hand-computed traces, batch samples kept apart.
* Bad input fails with messages naming the argument; nothing is mutated.
"""

import itertools

import numpy as np
import pytest
from scipy.optimize import curve_fit

from refsnn.functional import correlation_sensor as cs
from refsnn.functional import lif, lif_correlation, stdp, stdp_sensor
from refsnn.functional import tsodyks_makram as tm

# --------------------------------------------------------------------------- Tsodyks-Markram
DEPRESSING = tm.TsodyksMakramParameters(tau_f_inv=1 / 50e-3, tau_d_inv=1 / 750e-3, U=0.45)
FACILITATING = tm.TsodyksMakramParameters(tau_f_inv=1 / 750e-3, tau_d_inv=1 / 50e-3, U=0.15)
# both sets side by side, one synapse each
BOTH = tm.TsodyksMakramParameters(*(np.array([d, f]) for d, f in zip(DEPRESSING, FACILITATING)))
PERIOD = 0.05  # 20 Hz


def regular_train(p, dt, period=PERIOD, n_spikes=150):
    """Run a regular train from rest; per spike: release, u after and x before the step.

    Returns arrays of shape ``(n_spikes, n_synapses)`` (one synapse per
    entry of the parameter arrays).
    """
    n = int(round(period / dt))
    shape = np.shape(p.U)
    s = tm.TsodyksMakramState(u=np.zeros(shape), x=np.ones(shape))
    release, u_after, x_before = [], [], []
    for k in range(n * n_spikes):
        spike = k % n == 0
        x0 = s.x
        r, s = tm.stp_step(np.full(shape, float(spike)), s, p, dt)
        if spike:
            release.append(r)
            u_after.append(s.u)
            x_before.append(x0)
        else:
            assert not r.any()
    return np.array(release), np.array(u_after), np.array(x_before)


def discrete_steady_state(p, dt, period=PERIOD):
    """Fixed point of the discrete map (module docstring of tsodyks_makram)."""
    n = int(round(period / dt))
    a, b = 1 - dt * p.tau_f_inv, 1 - dt * p.tau_d_inv
    u = p.U / (1 - a ** (n - 1) * (a - p.U))
    x = (1 - b**n) / (1 - b**n + b ** (n - 1) * u)
    return u, x


def continuous_steady_state(p, period=PERIOD):
    """Steady state of the ODE with instantaneous jumps (u+ after, x- before a spike)."""
    ef, ed = np.exp(-period * p.tau_f_inv), np.exp(-period * p.tau_d_inv)
    u = p.U / (1 - (1 - p.U) * ef)
    x = (1 - ed) / (1 - (1 - u) * ed)
    return u, x


def test_tsodyks_makram_reaches_the_discrete_fixed_point():
    """Depressing and facilitating synapse: the train ends on the closed-form fixed point.

    The distance to the fixed point shrinks by (a - U) a^(n-1) <= 0.8 per
    spike, so 150 spikes leave nothing but rounding.
    """
    dt = 1e-3
    release, u, x = regular_train(BOTH, dt)
    u_inf, x_inf = discrete_steady_state(BOTH, dt)
    np.testing.assert_allclose(u[-1], u_inf, rtol=1e-12)
    np.testing.assert_allclose(x[-1], x_inf, rtol=1e-12)
    np.testing.assert_allclose(release[-1], u_inf * x_inf, rtol=1e-12)


def test_tsodyks_makram_converges_to_the_continuous_steady_state():
    """Norse's update is first order: the steady state misses the ODE's by O(dt/tau).

    Per step the decay factor 1 - dt/tau differs from exp(-dt/tau) by
    (dt/tau)^2 / 2 (n = T/dt steps: O(dt/tau) in all), and the jumps use the
    start-of-step u and x, one decay step early (again O(dt/tau)). The
    relative error is therefore bounded by dt * (1/tau_f + 1/tau_d), and it
    halves with dt. (60 spikes bring the facilitating synapse within 1e-6
    of its fixed point, well below the errors measured here.)
    """
    u_c, x_c = continuous_steady_state(BOTH)
    errors = []
    for dt in (4e-4, 2e-4):
        _, u, x = regular_train(BOTH, dt, n_spikes=60)
        err = np.maximum(abs(u[-1] - u_c) / u_c, abs(x[-1] - x_c) / x_c)
        assert np.all(err <= dt * (BOTH.tau_f_inv + BOTH.tau_d_inv)), (dt, err)
        errors.append(err)
    ratio = errors[0] / errors[1]
    assert np.all((1.8 < ratio) & (ratio < 2.2)), ratio


def test_tsodyks_makram_depression_and_facilitation():
    release, _, _ = regular_train(BOTH, 1e-3, n_spikes=10)
    dep, fac = release.T
    # the first spike from rest releases U
    np.testing.assert_allclose(release[0], BOTH.U, rtol=1e-12)
    assert np.all(np.diff(dep) < 0) and dep[-1] < 0.25 * dep[0]
    assert np.all(np.diff(fac) > 0) and fac[-1] > 2.5 * fac[0]


def test_stp_step_by_hand():
    p = tm.TsodyksMakramParameters(tau_f_inv=10.0, tau_s_inv=1.0, tau_d_inv=2.0, U=0.5)
    s = tm.TsodyksMakramState(u=np.array([0.2, 0.2]), x=np.array([0.8, 0.8]))
    out, s1 = tm.stp_step(np.array([1.0, 0.0]), s, p, dt=0.01)
    u_spike = 0.2 - 0.01 * 10 * 0.2 + 0.5 * 0.8 * 1  # 0.58
    np.testing.assert_allclose(s1.u, [u_spike, 0.18], rtol=1e-12)
    np.testing.assert_allclose(s1.x, [0.8 + 0.01 * 2 * 0.2 - u_spike * 0.8, 0.804], rtol=1e-12)
    np.testing.assert_allclose(out, [u_spike * 0.8, 0.0], rtol=1e-12)


# --------------------------------------------------------------------------- STDP window
def stdp_window(p, dt, lags):
    """Weight change of one synapse per pre/post lag (steps; > 0: pre before post).

    All pairs run in one layer: presynaptic neuron j fires once, at step
    ``t0 + lags[j]`` relative to the single postsynaptic spike at ``t0``,
    so synapse j sees exactly one pair.
    """
    n, t0 = len(lags), int(np.max(np.abs(lags))) + 1
    w0 = np.full((1, n), 0.5)
    w, s = w0, stdp.STDPState(t_pre=np.zeros((1, n)), t_post=np.zeros((1, 1)))
    for t in range(2 * t0 + 1):
        z_pre = (t == t0 - np.asarray(lags)).astype(np.float64)[None]
        z_post = np.array([[float(t == t0)]])
        w, s = stdp.stdp_step_linear(z_pre, z_post, w, s, p, dt)
    return (w - w0)[0]


def test_stdp_window_is_the_exponential_implied_by_the_parameters():
    dt, tau_pre, tau_post = 5e-4, 20e-3, 40e-3
    p = stdp.STDPParameters(a_pre=1.0, a_post=0.8, tau_pre_inv=1 / tau_pre,
                            tau_post_inv=1 / tau_post, eta_plus=0.02, eta_minus=0.015,
                            hardbound=False)
    lags = np.arange(-200, 201)
    dw = stdp_window(p, dt, lags)
    causal, acausal = lags > 0, lags < 0
    assert np.all(dw[causal] > 0) and np.all(dw[acausal] < 0)

    # exactly the discrete prediction of the module docstring
    h_pre, h_post = dt / tau_pre, dt / tau_post
    expected = np.where(lags >= 0, 0.02 * 1.0 * h_pre * (1 - h_pre) ** np.abs(lags), 0.0)
    expected -= np.where(lags <= 0, 0.015 * 0.8 * h_post * (1 - h_post) ** np.abs(lags), 0.0)
    np.testing.assert_allclose(dw, expected, rtol=1e-9, atol=1e-15)

    # exponential fits recover the time constants within a few percent
    def window(t, amplitude, tau):
        return amplitude * np.exp(-t / tau)

    t = np.abs(lags) * dt
    (a_plus, tau_plus), _ = curve_fit(window, t[causal], dw[causal], p0=(1e-4, 10e-3))
    (a_minus, tau_minus), _ = curve_fit(window, t[acausal], -dw[acausal], p0=(1e-4, 10e-3))
    assert tau_plus == pytest.approx(tau_pre, rel=0.02)
    assert tau_minus == pytest.approx(tau_post, rel=0.02)
    assert a_plus == pytest.approx(0.02 * h_pre, rel=0.02)
    assert a_minus == pytest.approx(0.015 * 0.8 * h_post, rel=0.02)
    # and the residual bias is the discretisation's, -dt / ln(1 - h), not noise
    assert tau_plus == pytest.approx(-dt / np.log1p(-h_pre), rel=1e-6)


# --------------------------------------------------------------------------- weight dependence
@pytest.mark.parametrize("algorithm", stdp.STDP_ALGORITHMS)
def test_weight_dependence_by_hand(algorithm):
    """One step, potentiation on one synapse, depression on the other."""
    w = np.array([[0.25, 0.75]])
    p = stdp.STDPParameters(a_pre=1.0, a_post=1.0, tau_pre_inv=100.0, tau_post_inv=100.0,
                            w_min=0.0, w_max=1.0, eta_plus=2.0, eta_minus=4.0,
                            stdp_algorithm=algorithm, mu=0.5, hardbound=False)
    # pre 0 traced, post fires: potentiates w[0, 0] by A+ * 0.5; pre 1 fires
    # against the post trace 0.25: depresses w[0, 1] by A- * 0.25.
    s = stdp.STDPState(t_pre=np.array([[0.5 / 0.9, 0.0]]), t_post=np.array([[0.25 / 0.9]]))
    z_pre, z_post = np.array([[0.0, 1.0]]), np.array([[1.0]])
    w_new, s_new = stdp.stdp_step_linear(z_pre, z_post, w, s, p, dt=1e-3)
    # traces: t' = t + 0.1 (-t + z): 0.5, 0.1; post 0.25 + 0.1 = 0.35
    np.testing.assert_allclose(s_new.t_pre, [[0.5, 0.1]], rtol=1e-12)
    np.testing.assert_allclose(s_new.t_post, [[0.35]], rtol=1e-12)
    a_plus = {"additive": [2.0, 2.0], "additive_step": [2.0, 2.0],
              "multiplicative_pow": [2.0 * 0.75**0.5, 2.0 * 0.25**0.5],
              "multiplicative_relu": [2.0 * 0.75, 2.0 * 0.25]}[algorithm]
    a_minus = {"additive": [4.0, 4.0], "additive_step": [4.0, 4.0],
               "multiplicative_pow": [4.0 * 0.25**0.5, 4.0 * 0.75**0.5],
               "multiplicative_relu": [4.0 * 0.25, 4.0 * 0.75]}[algorithm]
    # C+ = z_post^T t_pre' = [0.5, 0.1]; C- = t_post'^T z_pre = [0, 0.35]
    expected = w + np.multiply(a_plus, [0.5, 0.1]) - np.multiply(a_minus, [0.0, 0.35])
    np.testing.assert_allclose(w_new, expected, rtol=1e-12)


def test_additive_step_stops_at_the_bounds_and_hardbound_clips():
    p = stdp.STDPParameters(stdp_algorithm="additive_step", eta_plus=0.5, eta_minus=0.5,
                            w_min=0.0, w_max=1.0, hardbound=False)
    assert np.array_equal(p.A_plus(np.array([0.5, 1.0, 1.5])), [0.5, 0.0, 0.0])
    assert np.array_equal(p.A_minus(np.array([-0.5, 0.0, 0.5])), [0.0, 0.0, 0.5])
    s = stdp.STDPState(np.ones((1, 2)), np.ones((1, 1)))
    w_free, _ = stdp.stdp_step_linear(np.ones((1, 2)), np.ones((1, 1)), [[0.2, 0.9]], s,
                                      p._replace(stdp_algorithm="additive", eta_plus=1.0,
                                                 eta_minus=0.0), 1e-3)
    assert np.all(w_free > 1.0)
    w_clipped, _ = stdp.stdp_step_linear(np.ones((1, 2)), np.ones((1, 1)), [[0.2, 0.9]], s,
                                         p._replace(stdp_algorithm="additive", eta_plus=1.0,
                                                    eta_minus=0.0, hardbound=True), 1e-3)
    assert np.array_equal(w_clipped, np.ones((1, 2), np.float32))


def test_stdp_parameters_defaults_match_norse():
    p = stdp.STDPParameters()
    assert (p.a_pre, p.a_post, p.tau_pre_inv, p.tau_post_inv) == (1.0, 1.0, 20.0, 20.0)
    assert (p.w_min, p.w_max, p.eta_plus, p.eta_minus, p.mu) == (0.0, 1.0, 1e-3, 1e-3, 0.0)
    assert (p.stdp_algorithm, p.hardbound, p.convolutional) == ("additive", True, False)
    assert (p.stride, p.padding, p.dilation) == (1, 0, 1)


# --------------------------------------------------------------------------- convolution
def naive_unfold(x, k, d, p, s):
    """torch's unfold, from its definition, with explicit loops."""
    b, c, h, w = x.shape
    xp = np.zeros((b, c, h + 2 * p[0], w + 2 * p[1]), x.dtype)
    xp[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = x
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((b, c * k[0] * k[1], oh * ow), x.dtype)
    for ci, i, j, y, xx in itertools.product(range(c), range(k[0]), range(k[1]), range(oh),
                                             range(ow)):
        out[:, (ci * k[0] + i) * k[1] + j, y * ow + xx] = xp[:, ci, y * s[0] + i * d[0],
                                                             xx * s[1] + j * d[1]]
    return out


@pytest.mark.parametrize("k, d, p, s", [((3, 3), (1, 1), (0, 0), (1, 1)),
                                        ((2, 3), (2, 1), (1, 2), (2, 1)),
                                        ((1, 4), (1, 2), (0, 1), (3, 2)),
                                        ((3, 1), (3, 3), (2, 0), (1, 3))])
def test_unfold_matches_its_definition(k, d, p, s):
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 10))
    ours = stdp.unfold(x, k, dilation=d, padding=p, stride=s)
    np.testing.assert_array_equal(ours, naive_unfold(x, k, d, p, s))
    np.testing.assert_array_equal(stdp.unfold(x[0], k, d, p, s), ours[0])
    assert not np.shares_memory(stdp.unfold(x, 1), x)


def test_conv2d_rule_matches_an_explicit_loop():
    rng = np.random.default_rng(2)
    b, c_in, c_out, (kh, kw), (sh, sw), (ph, pw), (dh, dw) = 2, 2, 3, (2, 3), (2, 1), (1, 0), (1, 2)
    h, w_ = 7, 9
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w_ + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    z_pre = (rng.random((b, c_in, h, w_)) < 0.3).astype(float)
    z_post = (rng.random((b, c_out, oh, ow)) < 0.3).astype(float)
    s = stdp.STDPState(rng.random((b, c_in, h, w_)), rng.random((b, c_out, oh, ow)))
    w = rng.uniform(0.2, 0.8, (c_out, c_in, kh, kw))
    p = stdp.STDPParameters(tau_pre_inv=30.0, tau_post_inv=50.0, eta_plus=0.01,
                            eta_minus=0.02, stride=(sh, sw), padding=(ph, pw),
                            dilation=(dh, dw), convolutional=True, hardbound=False)
    w_new, s_new = stdp.stdp_step_conv2d(z_pre, z_post, w, s, p, 1e-3)
    t_pre = s.t_pre + 1e-3 * 30.0 * (-s.t_pre + z_pre)
    t_post = s.t_post + 1e-3 * 50.0 * (-s.t_post + z_post)
    np.testing.assert_allclose(s_new.t_pre, t_pre, rtol=1e-14)
    pad = ((0, 0), (0, 0), (ph, ph), (pw, pw))
    tp, zp = np.pad(t_pre, pad), np.pad(z_pre, pad)
    expected = w.copy()
    for o, c, i, j in itertools.product(range(c_out), range(c_in), range(kh), range(kw)):
        plus = minus = 0.0
        for bb, y, x in itertools.product(range(b), range(oh), range(ow)):
            yy, xx = y * sh + i * dh, x * sw + j * dw
            plus += z_post[bb, o, y, x] * tp[bb, c, yy, xx]
            minus += t_post[bb, o, y, x] * zp[bb, c, yy, xx]
        expected[o, c, i, j] += 0.01 * plus - 0.02 * minus
    np.testing.assert_allclose(w_new, expected, rtol=1e-12)


# --------------------------------------------------------------------------- sensors
def test_stdp_sensor_by_hand():
    p = stdp_sensor.STDPSensorParameters(eta_p=0.5, eta_m=2.0, tau_ac_inv=50.0, tau_c_inv=10.0)
    s = stdp_sensor.STDPSensorState(a_pre=np.array([1.0, 1.0]), a_post=np.array([1.0]))
    s1 = stdp_sensor.stdp_sensor_step(np.array([1.0, 0.0]), np.array([1.0]), s, p, dt=0.01)
    np.testing.assert_allclose(s1.a_pre, [0.9 + 0.5, 0.9], rtol=1e-12)
    # the postsynaptic trace decays with tau_ac (Norse's code uses tau_c here)
    np.testing.assert_allclose(s1.a_post, [0.5 + 2.0], rtol=1e-12)


def test_correlation_sensor_sequence_by_hand():
    """Pre spike, then post spike, then pre spike on one synapse."""
    p = cs.CorrelationSensorParameters(eta_p=1.0, eta_m=0.5, tau_ac_inv=20.0, tau_c_inv=10.0)
    z = np.zeros((1, 1, 1))
    s = cs.CorrelationSensorState(z, z, z)
    pre, post, none = np.ones((1, 1)), np.ones((1, 1)), np.zeros((1, 1))
    s = cs.correlation_sensor_step(pre, none, s, p, dt=0.01)
    assert (s.post_pre.item(), s.correlation_trace.item(), s.anti_correlation_trace.item()) \
        == (0.0, 1.0, 0.0)
    s = cs.correlation_sensor_step(none, post, s, p, dt=0.01)  # c decays (last event pre)
    np.testing.assert_allclose([s.post_pre.item(), s.correlation_trace.item(),
                                s.anti_correlation_trace.item()], [1.0, 0.9, 0.5])
    s = cs.correlation_sensor_step(pre, none, s, p, dt=0.01)  # c frozen, anti decays
    np.testing.assert_allclose([s.post_pre.item(), s.correlation_trace.item(),
                                s.anti_correlation_trace.item()], [0.0, 1.9, 0.4])
    s = cs.correlation_sensor_step(pre, post, s, p, dt=0.01)  # simultaneous: p unchanged
    assert s.post_pre.item() == 0.0


def test_correlation_sensor_keeps_batch_samples_apart():
    batch, n_pre, n_post = 3, 3, 3  # the shape where Norse mixes the samples
    z = np.zeros((batch, n_pre, n_post), np.float32)
    s = cs.CorrelationSensorState(z, z, z)
    z_pre = np.zeros((batch, n_pre), np.float32)
    z_pre[0, 0] = 1
    z_post = np.zeros((batch, n_post), np.float32)
    z_post[2, 1] = 1
    s = cs.correlation_sensor_step(z_pre, z_post, s)
    expected_c = np.zeros_like(z)
    expected_c[0, 0, :] = 1  # neuron 0 of sample 0 reaches all its synapses, in sample 0 only
    expected_ac = np.zeros_like(z)
    expected_ac[2, :, 1] = 1
    np.testing.assert_array_equal(s.correlation_trace, expected_c)
    np.testing.assert_array_equal(s.anti_correlation_trace, expected_ac)
    np.testing.assert_array_equal(s.post_pre, expected_ac)


def test_lif_correlation_is_lif_plus_two_sensors():
    rng = np.random.default_rng(3)
    b, n_in, n = 2, 5, 4
    lif_state = lif.LIFState(z=(rng.random((b, n)) < 0.5).astype(np.float32),
                             v=rng.uniform(0, 1, (b, n)).astype(np.float32),
                             i=rng.uniform(0, 1, (b, n)).astype(np.float32))
    zs = lambda m: cs.CorrelationSensorState(*(rng.random((b, m, n)).round().astype(np.float32)
                                               for _ in range(3)))
    state = lif_correlation.LIFCorrelationState(lif_state, zs(n_in), zs(n))
    x = (rng.random((b, n_in)) < 0.5).astype(np.float32)
    w_in = rng.standard_normal((n, n_in)).astype(np.float32) * 2
    w_rec = rng.standard_normal((n, n)).astype(np.float32)
    z, s = lif_correlation.lif_correlation_step(x, state, w_in, w_rec)
    z_ref, lif_ref = lif.lif_step(x, lif_state, w_in, w_rec)
    assert np.array_equal(z, z_ref) and 0 < z.sum() < z.size
    for a, e in zip(s.lif_state, lif_ref):
        np.testing.assert_array_equal(a, e)
    for a, e in zip(s.input_correlation_state,
                    cs.correlation_sensor_step(x, z_ref, state.input_correlation_state)):
        np.testing.assert_array_equal(a, e)
    for a, e in zip(s.recurrent_correlation_state,
                    cs.correlation_sensor_step(lif_state.z, z_ref,
                                               state.recurrent_correlation_state)):
        np.testing.assert_array_equal(a, e)


# --------------------------------------------------------------------------- dtype, mutation
def _all_calls(dtype):
    """(function, args) for every step function, with arrays of ``dtype``."""
    rng = np.random.default_rng(4)
    f = lambda *shape: rng.random(shape).astype(dtype)  # noqa: E731
    spikes = lambda *shape: (rng.random(shape) < 0.5).astype(dtype)  # noqa: E731
    return [
        (tm.stp_step, (spikes(2, 3), tm.TsodyksMakramState(f(2, 3), f(2, 3)),
                       tm.TsodyksMakramParameters())),
        (stdp_sensor.stdp_sensor_step, (spikes(2, 3), spikes(2, 4),
                                        stdp_sensor.STDPSensorState(f(2, 3), f(2, 4)))),
        (cs.correlation_sensor_step, (spikes(2, 3), spikes(2, 4),
                                      cs.CorrelationSensorState(spikes(2, 3, 4), f(2, 3, 4),
                                                                f(2, 3, 4)))),
        (stdp.stdp_step_linear, (spikes(2, 3), spikes(2, 4), f(4, 3),
                                 stdp.STDPState(f(2, 3), f(2, 4)),
                                 stdp.STDPParameters(stdp_algorithm="multiplicative_pow",
                                                     mu=0.5))),
        (stdp.stdp_step_conv2d, (spikes(2, 2, 5, 5), spikes(2, 3, 3, 3), f(3, 2, 3, 3),
                                 stdp.STDPState(f(2, 2, 5, 5), f(2, 3, 3, 3)))),
        (lif_correlation.lif_correlation_step, (
            spikes(2, 3), lif_correlation.LIFCorrelationState(
                lif.LIFState(spikes(2, 4), f(2, 4), f(2, 4)),
                cs.CorrelationSensorState(spikes(2, 3, 4), f(2, 3, 4), f(2, 3, 4)),
                cs.CorrelationSensorState(spikes(2, 4, 4), f(2, 4, 4), f(2, 4, 4))),
            f(4, 3), f(4, 4))),
    ]


def _arrays(tree):
    if isinstance(tree, tuple):
        return [a for leaf in tree for a in _arrays(leaf)]
    return [tree] if isinstance(tree, np.ndarray) else []


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_outputs_keep_the_dtype_and_inputs_are_not_mutated(dtype):
    for function, args in _all_calls(dtype):
        inputs = _arrays(args)
        before = [a.copy() for a in inputs]
        out = function(*args)
        for a, b in zip(inputs, before):
            np.testing.assert_array_equal(a, b)
        for o in _arrays(out):
            assert o.dtype == dtype, function.__name__
            assert not any(np.shares_memory(o, a) for a in inputs), function.__name__


def test_python_number_states_run_in_float32():
    out, s = tm.stp_step(np.array([1.0, 0.0]), tm.TsodyksMakramState(u=0.0, x=1.0),
                         tm.TsodyksMakramParameters())
    assert out.dtype == s.u.dtype == s.x.dtype == np.float32
    s = stdp_sensor.stdp_sensor_step([1.0, 0.0], [True], stdp_sensor.STDPSensorState(0.0, 0.0))
    assert s.a_pre.shape == (2,) and s.a_post.dtype == np.float32
    w, s = stdp.stdp_step_linear([[1.0, 0.0]], [[1.0]], [[0.5, 0.5]], stdp.STDPState(0.0, 0.0))
    assert w.dtype == np.float32 and s.t_pre.shape == (1, 2)


# --------------------------------------------------------------------------- bad input
def _stdp_args(**changes):
    args = dict(z_pre=np.zeros((2, 3)), z_post=np.zeros((2, 4)), w=np.full((4, 3), 0.5),
                state_stdp=stdp.STDPState(np.zeros((2, 3)), np.zeros((2, 4))),
                p_stdp=stdp.STDPParameters(), dt=1e-3)
    args.update(changes)
    return args


@pytest.mark.parametrize("changes, error, match", [
    (dict(w=np.zeros((3, 4))), ValueError, r"w must have shape \(n_post, n_pre\) = \(4, 3\)"),
    (dict(z_post=np.zeros((3, 4))), ValueError, "share their batch axes"),
    (dict(state_stdp=stdp.STDPState(np.zeros((2, 5)), np.zeros((2, 4)))), ValueError,
     r"state_stdp.t_pre has shape \(2, 5\)"),
    (dict(p_stdp=stdp.STDPParameters(tau_pre_inv=-1.0)), ValueError,
     r"p_stdp.tau_pre_inv must be finite and >= 0"),
    (dict(p_stdp=stdp.STDPParameters(eta_minus=np.array([1e-3, -1e-3, 0.0]))), ValueError,
     "p_stdp.eta_minus"),
    (dict(p_stdp=stdp.STDPParameters(stdp_algorithm="hebbian")), ValueError,
     "p_stdp.stdp_algorithm must be one of"),
    (dict(p_stdp=stdp.STDPParameters(w_min=1.0, w_max=0.0)), ValueError, "w_min must not exceed"),
    (dict(p_stdp=stdp.STDPParameters(mu=-0.5)), ValueError, "p_stdp.mu"),
    (dict(p_stdp=stdp.STDPParameters(tau_post_inv=np.ones(3))), ValueError,
     r"p_stdp.tau_post_inv has shape \(3,\)"),
    (dict(state_stdp=(np.zeros((2, 3)), np.zeros((2, 4)))), TypeError,
     "state_stdp must be a STDPState"),
    (dict(w=np.full((4, 3), 0.5, np.float32)), TypeError, "share one floating dtype"),
    (dict(dt=-1e-3), ValueError, "dt must be finite and > 0"),
])
def test_stdp_linear_rejects_bad_input(changes, error, match):
    with pytest.raises(error, match=match):
        stdp.stdp_step_linear(**_stdp_args(**changes))


def test_stdp_conv2d_rejects_bad_geometry():
    s = stdp.STDPState(np.zeros((1, 2, 4, 4)), np.zeros((1, 3, 2, 2)))
    z_pre, z_post, w = np.zeros((1, 2, 4, 4)), np.zeros((1, 3, 2, 2)), np.zeros((3, 2, 3, 3))
    with pytest.raises(ValueError, match=r"z_post must have shape .* \(1, 3, 2, 2\)"):
        stdp.stdp_step_conv2d(z_pre, np.zeros((1, 3, 3, 3)), w, s)
    with pytest.raises(ValueError, match=r"C_in=2"):
        stdp.stdp_step_conv2d(z_pre, z_post, np.zeros((3, 1, 3, 3)), s)
    with pytest.raises(ValueError, match=r"larger than the padded input \(4, 4\)"):
        stdp.stdp_step_conv2d(z_pre, z_post, np.zeros((3, 2, 5, 5)), s)
    with pytest.raises(ValueError, match=r"larger than the padded input \(4, 4\)"):
        stdp.stdp_step_conv2d(z_pre, z_post, w, s, stdp.STDPParameters(dilation=2))
    with pytest.raises(ValueError, match=r"stride must be >= 1"):
        stdp.stdp_step_conv2d(z_pre, z_post, w, s, stdp.STDPParameters(stride=0))
    with pytest.raises(TypeError, match=r"padding must be an int or a pair of ints"):
        stdp.stdp_step_conv2d(z_pre, z_post, w, s, stdp.STDPParameters(padding=1.5))
    with pytest.raises(ValueError, match=r"z_pre must have shape \(batch, C_in, H, W\)"):
        stdp.stdp_step_conv2d(z_pre[0], z_post, w, s)


def test_unfold_rejects_kernels_larger_than_the_padded_input():
    x = np.zeros((1, 1, 4, 5))
    with pytest.raises(ValueError, match=r"spans \(6, 2\) pixels, larger than the padded "
                                         r"input \(4, 5\)"):
        stdp.unfold(x, (6, 2))
    assert stdp.unfold(x, (6, 2), padding=1).shape == (1, 12, 1 * 6)
    with pytest.raises(ValueError, match="input must have shape"):
        stdp.unfold(np.zeros((4, 5)), 2)


def test_sensors_and_stp_reject_bad_input():
    s = tm.TsodyksMakramState(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="p.tau_d_inv must be finite and >= 0"):
        tm.stp_step(np.zeros(3), s, tm.TsodyksMakramParameters(tau_d_inv=-1.0))
    with pytest.raises(ValueError, match=r"p.U must lie in \[0, 1\]"):
        tm.stp_step(np.zeros(3), s, tm.TsodyksMakramParameters(U=1.5))
    with pytest.raises(ValueError, match="z and the state shapes do not broadcast"):
        tm.stp_step(np.zeros(4), s, tm.TsodyksMakramParameters())
    with pytest.raises(TypeError, match="p must be a TsodyksMakramParameters"):
        tm.stp_step(np.zeros(3), s, stdp_sensor.STDPSensorParameters())

    ss = stdp_sensor.STDPSensorState(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="z_post and state.a_post shapes do not broadcast"):
        stdp_sensor.stdp_sensor_step(np.zeros(3), np.zeros(3), ss)
    with pytest.raises(ValueError, match="p.tau_ac_inv must be finite and >= 0"):
        stdp_sensor.stdp_sensor_step(np.zeros(3), np.zeros(4), ss,
                                     stdp_sensor.STDPSensorParameters(tau_ac_inv=-10.0))

    z = np.zeros((2, 3, 4))
    cstate = cs.CorrelationSensorState(z, z, z)
    with pytest.raises(ValueError, match=r"z_pre must have shape \(2, 3\)"):
        cs.correlation_sensor_step(np.zeros((2, 4)), np.zeros((2, 4)), cstate)
    with pytest.raises(ValueError, match=r"z_post must have shape \(2, 4\)"):
        cs.correlation_sensor_step(np.zeros((2, 3)), np.zeros((1, 4)), cstate)
    with pytest.raises(ValueError, match="state.correlation_trace has shape"):
        cs.correlation_sensor_step(np.zeros((2, 3)), np.zeros((2, 4)),
                                   cstate._replace(correlation_trace=np.zeros((3, 4))))
    with pytest.raises(ValueError, match="p.tau_c_inv has a non-finite value"):
        cs.correlation_sensor_step(np.zeros((2, 3)), np.zeros((2, 4)), cstate,
                                   cs.CorrelationSensorParameters(tau_c_inv=np.nan))


@pytest.mark.parametrize("n_pre, n_post", [(0, 3), (3, 0), (0, 0)])
def test_stdp_linear_accepts_empty_layers(n_pre, n_post):
    w = np.zeros((n_post, n_pre), np.float32)
    s = stdp.STDPState(np.zeros((2, n_pre), np.float32), np.zeros((2, n_post), np.float32))
    w_new, s_new = stdp.stdp_step_linear(np.ones((2, n_pre), np.float32),
                                         np.ones((2, n_post), np.float32), w, s,
                                         stdp.STDPParameters())
    assert w_new.shape == (n_post, n_pre) and s_new.t_pre.shape == (2, n_pre)
