"""Numba kernels of the encoders and of the plasticity scans (time loop inside).

The conventions of :mod:`.kernels`: flat contiguous arrays, typed constants
(``one``/``zero`` of the array's dtype, never a Python literal in float
arithmetic), no ``fastmath``, the reference's IEEE operations in the
reference's order, parameters as ``(params, M)`` rows read at column
``pj = j * ps`` (``ps = 0`` for scalars), ``cache=True``, ``nogil=True`` and an
element range ``lo:hi`` so that the Python side can split large problems
over threads. Every kernel but the LIF-ex/AdEx encoder scans is exp-free,
so each is bit-identical to the NumPy reference in float32 and float64
(``stdp_linear_loop``: exactly so when the batch has one row; otherwise the
batch sums may be ordered differently from NumPy's matrix product). The
encoder scans reuse the neuron updates of :mod:`.kernels` (with a zero
synaptic time constant whose current result is discarded) and its ``exp``:
bit-identical in float32, the float64 ``exp`` comes from libm.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from refsnn.backends.numba_.kernels import _adex, _lif, _lif_ex
from refsnn.backends.numba_.philox import uniform_as


# --------------------------------------------------------------------------- encoders
@njit(cache=True, nogil=True)
def _sign(x, one, zero):
    """``np.sign`` of a non-NaN float: 1, -1 or +0."""
    if x > zero:
        return one
    if x < zero:
        return -one
    return zero


@njit(cache=True, nogil=True)
def poisson_loop(x, rate_scale, k0, k1, t0, stream, signed, out, lo, hi):
    """``out[t, j] = [u(t0 + t, j) < rate_scale * x_j]`` (signed: times ``sign(x_j)``).

    ``x``: flat inputs (N,); ``out``: (T, N); ``rate_scale`` = ``dtype(dt * f_max)``.
    """
    one = x.dtype.type(1)
    zero = x.dtype.type(0)
    for t in range(out.shape[0]):
        step = t0 + np.uint64(t)
        for j in range(lo, hi):
            xj = x[j]
            if signed:
                rate = rate_scale * abs(xj)
            else:
                rate = rate_scale * xj
            u = uniform_as(xj, k0, k1, step, np.uint64(j), stream)
            z = one if u < rate else zero
            if signed:
                out[t, j] = _sign(xj, one, zero) * z
            else:
                out[t, j] = z


@njit(cache=True, nogil=True)
def lif_encode_loop(x, P, dt, first_only, out, lo, hi):
    """Constant-current LIF from ``v = 0`` (``lif_current_encoder`` per step).

    ``P`` rows: tau_mem_inv, v_leak, v_th, v_reset. ``first_only``: keep only
    the first spike of each neuron (spike-latency code).
    """
    one = x.dtype.type(1)
    zero = x.dtype.type(0)
    ps = 1 if P.shape[1] > 1 else 0
    for j in range(lo, hi):
        pj = j * ps
        tau_mem_inv = P[0, pj]
        v_leak = P[1, pj]
        v_th = P[2, pj]
        v_reset = P[3, pj]
        i_in = x[j]
        v = zero
        fired = False
        for t in range(out.shape[0]):
            v = v + dt * tau_mem_inv * ((v_leak - v) + i_in)
            z = one if v - v_th > zero else zero
            v = (one - z) * v + z * v_reset
            if first_only:
                out[t, j] = zero if fired else z
                fired = fired or z > zero
            else:
                out[t, j] = z


@njit(cache=True, nogil=True)
def lif_current_encoder_loop(X, v0, P, dt, Z, v_out, lo, hi):
    """``lif_current_encoder`` over T steps: ``X`` (T, N) currents, ``v0`` (N,).

    ``P`` rows: tau_mem_inv, v_leak, v_th, v_reset. Writes the spikes ``Z``
    (T, N) and the final voltage.
    """
    zero = v0.dtype.type(0)
    ps = 1 if P.shape[1] > 1 else 0
    for j in range(lo, hi):
        pj = j * ps
        p = (zero, P[0, pj], P[1, pj], P[2, pj], P[3, pj])
        v = v0[j]
        for t in range(X.shape[0]):
            z, v, _ = _lif(X[t, j], v, p, dt)
            Z[t, j] = z
        v_out[j] = v


@njit(cache=True, nogil=True)
def lif_ex_current_encoder_loop(X, v0, P, dt, Z, v_out, lo, hi):
    """``lif_ex_current_encoder`` over T steps; ``P`` rows: delta_T, tau_mem_inv,
    v_leak, v_th, v_reset. As :func:`lif_current_encoder_loop`.
    """
    zero = v0.dtype.type(0)
    ps = 1 if P.shape[1] > 1 else 0
    for j in range(lo, hi):
        pj = j * ps
        p = (P[0, pj], zero, P[1, pj], P[2, pj], P[3, pj], P[4, pj])
        v = v0[j]
        for t in range(X.shape[0]):
            z, v, _ = _lif_ex(X[t, j], v, p, dt)
            Z[t, j] = z
        v_out[j] = v


@njit(cache=True, nogil=True)
def lif_adex_current_encoder_loop(X, v0, a0, P, dt, Z, v_out, a_out, lo, hi):
    """``lif_adex_current_encoder`` over T steps; ``P`` rows: adaptation_current,
    adaptation_spike, delta_T, tau_ada_inv, tau_mem_inv, v_leak, v_th, v_reset.
    Writes the spikes and the final voltage and adaptation.
    """
    zero = v0.dtype.type(0)
    ps = 1 if P.shape[1] > 1 else 0
    for j in range(lo, hi):
        pj = j * ps
        p = (P[0, pj], P[1, pj], P[2, pj], P[3, pj], zero, P[4, pj], P[5, pj], P[6, pj],
             P[7, pj])
        v = v0[j]
        a = a0[j]
        for t in range(X.shape[0]):
            z, v, _, a = _adex(X[t, j], v, a, p, dt, p[1])
            Z[t, j] = z
        v_out[j] = v
        a_out[j] = a


# --------------------------------------------------------------------------- plasticity
@njit(cache=True, nogil=True)
def sensor_trace_loop(a0, Z, P, dt, out, lo, hi):
    """One side of ``stdp_sensor_step`` over T steps.

    ``a0`` (N,) initial trace, ``Z`` (T, N) spikes, ``P`` rows: eta, tau_inv;
    ``out`` (T, N): the trace after each step,
    ``a' = (a + dt * (tau_inv * (-a))) + z * eta``.
    """
    ps = 1 if P.shape[1] > 1 else 0
    for j in range(lo, hi):
        eta = P[0, j * ps]
        tau_inv = P[1, j * ps]
        a = a0[j]
        for t in range(Z.shape[0]):
            a = (a + dt * (tau_inv * (-a))) + Z[t, j] * eta
            out[t, j] = a


@njit(cache=True, nogil=True)
def stp_loop(u0, x0, Z, P, dt, release, u_out, x_out, lo, hi):
    """``stp_step`` over T steps; ``P`` rows: tau_f_inv, tau_d_inv, U.

    Writes the release ``u' x z`` of each step and the final ``u``, ``x``.
    """
    one = u0.dtype.type(1)
    ps = 1 if P.shape[1] > 1 else 0
    for j in range(lo, hi):
        tau_f_inv = P[0, j * ps]
        tau_d_inv = P[1, j * ps]
        U = P[2, j * ps]
        u = u0[j]
        x = x0[j]
        for t in range(Z.shape[0]):
            z = Z[t, j]
            u_new = (u + dt * (-tau_f_inv * u)) + U * (one - u) * z
            x_new = (x + dt * (tau_d_inv * (one - x))) - u_new * x * z
            release[t, j] = u_new * x * z
            u = u_new
            x = x_new
        u_out[j] = u
        x_out[j] = x


def _pow(base, exponent):  # pragma: no cover - replaced by the overload
    raise NotImplementedError


@overload(_pow)
def _pow_overload(base, exponent):
    """``stdp._pow``: float32 through float64, rounded once."""
    if base == types.float32:
        def impl(base, exponent):
            return np.float32(math.pow(np.float64(base), np.float64(exponent)))
    else:
        def impl(base, exponent):
            return math.pow(base, exponent)
    return impl


@njit(cache=True, nogil=True)
def _batch_dot(A, B, i, j, zero):
    """``sum_b A[b, i] * B[b, j]``, summed in batch order (0 when there is no batch)."""
    if A.shape[0] == 0:
        return zero
    acc = A[0, i] * B[0, j]
    for b in range(1, A.shape[0]):
        acc = acc + A[b, i] * B[b, j]
    return acc


@njit(cache=True, nogil=True)
def stdp_linear_loop(zpre, zpost, tpre, tpost, w, Ppre, Ppost, Pw, dt, rule, hardbound):
    """``stdp_step_linear`` over T steps, in place on ``tpre``, ``tpost``, ``w``.

    ``zpre`` (T, B, n_pre), ``zpost`` (T, B, n_post); traces (B, n_pre) and
    (B, n_post); ``w`` (n_post, n_pre). ``Ppre``/``Ppost`` rows: a, tau_inv
    (columns per trace element or one); ``Pw`` rows: w_min, w_max, eta_plus,
    eta_minus, mu (columns per weight or one). ``rule``: 0 additive,
    1 additive_step, 2 multiplicative_pow, 3 multiplicative_relu.
    """
    zero = w.dtype.type(0)
    n_post, n_pre = w.shape
    B = tpre.shape[0]
    spre = 1 if Ppre.shape[1] > 1 else 0
    spost = 1 if Ppost.shape[1] > 1 else 0
    sw = 1 if Pw.shape[1] > 1 else 0
    for t in range(zpre.shape[0]):
        for b in range(B):
            for j in range(n_pre):
                c = (b * n_pre + j) * spre
                tr = tpre[b, j]
                tpre[b, j] = tr + (dt * Ppre[1, c] * (-tr + Ppre[0, c] * zpre[t, b, j]))
            for i in range(n_post):
                c = (b * n_post + i) * spost
                tr = tpost[b, i]
                tpost[b, i] = tr + (dt * Ppost[1, c] * (-tr + Ppost[0, c] * zpost[t, b, i]))
        zp = zpre[t]
        zq = zpost[t]
        for i in range(n_post):
            for j in range(n_pre):
                c = (i * n_pre + j) * sw
                w_min = Pw[0, c]
                w_max = Pw[1, c]
                eta_plus = Pw[2, c]
                eta_minus = Pw[3, c]
                wij = w[i, j]
                c_plus = _batch_dot(zq, tpre, i, j, zero)
                c_minus = _batch_dot(tpost, zp, i, j, zero)
                if rule == 0:
                    a_plus = eta_plus
                    a_minus = eta_minus
                elif rule == 1:
                    a_plus = eta_plus * (w.dtype.type(1) if w_max - wij > zero else zero)
                    a_minus = eta_minus * (w.dtype.type(1) if wij - w_min > zero else zero)
                elif rule == 2:
                    a_plus = eta_plus * _pow(w_max - wij, Pw[4, c])
                    a_minus = eta_minus * _pow(wij - w_min, Pw[4, c])
                else:
                    d = w_max - wij
                    a_plus = eta_plus * (d if (d >= zero or d != d) else zero)
                    d = wij - w_min
                    a_minus = eta_minus * (d if (d >= zero or d != d) else zero)
                new = wij + (a_plus * c_plus - a_minus * c_minus)
                if hardbound:
                    if new < w_min:
                        new = w_min
                    if new > w_max:
                        new = w_max
                w[i, j] = new
