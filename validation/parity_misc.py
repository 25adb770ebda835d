"""Norse parity for the stateless helpers: logic gates, sign, regularisation, lift,
the exponential filter and the decoders.

Each row runs refsnn and Norse 1.1.0 on the same random and edge-case inputs
(spike vectors, Gaussian values, and grids of 0, -0, 1, -1, 0.5, 2, NaN,
+-inf and a subnormal) in float32 and float64. Beyond the shared
:class:`~validation.norse_parity.Differences`, every output must have
Norse's dtype and shape and the same sign of zero; a mismatch counts as a
huge (dtype/shape) or 1 ulp (signed zero) difference.

Expectations:

* ``identical`` for every elementwise function, for spike counts (integer
  sums are exact whatever the order) and for :func:`to_spike_times`;
* ``<= 16 eps`` for sums of non-integer data (``sum_decode`` on Gaussian
  values, ``spike_accumulator`` on non-binary ``z``): NumPy sums pairwise,
  PyTorch with its own multi-accumulator order, so the last bits differ.

Register this module in ``validation.norse_parity.EXTRA_MODULES``; tests in
``tests/test_parity_misc.py`` run the same cases.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from validation.norse_parity import Case, Differences, Result, _norse_leaf, judge

BATCH, NEURONS, STEPS = 3, 40, 300
SUM_TOL = 16  # scaled error (eps x largest magnitude) accepted for non-integer sums
HUGE = 2**62
METHODS = ("heaviside", "super", "triangle", "tanh", "circ", "heavi_erfc")


# ------------------------------------------------------------------ comparison
def _add(d: Differences, ours, theirs) -> None:
    """Compare one output strictly: dtype, shape, values (NaN == NaN) and sign of zero."""
    a, b = np.asarray(ours), _norse_leaf(theirs)
    if a.dtype != b.dtype or a.shape != b.shape:
        d.max_ulp = HUGE
        d.spikes_equal = False
        return
    if a.dtype.kind != "f":
        if not np.array_equal(a, b):
            d.max_ulp = HUGE
        return
    d.add(a, b, a.dtype)
    nan = np.isnan(a) | np.isnan(b)
    if np.any((np.signbit(a) != np.signbit(b)) & ~nan):
        d.max_ulp = max(d.max_ulp, 1)


def _t(x):
    import torch

    return torch.from_numpy(np.array(x))


# ------------------------------------------------------------------ inputs
def edge_values(dtype) -> np.ndarray:
    """Zeros of both signs, units, a fraction, NaN, infinities and a subnormal."""
    tiny = np.finfo(dtype).smallest_subnormal
    return np.array([0.0, -0.0, 1.0, -1.0, 0.5, 2.0, np.nan, np.inf, -np.inf, tiny], dtype)


def _bits(rng, dtype, shape=(BATCH, NEURONS), rate=0.5):
    return (rng.random(shape) < rate).astype(dtype)


def _operand_sets(rng, dtype, arity):
    """Argument tuples: spike vectors, Gaussian values, a broadcast pair, the edge grid."""
    sets = [tuple(_bits(rng, dtype) for _ in range(arity)),
            tuple(rng.standard_normal((BATCH, NEURONS)).astype(dtype) for _ in range(arity)),
            tuple(_bits(rng, dtype, (NEURONS,) if k else (BATCH, NEURONS))
                  for k in range(arity))]
    grid = np.array(list(itertools.product(edge_values(dtype), repeat=arity)), dtype).T
    sets.append(tuple(grid))
    return sets


# ------------------------------------------------------------------ rows
def _logical(name, arity):
    def run(dtype):
        from norse.torch.functional import logical as theirs

        from refsnn.functional import logical as ours

        d = Differences()
        rng = np.random.default_rng(1)
        with np.errstate(invalid="ignore"):
            for args in _operand_sets(rng, dtype, arity):
                _add(d, getattr(ours, name)(*args), getattr(theirs, name)(*map(_t, args)))
        return d, 0

    return run


def _sign(dtype):
    from norse.torch.functional.threshold import sign as theirs

    from refsnn.functional.threshold import sign as ours

    d = Differences()
    rng = np.random.default_rng(2)
    for x in (rng.standard_normal((BATCH, NEURONS)).astype(dtype), edge_values(dtype)):
        for method in METHODS:
            _add(d, ours(x), theirs(_t(x), method, 0.3))
    return d, 0


def _spike_accumulator(binary):
    def run(dtype):
        from norse.torch.functional.regularization import spike_accumulator as theirs

        from refsnn.functional.regularization import spike_accumulator as ours

        d = Differences()
        rng = np.random.default_rng(3)
        r_ours = r_theirs = None
        for _ in range(STEPS):
            z = (_bits(rng, dtype, rate=0.2) if binary
                 else rng.uniform(0, 1, (BATCH, NEURONS)).astype(dtype))
            r_ours, r_theirs = ours(z, None, r_ours), theirs(_t(z), None, r_theirs)
            _add(d, r_ours, r_theirs)
        return d, 0 if binary else SUM_TOL

    return run


def _voltage_states(rng, dtype):
    """Voltages with signed zeros and edge values mixed in."""
    v = rng.standard_normal((STEPS, BATCH, NEURONS)).astype(dtype)
    v[0, 0, :10] = edge_values(dtype)
    v[0, 1, :] = -0.0
    v[1, 0, :10] = edge_values(dtype)
    return v


def _voltage_accumulator(dtype):
    import torch
    from norse.torch.functional.lif import LIFFeedForwardState as NState
    from norse.torch.functional.regularization import voltage_accumulator as theirs

    from refsnn.functional.lif import LIFFeedForwardState
    from refsnn.functional.regularization import voltage_accumulator as ours

    d = Differences()
    rng = np.random.default_rng(4)
    r_ours = r_theirs = None
    with np.errstate(invalid="ignore"):
        for v in _voltage_states(rng, dtype):
            i = np.zeros_like(v)
            z = _bits(rng, dtype)
            r_ours = ours(z, LIFFeedForwardState(v, i), r_ours)
            r_theirs = theirs(_t(z), NState(_t(v), torch.zeros(v.shape)), r_theirs)
            _add(d, r_ours, r_theirs)
    return d, 0


def _regularize_step(dtype):
    from norse.torch.functional import regularization as n_reg
    from norse.torch.functional.lif import LIFFeedForwardState as NState

    from refsnn.functional import regularization as r_reg
    from refsnn.functional.lif import LIFFeedForwardState

    d = Differences()
    rng = np.random.default_rng(5)
    for name in ("spike_accumulator", "voltage_accumulator"):
        r_ours = r_theirs = None
        for _ in range(20):
            z = _bits(rng, dtype, rate=0.3)
            v = rng.standard_normal((BATCH, NEURONS)).astype(dtype)
            z_o, r_ours = r_reg.regularize_step(z, LIFFeedForwardState(v, v), getattr(r_reg, name),
                                                r_ours)
            z_t, r_theirs = n_reg.regularize_step(_t(z), NState(_t(v), _t(v)),
                                                  getattr(n_reg, name), r_theirs)
            _add(d, z_o, z_t)
            _add(d, r_ours, r_theirs)
    return d, 0


def _lift(p_at_lift):
    def run(dtype):
        import torch
        from norse.torch.functional import lif as n_lif
        from norse.torch.functional.lift import lift as n_lift

        from refsnn.compat.norse.convert import to_norse
        from refsnn.functional import lif
        from refsnn.functional.lift import lift

        d = Differences()
        rng = np.random.default_rng(6)
        p = lif.LIFParameters(
            tau_syn_inv=rng.uniform(150, 250, NEURONS).astype(dtype),
            tau_mem_inv=rng.uniform(80, 120, NEURONS).astype(dtype),
            v_leak=np.asarray(0.05, dtype), v_th=rng.uniform(0.9, 1.1, NEURONS).astype(dtype),
            v_reset=np.asarray(-0.1, dtype),
        )
        x = (0.3 + 2.0 * rng.standard_normal((STEPS, BATCH, NEURONS))).astype(dtype)
        s = lif.LIFFeedForwardState(rng.uniform(-0.2, 0.8, (BATCH, NEURONS)).astype(dtype),
                                    rng.uniform(-1, 1, (BATCH, NEURONS)).astype(dtype))
        if p_at_lift:
            ours = lift(lif.lif_feed_forward_step, p)(x, state=s)
            theirs = n_lift(n_lif.lif_feed_forward_step, to_norse(p))(_t(x), state=to_norse(s))
        else:
            ours = lift(lif.lif_feed_forward_step)(x, state=s, p=p, dt=5e-4)
            theirs = n_lift(n_lif.lif_feed_forward_step)(_t(x), state=to_norse(s),
                                                         p=to_norse(p), dt=5e-4)
        with torch.no_grad():
            _add(d, ours[0], theirs[0])
            d.add_spikes(ours[0], theirs[0])
            _add(d, ours[1].v, theirs[1].v)
            _add(d, ours[1].i, theirs[1].i)
        return d, 0

    return run


def _exp_filter(dtype):
    from norse.torch.functional.filter import exp_filter_step as theirs

    from refsnn.functional.filter import exp_filter_step as ours

    d = Differences()
    rng = np.random.default_rng(7)
    params = (0.1, 1.0 / 3.0, math.exp(-1e-3 * 100.0), 1.0, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        for alpha in params:
            s_o = s_t = rng.standard_normal((BATCH, NEURONS)).astype(dtype)
            s_t = _t(s_t)
            for _ in range(50):
                x = rng.standard_normal((BATCH, NEURONS)).astype(dtype)
                s_o, s_t = ours(s_o, x, alpha), theirs(s_t, _t(x), alpha)
                _add(d, s_o, s_t)
            old, new = np.array(list(itertools.product(edge_values(dtype), repeat=2)), dtype).T
            _add(d, ours(old, new, alpha), theirs(_t(old), _t(new), alpha))
    return d, 0


def _sum_decode(binary):
    def run(dtype):
        from norse.torch.functional.decode import sum_decode as theirs

        from refsnn.functional.decode import sum_decode as ours

        d = Differences()
        rng = np.random.default_rng(8)
        for shape, dims in (((STEPS, BATCH, NEURONS), (0, 1, 2, -1)), ((STEPS,), (0,)),
                            ((0, BATCH, NEURONS), (0, 1)), ((7, 5), (0, 1))):
            x = (_bits(rng, dtype, shape, 0.3) if binary
                 else rng.standard_normal(shape).astype(dtype))
            for dim in dims:
                _add(d, ours(x, dim), theirs(_t(x), dim))
        return d, 0 if binary else SUM_TOL

    return run


def _spike_times(dtype):
    import torch
    from norse.torch.functional.spikes_to_times_decoder import ToSpikeTimes

    from refsnn.functional.decode import to_spike_times

    d = Differences()
    rng = np.random.default_rng(9)
    inputs = [_bits(rng, dtype, (T, BATCH, NEURONS), rate) for T, rate in
              ((STEPS, 0.02), (STEPS, 0.3), (10, 0.5), (1, 0.5), (0, 0.5))]
    inputs += [np.zeros((20, BATCH, NEURONS), dtype), np.ones((20, BATCH, NEURONS), dtype)]
    inputs.append(np.where(_bits(rng, dtype, (20, BATCH, NEURONS)) > 0, 1.0, -0.0).astype(dtype))
    for z in inputs:
        for k in (1, 2, 3, 10, 20, STEPS + 5):
            ours = to_spike_times(z, k)
            theirs = ToSpikeTimes.apply(_t(z), torch.as_tensor(k))
            _add(d, ours, theirs)
            d.add_spikes(ours, theirs)
    return d, 0


ROWS = [
    ("logical_and", _logical("logical_and", 2)),
    ("logical_or", _logical("logical_or", 2)),
    ("logical_xor", _logical("logical_xor", 2)),
    ("muller_c", _logical("muller_c", 3)),
    ("posedge_detector", _logical("posedge_detector", 2)),
    ("sign", _sign),
    ("spike_accumulator", _spike_accumulator(True)),
    ("spike_accumulator[non-binary z]", _spike_accumulator(False)),
    ("voltage_accumulator", _voltage_accumulator),
    ("regularize_step", _regularize_step),
    ("lift[lif_feed_forward_step, p at lift]", _lift(True)),
    ("lift[lif_feed_forward_step, p at call]", _lift(False)),
    ("exp_filter_step", _exp_filter),
    ("sum_decode", _sum_decode(True)),
    ("sum_decode[gaussian data]", _sum_decode(False)),
    ("ToSpikeTimes", _spike_times),
]


def run_row(label: str, dtype) -> Result:
    """Run one row for one dtype and judge it."""
    dtype = np.dtype(dtype)
    d, tolerance = dict(ROWS)[label](dtype.type)
    return judge(label, "refsnn", dtype, d, tolerance)


def cases() -> list[Case]:
    """Every row of this module, in float32 and float64."""
    return [Case(label, "refsnn", dtype, lambda label=label, dtype=dtype: run_row(label, dtype))
            for label, _ in ROWS for dtype in ("float32", "float64")]


if __name__ == "__main__":
    for case in cases():
        r = case.run()
        print(f"{r.label:42s} {r.dtype:8s} ulp={r.max_ulp:<6d} scaled={r.max_scaled:8.3g} "
              f"{r.expected:12s} {'ok' if r.ok else 'FAIL'}")
