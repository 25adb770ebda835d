"""Numba kernels of every neuron family: scalar steps and two shared time loops.

Everything compiled lives in this one module on purpose: Numba's on-disk
cache (``cache=True``) is invalidated by the modification time of the file
that defines the cached function, so a cached loop can never outlive an edit
of a step function it calls.

Layout seen by the kernels (built by :mod:`refsnn.backends.numba_.runner`):

* ``S`` — state, shape ``(fields, N)``: the state's leaves in NamedTuple
  order (nested tuples flattened depth first), batch and neuron axes
  flattened into ``N``. Updated in place (it is a private copy).
* ``P`` — parameters, shape ``(params, M)`` with ``M = 1`` when every
  parameter is a scalar and ``M = N`` otherwise; neuron ``j`` reads column
  ``pj = j * ps`` (``ps = 0`` or ``1``), so one compiled kernel serves both.
* ``I`` — per-time input terms, shape ``(k, T, N)``: the input itself
  (feed-forward) or the input projections ``x @ W_in.T`` (recurrent).
* ``D`` — per-step matrix products, shape ``(k, N)``: the coupling
  ``v @ G.T`` and the recurrent terms ``z @ W_rec.T``, computed at the start
  of each step from the state before the step.
* ``dt`` — a scalar of the state dtype.

Every step function has the signature ``(S, j, P, pj, dt, I, t, D) -> output``
and performs the reference's IEEE operations in the reference's order.
Typed constants: ``one = S.dtype.type(1)`` and ``zero = S.dtype.type(0)``, so
a float32 kernel never meets a Python literal (which Numba would promote to
float64). No ``fastmath``: no reassociation, no FMA contraction.

The step is chosen by a string literal ``kind`` resolved at compile time
(:func:`_step`): the two loops are written once, and each compiled loop is
specialised to one step and one dtype. The literal is part of the on-disk
cache key, which survives across processes (a Dispatcher passed as an
argument would not: its type changes from process to process).

Helpers are plain cached ``@njit`` functions rather than
``inline="always"``: LLVM inlines them into the loop anyway (a loop through
these helpers runs as fast as a hand-fused one), and Numba-level inlining
only adds compile time.

The loops take a neuron range ``lo:hi`` and release the GIL; the runner
splits large problems over threads (no ``prange``: see the runner).
"""

from __future__ import annotations

import math

import numpy as np
from numba import literally, njit, types
from numba.extending import overload

#: Neurons per block of the elementwise loop: the block's state and
#: parameters stay in cache while the time loop runs over it.
BLOCK = 1024


# --------------------------------------------------------------------------- shared pieces
@njit(cache=True)
def _heaviside(x, one, zero):
    """``refsnn.functional.threshold.heaviside``: 1 where ``x > 0`` (NaN -> 0)."""
    return one if x > zero else zero


@njit(cache=True)
def _blend(z, a, b, one):
    """``(1 - z) * a + z * b``: the value reset (and the refractory hold)."""
    return (one - z) * a + z * b


@njit(cache=True)
def _max0(x, zero):
    """``np.maximum(x, 0)``: NaN propagates."""
    return x if (x >= zero or x != x) else zero


def _exp(x):  # pragma: no cover - replaced by the overload in compiled code
    raise NotImplementedError


@overload(_exp)
def _exp_overload(x):
    """``refsnn.functional._prepare.exp``: float32 through float64, rounded once."""
    if x == types.float32:
        def impl(x):
            return np.float32(math.exp(np.float64(x)))
    else:
        def impl(x):
            return math.exp(x)
    return impl


@njit(cache=True)
def _refractory(rho, v_held, z_new, v_new, rho_reset, one, zero):
    """``lif_refrac._refractory_update``; returns (v, z, rho)."""
    r = _heaviside(rho, one, zero)
    v = _blend(r, v_new, v_held, one)
    z = (one - r) * z_new
    rho_new = (one - z) * _max0(rho - r, zero) + z * rho_reset
    return v, z, rho_new


@njit(cache=True)
def _lif(i_new, v, P, pj, q, dt, one, zero):
    """``lif._lif_update`` with LIFParameters at rows ``q..q+4`` of ``P``; (z, v, i)."""
    tau_syn_inv = P[q, pj]
    tau_mem_inv = P[q + 1, pj]
    v_leak = P[q + 2, pj]
    v_th = P[q + 3, pj]
    v_reset = P[q + 4, pj]
    dv = dt * tau_mem_inv * ((v_leak - v) + i_new)
    v_decayed = v + dv
    di = -dt * tau_syn_inv * i_new
    i_decayed = i_new + di
    z_new = _heaviside(v_decayed - v_th, one, zero)
    v_new = _blend(z_new, v_decayed, v_reset, one)
    return z_new, v_new, i_decayed


@njit(cache=True)
def _lif_ex(i_new, v, P, pj, dt, one, zero):
    """``lif_ex._lif_ex_update``; returns (z, v, i)."""
    delta_T = P[0, pj]
    tau_syn_inv = P[1, pj]
    tau_mem_inv = P[2, pj]
    v_leak = P[3, pj]
    v_th = P[4, pj]
    v_reset = P[5, pj]
    dv_leak = v_leak - v
    dv_exp = delta_T * _exp((v - v_th) / delta_T)
    dv = dt * tau_mem_inv * (dv_leak + dv_exp + i_new)
    v_decayed = v + dv
    di = -dt * tau_syn_inv * i_new
    i_decayed = i_new + di
    z_new = _heaviside(v_decayed - v_th, one, zero)
    v_new = _blend(z_new, v_decayed, v_reset, one)
    return z_new, v_new, i_decayed


@njit(cache=True)
def _adex(i_new, v, a, P, pj, dt, a_spike, one, zero):
    """``lif_adex._lif_adex_update`` with the spike jump ``a_spike``; (z, v, i, a)."""
    adaptation_current = P[0, pj]
    delta_T = P[2, pj]
    tau_ada_inv = P[3, pj]
    tau_syn_inv = P[4, pj]
    tau_mem_inv = P[5, pj]
    v_leak = P[6, pj]
    v_th = P[7, pj]
    v_reset = P[8, pj]
    dv_leak = v_leak - v
    dv_exp = delta_T * _exp((v - v_th) / delta_T)
    dv = dt * tau_mem_inv * (dv_leak + dv_exp + i_new - a)
    v_decayed = v + dv
    di = -dt * tau_syn_inv * i_new
    i_decayed = i_new + di
    da = dt * tau_ada_inv * (adaptation_current * (v - v_leak) - a)
    a_decayed = a + da
    z_new = _heaviside(v_decayed - v_th, one, zero)
    v_new = _blend(z_new, v_decayed, v_reset, one)
    a_new = a_decayed + z_new * a_spike
    return z_new, v_new, i_decayed, a_new


@njit(cache=True)
def _adex_refrac(i_new, v, a, rho, P, pj, dt, one, zero):
    """``lif_adex_refrac``: AdEx without the jump, refractoriness, then the jump."""
    z_adex, v_adex, i_decayed, a_adex = _adex(i_new, v, a, P, pj, dt, zero, one, zero)
    v_new, z_new, rho_new = _refractory(rho, v, z_adex, v_adex, P[9, pj], one, zero)
    a_new = a_adex + z_new * P[1, pj]
    return z_new, v_new, i_decayed, a_new, rho_new


@njit(cache=True)
def _coba(g_e, g_i, v, P, pj, dt, one, zero):
    """``coba_lif._coba_update``; returns (z, v, g_e, g_i)."""
    dg_e = -dt * P[0, pj] * g_e
    g_e = g_e + dg_e
    dg_i = -dt * P[1, pj] * g_i
    g_i = g_i + dg_i
    drive = P[3, pj] * (P[6, pj] - v) + g_e * (P[5, pj] - v) + g_i * (P[4, pj] - v)
    v_decayed = v + dt * P[2, pj] * drive
    z_new = _heaviside(v_decayed - P[8, pj], one, zero)
    v_new = _blend(z_new, v_decayed, P[7, pj], one)
    return z_new, v_new, g_e, g_i


@njit(cache=True)
def _lsnn(v, i, b, P, pj, dt, one, zero):
    """``lsnn._lsnn_update`` (adaptive threshold); returns (z, v, i, b)."""
    dv = dt * P[1, pj] * ((P[3, pj] - v) + i)
    v_decayed = v + dv
    di = -dt * P[0, pj] * i
    i_decayed = i + di
    db = dt * P[2, pj] * (P[4, pj] - b)
    b_decayed = b + db
    z_new = _heaviside(v_decayed - b_decayed, one, zero)
    v_new = _blend(z_new, v_decayed, P[5, pj], one)
    b_new = b_decayed + z_new * P[6, pj]
    return z_new, v_new, i_decayed, b_new


@njit(cache=True)
def _izhikevich(v, u, current, P, pj, dt, one, zero):
    """``izhikevich._izhikevich_update`` for the drive ``... - u + current``; (z, v, u)."""
    h = P[8, pj] * dt
    drive = P[4, pj] * (v * v) + P[5, pj] * v + P[6, pj] - u
    drive = drive + current
    return _izhikevich_end(v, u, drive, h, P, pj, one, zero)


@njit(cache=True)
def _izhikevich_end(v, u, drive, h, P, pj, one, zero):
    """Steps 1 (after the drive) to 4 of the Izhikevich update."""
    v_new = v + h * drive
    u_new = u + h * P[0, pj] * (P[1, pj] * v - u)
    z_new = _heaviside(v_new - P[7, pj], one, zero)
    v_new = _blend(z_new, v_new, P[2, pj], one)
    u_new = (one - z_new) * u_new + z_new * (u_new + P[3, pj])
    return z_new, v_new, u_new


# --------------------------------------------------------------------------- steps
# Row comments give the layout of S (state leaves) for each step.

@njit(cache=True)
def lif_ff(S, j, P, pj, dt, I, t, D):  # v, i
    one, zero = S.dtype.type(1), S.dtype.type(0)
    z, S[0, j], S[1, j] = _lif(S[1, j] + I[0, t, j], S[0, j], P, pj, 0, dt, one, zero)
    return z


@njit(cache=True)
def lif_rec(S, j, P, pj, dt, I, t, D):  # z, v, i
    one, zero = S.dtype.type(1), S.dtype.type(0)
    i_jump = S[2, j] + I[0, t, j] + D[0, j]
    z, S[1, j], S[2, j] = _lif(i_jump, S[1, j], P, pj, 0, dt, one, zero)
    S[0, j] = z
    return z


@njit(cache=True)
def li_ff(S, j, P, pj, dt, I, t, D):  # v, i  (recurrent: I holds x @ W_in.T)
    v = S[0, j]
    i_jump = S[1, j] + I[0, t, j]
    dv = dt * P[1, pj] * (P[2, pj] - v + i_jump)
    v_new = v + dv
    di = -dt * P[0, pj] * i_jump
    S[0, j] = v_new
    S[1, j] = i_jump + di
    return v_new


@njit(cache=True)
def li_box_ff(S, j, P, pj, dt, I, t, D):  # v  (recurrent: I holds x @ W_in.T)
    v = S[0, j]
    dv = dt * P[0, pj] * ((P[1, pj] - v) + I[0, t, j])
    v_new = v + dv
    S[0, j] = v_new
    return v_new


@njit(cache=True)
def iaf_ff(S, j, P, pj, dt, I, t, D):  # v
    one, zero = S.dtype.type(1), S.dtype.type(0)
    v = S[0, j] + I[0, t, j]
    z = _heaviside(v - P[0, pj], one, zero)
    S[0, j] = _blend(z, v, P[1, pj], one)
    return z


@njit(cache=True)
def iaf_rec(S, j, P, pj, dt, I, t, D):  # z, v
    one, zero = S.dtype.type(1), S.dtype.type(0)
    v = S[1, j] + I[0, t, j] + D[0, j]
    z = _heaviside(v - P[0, pj], one, zero)
    S[1, j] = _blend(z, v, P[1, pj], one)
    S[0, j] = z
    return z


@njit(cache=True)
def _lif_box_decay(S, j, P, pj, dt, I, t, one, zero):
    v = S[0, j]
    dv = dt * P[0, pj] * (I[0, t, j] + P[1, pj] - v)
    v_decayed = v + dv
    return _heaviside(v_decayed - P[2, pj], one, zero), v_decayed


@njit(cache=True)
def lif_box_value_ff(S, j, P, pj, dt, I, t, D):  # v
    one, zero = S.dtype.type(1), S.dtype.type(0)
    z, v = _lif_box_decay(S, j, P, pj, dt, I, t, one, zero)
    S[0, j] = _blend(z, v, P[3, pj], one)
    return z


@njit(cache=True)
def lif_box_subtract_ff(S, j, P, pj, dt, I, t, D):  # v
    one, zero = S.dtype.type(1), S.dtype.type(0)
    z, v = _lif_box_decay(S, j, P, pj, dt, I, t, one, zero)
    S[0, j] = (one - z) * v + z * (v - P[2, pj])
    return z


@njit(cache=True)
def lif_ex_ff(S, j, P, pj, dt, I, t, D):  # v, i
    one, zero = S.dtype.type(1), S.dtype.type(0)
    z, S[0, j], S[1, j] = _lif_ex(S[1, j] + I[0, t, j], S[0, j], P, pj, dt, one, zero)
    return z


@njit(cache=True)
def lif_ex_rec(S, j, P, pj, dt, I, t, D):  # z, v, i
    one, zero = S.dtype.type(1), S.dtype.type(0)
    i_jump = S[2, j] + I[0, t, j] + D[0, j]
    z, S[1, j], S[2, j] = _lif_ex(i_jump, S[1, j], P, pj, dt, one, zero)
    S[0, j] = z
    return z


@njit(cache=True)
def lif_adex_ff(S, j, P, pj, dt, I, t, D):  # v, i, a
    one, zero = S.dtype.type(1), S.dtype.type(0)
    z, S[0, j], S[1, j], S[2, j] = _adex(S[1, j] + I[0, t, j], S[0, j], S[2, j],
                                         P, pj, dt, P[1, pj], one, zero)
    return z


@njit(cache=True)
def lif_adex_rec(S, j, P, pj, dt, I, t, D):  # z, v, i, a
    one, zero = S.dtype.type(1), S.dtype.type(0)
    i_jump = S[2, j] + I[0, t, j] + D[0, j]
    z, S[1, j], S[2, j], S[3, j] = _adex(i_jump, S[1, j], S[3, j],
                                         P, pj, dt, P[1, pj], one, zero)
    S[0, j] = z
    return z


@njit(cache=True)
def lif_refrac_ff(S, j, P, pj, dt, I, t, D):  # v, i, rho
    one, zero = S.dtype.type(1), S.dtype.type(0)
    v = S[0, j]
    z_lif, v_lif, S[1, j] = _lif(S[1, j] + I[0, t, j], v, P, pj, 0, dt, one, zero)
    S[0, j], z, S[2, j] = _refractory(S[2, j], v, z_lif, v_lif, P[5, pj], one, zero)
    return z


@njit(cache=True)
def lif_refrac_rec(S, j, P, pj, dt, I, t, D):  # z, v, i, rho
    one, zero = S.dtype.type(1), S.dtype.type(0)
    v = S[1, j]
    i_jump = S[2, j] + I[0, t, j] + D[0, j]
    z_lif, v_lif, S[2, j] = _lif(i_jump, v, P, pj, 0, dt, one, zero)
    S[1, j], z, S[3, j] = _refractory(S[3, j], v, z_lif, v_lif, P[5, pj], one, zero)
    S[0, j] = z
    return z


@njit(cache=True)
def lif_adex_refrac_ff(S, j, P, pj, dt, I, t, D):  # v, i, a, rho
    one, zero = S.dtype.type(1), S.dtype.type(0)
    z, S[0, j], S[1, j], S[2, j], S[3, j] = _adex_refrac(
        S[1, j] + I[0, t, j], S[0, j], S[2, j], S[3, j], P, pj, dt, one, zero)
    return z


@njit(cache=True)
def lif_adex_refrac_rec(S, j, P, pj, dt, I, t, D):  # z, v, i, a, rho
    one, zero = S.dtype.type(1), S.dtype.type(0)
    i_jump = S[2, j] + I[0, t, j] + D[0, j]
    z, S[1, j], S[2, j], S[3, j], S[4, j] = _adex_refrac(
        i_jump, S[1, j], S[3, j], S[4, j], P, pj, dt, one, zero)
    S[0, j] = z
    return z


@njit(cache=True)
def coba_lif_ff(S, j, P, pj, dt, I, t, D):  # v, g_e, g_i
    one, zero = S.dtype.type(1), S.dtype.type(0)
    x = I[0, t, j]
    g_e = S[1, j] + _max0(x, zero)
    g_i = S[2, j] + _max0(-x, zero)
    z, S[0, j], S[1, j], S[2, j] = _coba(g_e, g_i, S[0, j], P, pj, dt, one, zero)
    return z


@njit(cache=True)
def coba_lif_rec(S, j, P, pj, dt, I, t, D):  # z, v, g_e, g_i
    one, zero = S.dtype.type(1), S.dtype.type(0)
    g_e = S[2, j] + I[0, t, j] + D[0, j]
    g_i = S[3, j] + I[1, t, j] + D[1, j]
    z, S[1, j], S[2, j], S[3, j] = _coba(g_e, g_i, S[1, j], P, pj, dt, one, zero)
    S[0, j] = z
    return z


@njit(cache=True)
def lif_mc_ff(S, j, P, pj, dt, I, t, D):  # v, i ; D[0] = v @ G.T
    one, zero = S.dtype.type(1), S.dtype.type(0)
    v_coupled = S[0, j] + dt * D[0, j]
    z, S[0, j], S[1, j] = _lif(S[1, j] + I[0, t, j], v_coupled, P, pj, 0, dt, one, zero)
    return z


@njit(cache=True)
def lif_mc_rec(S, j, P, pj, dt, I, t, D):  # z, v, i ; D = (v @ G.T, z @ W_rec.T)
    one, zero = S.dtype.type(1), S.dtype.type(0)
    v_coupled = S[1, j] + dt * D[0, j]
    i_jump = S[2, j] + I[0, t, j] + D[1, j]
    z, S[1, j], S[2, j] = _lif(i_jump, v_coupled, P, pj, 0, dt, one, zero)
    S[0, j] = z
    return z


@njit(cache=True)
def lif_mc_refrac_ff(S, j, P, pj, dt, I, t, D):  # v, i, rho ; D[0] = v @ G.T
    one, zero = S.dtype.type(1), S.dtype.type(0)
    v = S[0, j]
    v_coupled = v + dt * D[0, j]
    z_mc, v_mc, S[1, j] = _lif(S[1, j] + I[0, t, j], v_coupled, P, pj, 0, dt, one, zero)
    S[0, j], z, S[2, j] = _refractory(S[2, j], v, z_mc, v_mc, P[5, pj], one, zero)
    return z


@njit(cache=True)
def lif_mc_refrac_rec(S, j, P, pj, dt, I, t, D):  # z, v, i, rho ; D = (coupling, rec)
    one, zero = S.dtype.type(1), S.dtype.type(0)
    v = S[1, j]
    v_coupled = v + dt * D[0, j]
    i_jump = S[2, j] + I[0, t, j] + D[1, j]
    z_mc, v_mc, S[2, j] = _lif(i_jump, v_coupled, P, pj, 0, dt, one, zero)
    S[1, j], z, S[3, j] = _refractory(S[3, j], v, z_mc, v_mc, P[5, pj], one, zero)
    S[0, j] = z
    return z


@njit(cache=True)
def lsnn_ff(S, j, P, pj, dt, I, t, D):  # v, i, b
    one, zero = S.dtype.type(1), S.dtype.type(0)
    z, S[0, j], i_decayed, S[2, j] = _lsnn(S[0, j], S[1, j], S[2, j], P, pj, dt, one, zero)
    S[1, j] = i_decayed + I[0, t, j]
    return z


@njit(cache=True)
def lsnn_rec(S, j, P, pj, dt, I, t, D):  # z, v, i, b
    one, zero = S.dtype.type(1), S.dtype.type(0)
    z, S[1, j], i_decayed, S[3, j] = _lsnn(S[1, j], S[2, j], S[3, j], P, pj, dt, one, zero)
    S[2, j] = i_decayed + I[0, t, j] + D[0, j]
    S[0, j] = z
    return z


@njit(cache=True)
def ada_lif_rec(S, j, P, pj, dt, I, t, D):  # z, v, i, b
    one, zero = S.dtype.type(1), S.dtype.type(0)
    v, i, b = S[1, j], S[2, j], S[3, j]
    dv = dt * P[1, pj] * ((P[3, pj] - v) + i - b)
    v_decayed = v + dv
    di = -dt * P[0, pj] * i
    i_decayed = i + di
    db = -dt * P[2, pj] * b
    b_decayed = b + db
    z = _heaviside(v_decayed - P[4, pj], one, zero)
    S[1, j] = _blend(z, v_decayed, P[5, pj], one)
    S[3, j] = b_decayed + z * P[6, pj]
    S[2, j] = i_decayed + I[0, t, j] + D[0, j]
    S[0, j] = z
    return z


@njit(cache=True)
def izhikevich_ff(S, j, P, pj, dt, I, t, D):  # v, u
    one, zero = S.dtype.type(1), S.dtype.type(0)
    z, S[0, j], S[1, j] = _izhikevich(S[0, j], S[1, j], I[0, t, j], P, pj, dt, one, zero)
    return z


@njit(cache=True)
def izhikevich_rec(S, j, P, pj, dt, I, t, D):  # z, v, u
    one, zero = S.dtype.type(1), S.dtype.type(0)
    v, u = S[1, j], S[2, j]
    h = P[8, pj] * dt
    drive = P[4, pj] * (v * v) + P[5, pj] * v + P[6, pj] - u
    drive = drive + I[0, t, j]
    drive = drive + D[0, j]
    z, S[1, j], S[2, j] = _izhikevich_end(v, u, drive, h, P, pj, one, zero)
    S[0, j] = z
    return z


#: kind -> step function; the runner names a kind per (model, variant).
STEPS = {
    name: fn for name, fn in globals().items()
    if name.endswith(("_ff", "_rec")) and hasattr(fn, "py_func")
}


def _step(kind, S, j, P, pj, dt, I, t, D):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_step)
def _step_overload(kind, S, j, P, pj, dt, I, t, D):
    """Compile-time dispatch on the literal ``kind`` to the model's step."""
    if not isinstance(kind, types.StringLiteral):
        return None
    fn = STEPS[kind.literal_value]

    def impl(kind, S, j, P, pj, dt, I, t, D):
        return fn(S, j, P, pj, dt, I, t, D)

    return impl


# --------------------------------------------------------------------------- loops
@njit(nogil=True, cache=True)
def elementwise_loop(kind, I, S, P, dt, out, rec, record, D, lo, hi):
    """Every step of an elementwise model for neurons ``lo:hi``.

    Blocks of ``BLOCK`` neurons, the time loop inside each block (the block's
    state stays in cache). ``out`` has shape ``(T, N)``; with ``record`` the
    state after step ``t`` is written to ``rec[:, t]``. ``D`` is unused
    (the steps' common signature). Runs without the GIL; the runner calls it
    from several threads on disjoint neuron ranges.
    """
    literally(kind)
    T = out.shape[0]
    ps = 1 if P.shape[1] > 1 else 0
    for block in range(lo, hi, BLOCK):
        end = min(block + BLOCK, hi)
        for t in range(T):
            for j in range(block, end):
                out[t, j] = _step(kind, S, j, P, j * ps, dt, I, t, D)
            if record:
                for k in range(S.shape[0]):
                    for j in range(block, end):
                        rec[k, t, j] = S[k, j]


@njit(nogil=True, cache=True)
def _gemm(a, b, out):
    """``out = a @ b`` (BLAS), compiled once per dtype and shared by every kind."""
    np.dot(a, b, out)


@njit(nogil=True, cache=True)
def _spike_products(z, WT, D, q, lo, hi, n):
    """``D[q + r, lo:hi] = z[lo:hi] @ WT[r]`` per batch row, summing only nonzero ``z``.

    The terms are added in ascending presynaptic order.
    """
    zero = D.dtype.type(0)
    for r in range(WT.shape[0]):
        for i in range(lo, hi):
            D[q + r, i] = zero
    for base in range(lo, hi, n):
        for k in range(n):
            zk = z[base + k]
            if zk != zero:
                for r in range(WT.shape[0]):
                    for i in range(n):
                        D[q + r, base + i] += zk * WT[r, k, i]


@njit(nogil=True, cache=True)
def matrix_loop(kind, I, S, P, dt, out, rec, record, D, GT, v_row, WT, z_row, sparse_ok,
                n, lo, hi):
    """Every step of a model with matrix products, for the batch rows in ``lo:hi``.

    ``lo``/``hi`` are neuron indices on batch-row boundaries (rows of ``n``
    neurons; batch rows never interact). Per step: ``D[0] = v @ GT`` if there
    is a coupling (``GT`` is ``G.T``, shape ``(n, n)``; ``(0, 0)`` if none),
    then ``D[q + r] = z @ WT[r]`` for the recurrent weights (``WT[r]`` is
    ``W_rec.T``), both from the state before the step; then the elementwise
    update. The recurrent product sums only the neurons with ``z != 0`` when
    fewer than a quarter are nonzero and every weight is finite
    (``sparse_ok``), else calls BLAS.
    """
    literally(kind)
    T = out.shape[0]
    rows = (hi - lo) // n
    ps = 1 if P.shape[1] > 1 else 0
    coupled = GT.shape[0] > 0
    q = 1 if coupled else 0
    zero = S.dtype.type(0)
    for t in range(T):
        if coupled:
            _gemm(S[v_row, lo:hi].reshape((rows, n)), GT, D[0, lo:hi].reshape((rows, n)))
        if WT.shape[0] > 0:
            z = S[z_row]
            nnz = 0
            for j in range(lo, hi):
                if z[j] != zero:
                    nnz += 1
            if sparse_ok and 4 * nnz < hi - lo:
                _spike_products(z, WT, D, q, lo, hi, n)
            else:
                zb = z[lo:hi].reshape((rows, n))
                for r in range(WT.shape[0]):
                    _gemm(zb, WT[r], D[q + r, lo:hi].reshape((rows, n)))
        for j in range(lo, hi):
            out[t, j] = _step(kind, S, j, P, j * ps, dt, I, t, D)
        if record:
            for k in range(S.shape[0]):
                for j in range(lo, hi):
                    rec[k, t, j] = S[k, j]
