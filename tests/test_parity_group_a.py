"""Norse parity for IAF, box LI/LIF, LIFEx, AdEx and the refractory models.

Every function is run side by side with Norse 1.1.0 for 300 steps, with a
batch axis, per-neuron parameters (non-zero ``v_leak`` and ``v_reset``), two
time steps and both float32 and float64. Elementwise arithmetic without
transcendentals must agree bit for bit; models with an exponential may differ
by a few ulp (refsnn evaluates float32 ``exp`` in float64); spikes must be
identical in every step. Models with an exponential are also run with
Norse's own (torch) ``exp`` patched into refsnn: then they too must agree bit
for bit, which shows that every other operation is Norse's, in Norse's order.
Recurrent models use dyadic weights and spike
inputs so that every matrix product is exact whatever the summation order,
which lets them be held to the same standard.

Where Norse departs from its documented equations, the Norse-exact variant in
:mod:`refsnn.compat.norse` is checked bit for bit (or to the same ulp bound)
and a second test demonstrates how the reference differs.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("norse")

from norse.torch.functional import iaf as n_iaf  # noqa: E402
from norse.torch.functional import leaky_integrator_box as n_li_box  # noqa: E402
from norse.torch.functional import lif as n_lif  # noqa: E402
from norse.torch.functional import lif_adex as n_adex  # noqa: E402
from norse.torch.functional import lif_adex_refrac as n_adex_refrac  # noqa: E402
from norse.torch.functional import lif_box as n_lif_box  # noqa: E402
from norse.torch.functional import lif_ex as n_lif_ex  # noqa: E402
from norse.torch.functional import lif_refrac as n_refrac  # noqa: E402
from norse.torch.functional import reset as n_reset  # noqa: E402

from refsnn.compat.norse import lif_adex as c_adex  # noqa: E402
from refsnn.compat.norse import lif_adex_refrac as c_adex_refrac  # noqa: E402
from refsnn.compat.norse import lif_ex as c_lif_ex  # noqa: E402
from refsnn.functional import iaf, li_box, lif, lif_adex, lif_adex_refrac, lif_box  # noqa: E402
from refsnn.functional import lif_ex, lif_refrac, reset  # noqa: E402

B, N, N_IN, T = 2, 16, 10, 200
DTYPES = [np.float32, np.float64]
DTS = [1e-3, 3e-4]
EXP_MAXULP = 4  # exp evaluated differently (float64-then-round vs torch's float32 exp; libms)

NORSE_RESET = {reset.reset_value: n_reset.reset_value, reset.reset_subtract: n_reset.reset_subtract}


# ---------------------------------------------------------------- conversion
def to_norse(ref, cls, **nested):
    """A Norse NamedTuple ``cls`` with the values of the refsnn NamedTuple ``ref``.

    Arrays and numbers become (copied) tensors, reset callables their Norse
    counterparts; ``nested`` gives converted values for nested fields.
    """
    values = {}
    for field, value in zip(ref._fields, ref):
        if field in nested:
            values[field] = nested[field]
        elif callable(value):
            values[field] = NORSE_RESET[value]
        else:
            values[field] = torch.from_numpy(np.array(value))
    return cls(**values)


def leaves(tree):
    if hasattr(tree, "_fields"):
        for value in tree:
            yield from leaves(value)
    else:
        yield tree


def as_numpy(x):
    return x.numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def assert_same(ours, theirs, maxulp):
    """Compare every leaf (same dtype and shape) of two trees.

    ``maxulp == 0``: bit identity. ``maxulp > 0``: the difference is at most
    ``maxulp`` ulp of ``max(|a|, |b|, 1)``; the floor at 1 (the scale of the
    voltages here) keeps a value that passes near zero by cancellation from
    turning an ulp-sized absolute difference into a huge relative one.
    ``maxulp is None``: closeness, for the encoders' subtractive reset
    ``v - (v - v_reset)``, which turns an ulp of a large ``v`` into many ulp
    of the small ``v_reset``.
    """
    for a, b in zip(leaves(ours), leaves(theirs), strict=True):
        b = as_numpy(b)
        a = np.asarray(a)
        assert a.dtype == b.dtype and a.shape == b.shape
        if maxulp == 0:
            np.testing.assert_array_equal(a, b, strict=True)
        elif maxulp is None:
            tol = 1e-5 if a.dtype == np.float32 else 1e-12
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol, strict=True)
        else:
            scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1).astype(a.dtype)
            ulps = np.abs(a - b) / np.spacing(scale)
            assert ulps.max() <= maxulp, f"{ulps.max()} ulp > {maxulp}"


def _torch_exp(x):
    return torch.exp(torch.from_numpy(np.array(x))).numpy()


@pytest.fixture
def exp_ulp(request, monkeypatch):
    """Run an exponential model with Norse's exp (bit identity) or refsnn's (ulp bound).

    Yields the ulp bound to use for states.
    """
    if request.param == "torch exp":
        monkeypatch.setattr(lif_ex, "exp", _torch_exp)
        monkeypatch.setattr(lif_adex, "exp", _torch_exp)
        return 0
    return EXP_MAXULP


# Exponential models: bit identity with Norse's exp (the operation order does
# not depend on the dtype, so float32 suffices), the ulp bound with refsnn's
# exp for both dtypes and both time steps.
exp_cases = pytest.mark.parametrize(
    ("exp_ulp", "dtype", "dt"),
    [("torch exp", np.float32, DTS[0])]
    + [("refsnn exp", dtype, dt) for dtype in DTYPES for dt in DTS],
    indirect=["exp_ulp"],
)


def run_pair(ours, theirs, state, norse_state, xs, maxulp, spikes_exact=True):
    """Run both step functions over ``xs`` and compare every step's output and state.

    Returns the stacked outputs (spikes, or voltages for integrators).
    """
    trajectory, norse_trajectory = [], []
    for x in xs:
        z, state = ours(x, state)
        z_t, norse_state = theirs(torch.from_numpy(x.copy()), norse_state)
        trajectory.append((z, *leaves(state)))
        norse_trajectory.append((z_t.numpy(), *(as_numpy(a) for a in leaves(norse_state))))
    stacked = [np.stack(a) for a in zip(*trajectory)]
    norse_stacked = [np.stack(a) for a in zip(*norse_trajectory)]
    assert_same(stacked[0], norse_stacked[0], 0 if spikes_exact else maxulp)
    assert_same(stacked[1:], norse_stacked[1:], maxulp)
    return stacked[0]


def assert_lively(z):
    """The run exercises both branches: some spikes, and many silent steps."""
    assert 0.01 < z.mean() < 0.8, z.mean()


def uniform(rng, lo, hi, shape, dtype):
    return rng.uniform(lo, hi, shape).astype(dtype)


def dyadic(rng, lo, hi, shape, dtype, bits=6):
    """Random multiples of 2**-bits: sums of a few of them are exact in float32."""
    return (np.round(rng.uniform(lo, hi, shape) * 2**bits) / 2**bits).astype(dtype)


def spikes(rng, prob, shape, dtype):
    return (rng.random(shape) < prob).astype(dtype)


# ---------------------------------------------------------------- parameters
def iaf_params(rng, dtype):
    return iaf.IAFParameters(v_th=uniform(rng, 0.8, 1.2, N, dtype),
                             v_reset=uniform(rng, -0.3, 0.1, N, dtype))


def li_box_params(rng, dtype):
    return li_box.LIBoxParameters(tau_mem_inv=uniform(rng, 50, 150, N, dtype),
                                  v_leak=uniform(rng, -0.3, 0.3, N, dtype))


def lif_box_params(rng, dtype, reset_method=reset.reset_value):
    return lif_box.LIFBoxParameters(
        tau_mem_inv=uniform(rng, 50, 150, N, dtype), v_leak=uniform(rng, -0.2, 0.2, N, dtype),
        v_th=uniform(rng, 0.8, 1.2, N, dtype), v_reset=uniform(rng, -0.3, 0.1, N, dtype),
        reset_method=reset_method,
    )


def lif_ex_params(rng, dtype):
    return lif_ex.LIFExParameters(
        delta_T=uniform(rng, 0.2, 1.0, N, dtype), tau_syn_inv=uniform(rng, 100, 300, N, dtype),
        tau_mem_inv=uniform(rng, 50, 150, N, dtype), v_leak=uniform(rng, -0.2, 0.2, N, dtype),
        v_th=uniform(rng, 0.8, 1.2, N, dtype), v_reset=uniform(rng, -0.3, 0.1, N, dtype),
    )


def adex_params(rng, dtype):
    return lif_adex.LIFAdExParameters(
        adaptation_current=uniform(rng, 0.5, 3.0, N, dtype),
        adaptation_spike=uniform(rng, 0.05, 0.5, N, dtype),
        delta_T=uniform(rng, 0.2, 1.0, N, dtype), tau_ada_inv=uniform(rng, 1.0, 20.0, N, dtype),
        tau_syn_inv=uniform(rng, 100, 300, N, dtype), tau_mem_inv=uniform(rng, 50, 150, N, dtype),
        v_leak=uniform(rng, -0.2, 0.2, N, dtype), v_th=uniform(rng, 0.8, 1.2, N, dtype),
        v_reset=uniform(rng, -0.3, 0.1, N, dtype),
    )


def lif_params(rng, dtype):
    return lif.LIFParameters(
        tau_syn_inv=uniform(rng, 100, 300, N, dtype), tau_mem_inv=uniform(rng, 50, 150, N, dtype),
        v_leak=uniform(rng, -0.2, 0.2, N, dtype), v_th=uniform(rng, 0.8, 1.2, N, dtype),
        v_reset=uniform(rng, -0.3, 0.1, N, dtype),
    )


def zeros(dtype, n=N):
    return np.zeros((B, n), dtype)


dtypes = pytest.mark.parametrize("dtype", DTYPES)


# ---------------------------------------------------------------- IAF
@pytest.mark.parametrize("dt", DTS)
@dtypes
def test_iaf_feed_forward(dtype, dt):
    rng = np.random.default_rng(1)
    p = iaf_params(rng, dtype)
    pt = to_norse(p, n_iaf.IAFParameters)
    s = iaf.IAFFeedForwardState(v=zeros(dtype))
    xs = uniform(rng, -0.1, 0.4, (T, B, N), dtype)
    z = run_pair(lambda x, s: iaf.iaf_feed_forward_step(x, s, p, dt),
                 lambda x, s: n_iaf.iaf_feed_forward_step(x, s, pt, dt),
                 s, to_norse(s, n_iaf.IAFFeedForwardState), xs, 0)
    assert_lively(z)


@pytest.mark.parametrize("dt", DTS)
@dtypes
def test_iaf_recurrent(dtype, dt):
    rng = np.random.default_rng(2)
    p = iaf_params(rng, dtype)
    pt = to_norse(p, n_iaf.IAFParameters)
    w_in = dyadic(rng, -0.2, 0.5, (N, N_IN), dtype)
    w_rec = dyadic(rng, -0.3, 0.1, (N, N), dtype)
    s = iaf.IAFState(z=zeros(dtype), v=zeros(dtype))
    xs = spikes(rng, 0.2, (T, B, N_IN), dtype)
    w_in_t, w_rec_t = torch.from_numpy(w_in), torch.from_numpy(w_rec)
    z = run_pair(lambda x, s: iaf.iaf_step(x, s, w_in, w_rec, p, dt),
                 lambda x, s: n_iaf.iaf_step(x, s, w_in_t, w_rec_t, pt, dt),
                 s, to_norse(s, n_iaf.IAFState), xs, 0)
    assert_lively(z)


# ---------------------------------------------------------------- box models
@pytest.mark.parametrize("dt", DTS)
@dtypes
def test_li_box_feed_forward(dtype, dt):
    rng = np.random.default_rng(3)
    p = li_box_params(rng, dtype)
    pt = to_norse(p, n_li_box.LIBoxParameters)
    s = li_box.LIBoxState(v=uniform(rng, -1, 1, (B, N), dtype))
    xs = uniform(rng, -2, 2, (T, B, N), dtype)
    run_pair(lambda x, s: li_box.li_box_feed_forward_step(x, s, p, dt),
             lambda x, s: n_li_box.li_box_feed_forward_step(x, s, pt, dt),
             s, to_norse(s, n_li_box.LIBoxState), xs, 0)


@pytest.mark.parametrize("dt", DTS)
@dtypes
def test_li_box_weighted(dtype, dt):
    rng = np.random.default_rng(4)
    p = li_box_params(rng, dtype)
    pt = to_norse(p, n_li_box.LIBoxParameters)
    w_in = dyadic(rng, -1, 1, (N, N_IN), dtype)
    s = li_box.LIBoxState(v=zeros(dtype))
    xs = spikes(rng, 0.3, (T, B, N_IN), dtype)
    w_in_t = torch.from_numpy(w_in)
    run_pair(lambda x, s: li_box.li_box_step(x, s, w_in, p, dt),
             lambda x, s: n_li_box.li_box_step(x, s, w_in_t, pt, dt),
             s, to_norse(s, n_li_box.LIBoxState), xs, 0)


@pytest.mark.parametrize(("reset_method", "dt"), [(reset.reset_value, DTS[0]),
                                                  (reset.reset_value, DTS[1]),
                                                  (reset.reset_subtract, DTS[0])])
@dtypes
def test_lif_box_feed_forward(dtype, dt, reset_method):
    rng = np.random.default_rng(5)
    p = lif_box_params(rng, dtype, reset_method)
    pt = to_norse(p, n_lif_box.LIFBoxParameters)
    s = lif_box.LIFBoxFeedForwardState(v=zeros(dtype))
    xs = uniform(rng, 0.0, 1.2 / (100 * dt), (T, B, N), dtype)
    z = run_pair(lambda x, s: lif_box.lif_box_feed_forward_step(x, s, p, dt),
                 lambda x, s: n_lif_box.lif_box_feed_forward_step(x, s, pt, dt),
                 s, to_norse(s, n_lif_box.LIFBoxFeedForwardState), xs, 0)
    assert_lively(z)


# ---------------------------------------------------------------- LIFEx
@exp_cases
def test_lif_ex_feed_forward(exp_ulp, dtype, dt):
    rng = np.random.default_rng(6)
    p = lif_ex_params(rng, dtype)
    pt = to_norse(p, n_lif_ex.LIFExParameters)
    s = lif_ex.LIFExFeedForwardState(v=zeros(dtype), i=zeros(dtype))
    xs = uniform(rng, 0.0, 0.6 * dt / 1e-3, (T, B, N), dtype)
    z = run_pair(lambda x, s: lif_ex.lif_ex_feed_forward_step(x, s, p, dt),
                 lambda x, s: n_lif_ex.lif_ex_feed_forward_step(x, s, pt, dt),
                 s, to_norse(s, n_lif_ex.LIFExFeedForwardState), xs, exp_ulp)
    assert_lively(z)


@exp_cases
def test_lif_ex_recurrent(exp_ulp, dtype, dt):
    rng = np.random.default_rng(7)
    p = lif_ex_params(rng, dtype)
    pt = to_norse(p, n_lif_ex.LIFExParameters)
    w_in = dyadic(rng, 0.0, 2.0 * dt / 1e-3, (N, N_IN), dtype)
    w_rec = dyadic(rng, -0.5, 0.2, (N, N), dtype)
    s = lif_ex.LIFExState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype))
    xs = spikes(rng, 0.2, (T, B, N_IN), dtype)
    w_in_t, w_rec_t = torch.from_numpy(w_in), torch.from_numpy(w_rec)
    z = run_pair(lambda x, s: lif_ex.lif_ex_step(x, s, w_in, w_rec, p, dt),
                 lambda x, s: n_lif_ex.lif_ex_step(x, s, w_in_t, w_rec_t, pt, dt),
                 s, to_norse(s, n_lif_ex.LIFExState), xs, exp_ulp)
    assert_lively(z)


@exp_cases
def test_lif_ex_current_encoder_compat(exp_ulp, dtype, dt):
    rng = np.random.default_rng(8)
    p = lif_ex_params(rng, dtype)
    pt = to_norse(p, n_lif_ex.LIFExParameters)
    xs = uniform(rng, 0.0, 3.0 * 1e-3 / dt, (T, B, N), dtype)
    z = run_pair(lambda x, v: c_lif_ex.lif_ex_current_encoder(x, v, p, dt),
                 lambda x, v: n_lif_ex.lif_ex_current_encoder(x, v, pt, dt),
                 zeros(dtype), torch.from_numpy(zeros(dtype)),
                 xs, exp_ulp if exp_ulp == 0 else None)
    assert_lively(z)


@dtypes
def test_lif_ex_current_encoder_resets_exactly(dtype):
    """Deviation: Norse's ``v - z (v - v_reset)`` misses ``v_reset``; the reference does not."""
    rng = np.random.default_rng(9)
    p = lif_ex_params(rng, dtype)
    pt = to_norse(p, n_lif_ex.LIFExParameters)
    v = uniform(rng, -0.5, 1.2, (B, N), dtype)
    x = uniform(rng, 0.0, 3000.0, (B, N), dtype)
    z, v_ref = lif_ex.lif_ex_current_encoder(x, v, p)
    z_t, v_t = n_lif_ex.lif_ex_current_encoder(torch.from_numpy(x), torch.from_numpy(v), pt)
    v_t = v_t.numpy()
    fired = z == 1
    assert fired.sum() > 10 and np.array_equal(z, z_t.numpy())
    v_reset = np.broadcast_to(p.v_reset, v.shape)
    np.testing.assert_array_equal(v_ref[fired], v_reset[fired])
    assert np.any(v_t[fired] != v_reset[fired])  # Norse misses v_reset somewhere
    np.testing.assert_array_max_ulp(v_ref[~fired], v_t[~fired], EXP_MAXULP)
    # the compat variant is Norse's arithmetic exactly in the reset
    _, v_compat = c_lif_ex.lif_ex_current_encoder(x, v, p)
    assert_same(v_compat, v_t, None)


# ---------------------------------------------------------------- AdEx
@exp_cases
def test_lif_adex_feed_forward(exp_ulp, dtype, dt):
    rng = np.random.default_rng(10)
    p = adex_params(rng, dtype)
    pt = to_norse(p, n_adex.LIFAdExParameters)
    s = lif_adex.LIFAdExFeedForwardState(v=zeros(dtype), i=zeros(dtype), a=zeros(dtype))
    xs = uniform(rng, 0.0, 1.2 * dt / 1e-3, (T, B, N), dtype)
    z = run_pair(lambda x, s: lif_adex.lif_adex_feed_forward_step(x, s, p, dt),
                 lambda x, s: n_adex.lif_adex_feed_forward_step(x, s, pt, dt),
                 s, to_norse(s, n_adex.LIFAdExFeedForwardState), xs, exp_ulp)
    assert_lively(z)


@exp_cases
def test_lif_adex_recurrent(exp_ulp, dtype, dt):
    rng = np.random.default_rng(11)
    p = adex_params(rng, dtype)
    pt = to_norse(p, n_adex.LIFAdExParameters)
    w_in = dyadic(rng, 0.0, 4.0 * dt / 1e-3, (N, N_IN), dtype)
    w_rec = dyadic(rng, -0.5, 0.2, (N, N), dtype)
    s = lif_adex.LIFAdExState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype), a=zeros(dtype))
    xs = spikes(rng, 0.2, (T, B, N_IN), dtype)
    w_in_t, w_rec_t = torch.from_numpy(w_in), torch.from_numpy(w_rec)
    z = run_pair(lambda x, s: lif_adex.lif_adex_step(x, s, w_in, w_rec, p, dt),
                 lambda x, s: n_adex.lif_adex_step(x, s, w_in_t, w_rec_t, pt, dt),
                 s, to_norse(s, n_adex.LIFAdExState), xs, exp_ulp)
    assert_lively(z)


# tau_ada_inv < 1 keeps Norse's encoder bounded (see the next-but-one test)
@exp_cases
def test_lif_adex_current_encoder_compat(exp_ulp, dtype, dt):
    rng = np.random.default_rng(12)
    p = adex_params(rng, dtype)._replace(tau_ada_inv=uniform(rng, 0.05, 0.2, N, dtype))
    pt = to_norse(p, n_adex.LIFAdExParameters)
    xs = uniform(rng, 0.0, 3.0 * 1e-3 / dt, (T, B, N), dtype)
    state = (zeros(dtype), zeros(dtype))
    norse_state = tuple(torch.from_numpy(a) for a in state)
    zs = []
    for x in xs:
        z, *state = c_adex.lif_adex_current_encoder(x, *state, p, dt)
        z_t, *norse_state = n_adex.lif_adex_current_encoder(torch.from_numpy(x), *norse_state, pt, dt)
        assert_same(z, z_t, 0)
        assert_same(tuple(state), tuple(norse_state), exp_ulp if exp_ulp == 0 else None)
        zs.append(z)
    assert_lively(np.array(zs))


@dtypes
def test_lif_adex_current_encoder_is_an_euler_step(dtype):
    """Deviation: the reference encoder is one documented AdEx step; Norse's is not."""
    rng = np.random.default_rng(13)
    p = adex_params(rng, dtype)
    pt = to_norse(p, n_adex.LIFAdExParameters)
    v = uniform(rng, -0.5, 1.1, (B, N), dtype)
    a = uniform(rng, -0.2, 0.2, (B, N), dtype)
    x = uniform(rng, 0.0, 30.0, (B, N), dtype)
    dt = 1e-3
    z, v_ref, a_ref = lif_adex.lif_adex_current_encoder(x, v, a, p, dt)
    # exactly one feed-forward AdEx step with no synaptic current left over
    z_ff, s_ff = lif_adex.lif_adex_feed_forward_step(
        x, lif_adex.LIFAdExFeedForwardState(v, zeros(dtype), a), p, dt)
    assert_same((z, v_ref, a_ref), (z_ff, s_ff.v, s_ff.a), 0)
    # Norse: the adaptation returned is the ODE's right-hand side at the reset voltage
    z_t, v_t, a_t = (t.numpy() for t in n_adex.lif_adex_current_encoder(
        torch.from_numpy(x), torch.from_numpy(v), torch.from_numpy(a), pt, dt))
    assert np.array_equal(z, z_t) and 0 < z.mean() < 1
    expected_norse = p.tau_ada_inv * (p.adaptation_current * (v_t - p.v_leak) - a) \
        + z * p.adaptation_spike
    np.testing.assert_allclose(a_t, expected_norse, rtol=1e-5, atol=1e-5)
    euler = a + dt * p.tau_ada_inv * (p.adaptation_current * (v - p.v_leak) - a) \
        + z * p.adaptation_spike
    np.testing.assert_allclose(a_ref, euler, rtol=1e-5, atol=1e-6)
    assert np.max(np.abs(a_t - a_ref)) > 0.1  # not a rounding difference


@dtypes
def test_lif_adex_current_encoder_norse_diverges_with_defaults(dtype):
    """Deviation, consequence: Norse's adaptation map ``a -> -2 a + ...`` blows up.

    With default parameters and a constant input, Norse's adaptation doubles
    in magnitude with alternating sign every step (in float32 it overflows and
    the state turns into NaN after about a hundred steps); the reference stays
    bounded and fires regularly, as the feed-forward AdEx layer does. Even
    with no input at all Norse's encoder fires every other step.
    """
    p = lif_adex.LIFAdExParameters()
    pt = n_adex.LIFAdExParameters(
        **{k: torch.as_tensor(v, dtype=torch.from_numpy(zeros(dtype)).dtype)
           for k, v in p._asdict().items()})
    x = np.full((B, N), 3.0, dtype)
    v, a = zeros(dtype), zeros(dtype)
    v_t, a_t = torch.from_numpy(v), torch.from_numpy(a)
    count = 0
    with np.errstate(all="ignore"):
        for _ in range(T + 100):
            z, v, a = lif_adex.lif_adex_current_encoder(x, v, a, p)
            _, v_t, a_t = n_adex.lif_adex_current_encoder(torch.from_numpy(x), v_t, a_t, pt)
            count += z.sum()
    assert np.all(np.isfinite(v)) and np.all(np.abs(a) < 100) and count > 0
    if dtype == np.float32:
        assert torch.isnan(v_t).all() and torch.isnan(a_t).all()
    else:  # float64 overflows later (after about 800 steps)
        assert torch.all(torch.abs(a_t) > 1e80)
    # Without any input the reference rests; Norse's encoder fires every other step.
    x = zeros(dtype)
    v, a = zeros(dtype), zeros(dtype)
    v_t, a_t = torch.from_numpy(v), torch.from_numpy(a)
    count = count_t = 0
    for _ in range(100):
        z, v, a = lif_adex.lif_adex_current_encoder(x, v, a, p)
        z_t, v_t, a_t = n_adex.lif_adex_current_encoder(torch.from_numpy(x), v_t, a_t, pt)
        count, count_t = count + z.sum(), count_t + z_t.numpy().sum()
    assert count == 0 and count_t >= 40 * B * N


# ---------------------------------------------------------------- refractory LIF
def refrac_params(rng, dtype):
    return lif_refrac.LIFRefracParameters(lif=lif_params(rng, dtype),
                                          rho_reset=dyadic(rng, 1, 8, N, dtype, bits=0))


def norse_refrac_params(p):
    return to_norse(p, n_refrac.LIFRefracParameters,
                    lif=to_norse(p.lif, n_lif.LIFParameters))


@pytest.mark.parametrize("dt", DTS)
@dtypes
def test_lif_refrac_feed_forward(dtype, dt):
    rng = np.random.default_rng(14)
    p = refrac_params(rng, dtype)
    pt = norse_refrac_params(p)
    s = lif_refrac.LIFRefracFeedForwardState(
        lif.LIFFeedForwardState(v=zeros(dtype), i=zeros(dtype)), rho=zeros(dtype))
    st = to_norse(s, n_refrac.LIFRefracFeedForwardState,
                  lif=to_norse(s.lif, n_lif.LIFFeedForwardState))
    xs = uniform(rng, 0.0, 3.0 * dt / 1e-3, (T, B, N), dtype)
    z = run_pair(lambda x, s: lif_refrac.lif_refrac_feed_forward_step(x, s, p, dt),
                 lambda x, s: n_refrac.lif_refrac_feed_forward_step(x, s, pt, dt),
                 s, st, xs, 0)
    assert_lively(z)


@pytest.mark.parametrize("dt", DTS)
@dtypes
def test_lif_refrac_recurrent(dtype, dt):
    rng = np.random.default_rng(15)
    p = refrac_params(rng, dtype)
    pt = norse_refrac_params(p)
    w_in = dyadic(rng, 0.0, 8.0 * dt / 1e-3, (N, N_IN), dtype)
    w_rec = dyadic(rng, -1.0, 0.5, (N, N), dtype)
    s = lif_refrac.LIFRefracState(
        lif.LIFState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype)), rho=zeros(dtype))
    st = to_norse(s, n_refrac.LIFRefracState, lif=to_norse(s.lif, n_lif.LIFState))
    xs = spikes(rng, 0.3, (T, B, N_IN), dtype)
    w_in_t, w_rec_t = torch.from_numpy(w_in), torch.from_numpy(w_rec)
    z = run_pair(lambda x, s: lif_refrac.lif_refrac_step(x, s, w_in, w_rec, p, dt),
                 lambda x, s: n_refrac.lif_refrac_step(x, s, w_in_t, w_rec_t, pt, dt),
                 s, st, xs, 0)
    assert_lively(z)


@dtypes
def test_lif_refrac_compute_refractory_update(dtype):
    rng = np.random.default_rng(16)
    p = refrac_params(rng, dtype)
    pt = norse_refrac_params(p)
    s = lif_refrac.LIFRefracFeedForwardState(
        lif.LIFFeedForwardState(v=uniform(rng, -1, 1, (B, N), dtype), i=zeros(dtype)),
        rho=dyadic(rng, 0, 3, (B, N), dtype, bits=1))
    st = to_norse(s, n_refrac.LIFRefracFeedForwardState,
                  lif=to_norse(s.lif, n_lif.LIFFeedForwardState))
    z_new = spikes(rng, 0.5, (B, N), dtype)
    v_new = uniform(rng, -1, 1, (B, N), dtype)
    ours = lif_refrac.compute_refractory_update(s, z_new, v_new, p)
    theirs = n_refrac.compute_refractory_update(st, torch.from_numpy(z_new),
                                                torch.from_numpy(v_new), pt)
    assert_same(tuple(ours), tuple(theirs), 0)


# ---------------------------------------------------------------- refractory AdEx
def adex_refrac_params(rng, dtype):
    return lif_adex_refrac.LIFAdExRefracParameters(
        lif_adex=adex_params(rng, dtype), rho_reset=dyadic(rng, 1, 8, N, dtype, bits=0))


def norse_adex_refrac_params(p):
    return to_norse(p, n_adex_refrac.LIFAdExRefracParameters,
                    lif_adex=to_norse(p.lif_adex, n_adex.LIFAdExParameters))


def adex_refrac_ff_states(dtype):
    s = lif_adex_refrac.LIFAdExRefracFeedForwardState(
        lif_adex.LIFAdExFeedForwardState(v=zeros(dtype), i=zeros(dtype), a=zeros(dtype)),
        rho=zeros(dtype))
    st = to_norse(s, n_adex_refrac.LIFAdExRefracFeedForwardState,
                  lif_adex=to_norse(s.lif_adex, n_adex.LIFAdExFeedForwardState))
    return s, st


def adex_refrac_states(dtype):
    s = lif_adex_refrac.LIFAdExRefracState(
        lif_adex.LIFAdExState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype), a=zeros(dtype)),
        rho=zeros(dtype))
    st = to_norse(s, n_adex_refrac.LIFAdExRefracState,
                  lif_adex=to_norse(s.lif_adex, n_adex.LIFAdExState))
    return s, st


# Moderate drive: refractory periods occur, but the held voltage never crosses
# the threshold within one step, so the reference agrees with Norse. (The
# Norse-exact variant is checked under strong drive below.)
@exp_cases
def test_lif_adex_refrac_feed_forward(exp_ulp, dtype, dt, module=lif_adex_refrac):
    rng = np.random.default_rng(17)
    p = adex_refrac_params(rng, dtype)
    pt = norse_adex_refrac_params(p)
    s, st = adex_refrac_ff_states(dtype)
    xs = uniform(rng, 0.0, 1.0 * dt / 1e-3, (T, B, N), dtype)
    z = run_pair(lambda x, s: module.lif_adex_refrac_feed_forward_step(x, s, p, dt),
                 lambda x, s: n_adex_refrac.lif_adex_refrac_feed_forward_step(x, s, pt, dt),
                 s, st, xs, exp_ulp)
    assert_lively(z)


@exp_cases
def test_lif_adex_refrac_recurrent(exp_ulp, dtype, dt, module=lif_adex_refrac):
    rng = np.random.default_rng(18)
    p = adex_refrac_params(rng, dtype)
    pt = norse_adex_refrac_params(p)
    w_in = dyadic(rng, 0.0, 0.5 * dt / 1e-3, (N, N_IN), dtype)
    w_rec = dyadic(rng, -0.5, 0.1, (N, N), dtype)
    s, st = adex_refrac_states(dtype)
    xs = spikes(rng, 0.3, (T, B, N_IN), dtype)
    w_in_t, w_rec_t = torch.from_numpy(w_in), torch.from_numpy(w_rec)
    z = run_pair(lambda x, s: module.lif_adex_refrac_step(x, s, w_in, w_rec, p, dt),
                 lambda x, s: n_adex_refrac.lif_adex_refrac_step(x, s, w_in_t, w_rec_t, pt, dt),
                 s, st, xs, exp_ulp)
    assert_lively(z)


def _strong_drive_run(dtype, ours, theirs, recurrent):
    """Drive hard enough that held voltages cross the threshold while refractory."""
    rng = np.random.default_rng(19)
    p = adex_refrac_params(rng, dtype)
    pt = norse_adex_refrac_params(p)
    dt = 1e-3
    if recurrent:
        s, st = adex_refrac_states(dtype)
        w_in = dyadic(rng, 0.0, 200.0, (N, N_IN), dtype)
        w_rec = dyadic(rng, -1.0, 0.5, (N, N), dtype)
        w_in_t, w_rec_t = torch.from_numpy(w_in), torch.from_numpy(w_rec)
        xs = spikes(rng, 0.3, (T, B, N_IN), dtype)
        step = lambda x, s: ours(x, s, w_in, w_rec, p, dt)  # noqa: E731
        n_step = lambda x, s: theirs(x, s, w_in_t, w_rec_t, pt, dt)  # noqa: E731
    else:
        s, st = adex_refrac_ff_states(dtype)
        xs = uniform(rng, 0.0, 200.0, (T, B, N), dtype)
        step = lambda x, s: ours(x, s, p, dt)  # noqa: E731
        n_step = lambda x, s: theirs(x, s, pt, dt)  # noqa: E731
    return p, s, st, xs, step, n_step


@pytest.mark.parametrize("recurrent", [False, True])
@pytest.mark.parametrize("exp_ulp", ["torch exp"], indirect=True)
@dtypes
def test_lif_adex_refrac_compat_strong_drive(exp_ulp, dtype, recurrent):
    ours = c_adex_refrac.lif_adex_refrac_step if recurrent \
        else c_adex_refrac.lif_adex_refrac_feed_forward_step
    theirs = n_adex_refrac.lif_adex_refrac_step if recurrent \
        else n_adex_refrac.lif_adex_refrac_feed_forward_step
    p, s, st, xs, step, n_step = _strong_drive_run(dtype, ours, theirs, recurrent)
    z = run_pair(step, n_step, s, st, xs, exp_ulp)
    assert_lively(z)


@pytest.mark.parametrize("recurrent", [False, True])
@dtypes
def test_lif_adex_refrac_suppressed_crossings_do_not_adapt(dtype, recurrent):
    """Deviation: Norse raises the adaptation at threshold crossings it suppresses."""
    ours = lif_adex_refrac.lif_adex_refrac_step if recurrent \
        else lif_adex_refrac.lif_adex_refrac_feed_forward_step
    theirs = n_adex_refrac.lif_adex_refrac_step if recurrent \
        else n_adex_refrac.lif_adex_refrac_feed_forward_step
    p, s, st, xs, step, n_step = _strong_drive_run(dtype, ours, theirs, recurrent)
    b = np.broadcast_to(p.lif_adex.adaptation_spike, (B, N))
    suppressed_total = 0
    for x in xs[:80]:  # each step is compared on its own: a short run suffices
        # Start Norse from our state each step, so that each step is compared alone.
        st = to_norse(s, type(st), lif_adex=to_norse(s.lif_adex, type(st.lif_adex)))
        z, s_new = step(x, s)
        z_t, st_new = n_step(torch.from_numpy(x.copy()), st)
        refractory = s.rho > 0
        np.testing.assert_array_equal(z, z_t.numpy())
        assert not np.any(z[refractory])
        a_ref, a_norse = s_new.lif_adex.a, st_new.lif_adex.a.numpy()
        # everything but the adaptation agrees
        assert_same(s_new.lif_adex.v, st_new.lif_adex.v, EXP_MAXULP)
        assert_same(s_new.rho, st_new.rho, 0)
        # where Norse's adaptation jumped although no spike was emitted ...
        jumped = ~np.isclose(a_ref, a_norse, rtol=1e-4, atol=1e-6)
        assert np.all(refractory[jumped]) and not np.any(z[jumped])
        # ... the jump is exactly one adaptation_spike
        np.testing.assert_allclose(a_norse[jumped] - a_ref[jumped], b[jumped], rtol=1e-4)
        np.testing.assert_allclose(a_ref[~jumped], a_norse[~jumped], rtol=1e-4, atol=1e-6)
        suppressed_total += jumped.sum()
        s = s_new
    assert suppressed_total > 20
