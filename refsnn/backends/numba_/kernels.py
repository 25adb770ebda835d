"""Numba kernels of every neuron family: scalar steps and two shared time loops.

Everything compiled lives in this one module on purpose: Numba's on-disk
cache (``cache=True``) is invalidated by the modification time of the file
that defines the cached function, so a cached loop can never outlive an edit
of a step function it calls.

Layout seen by the loops (built by :mod:`refsnn.backends.numba_.runner`):

* ``S`` — state, shape ``(fields, N)``: the state's leaves in NamedTuple
  order (nested tuples flattened depth first), batch and neuron axes
  flattened into ``N``. Updated in place (it is a private copy).
* ``P`` — parameters, shape ``(params, 1)`` when every parameter is a scalar,
  else ``(params, N)``.
* ``I`` — per-time input terms, shape ``(k, T, N)``: the input itself
  (feed-forward) or the input projections ``x @ W_in.T`` (recurrent).
* ``D`` — per-step matrix products, shape ``(k, N)``: the coupling
  ``v @ G.T`` and the recurrent terms ``z @ W_rec.T``, computed at the start
  of each step from the state before the step.
* ``dt`` — a scalar of the state dtype.

A step is a pure function of scalars, ``(s, x, d, p, dt) -> (output, s_new)``:
``s`` the neuron's state fields, ``x`` its input terms, ``d`` its products,
``p`` its parameters (tuples, in the layout of :mod:`._specs`), and it
performs the reference's IEEE operations in the reference's order. Typed
constants come from :func:`_one_zero` so a float32 kernel never meets a Python
literal (which Numba would promote to float64). No ``fastmath``: no
reassociation, no FMA contraction.

The loops never index a 2-D array per neuron: for a range ``lo:hi`` they take
one contiguous row view per state field, input, product and per-neuron
parameter (:func:`_rows`), then run a unit-stride inner loop that gathers a
neuron's scalars from the views, calls the step and scatters the new state
back. Scalar parameters are read once into a tuple of scalars instead, so
the loop is compiled twice (scalar / per-neuron parameters) and neither
loads a parameter per neuron. With every helper inlined (``inline="always"``;
the two with a conditional expression, :func:`_heaviside` and :func:`_max0`,
are left to LLVM, which inlines them) the inner loop has no calls and LLVM
vectorises it. The exponential models call the float64 ``exp`` of libm once
per neuron, as before (no SVML: a vector exp need not give the same bits).

The step is chosen by a string literal ``kind`` resolved at compile time
(:func:`_step`): the two loops are written once, and each compiled loop is
specialised to one step and one dtype. The literal is part of the on-disk
cache key, which survives across processes (a Dispatcher passed as an
argument would not: its type changes from process to process).

The loops take a neuron range ``lo:hi`` and release the GIL; the runner
splits large problems over threads (no ``prange``: see the runner).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import literally, njit, types
from numba.extending import overload

from refsnn.backends.numba_._specs import kernel_rows

#: Neurons per block of the elementwise loop: the block's state and
#: parameters stay in cache while the time loop runs over it.
BLOCK = 1024

inline = functools.partial(njit, inline="always")

# --------------------------------------------------------------------------- tuples of rows
# The loops handle a step's arrays as tuples whose lengths the step ``kind``
# fixes at compile time (:func:`refsnn.backends.numba_._specs.kernel_rows`).
# Numba cannot build a tuple of computed length, so these few helpers are
# generated for each length.

@functools.cache
def _generated(n: int, args: str, template: str, returns: bool):
    """``def f(args)`` doing ``template`` for ``k = 0 .. n-1``: a tuple or statements."""
    items = [template.format(k=k) for k in range(n)]
    if returns:
        body = "    return (" + "".join(item + ", " for item in items) + ")"
    else:
        body = "".join(f"    {item}\n" for item in items) + "    return None"
    namespace = {}
    exec(f"def f({args}):\n{body}\n", namespace)
    return namespace["f"]


def _rows(kind, part, A, t, lo, hi):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_rows, inline="always")
def _rows_overload(kind, part, A, t, lo, hi):
    """The rows ``lo:hi`` of ``A`` that step ``kind`` reads as ``part`` (a tuple).

    ``I`` (3-D) gives the rows at time ``t``; scalar parameters (``P`` of
    shape ``(params, 1)`` passed as a tuple of scalars) stay as they are.
    """
    if not isinstance(kind, types.StringLiteral) or not isinstance(part, types.StringLiteral):
        return None
    n = kernel_rows(kind.literal_value)[part.literal_value]
    if isinstance(A, types.BaseTuple):
        return lambda kind, part, A, t, lo, hi: A
    template = "A[{k}, t, lo:hi]" if A.ndim == 3 else "A[{k}, lo:hi]"
    return _generated(n, "kind, part, A, t, lo, hi", template, True)


def _values(kind, P):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_values, inline="always")
def _values_overload(kind, P):
    """The scalars of a ``(params, 1)`` parameter array, as a tuple."""
    if not isinstance(kind, types.StringLiteral):
        return None
    n = kernel_rows(kind.literal_value)["params"]
    return _generated(n, "kind, P", "P[{k}, 0]", True)


def _gather(rows, j):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_gather, inline="always")
def _gather_overload(rows, j):
    """``(rows[0][j], rows[1][j], ...)``; a tuple of scalars is returned as is."""
    if len(rows) and not isinstance(rows[0], types.Array):
        return lambda rows, j: rows
    return _generated(len(rows), "rows, j", "rows[{k}][j]", True)


def _scatter(rows, j, values):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_scatter, inline="always")
def _scatter_overload(rows, j, values):
    """``rows[k][j] = values[k]`` for every ``k``."""
    return _generated(len(rows), "rows, j, values", "rows[{k}][j] = values[{k}]", False)


def _one_zero(x):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_one_zero, inline="always")
def _one_zero_overload(x):
    """``(1, 0)`` typed like ``x``."""
    ty = np.dtype(str(x)).type
    return lambda x: (ty(1), ty(0))


# --------------------------------------------------------------------------- shared pieces
@njit  # not inline="always": Numba's inliner mishandles the conditional; LLVM inlines it
def _heaviside(x, one, zero):
    """``refsnn.functional.threshold.heaviside``: 1 where ``x > 0`` (NaN -> 0)."""
    return one if x > zero else zero


@inline
def _blend(z, a, b, one):
    """``(1 - z) * a + z * b``: the value reset (and the refractory hold)."""
    return (one - z) * a + z * b


@njit  # as _heaviside
def _max0(x, zero):
    """``np.maximum(x, 0)``: NaN propagates."""
    return x if (x >= zero or x != x) else zero


def _exp(x):  # pragma: no cover - replaced by the overload in compiled code
    raise NotImplementedError


@overload(_exp, inline="always")
def _exp_overload(x):
    """``refsnn.functional._prepare.exp``: float32 through float64, rounded once."""
    if x == types.float32:
        def impl(x):
            return np.float32(math.exp(np.float64(x)))
    else:
        def impl(x):
            return math.exp(x)
    return impl


@inline
def _refractory(rho, v_held, z_new, v_new, rho_reset):
    """``lif_refrac._refractory_update``; returns (v, z, rho)."""
    one, zero = _one_zero(rho)
    r = _heaviside(rho, one, zero)
    v = _blend(r, v_new, v_held, one)
    z = (one - r) * z_new
    rho_new = (one - z) * _max0(rho - r, zero) + z * rho_reset
    return v, z, rho_new


@inline
def _lif(i_new, v, p, dt):
    """``lif._lif_update`` with LIFParameters ``p[0:5]``; returns (z, v, i)."""
    one, zero = _one_zero(dt)
    tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset = p[0], p[1], p[2], p[3], p[4]
    dv = dt * tau_mem_inv * ((v_leak - v) + i_new)
    v_decayed = v + dv
    di = -dt * tau_syn_inv * i_new
    i_decayed = i_new + di
    z_new = _heaviside(v_decayed - v_th, one, zero)
    v_new = _blend(z_new, v_decayed, v_reset, one)
    return z_new, v_new, i_decayed


@inline
def _lif_ex(i_new, v, p, dt):
    """``lif_ex._lif_ex_update``; returns (z, v, i)."""
    one, zero = _one_zero(dt)
    delta_T, tau_syn_inv, tau_mem_inv, v_leak, v_th, v_reset = p[0], p[1], p[2], p[3], p[4], p[5]
    dv_leak = v_leak - v
    dv_exp = delta_T * _exp((v - v_th) / delta_T)
    dv = dt * tau_mem_inv * (dv_leak + dv_exp + i_new)
    v_decayed = v + dv
    di = -dt * tau_syn_inv * i_new
    i_decayed = i_new + di
    z_new = _heaviside(v_decayed - v_th, one, zero)
    v_new = _blend(z_new, v_decayed, v_reset, one)
    return z_new, v_new, i_decayed


@inline
def _adex(i_new, v, a, p, dt, a_spike):
    """``lif_adex._lif_adex_update`` with the spike jump ``a_spike``; (z, v, i, a)."""
    one, zero = _one_zero(dt)
    adaptation_current = p[0]
    delta_T, tau_ada_inv, tau_syn_inv, tau_mem_inv = p[2], p[3], p[4], p[5]
    v_leak, v_th, v_reset = p[6], p[7], p[8]
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


@inline
def _adex_refrac(i_new, v, a, rho, p, dt):
    """``lif_adex_refrac``: AdEx without the jump, refractoriness, then the jump."""
    one, zero = _one_zero(dt)
    z_adex, v_adex, i_decayed, a_adex = _adex(i_new, v, a, p, dt, zero)
    v_new, z_new, rho_new = _refractory(rho, v, z_adex, v_adex, p[9])
    a_new = a_adex + z_new * p[1]
    return z_new, v_new, i_decayed, a_new, rho_new


@inline
def _coba(g_e, g_i, v, p, dt):
    """``coba_lif._coba_update``; returns (z, v, g_e, g_i)."""
    one, zero = _one_zero(dt)
    dg_e = -dt * p[0] * g_e
    g_e = g_e + dg_e
    dg_i = -dt * p[1] * g_i
    g_i = g_i + dg_i
    drive = p[3] * (p[6] - v) + g_e * (p[5] - v) + g_i * (p[4] - v)
    v_decayed = v + dt * p[2] * drive
    z_new = _heaviside(v_decayed - p[8], one, zero)
    v_new = _blend(z_new, v_decayed, p[7], one)
    return z_new, v_new, g_e, g_i


@inline
def _lsnn(v, i, b, p, dt):
    """``lsnn._lsnn_update`` (adaptive threshold); returns (z, v, i, b)."""
    one, zero = _one_zero(dt)
    dv = dt * p[1] * ((p[3] - v) + i)
    v_decayed = v + dv
    di = -dt * p[0] * i
    i_decayed = i + di
    db = dt * p[2] * (p[4] - b)
    b_decayed = b + db
    z_new = _heaviside(v_decayed - b_decayed, one, zero)
    v_new = _blend(z_new, v_decayed, p[5], one)
    b_new = b_decayed + z_new * p[6]
    return z_new, v_new, i_decayed, b_new


@inline
def _izhikevich_drive(v, u, p):
    """The Izhikevich drive ``sq * v**2 + mn * v + bias - u`` (inputs added after)."""
    return p[4] * (v * v) + p[5] * v + p[6] - u


@inline
def _izhikevich_end(v, u, drive, p, dt):
    """Steps 1 (after the drive) to 4 of the Izhikevich update; (z, v, u)."""
    one, zero = _one_zero(dt)
    h = p[8] * dt
    v_new = v + h * drive
    u_new = u + h * p[0] * (p[1] * v - u)
    z_new = _heaviside(v_new - p[7], one, zero)
    v_new = _blend(z_new, v_new, p[2], one)
    u_new = (one - z_new) * u_new + z_new * (u_new + p[3])
    return z_new, v_new, u_new


# --------------------------------------------------------------------------- steps
# ``step(s, x, d, p, dt) -> (output, new s)``; the comment names the fields of s.

@inline
def lif_ff(s, x, d, p, dt):  # v, i
    v, i = s
    z, v, i = _lif(i + x[0], v, p, dt)
    return z, (v, i)


@inline
def lif_rec(s, x, d, p, dt):  # z, v, i
    _, v, i = s
    z, v, i = _lif(i + x[0] + d[0], v, p, dt)
    return z, (z, v, i)


@inline
def li_ff(s, x, d, p, dt):  # v, i  (recurrent: x holds x @ W_in.T)
    v, i = s
    i_jump = i + x[0]
    dv = dt * p[1] * (p[2] - v + i_jump)
    v_new = v + dv
    di = -dt * p[0] * i_jump
    return v_new, (v_new, i_jump + di)


@inline
def li_box_ff(s, x, d, p, dt):  # v  (recurrent: x holds x @ W_in.T)
    v = s[0]
    dv = dt * p[0] * ((p[1] - v) + x[0])
    v_new = v + dv
    return v_new, (v_new,)


@inline
def _iaf(v, p):
    one, zero = _one_zero(v)
    z = _heaviside(v - p[0], one, zero)
    return z, _blend(z, v, p[1], one)


@inline
def iaf_ff(s, x, d, p, dt):  # v
    z, v = _iaf(s[0] + x[0], p)
    return z, (v,)


@inline
def iaf_rec(s, x, d, p, dt):  # z, v
    z, v = _iaf(s[1] + x[0] + d[0], p)
    return z, (z, v)


@inline
def _lif_box_decay(v, x, p, dt):
    one, zero = _one_zero(dt)
    dv = dt * p[0] * (x + p[1] - v)
    v_decayed = v + dv
    return _heaviside(v_decayed - p[2], one, zero), v_decayed


@inline
def lif_box_value_ff(s, x, d, p, dt):  # v
    one, zero = _one_zero(dt)
    z, v = _lif_box_decay(s[0], x[0], p, dt)
    return z, (_blend(z, v, p[3], one),)


@inline
def lif_box_subtract_ff(s, x, d, p, dt):  # v
    one, zero = _one_zero(dt)
    z, v = _lif_box_decay(s[0], x[0], p, dt)
    return z, ((one - z) * v + z * (v - p[2]),)


@inline
def lif_ex_ff(s, x, d, p, dt):  # v, i
    v, i = s
    z, v, i = _lif_ex(i + x[0], v, p, dt)
    return z, (v, i)


@inline
def lif_ex_rec(s, x, d, p, dt):  # z, v, i
    _, v, i = s
    z, v, i = _lif_ex(i + x[0] + d[0], v, p, dt)
    return z, (z, v, i)


@inline
def lif_adex_ff(s, x, d, p, dt):  # v, i, a
    v, i, a = s
    z, v, i, a = _adex(i + x[0], v, a, p, dt, p[1])
    return z, (v, i, a)


@inline
def lif_adex_rec(s, x, d, p, dt):  # z, v, i, a
    _, v, i, a = s
    z, v, i, a = _adex(i + x[0] + d[0], v, a, p, dt, p[1])
    return z, (z, v, i, a)


@inline
def lif_refrac_ff(s, x, d, p, dt):  # v, i, rho
    v, i, rho = s
    z_lif, v_lif, i = _lif(i + x[0], v, p, dt)
    v, z, rho = _refractory(rho, v, z_lif, v_lif, p[5])
    return z, (v, i, rho)


@inline
def lif_refrac_rec(s, x, d, p, dt):  # z, v, i, rho
    _, v, i, rho = s
    z_lif, v_lif, i = _lif(i + x[0] + d[0], v, p, dt)
    v, z, rho = _refractory(rho, v, z_lif, v_lif, p[5])
    return z, (z, v, i, rho)


@inline
def lif_adex_refrac_ff(s, x, d, p, dt):  # v, i, a, rho
    v, i, a, rho = s
    z, v, i, a, rho = _adex_refrac(i + x[0], v, a, rho, p, dt)
    return z, (v, i, a, rho)


@inline
def lif_adex_refrac_rec(s, x, d, p, dt):  # z, v, i, a, rho
    _, v, i, a, rho = s
    z, v, i, a, rho = _adex_refrac(i + x[0] + d[0], v, a, rho, p, dt)
    return z, (z, v, i, a, rho)


@inline
def coba_lif_ff(s, x, d, p, dt):  # v, g_e, g_i
    v, g_e, g_i = s
    one, zero = _one_zero(dt)
    z, v, g_e, g_i = _coba(g_e + _max0(x[0], zero), g_i + _max0(-x[0], zero), v, p, dt)
    return z, (v, g_e, g_i)


@inline
def coba_lif_rec(s, x, d, p, dt):  # z, v, g_e, g_i
    _, v, g_e, g_i = s
    z, v, g_e, g_i = _coba(g_e + x[0] + d[0], g_i + x[1] + d[1], v, p, dt)
    return z, (z, v, g_e, g_i)


@inline
def lif_mc_ff(s, x, d, p, dt):  # v, i ; d[0] = v @ G.T
    v, i = s
    z, v, i = _lif(i + x[0], v + dt * d[0], p, dt)
    return z, (v, i)


@inline
def lif_mc_rec(s, x, d, p, dt):  # z, v, i ; d = (v @ G.T, z @ W_rec.T)
    _, v, i = s
    z, v, i = _lif(i + x[0] + d[1], v + dt * d[0], p, dt)
    return z, (z, v, i)


@inline
def lif_mc_refrac_ff(s, x, d, p, dt):  # v, i, rho ; d[0] = v @ G.T
    v, i, rho = s
    z_mc, v_mc, i = _lif(i + x[0], v + dt * d[0], p, dt)
    v, z, rho = _refractory(rho, v, z_mc, v_mc, p[5])
    return z, (v, i, rho)


@inline
def lif_mc_refrac_rec(s, x, d, p, dt):  # z, v, i, rho ; d = (coupling, rec)
    _, v, i, rho = s
    z_mc, v_mc, i = _lif(i + x[0] + d[1], v + dt * d[0], p, dt)
    v, z, rho = _refractory(rho, v, z_mc, v_mc, p[5])
    return z, (z, v, i, rho)


@inline
def lsnn_ff(s, x, d, p, dt):  # v, i, b
    v, i, b = s
    z, v, i_decayed, b = _lsnn(v, i, b, p, dt)
    return z, (v, i_decayed + x[0], b)


@inline
def lsnn_rec(s, x, d, p, dt):  # z, v, i, b
    _, v, i, b = s
    z, v, i_decayed, b = _lsnn(v, i, b, p, dt)
    return z, (z, v, i_decayed + x[0] + d[0], b)


@inline
def ada_lif_rec(s, x, d, p, dt):  # z, v, i, b
    one, zero = _one_zero(dt)
    _, v, i, b = s
    dv = dt * p[1] * ((p[3] - v) + i - b)
    v_decayed = v + dv
    di = -dt * p[0] * i
    i_decayed = i + di
    db = -dt * p[2] * b
    b_decayed = b + db
    z = _heaviside(v_decayed - p[4], one, zero)
    v_new = _blend(z, v_decayed, p[5], one)
    b_new = b_decayed + z * p[6]
    return z, (z, v_new, i_decayed + x[0] + d[0], b_new)


@inline
def izhikevich_ff(s, x, d, p, dt):  # v, u
    v, u = s
    z, v, u = _izhikevich_end(v, u, _izhikevich_drive(v, u, p) + x[0], p, dt)
    return z, (v, u)


@inline
def izhikevich_rec(s, x, d, p, dt):  # z, v, u
    _, v, u = s
    drive = _izhikevich_drive(v, u, p) + x[0]
    drive = drive + d[0]
    z, v, u = _izhikevich_end(v, u, drive, p, dt)
    return z, (z, v, u)


#: kind -> step function; the runner names a kind per (model, variant).
STEPS = {
    name: fn for name, fn in globals().items()
    if name.endswith(("_ff", "_rec")) and hasattr(fn, "py_func")
}


def _step(kind, s, x, d, p, dt):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_step, inline="always")
def _step_overload(kind, s, x, d, p, dt):
    """Compile-time dispatch on the literal ``kind`` to the model's step."""
    if not isinstance(kind, types.StringLiteral):
        return None
    fn = STEPS[kind.literal_value]

    def impl(kind, s, x, d, p, dt):
        return fn(s, x, d, p, dt)

    return impl


# --------------------------------------------------------------------------- loops
@inline
def _advance(kind, I, s, p, dt, out, D, t, lo, hi):
    """Step ``t`` of neurons ``lo:hi``: one unit-stride loop over row views.

    ``s``, ``p``: the rows ``lo:hi`` of the state and the parameters
    (:func:`_rows`; scalar parameters as a tuple of scalars).
    """
    x = _rows(kind, "inputs", I, t, lo, hi)
    d = _rows(kind, "products", D, t, lo, hi)
    o = out[t, lo:hi]
    for j in range(hi - lo):
        z, new = _step(kind, _gather(s, j), _gather(x, j), _gather(d, j), _gather(p, j), dt)
        _scatter(s, j, new)
        o[j] = z


@inline
def _record(S, rec, t, lo, hi):
    """``rec[:, t, lo:hi] = S[:, lo:hi]``."""
    for k in range(S.shape[0]):
        rec[k, t, lo:hi] = S[k, lo:hi]


@inline
def _elementwise(kind, I, S, P, dt, out, rec, record, D, lo, hi):
    """:func:`elementwise_loop` for ``P`` an array or a tuple of scalars.

    The state and parameter views are taken once per block, outside the time
    loop: taken per step (as the matrix loop must, between its products),
    LLVM left the LIF loop scalar (measured, numba 0.68).
    """
    for block in range(lo, hi, BLOCK):
        end = min(block + BLOCK, hi)
        s = _rows(kind, "state", S, 0, block, end)
        p = _rows(kind, "params", P, 0, block, end)
        for t in range(out.shape[0]):
            _advance(kind, I, s, p, dt, out, D, t, block, end)
            if record:
                _record(S, rec, t, block, end)


@njit(nogil=True, cache=True)
def elementwise_loop(kind, I, S, P, dt, out, rec, record, D, lo, hi):
    """Every step of an elementwise model for neurons ``lo:hi``.

    Blocks of ``BLOCK`` neurons, the time loop inside each block (the block's
    state stays in cache). ``out`` has shape ``(T, N)``; with ``record`` the
    state after step ``t`` is written to ``rec[:, t]``. ``D`` is unused
    (the loops' common signature). Runs without the GIL; the runner calls it
    from several threads on disjoint neuron ranges.
    """
    literally(kind)
    if P.shape[1] == 1:
        _elementwise(kind, I, S, _values(kind, P), dt, out, rec, record, D, lo, hi)
    else:
        _elementwise(kind, I, S, P, dt, out, rec, record, D, lo, hi)


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
        s = _rows(kind, "state", S, t, lo, hi)
        if P.shape[1] == 1:
            _advance(kind, I, s, _values(kind, P), dt, out, D, t, lo, hi)
        else:
            _advance(kind, I, s, _rows(kind, "params", P, t, lo, hi), dt, out, D, t, lo, hi)
        if record:
            _record(S, rec, t, lo, hi)
