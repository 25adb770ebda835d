"""Norse parity for COBA LIF, multi-compartment LIF (+ refractory), LSNN and Izhikevich.

Every function runs side by side with Norse 1.1.0 for 200 steps, with a
batch axis, per-neuron parameters (non-zero leak and reset potentials), two
time steps, in float32 and float64. None of these models has a
transcendental, so states and spikes must agree bit for bit. Matrix
products are made exact whatever the summation order: weights are dyadic
(multiples of 2**-6), inputs to them are spikes, and the coupling matrices
of the multi-compartment models have one non-zero entry per row. One test
per coupled model also runs a dense coupling matrix, where BLAS summation
order may differ, and bounds the difference instead.

Where Norse departs from its documented equations, the Norse-exact variant in
:mod:`refsnn.compat.norse` is checked bit for bit, and a second test
demonstrates how (and only how) the reference differs. Where possible the
reference is also shown to be bit-identical to a composition of Norse's
own building blocks that implements the documented model.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("norse")

from norse.torch.functional import coba_lif as n_coba  # noqa: E402
from norse.torch.functional import izhikevich as n_izh  # noqa: E402
from norse.torch.functional import lif as n_lif  # noqa: E402
from norse.torch.functional import lif_mc as n_mc  # noqa: E402
from norse.torch.functional import lif_mc_refrac as n_mcr  # noqa: E402
from norse.torch.functional import lif_refrac as n_refrac  # noqa: E402
from norse.torch.functional import lsnn as n_lsnn  # noqa: E402

from refsnn.compat.norse import coba_lif as c_coba  # noqa: E402
from refsnn.compat.norse import lif_mc as c_mc  # noqa: E402
from refsnn.compat.norse import lif_mc_refrac as c_mcr  # noqa: E402
from refsnn.compat.norse import lsnn as c_lsnn  # noqa: E402
from refsnn.functional import coba_lif, izhikevich, lif, lif_mc, lif_mc_refrac  # noqa: E402
from refsnn.functional import lif_refrac, lsnn  # noqa: E402

B, N, N_IN, T = 2, 16, 10, 200
DTYPES = [np.float32, np.float64]
DTS = [1e-3, 4e-4]
DENSE_MAXULP = 4  # dense coupling: BLAS summation order (1 ulp observed over T steps)


# ---------------------------------------------------------------- helpers
def to_norse(ref, cls, **nested):
    """Norse's ``cls`` holding the values of the refsnn tuple ``ref`` as (copied) tensors."""
    values = {}
    for field, value in zip(ref._fields, ref):
        values[field] = nested[field] if field in nested else torch.from_numpy(np.array(value))
    return cls(**values)


def leaves(tree):
    if isinstance(tree, tuple):
        for value in tree:
            yield from leaves(value)
    else:
        yield tree


def as_numpy(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def assert_same(ours, theirs, maxulp=0):
    """Leaf by leaf: same dtype and shape; bit identity, or at most ``maxulp`` ulp.

    The ulp is that of ``max(|a|, |b|, 1)`` (values pass near zero by
    cancellation, where a relative bound would be meaningless).
    """
    for a, b in zip(leaves(ours), leaves(theirs), strict=True):
        a, b = np.asarray(a), as_numpy(b)
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
        if maxulp == 0:
            np.testing.assert_array_equal(a, b, strict=True)
        else:
            scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1).astype(a.dtype)
            ulps = np.abs(a - b) / np.spacing(scale)
            assert ulps.max() <= maxulp, f"{ulps.max()} ulp > {maxulp}"


def run_pair(ours, theirs, state, norse_state, xs, maxulp=0):
    """Step both implementations through ``xs``; spikes identical, states within ``maxulp``.

    Every step's spikes and state are recorded and compared at the end.
    Returns the spikes, shape ``(T, ...)``.
    """
    trajectory, norse_trajectory = [], []
    for x in xs:
        z, state = ours(x, state)
        z_t, norse_state = theirs(torch.from_numpy(x.copy()), norse_state)
        trajectory.append((z, *leaves(state)))
        norse_trajectory.append((z_t.numpy(), *(as_numpy(a) for a in leaves(norse_state))))
    stacked = [np.stack(a) for a in zip(*trajectory)]
    norse_stacked = [np.stack(a) for a in zip(*norse_trajectory)]
    assert_same(stacked[0], norse_stacked[0])
    assert_same(stacked[1:], norse_stacked[1:], maxulp)
    return stacked[0]


def assert_lively(z):
    """The run exercises both branches: spikes, and many silent steps."""
    assert 0.01 < z.mean() < 0.8, z.mean()


def uniform(rng, lo, hi, shape, dtype):
    return rng.uniform(lo, hi, shape).astype(dtype)


def dyadic(rng, lo, hi, shape, dtype, bits=6):
    return (np.round(rng.uniform(lo, hi, shape) * 2**bits) / 2**bits).astype(dtype)


def spikes(rng, prob, shape, dtype):
    return (rng.random(shape) < prob).astype(dtype)


def zeros(dtype, n=N):
    return np.zeros((B, n), dtype)


def sparse_coupling(rng, dtype, scale=1.0):
    """One non-zero per row (a scaled permutation): the product ``v G^T`` is exact."""
    g = np.zeros((N, N), dtype)
    g[np.arange(N), rng.permutation(N)] = dyadic(rng, -scale, scale, N, dtype)
    return g


def dense_coupling(rng, dtype, scale=1.0):
    g = uniform(rng, -scale, scale, (N, N), dtype) / N
    return g - np.diag(g.sum(axis=1))  # conductances: rows sum to zero


def t(x):
    return torch.from_numpy(np.array(x))


pytestmark = pytest.mark.parametrize("dtype", DTYPES)


# ---------------------------------------------------------------- COBA LIF
def coba_params(rng, dtype):
    return coba_lif.CobaLIFParameters(
        tau_syn_exc_inv=uniform(rng, 150, 350, N, dtype),
        tau_syn_inh_inv=uniform(rng, 100, 300, N, dtype),
        c_m_inv=uniform(rng, 3, 7, N, dtype), g_l=uniform(rng, 0.15, 0.35, N, dtype),
        e_rev_I=uniform(rng, -110, -90, N, dtype), e_rev_E=uniform(rng, 40, 70, N, dtype),
        v_rest=uniform(rng, -25, -15, N, dtype), v_reset=uniform(rng, -75, -65, N, dtype),
        v_thresh=uniform(rng, -12, -8, N, dtype),
    )


@pytest.mark.parametrize("dt", DTS)
def test_coba_feed_forward(dtype, dt):
    rng = np.random.default_rng(1)
    p = coba_params(rng, dtype)
    pt = to_norse(p, n_coba.CobaLIFParameters)
    s = coba_lif.CobaLIFFeedForwardState(v=uniform(rng, -70, -20, (B, N), dtype),
                                         g_e=zeros(dtype), g_i=zeros(dtype))
    xs = uniform(rng, -2.0, 6.0, (T, B, N), dtype) * (dt / 1e-3)
    z = run_pair(lambda x, s: coba_lif.coba_lif_feed_forward_step(x, s, p, dt),
                 lambda x, s: n_coba.coba_lif_feed_forward_step(x, s, pt, dt),
                 s, to_norse(s, n_coba.CobaLIFFeedForwardState), xs)
    assert_lively(z)


def coba_recurrent_setup(dtype, dt, seed=2, w_rec_range=(-8.0, 12.0)):
    rng = np.random.default_rng(seed)
    p = coba_params(rng, dtype)
    k = dt / 1e-3
    w_in = dyadic(rng, -2.0 * k, 4.0 * k, (N, N_IN), dtype)
    # Norse's step sees only recurrent input: strong enough to sustain activity
    w_rec = dyadic(rng, *w_rec_range, (N, N), dtype)
    s = coba_lif.CobaLIFState(z=spikes(rng, 0.5, (B, N), dtype),
                              v=uniform(rng, -70, -11, (B, N), dtype),
                              g_e=uniform(rng, 0, 2, (B, N), dtype), g_i=zeros(dtype))
    xs = spikes(rng, 0.3, (T, B, N_IN), dtype)
    return p, w_in, w_rec, s, xs


@pytest.mark.parametrize("dt", DTS)
def test_coba_recurrent_compat(dtype, dt):
    p, w_in, w_rec, s, xs = coba_recurrent_setup(dtype, dt)
    pt = to_norse(p, n_coba.CobaLIFParameters)
    w_in_t, w_rec_t = t(w_in), t(w_rec)
    z = run_pair(lambda x, s: c_coba.coba_lif_step(x, s, w_in, w_rec, p, dt),
                 lambda x, s: n_coba.coba_lif_step(x, s, w_in_t, w_rec_t, pt, dt),
                 s, to_norse(s, n_coba.CobaLIFState), xs)
    assert_lively(z)


def test_coba_recurrent_deviation(dtype):
    """Norse drops the input jump; the reference adds it, and nothing else changes."""
    dt = 1e-3
    p, w_in, w_rec, s, xs = coba_recurrent_setup(dtype, dt)
    pt = to_norse(p, n_coba.CobaLIFParameters)
    s_t = to_norse(s, n_coba.CobaLIFState)
    w_in_t, w_rec_t = t(w_in), t(w_rec)
    silent = np.zeros_like(xs[0])
    # Norse's output does not depend on the input spikes at all ...
    _, with_input = n_coba.coba_lif_step(t(xs[0]), s_t, w_in_t, w_rec_t, pt, dt)
    _, without = n_coba.coba_lif_step(t(silent), s_t, w_in_t, w_rec_t, pt, dt)
    assert_same(with_input, without)
    # ... and the reference agrees with it bit for bit when there is no input,
    _, ref_silent = coba_lif.coba_lif_step(silent, s, w_in, w_rec, p, dt)
    assert_same(ref_silent, without)
    # but with input the conductances jump by relu(+-w_in) x on top of Norse's
    _, ref = coba_lif.coba_lif_step(xs[0], s, w_in, w_rec, p, dt)
    np.testing.assert_array_equal(ref.g_e - ref_silent.g_e != 0,
                                  (xs[0] @ np.maximum(w_in, 0).T) != 0)
    jump_e = (s.g_e + xs[0] @ np.maximum(w_in, 0).T + s.z @ np.maximum(w_rec, 0).T)
    np.testing.assert_array_equal(ref.g_e, jump_e - dtype(dt) * p.tau_syn_exc_inv * jump_e)
    # so a layer that starts at rest is driven by its input in the reference only
    rest = coba_lif.CobaLIFState(zeros(dtype), np.broadcast_to(p.v_rest, (B, N)).astype(dtype),
                                 zeros(dtype), zeros(dtype))
    rest_t = to_norse(rest, n_coba.CobaLIFState)
    z_ref, z_norse = 0, 0
    for x in xs[:100]:
        z, rest = coba_lif.coba_lif_step(x, rest, w_in, w_rec, p, dt)
        z_t, rest_t = n_coba.coba_lif_step(t(x), rest_t, w_in_t, w_rec_t, pt, dt)
        z_ref, z_norse = z_ref + z.sum(), z_norse + z_t.sum().item()
    assert z_norse == 0 and z_ref > 0


# ---------------------------------------------------------------- LIF MC
def lif_params(rng, dtype):
    return lif.LIFParameters(
        tau_syn_inv=uniform(rng, 100, 300, N, dtype), tau_mem_inv=uniform(rng, 50, 150, N, dtype),
        v_leak=uniform(rng, -0.2, 0.2, N, dtype), v_th=uniform(rng, 0.8, 1.2, N, dtype),
        v_reset=uniform(rng, -0.3, 0.1, N, dtype),
    )


@pytest.mark.parametrize("dt, coupling", [(DTS[0], "sparse"), (DTS[1], "sparse"),
                                          (DTS[0], "dense")])
def test_lif_mc_feed_forward(dtype, dt, coupling):
    rng = np.random.default_rng(3)
    p = lif_params(rng, dtype)
    pt = to_norse(p, n_lif.LIFParameters)
    g = (sparse_coupling if coupling == "sparse" else dense_coupling)(rng, dtype, 20.0)
    g_t = t(g)
    s = lif.LIFFeedForwardState(v=zeros(dtype), i=zeros(dtype))
    xs = uniform(rng, 0.0, 0.8 * dt / 1e-3, (T, B, N), dtype)
    z = run_pair(lambda x, s: lif_mc.lif_mc_feed_forward_step(x, s, g, p, dt),
                 lambda x, s: n_mc.lif_mc_feed_forward_step(x, s, g_t, pt, dt),
                 s, to_norse(s, n_lif.LIFFeedForwardState), xs,
                 0 if coupling == "sparse" else DENSE_MAXULP)
    assert_lively(z)


def mc_recurrent_setup(dtype, dt, seed=4):
    rng = np.random.default_rng(seed)
    p = lif_params(rng, dtype)
    g = sparse_coupling(rng, dtype, 20.0)
    w_in = dyadic(rng, 0.0, 2.0 * dt / 1e-3, (N, N_IN), dtype)
    w_rec = dyadic(rng, -0.5, 0.2, (N, N), dtype)
    s = lif.LIFState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype))
    xs = spikes(rng, 0.2, (T, B, N_IN), dtype)
    return p, g, w_in, w_rec, s, xs


@pytest.mark.parametrize("dt", DTS)
def test_lif_mc_recurrent_compat(dtype, dt):
    p, g, w_in, w_rec, s, xs = mc_recurrent_setup(dtype, dt)
    pt = to_norse(p, n_lif.LIFParameters)
    w = (t(w_in), t(w_rec), t(g))
    z = run_pair(lambda x, s: c_mc.lif_mc_step(x, s, w_in, w_rec, g, p, dt),
                 lambda x, s: n_mc.lif_mc_step(x, s, *w, pt, dt),
                 s, to_norse(s, n_lif.LIFState), xs)
    assert_lively(z)


def norse_mc_coupling_first(x, s, w_in, w_rec, g, p, dt):
    """The documented order from Norse's own parts: couple, then ``lif_step``."""
    v_coupled = s.v + dt * torch.nn.functional.linear(s.v, g)
    return n_lif.lif_step(x, n_lif.LIFState(s.z, v_coupled, s.i), w_in, w_rec, p, dt)


@pytest.mark.parametrize("dt", DTS)
def test_lif_mc_recurrent_deviation(dtype, dt):
    """The reference = Norse's parts in the feed-forward order; Norse's step differs."""
    p, g, w_in, w_rec, s, xs = mc_recurrent_setup(dtype, dt)
    pt = to_norse(p, n_lif.LIFParameters)
    w = (t(w_in), t(w_rec), t(g))
    z = run_pair(lambda x, s: lif_mc.lif_mc_step(x, s, w_in, w_rec, g, p, dt),
                 lambda x, s: norse_mc_coupling_first(x, s, *w, pt, dt),
                 s, to_norse(s, n_lif.LIFState), xs)
    assert_lively(z)
    # one step from a common state: Norse's spiking neurons miss v_reset
    s = lif.LIFState(z=spikes(np.random.default_rng(0), 0.3, (B, N), dtype),
                     v=uniform(np.random.default_rng(1), 0.5, 1.3, (B, N), dtype),
                     i=zeros(dtype))
    z, ours = lif_mc.lif_mc_step(xs[0], s, w_in, w_rec, g, p, dt)
    z_t, theirs = n_mc.lif_mc_step(t(xs[0]), to_norse(s, n_lif.LIFState), *w, pt, dt)
    fired = z == 1
    assert fired.sum() > 3
    v_reset = np.broadcast_to(p.v_reset, (B, N))
    np.testing.assert_array_equal(ours.v[fired], v_reset[fired])
    assert np.all(theirs.v.numpy()[fired] != v_reset[fired])


# ---------------------------------------------------------------- LIF MC refrac
def refrac_params(rng, dtype):
    return lif_refrac.LIFRefracParameters(lif=lif_params(rng, dtype),
                                          rho_reset=uniform(rng, 2, 6, N, dtype).round())


def to_norse_refrac_p(p):
    return to_norse(p, n_refrac.LIFRefracParameters,
                    lif=to_norse(p.lif, n_lif.LIFParameters))


def to_norse_refrac_ff(s):
    return n_refrac.LIFRefracFeedForwardState(to_norse(s.lif, n_lif.LIFFeedForwardState),
                                              t(s.rho))


def to_norse_refrac(s):
    return n_refrac.LIFRefracState(to_norse(s.lif, n_lif.LIFState), t(s.rho))


def mcr_setup(dtype, dt, seed, recurrent):
    rng = np.random.default_rng(seed)
    p = refrac_params(rng, dtype)
    g = sparse_coupling(rng, dtype, 0.02)  # Norse omits dt: keep G v small per step
    w_in = dyadic(rng, 0.0, 2.0 * dt / 1e-3, (N, N_IN), dtype)
    w_rec = dyadic(rng, -0.5, 0.2, (N, N), dtype)
    lif_state = (lif.LIFState(zeros(dtype), zeros(dtype), zeros(dtype)) if recurrent
                 else lif.LIFFeedForwardState(zeros(dtype), zeros(dtype)))
    state_type = lif_refrac.LIFRefracState if recurrent else lif_refrac.LIFRefracFeedForwardState
    s = state_type(lif_state, zeros(dtype))
    xs = (spikes(rng, 0.2, (T, B, N_IN), dtype) if recurrent
          else uniform(rng, 0.0, 0.8 * dt / 1e-3, (T, B, N), dtype))
    return p, g, w_in, w_rec, s, xs


@pytest.mark.parametrize("dt", DTS)
def test_lif_mc_refrac_feed_forward_compat(dtype, dt):
    p, g, _, _, s, xs = mcr_setup(dtype, dt, 5, recurrent=False)
    pt, g_t = to_norse_refrac_p(p), t(g)
    z = run_pair(lambda x, s: c_mcr.lif_mc_refrac_feed_forward_step(x, s, g, p, dt),
                 lambda x, s: n_mcr.lif_mc_refrac_feed_forward_step(x, s, g_t, pt, dt),
                 s, to_norse_refrac_ff(s), xs)
    assert_lively(z)


@pytest.mark.parametrize("dt", DTS)
def test_lif_mc_refrac_recurrent_compat(dtype, dt):
    p, g, w_in, w_rec, s, xs = mcr_setup(dtype, dt, 6, recurrent=True)
    pt = to_norse_refrac_p(p)
    w = (t(w_in), t(w_rec), t(g))
    z = run_pair(lambda x, s: c_mcr.lif_mc_refrac_step(x, s, w_in, w_rec, g, p, dt),
                 lambda x, s: n_mcr.lif_mc_refrac_step(x, s, *w, pt, dt),
                 s, to_norse_refrac(s), xs)
    assert_lively(z)


def norse_mc_then_refractory_ff(x, s, g, p, dt):
    """The documented model from Norse's parts: ``lif_mc`` step, then the refractory update."""
    z, lif_new = n_mc.lif_mc_feed_forward_step(x, s.lif, g, p.lif, dt)
    v, z, rho = n_refrac.compute_refractory_update(s, z, lif_new.v, p)
    return z, n_refrac.LIFRefracFeedForwardState(n_lif.LIFFeedForwardState(v, lif_new.i), rho)


def norse_mc_then_refractory(x, s, w_in, w_rec, g, p, dt):
    z, lif_new = norse_mc_coupling_first(x, s.lif, w_in, w_rec, g, p.lif, dt)
    v, z, rho = n_refrac.compute_refractory_update(s, z, lif_new.v, p)
    return z, n_refrac.LIFRefracState(n_lif.LIFState(z, v, lif_new.i), rho)


@pytest.mark.parametrize("dt", DTS)
def test_lif_mc_refrac_reference_is_mc_then_refractory(dtype, dt):
    p, g, w_in, w_rec, s, xs = mcr_setup(dtype, dt, 7, recurrent=False)
    pt, g_t = to_norse_refrac_p(p), t(g)
    z = run_pair(lambda x, s: lif_mc_refrac.lif_mc_refrac_feed_forward_step(x, s, g, p, dt),
                 lambda x, s: norse_mc_then_refractory_ff(x, s, g_t, pt, dt),
                 s, to_norse_refrac_ff(s), xs)
    assert_lively(z)
    p, g, w_in, w_rec, s, xs = mcr_setup(dtype, dt, 8, recurrent=True)
    pt = to_norse_refrac_p(p)
    w = (t(w_in), t(w_rec), t(g))
    z = run_pair(lambda x, s: lif_mc_refrac.lif_mc_refrac_step(x, s, w_in, w_rec, g, p, dt),
                 lambda x, s: norse_mc_then_refractory(x, s, *w, pt, dt),
                 s, to_norse_refrac(s), xs)
    assert_lively(z)


def test_lif_mc_refrac_deviations(dtype):
    """Each of Norse's four departures, isolated on one step."""
    dt = 1e-3
    n = 4
    p = lif_refrac.LIFRefracParameters(
        lif=lif.LIFParameters(tau_syn_inv=dtype(200), tau_mem_inv=dtype(100),
                              v_leak=dtype(0), v_th=dtype(1), v_reset=dtype(0)),
        rho_reset=dtype(3))
    pt = to_norse_refrac_p(p)

    def both(x, v, i, rho, g):
        s = lif_refrac.LIFRefracFeedForwardState(
            lif.LIFFeedForwardState(v.astype(dtype), i.astype(dtype)), rho.astype(dtype))
        ours = lif_mc_refrac.lif_mc_refrac_feed_forward_step(x.astype(dtype), s, g, p, dt)
        theirs = n_mcr.lif_mc_refrac_feed_forward_step(
            t(x.astype(dtype)), to_norse_refrac_ff(s), t(g.astype(dtype)), pt, dt)
        return ours, (theirs[0].numpy(), theirs[1])

    zero = np.zeros(n)
    # 1. coupling: the reference adds dt * G v (before the leak), Norse adds G v
    g = np.diag(np.full(n, 0.5)).astype(dtype)
    v = np.full(n, 0.4)
    (_, ours), (_, theirs) = both(zero, v, zero, zero, g)
    v_coupled = v + dt * 0.5 * v
    np.testing.assert_allclose(ours.lif.v, v_coupled + dt * 100 * (0 - v_coupled), rtol=1e-6)
    np.testing.assert_allclose(theirs.lif.v.numpy(), v + dt * 100 * (0 - v) + 0.5 * v,
                               rtol=1e-6)
    # 2./3. a refractory neuron pushed over threshold: Norse spikes and moves v
    rho = np.full(n, 2.0)
    v = np.full(n, 0.9)
    g = np.diag(np.full(n, 0.2)).astype(dtype)
    (z, ours), (z_t, theirs) = both(zero, v, zero, rho, g)
    assert np.all(z == 0) and np.all(ours.lif.v == dtype(0.9)) and np.all(ours.rho == 1)
    assert np.all(z_t == 1) and np.all(theirs.rho.numpy() == 3)
    g = np.diag(np.full(n, 0.05)).astype(dtype)
    (_, ours), (_, theirs) = both(zero, v, zero, rho, g)
    assert np.all(ours.lif.v == dtype(0.9)) and np.all(theirs.lif.v.numpy() > dtype(0.9))
    # 4. input current reaches the voltage in the same step (reference) or the next (Norse)
    x = np.full(n, 5.0)
    (_, ours), (_, theirs) = both(x, zero, zero, zero, np.zeros((n, n), dtype))
    np.testing.assert_allclose(ours.lif.v, dt * 100 * 5.0, rtol=1e-6)
    assert np.all(theirs.lif.v.numpy() == 0)
    np.testing.assert_allclose(ours.lif.i, 5.0 - dt * 200 * 5.0, rtol=1e-6)  # jumped, decayed
    np.testing.assert_allclose(theirs.lif.i.numpy(), 5.0, rtol=1e-6)  # decayed (0), jumped


# ---------------------------------------------------------------- LSNN
def lsnn_params(rng, dtype):
    return lsnn.LSNNParameters(
        tau_syn_inv=uniform(rng, 100, 300, N, dtype), tau_mem_inv=uniform(rng, 50, 150, N, dtype),
        tau_adapt_inv=uniform(rng, 5, 20, N, dtype), v_leak=uniform(rng, -0.2, 0.2, N, dtype),
        v_th=uniform(rng, 0.8, 1.2, N, dtype), v_reset=uniform(rng, -0.3, 0.1, N, dtype),
        beta=uniform(rng, 0.05, 0.5, N, dtype),
    )


@pytest.mark.parametrize("dt", DTS)
def test_lsnn_feed_forward(dtype, dt):
    rng = np.random.default_rng(9)
    p = lsnn_params(rng, dtype)
    pt = to_norse(p, n_lsnn.LSNNParameters)
    s = lsnn.LSNNFeedForwardState(v=zeros(dtype), i=zeros(dtype),
                                  b=np.broadcast_to(p.v_th, (B, N)).copy())
    xs = uniform(rng, 0.0, 1.0 * dt / 1e-3, (T, B, N), dtype)
    z = run_pair(lambda x, s: lsnn.lsnn_feed_forward_step(x, s, p, dt),
                 lambda x, s: n_lsnn.lsnn_feed_forward_step(x, s, pt, dt),
                 s, to_norse(s, n_lsnn.LSNNFeedForwardState), xs)
    assert_lively(z)


def lsnn_recurrent_setup(dtype, dt, seed, b0):
    rng = np.random.default_rng(seed)
    p = lsnn_params(rng, dtype)
    w_in = dyadic(rng, 0.0, 2.0 * dt / 1e-3, (N, N_IN), dtype)
    w_rec = dyadic(rng, -0.5, 0.2, (N, N), dtype)
    b = np.broadcast_to(p.v_th, (B, N)).copy() if b0 == "v_th" else zeros(dtype)
    s = lsnn.LSNNState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype), b=b)
    xs = spikes(rng, 0.2, (T, B, N_IN), dtype)
    return p, w_in, w_rec, s, xs


@pytest.mark.parametrize("dt", DTS)
def test_lsnn_recurrent(dtype, dt):
    p, w_in, w_rec, s, xs = lsnn_recurrent_setup(dtype, dt, 10, "v_th")
    pt = to_norse(p, n_lsnn.LSNNParameters)
    w = (t(w_in), t(w_rec))
    z = run_pair(lambda x, s: lsnn.lsnn_step(x, s, w_in, w_rec, p, dt),
                 lambda x, s: n_lsnn.lsnn_step(x, s, *w, pt, dt),
                 s, to_norse(s, n_lsnn.LSNNState), xs)
    assert_lively(z)


@pytest.mark.parametrize("dt", DTS)
def test_ada_lif_compat(dtype, dt):
    p, w_in, w_rec, s, xs = lsnn_recurrent_setup(dtype, dt, 11, "zero")
    pt = to_norse(p, n_lsnn.LSNNParameters)
    w = (t(w_in), t(w_rec))
    z = run_pair(lambda x, s: c_lsnn.ada_lif_step(x, s, w_in, w_rec, p, dt),
                 lambda x, s: n_lsnn.ada_lif_step(x, s, *w, pt, dt),
                 s, to_norse(s, n_lsnn.LSNNState), xs)
    assert_lively(z)


def test_ada_lif_deviation(dtype):
    """Only the reset differs: the reference sets v_reset, Norse subtracts v_th - v_reset."""
    dt = 1e-3
    p, w_in, w_rec, _, xs = lsnn_recurrent_setup(dtype, dt, 12, "zero")
    pt = to_norse(p, n_lsnn.LSNNParameters)
    rng = np.random.default_rng(13)
    s = lsnn.LSNNState(z=spikes(rng, 0.3, (B, N), dtype), v=uniform(rng, 0.0, 1.3, (B, N), dtype),
                       i=uniform(rng, 0, 30, (B, N), dtype), b=uniform(rng, 0, 2, (B, N), dtype))
    z, ours = lsnn.ada_lif_step(xs[0], s, w_in, w_rec, p, dt)
    z_t, theirs = n_lsnn.ada_lif_step(t(xs[0]), to_norse(s, n_lsnn.LSNNState),
                                      t(w_in), t(w_rec), pt, dt)
    assert_same(z, z_t)
    assert_same((ours.z, ours.i, ours.b), (theirs.z, theirs.i, theirs.b))
    fired = z == 1
    assert 3 < fired.sum() < fired.size - 3
    v_t = theirs.v.numpy()
    np.testing.assert_array_equal(ours.v[~fired], v_t[~fired])
    v_reset = np.broadcast_to(p.v_reset, (B, N))
    np.testing.assert_array_equal(ours.v[fired], v_reset[fired])
    v_th = np.broadcast_to(p.v_th, (B, N))
    assert np.all(v_t[fired] > v_reset[fired])  # Norse keeps the overshoot above v_th
    np.testing.assert_allclose(v_t[fired] - v_reset[fired],
                               (v_t[fired] + (v_th - v_reset)[fired]) - v_th[fired],
                               rtol=1e-5)


# ---------------------------------------------------------------- Izhikevich
PRESETS = ["tonic_spiking", "phasic_spiking", "tonic_bursting", "phasic_bursting",
           "mixed_mode", "spike_frequency_adaptation", "class_1_exc", "class_2_exc",
           "spike_latency", "subthreshold_oscillation", "resonator", "integrator",
           "rebound_spike", "rebound_burst", "threshold_variability", "bistability", "dap",
           "accomodation", "inhibition_induced_spiking", "inhibition_induced_bursting"]


def izh_params(rng, dtype):
    return izhikevich.IzhikevichParameters(
        a=uniform(rng, 0.01, 0.1, N, dtype), b=uniform(rng, 0.15, 0.26, N, dtype),
        c=uniform(rng, -65, -50, N, dtype), d=uniform(rng, 0.5, 8, N, dtype),
        sq=uniform(rng, 0.035, 0.045, N, dtype), mn=uniform(rng, 4.5, 5.5, N, dtype),
        bias=uniform(rng, 130, 150, N, dtype), v_th=uniform(rng, 25, 35, N, dtype),
        tau_inv=uniform(rng, 150, 300, N, dtype),
    )


def to_norse_izh(p):
    return n_izh.IzhikevichParameters(**{f: t(v) for f, v in zip(p._fields, p)})


@pytest.mark.parametrize("dt", DTS)
def test_izhikevich_feed_forward(dtype, dt):
    rng = np.random.default_rng(14)
    p = izh_params(rng, dtype)
    pt = to_norse_izh(p)
    s = izhikevich.IzhikevichState(v=uniform(rng, -70, -60, (B, N), dtype),
                                   u=uniform(rng, -15, -12, (B, N), dtype))
    xs = uniform(rng, 0, 20, (T, B, N), dtype)
    z = run_pair(lambda x, s: izhikevich.izhikevich_feed_forward_step(x, s, p, dt),
                 lambda x, s: n_izh.izhikevich_feed_forward_step(x, s, pt, dt),
                 s, to_norse(s, n_izh.IzhikevichState), xs)
    assert_lively(z)


@pytest.mark.parametrize("dt", DTS)
def test_izhikevich_recurrent(dtype, dt):
    rng = np.random.default_rng(15)
    p = izh_params(rng, dtype)
    pt = to_norse_izh(p)
    w_in = dyadic(rng, 0, 40, (N, N_IN), dtype)
    w_rec = dyadic(rng, -20, 10, (N, N), dtype)
    s = izhikevich.IzhikevichRecurrentState(z=zeros(dtype),
                                            v=uniform(rng, -70, -60, (B, N), dtype),
                                            u=uniform(rng, -15, -12, (B, N), dtype))
    xs = spikes(rng, 0.3, (T, B, N_IN), dtype)
    w = (t(w_in), t(w_rec))
    z = run_pair(lambda x, s: izhikevich.izhikevich_recurrent_step(x, s, w_in, w_rec, p, dt),
                 lambda x, s: n_izh.izhikevich_recurrent_step(x, s, *w, pt, dt),
                 s, to_norse(s, n_izh.IzhikevichRecurrentState), xs)
    assert_lively(z)


@pytest.mark.parametrize("name", PRESETS)
def test_izhikevich_presets_match_norse(dtype, name):
    """Same parameters; same initial state values; float32 state as in Norse."""
    ours, theirs = getattr(izhikevich, name), getattr(n_izh, name)
    assert tuple(ours.p) == tuple(theirs.p)[:len(ours.p)]
    assert ours.p == getattr(izhikevich, name + "_p")
    for a, b in ((ours.s.v, theirs.s.v), (ours.s.u, theirs.s.u)):
        b = as_numpy(b)
        assert a.dtype == np.float32 and a.shape == b.shape == ()
        np.testing.assert_array_equal(a, b.astype(np.float32))


def test_izhikevich_all_presets_bit_identical_with_tensor_parameters(dtype):
    """All presets at once (one per neuron, parameters as per-neuron tensors), 4 currents."""
    behaviours = [getattr(izhikevich, name) for name in PRESETS]
    p = izhikevich.IzhikevichParameters(
        *(np.array([b.p[k] for b in behaviours], dtype) for k in range(len(behaviours[0].p))))
    pt = to_norse_izh(p)
    n = len(PRESETS)
    s = izhikevich.IzhikevichState(*(np.tile(np.array([b.s[k] for b in behaviours], dtype),
                                             (4, 1)) for k in range(2)))
    xs = np.broadcast_to(np.array([0.0, 3.0, 10.0, 25.0], dtype)[:, None], (T, 4, n)).copy()
    for dt in DTS:
        z = run_pair(lambda x, s: izhikevich.izhikevich_feed_forward_step(x, s, p, dt),
                     lambda x, s: n_izh.izhikevich_feed_forward_step(x, s, pt, dt),
                     s, to_norse(s, n_izh.IzhikevichState), xs)
        assert_lively(z)


@pytest.mark.parametrize("name", PRESETS)
def test_izhikevich_presets_as_shipped(dtype, name):
    """Norse's presets with their Python-float parameters, at an awkward dt.

    float64: bit identical (Norse's double-precision folding is float64
    arithmetic). float32: Norse folds ``tau_inv * dt`` and ``tau_inv * dt * a``
    in double precision and rounds once, refsnn rounds every factor to
    float32 first, so the step factors can differ by an ulp. Bound that
    local difference: from each of Norse's states, one refsnn step lands
    within 4 ulp of Norse's next state, with the same spikes. (Free runs
    can then drift apart by many ulp and, rarely, move a spike by a step.)
    Checking every one-step map along Norse's trajectory is, in float64,
    equivalent to comparing free runs: identical maps give identical runs.
    """
    dt = 7e-4
    ours, theirs = getattr(izhikevich, name), getattr(n_izh, name)
    currents = np.linspace(0, 25, N, dtype=dtype) + (55 if "inhibition" in name else 0)
    s_t = n_izh.IzhikevichState(*(torch.from_numpy(np.full(N, a, dtype)) for a in ours.s))
    states, spikes_t = [s_t], []
    for _ in range(250 if "inhibition" in name else 100):  # slow onset there
        z_t, s_t = n_izh.izhikevich_feed_forward_step(t(currents), s_t, theirs.p, dt)
        states.append(s_t)
        spikes_t.append(z_t.numpy())
    before, after = (izhikevich.IzhikevichState(*(np.stack([as_numpy(s[k]) for s in part])
                                                  for k in range(2)))
                     for part in (states[:-1], states[1:]))
    # one refsnn step from every state of Norse's trajectory at once
    z, stepped = izhikevich.izhikevich_feed_forward_step(currents, before, ours.p, dt)
    assert_same(z, np.array(spikes_t))
    assert_same(stepped, after, 0 if dtype == np.float64 else 4)
    assert z.sum() > 0


def test_izhikevich_shipped_folding(dtype):
    """Why float32 differs and float64 does not: Norse's double-precision folding."""
    p, dt = izhikevich.tonic_spiking_p, 7e-4
    norse_factor = dtype(p.tau_inv * dt * p.a)  # Python floats, rounded once
    ours = dtype(p.tau_inv) * dtype(dt) * dtype(p.a)  # every factor rounded first
    if dtype == np.float32:
        assert norse_factor != ours
    else:
        assert norse_factor == ours
