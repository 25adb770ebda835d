"""Norse parity for IAF, box LI/LIF, LIFEx, AdEx and the refractory models.

The rows of validation/parity_group_a.py (200 steps side by side with Norse
1.1.0, bit identity except refsnn's exp) run in tests/test_norse_parity.py
with every other row. Where Norse departs from its documented equations
those rows check the Norse-exact variant in :mod:`refsnn.compat.norse`; the
tests below demonstrate how the reference differs.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("norse")

from norse.torch.functional import lif_adex as n_adex  # noqa: E402
from norse.torch.functional import lif_adex_refrac as n_adex_refrac  # noqa: E402
from norse.torch.functional import lif_ex as n_lif_ex  # noqa: E402
from norse.torch.functional import lif_refrac as n_refrac  # noqa: E402

from refsnn.compat.norse import lif_ex as c_lif_ex  # noqa: E402
from refsnn.compat.norse.convert import to_norse  # noqa: E402
from refsnn.functional import lif, lif_adex, lif_adex_refrac, lif_ex, lif_refrac  # noqa: E402
from validation import parity_group_a as rows  # noqa: E402
from validation.norse_parity import compare  # noqa: E402
from validation.parity_group_a import (  # noqa: E402
    B, ENCODER_ULP, EXP_ULP, N, T, dyadic, spikes, uniform, zeros)

pytestmark = pytest.mark.norse
dtypes = pytest.mark.parametrize("dtype", [np.float32, np.float64])


# ---------------------------------------------------------------- LIFEx
@dtypes
def test_lif_ex_current_encoder_resets_exactly(dtype):
    """Deviation: Norse's ``v - z (v - v_reset)`` misses ``v_reset``; the reference does not."""
    rng = np.random.default_rng(9)
    p = rows.lif_ex_params(rng, dtype)
    v = uniform(rng, -0.5, 1.2, (B, N), dtype)
    x = uniform(rng, 0.0, 3000.0, (B, N), dtype)
    z, v_ref = lif_ex.lif_ex_current_encoder(x, v, p)
    z_t, v_t = n_lif_ex.lif_ex_current_encoder(torch.from_numpy(x), torch.from_numpy(v),
                                               to_norse(p))
    v_t = v_t.numpy()
    fired = z == 1
    assert fired.sum() > 10 and np.array_equal(z, z_t.numpy())
    v_reset = np.broadcast_to(p.v_reset, v.shape)
    np.testing.assert_array_equal(v_ref[fired], v_reset[fired])
    assert np.any(v_t[fired] != v_reset[fired])  # Norse misses v_reset somewhere
    np.testing.assert_array_max_ulp(v_ref[~fired], v_t[~fired], EXP_ULP)
    # the compat variant is Norse's arithmetic exactly in the reset
    _, v_compat = c_lif_ex.lif_ex_current_encoder(x, v, p)
    tolerance = ENCODER_ULP[0] if dtype == np.float32 else ENCODER_ULP[1]
    assert compare(v_compat, v_t).max_floored_ulp <= tolerance


# ---------------------------------------------------------------- AdEx
@dtypes
def test_lif_adex_current_encoder_is_an_euler_step(dtype):
    """Deviation: the reference encoder is one documented AdEx step; Norse's is not."""
    rng = np.random.default_rng(13)
    p = rows.adex_params(rng, dtype)
    v = uniform(rng, -0.5, 1.1, (B, N), dtype)
    a = uniform(rng, -0.2, 0.2, (B, N), dtype)
    x = uniform(rng, 0.0, 30.0, (B, N), dtype)
    dt = 1e-3
    z, v_ref, a_ref = lif_adex.lif_adex_current_encoder(x, v, a, p, dt)
    # exactly one feed-forward AdEx step with no synaptic current left over
    z_ff, s_ff = lif_adex.lif_adex_feed_forward_step(
        x, lif_adex.LIFAdExFeedForwardState(v, zeros(dtype), a), p, dt)
    assert compare((z, v_ref, a_ref), (z_ff, s_ff.v, s_ff.a)).max_ulp == 0
    # Norse: the adaptation returned is the ODE's right-hand side at the reset voltage
    z_t, v_t, a_t = (t.numpy() for t in n_adex.lif_adex_current_encoder(
        torch.from_numpy(x), torch.from_numpy(v), torch.from_numpy(a), to_norse(p), dt))
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
    pt = to_norse(p, dtype)
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
@dtypes
def test_lif_refrac_compute_refractory_update(dtype):
    rng = np.random.default_rng(16)
    p = rows.refrac_params(rng, dtype)
    s = lif_refrac.LIFRefracFeedForwardState(
        lif.LIFFeedForwardState(v=uniform(rng, -1, 1, (B, N), dtype), i=zeros(dtype)),
        rho=dyadic(rng, 0, 3, (B, N), dtype, bits=1))
    z_new = spikes(rng, 0.5, (B, N), dtype)
    v_new = uniform(rng, -1, 1, (B, N), dtype)
    ours = lif_refrac.compute_refractory_update(s, z_new, v_new, p)
    theirs = n_refrac.compute_refractory_update(to_norse(s), torch.from_numpy(z_new),
                                                torch.from_numpy(v_new), to_norse(p))
    assert compare(tuple(ours), tuple(theirs)).max_ulp == 0


# ---------------------------------------------------------------- refractory AdEx
@pytest.mark.parametrize("recurrent", [False, True])
@dtypes
def test_lif_adex_refrac_suppressed_crossings_do_not_adapt(dtype, recurrent):
    """Deviation: Norse raises the adaptation at threshold crossings it suppresses."""
    name = "lif_adex_refrac_step" if recurrent else "lif_adex_refrac_feed_forward_step"
    ours, theirs = getattr(lif_adex_refrac, name), getattr(n_adex_refrac, name)
    dt = 1e-3
    xs, s, p, args = rows.strong_drive(recurrent)(dtype, dt)
    pt, args_t = to_norse(p), [torch.from_numpy(w) for w in args]
    b = np.broadcast_to(p.lif_adex.adaptation_spike, (B, N))
    suppressed_total = 0
    for x in xs[:80]:  # each step is compared on its own: a short run suffices
        # Start Norse from our state each step, so that each step is compared alone.
        z, s_new = ours(x, s, *args, p, dt)
        z_t, st_new = theirs(torch.from_numpy(x.copy()), to_norse(s), *args_t, pt, dt)
        refractory = s.rho > 0
        np.testing.assert_array_equal(z, z_t.numpy())
        assert not np.any(z[refractory])
        a_ref, a_norse = s_new.lif_adex.a, st_new.lif_adex.a.numpy()
        # everything but the adaptation agrees
        assert compare(s_new.lif_adex.v, st_new.lif_adex.v).max_floored_ulp <= EXP_ULP
        assert compare(s_new.rho, st_new.rho).max_ulp == 0
        # where Norse's adaptation jumped although no spike was emitted ...
        jumped = ~np.isclose(a_ref, a_norse, rtol=1e-4, atol=1e-6)
        assert np.all(refractory[jumped]) and not np.any(z[jumped])
        # ... the jump is exactly one adaptation_spike
        np.testing.assert_allclose(a_norse[jumped] - a_ref[jumped], b[jumped], rtol=1e-4)
        np.testing.assert_allclose(a_ref[~jumped], a_norse[~jumped], rtol=1e-4, atol=1e-6)
        suppressed_total += jumped.sum()
        s = s_new
    assert suppressed_total > 20
