"""Parity of refsnn's encoders with Norse 1.1.0 (rows for ``validation/norse_parity.py``).

Deterministic encoders are run on random and edge-case inputs in float32 and
float64 and held to the table's usual expectations (``identical``, ``<= N
eps`` where an ``exp`` is involved, ``deviates`` + a ``compat`` row where
refsnn follows Norse's documentation rather than its code).

The Poisson encoders cannot be compared draw for draw: Norse draws from a
``torch.Generator``, refsnn from Philox (``refsnn.random``). They get two
kinds of rows:

* ``[threshold]`` (expected ``identical``): the uniforms Norse used are
  re-drawn from an identically seeded ``torch.Generator`` and passed through
  refsnn's spike rule ``u < (dt * f_max) * x``; the spikes must equal
  Norse's bit for bit. Inputs are placed within a few ulp of the drawn
  uniforms, so any difference in how the rate is rounded would show.
* ``[statistics]`` (expected ``binomial``): per-neuron spike counts over many
  steps, from refsnn (fixed seed) and from Norse (seeded generator), are
  each tested against Binomial(T, p) with Norse's per-step probability
  ``p = min(1, dt f_max |x|)``: the chi-square over neurons and the smallest
  Bonferroni-corrected two-sided exact binomial p-value must both exceed 1e-3;
  neurons with p = 0 or 1 must be exactly silent or always spiking, and
  signed spikes must carry the sign of their input.
  ``max |diff|`` reports the largest |empirical rate - p| of the two, the
  ``expected`` column the smaller p-value.

``python -m validation.parity_encoding`` prints the rows.
"""

from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from validation.norse_parity import EXP, Case, Differences, Result, _norse_leaf, judge

STEPS = 150
BATCH, NEURONS = 3, 40
STAT_STEPS = 2000  # sequence variants (one call)
STAT_STEPS_LOOP = 1000  # step variants (one call per step)
ALPHA = 1e-3
DTYPES = ("float32", "float64")


# --------------------------------------------------------------------------- helpers
def _torch():
    import torch

    return torch


def _norse_encode():
    import norse.torch.functional.encode as encode

    return encode


def _ours(name: str, variant: str) -> Callable:
    if variant == "compat":
        from refsnn.compat.norse import encode
    else:
        from refsnn.functional import encode
    return getattr(encode, name)


def _lif_p(rng, dtype, n=NEURONS):
    from refsnn.functional.lif import LIFParameters

    c = lambda v: np.asarray(v, dtype=dtype)  # noqa: E731
    return LIFParameters(
        tau_syn_inv=c(200.0), tau_mem_inv=rng.uniform(80, 120, n).astype(dtype),
        v_leak=c(0.05), v_th=rng.uniform(0.9, 1.1, n).astype(dtype), v_reset=c(-0.1),
    )


def _lif_inputs(rng, dtype):
    """(currents, p) pairs: random currents, near-threshold currents, reset-sensitive neurons."""
    from refsnn.functional.lif import lif_current_encoder

    dtype = np.dtype(dtype)
    p = _lif_p(rng, dtype)
    random = (rng.uniform(-1, 4, (BATCH, NEURONS)).astype(dtype), p)
    # Equilibrium v_leak + I a hair above threshold: float rounding decides.
    near = ((p.v_th - p.v_leak + rng.uniform(0, 3e-5, (BATCH, NEURONS))).astype(dtype), p)
    # Threshold placed exactly on the voltage one step after an exact reset
    # (v_reset = -0.7): whether the neuron spikes again then depends on the
    # last bit of the post-reset voltage, i.e. on the reset formula.
    q = _lif_p(rng, dtype)._replace(v_reset=np.asarray(-0.7, dtype), v_th=np.asarray(np.inf, dtype))
    current = rng.uniform(20, 40, NEURONS).astype(dtype)
    _, after = lif_current_encoder(current, np.full(NEURONS, q.v_reset, dtype), q, 1e-3)
    edge = (current, q._replace(v_th=after))
    return [random, near, edge]


def _compare(d: Differences, ours, theirs, dtype, spikes=True):
    if spikes:
        d.add_spikes(np.asarray(ours, dtype=np.float64), _norse_leaf(theirs).astype(np.float64))
    d.add(ours, theirs, dtype)


# --------------------------------------------------------------------------- deterministic rows
@functools.lru_cache(maxsize=None)
def _norse_lif_runs(name: str, dtype: str) -> tuple:
    """Inputs and Norse's outputs for a LIF-based encoder (shared by the refsnn and compat rows)."""
    from refsnn.compat.norse.convert import to_norse

    torch = _torch()
    theirs = getattr(_norse_encode(), name)
    runs = []
    for k, dt in enumerate((1e-3, 5e-4)):
        rng = np.random.default_rng([11, k])
        for current, p in _lif_inputs(rng, dtype):
            with torch.no_grad():
                expected = _norse_leaf(theirs(torch.as_tensor(current), STEPS, to_norse(p), dt))
            runs.append((current, p, dt, expected))
    return tuple(runs)


def _lif_encoder_row(name: str, variant: str, dtype: str, deviates: bool) -> Result:
    ours = _ours(name, variant)
    d = Differences()
    for current, p, dt, expected in _norse_lif_runs(name, dtype):
        _compare(d, ours(current, STEPS, p, dt), expected, dtype)
    compat = (_lif_encoder_row(name, "compat", dtype, False)
              if deviates and variant == "refsnn" else None)
    return judge(name, variant, dtype, d, 0, True, compat)


def _latency_inputs(rng, dtype, signed):
    shape = (STEPS // 10, BATCH, NEURONS)
    z = (rng.random(shape) < 0.1).astype(dtype)
    if signed:
        z = z * np.where(rng.random(shape) < 0.5, -1, 1).astype(dtype)
    z[:, 0, :5] = 0  # elements that never spike
    return [z, z.astype(np.int64)] + ([] if signed else [z.astype(bool)])


def _spike_latency_row(variant: str, dtype: str, signed: bool) -> Result:
    torch = _torch()
    label = "spike_latency_encode" + ("[signed]" if signed else "")
    ours = _ours("spike_latency_encode", variant)
    d = Differences()
    rng = np.random.default_rng(12)
    for z in _latency_inputs(rng, np.dtype(dtype), signed):
        out = ours(z)
        expected = _norse_encode().spike_latency_encode(torch.as_tensor(z))
        d.spikes_equal &= out.dtype == np.asarray(_norse_leaf(expected)).dtype
        _compare(d, out, expected, dtype)
    compat = _spike_latency_row("compat", dtype, signed) if signed and variant == "refsnn" else None
    return judge(label, variant, dtype, d, 0, True, compat)


def _rbf_row(dtype: str) -> Result:
    torch = _torch()
    from refsnn.functional.encode import gaussian_rbf

    d = Differences()
    rng = np.random.default_rng(13)
    x = np.concatenate([rng.uniform(0, 20, 500), [0.0, 1e-30, 1e3, np.inf, np.nan]]).astype(dtype)
    for sigma in (1, 0.3, 2.5, 7):
        _compare(d, gaussian_rbf(x, sigma), _norse_encode().gaussian_rbf(torch.as_tensor(x), sigma),
                 dtype, spikes=False)
    return judge("gaussian_rbf", "refsnn", dtype, d, EXP, spikes=False)


def _distance_row(dtype: str) -> Result:
    torch = _torch()
    from refsnn.functional.encode import euclidean_distance

    d = Differences()
    rng = np.random.default_rng(14)
    x, y = (rng.normal(0, 10, (BATCH, NEURONS)).astype(dtype) for _ in range(2))
    for a, b in ((x, y), (x, y[0]), (x, 0.5)):
        tb = torch.as_tensor(b) if isinstance(b, np.ndarray) else b
        _compare(d, euclidean_distance(a, b),
                 _norse_encode().euclidean_distance(torch.as_tensor(a), tb), dtype, spikes=False)
    return judge("euclidean_distance", "refsnn", dtype, d, 0, spikes=False)


def _population_row(variant: str, dtype: str) -> Result:
    torch = _torch()
    ours = _ours("population_encode", variant)
    d = Differences()
    rng = np.random.default_rng(15)
    for out_features in (1, 2, 3, 7, 16, 40, 129):
        x = rng.uniform(0, 3, (BATCH, 10)).astype(dtype)
        for scale in (None, 0, 1.7, 4):
            expected = _norse_encode().population_encode(torch.as_tensor(x), out_features, scale)
            _compare(d, ours(x, out_features, scale), expected, dtype, spikes=False)
    deviates = variant == "refsnn" and dtype == "float64"
    compat = _population_row("compat", dtype) if deviates else None
    return judge("population_encode", variant, dtype, d, EXP, False, compat)


# --------------------------------------------------------------------------- Poisson rows
POISSON = {  # name: (Norse's f_max default, sequence?, signed?)
    "poisson_encode": (100, True, False),
    "poisson_encode_step": (1000, False, False),
    "signed_poisson_encode": (100, True, True),
    "signed_poisson_encode_step": (1000, False, True),
}
RATES = ((100.0, 1e-3), (1000.0, 1e-3), (77.7, 3e-4), (333.3, 7e-4))


def _threshold_row(name: str, dtype: str) -> Result:
    """Norse's spikes from its uniforms == refsnn's rule applied to the same uniforms."""
    torch = _torch()
    from refsnn.functional.encode import _bernoulli

    _, sequence, signed = POISSON[name]
    theirs = getattr(_norse_encode(), name)
    d = Differences()
    edges = 0
    for k, (f_max, dt) in enumerate(RATES):
        seed = 100 + k
        shape = (5, NEURONS)
        g = torch.Generator().manual_seed(seed)
        u = torch.rand(*(((1,) if sequence else ()) + shape), generator=g).float().numpy()
        u0 = u[0] if sequence else u
        # x within +-2 ulp (row-wise) of the value whose rate is exactly u.
        c = np.dtype(dtype).type(dt * f_max)
        x = (u0.astype(dtype) / c).astype(dtype)
        for row, steps in enumerate(range(-2, 3)):
            for _ in range(abs(steps)):
                x[row] = np.nextafter(x[row], np.dtype(dtype).type(np.inf if steps > 0 else -np.inf))
        if signed:
            x[:, ::2] = -x[:, ::2]
        g = torch.Generator().manual_seed(seed)
        args = (torch.as_tensor(x),) + ((1,) if sequence else ())
        expected = theirs(*args, f_max, dt, generator=g)
        magnitude = np.abs(x)
        ours = _bernoulli(u.astype(dtype), magnitude, f_max, dt)
        if signed:
            ours = np.sign(x) * ours
        edges += int(np.sum(c * magnitude == u0.astype(dtype)))
        _compare(d, ours, expected, dtype)
    r = judge(f"{name}[threshold]", "refsnn", dtype, d, 0)
    r.ok = r.ok and edges > 0  # the test must have hit u == rate somewhere
    return r


def _stat_inputs(rng, dtype, signed, f_max, dt):
    x = rng.uniform(0, 1, (BATCH, NEURONS))
    x[0, :4] = [0.0, 1.0 / (dt * f_max), 1.7 / (dt * f_max), 1e-3]  # p = 0, 1, saturated, rare
    if signed:
        x = x * np.where(rng.random(x.shape) < 0.5, -1.0, 1.0)
    return x.astype(dtype)


def _binomial_check(counts: np.ndarray, p: np.ndarray, n: int) -> tuple[bool, float, float]:
    """(exact ends ok, smaller of the two p-values, largest |rate - p|).

    The per-neuron test is the exact two-sided binomial tail test,
    ``min(1, 2 min(P[K <= k], P[K >= k]))``, Bonferroni-corrected over neurons;
    the chi-square sums ``(k - n p)^2 / (n p (1 - p))`` over the neurons whose
    variance ``n p (1 - p)`` is at least 5.
    """
    from scipy import stats

    exact = np.all(counts[p <= 0] == 0) and np.all(counts[p >= 1] == n)
    inner = (p > 0) & (p < 1)
    k, q = counts[inner], p[inner]
    big = n * q * (1 - q) >= 5  # the chi-square approximation needs enough variance
    chi2 = float(np.sum((k[big] - n * q[big]) ** 2 / (n * q[big] * (1 - q[big]))))
    p_chi2 = float(stats.chi2.sf(chi2, df=int(big.sum())))
    tails = np.minimum(stats.binom.cdf(k, n, q), stats.binom.sf(k - 1, n, q))
    p_bonf = float(min(1.0, 2 * tails.min() * k.size))
    return bool(exact), min(p_chi2, p_bonf), float(np.max(np.abs(counts / n - np.clip(p, 0, 1))))


def _statistics_row(name: str, dtype: str) -> Result:
    torch = _torch()
    f_max, sequence, signed = POISSON[name]
    dt = 1e-3
    theirs = getattr(_norse_encode(), name)
    ours = _ours(name, "refsnn")
    x = _stat_inputs(np.random.default_rng(16), dtype, signed, f_max, dt)
    g = torch.Generator().manual_seed(1234)
    tx = torch.as_tensor(x)
    if sequence:
        steps = STAT_STEPS
        z_ours = ours(x, steps, f_max, dt, seed=1234)
        z_norse = _norse_leaf(theirs(tx, steps, f_max, dt, generator=g))
    else:
        steps = STAT_STEPS_LOOP
        z_ours = np.stack([ours(x, f_max, dt, seed=1234, step=t) for t in range(steps)])
        z_norse = np.stack([_norse_leaf(theirs(tx, f_max, dt, generator=g))
                            for _ in range(steps)])
    p = np.minimum(1.0, np.float64(dt * f_max) * np.abs(x.astype(np.float64)))
    ok, worst_p, worst_rate = True, 1.0, 0.0
    for z in (z_ours, z_norse):
        z = np.asarray(z, dtype=np.float64)
        values_ok = np.all((z == 0) | (z == np.sign(x)))
        exact, p_value, rate_err = _binomial_check(np.abs(z).sum(axis=0), p, steps)
        ok &= bool(values_ok and exact and p_value > ALPHA)
        worst_p, worst_rate = min(worst_p, p_value), max(worst_rate, rate_err)
    return Result(f"{name}[statistics]", "refsnn", np.dtype(dtype).name, worst_rate, 0,
                  0.0, None, f"binom p={worst_p:.0e}", ok)


# --------------------------------------------------------------------------- table
def cases() -> list[Case]:
    """Every encoder row."""
    rows: list[Case] = []

    def add(label, variant, dtype, fn):
        rows.append(Case(label, variant, dtype, fn))

    for dtype in DTYPES:
        for variant in ("refsnn", "compat"):
            add("constant_current_lif_encode", variant, dtype,
                lambda v=variant, t=dtype: _lif_encoder_row("constant_current_lif_encode", v, t, True))
        add("spike_latency_lif_encode", "refsnn", dtype,
            lambda t=dtype: _lif_encoder_row("spike_latency_lif_encode", "refsnn", t, False))
        add("spike_latency_encode", "refsnn", dtype,
            lambda t=dtype: _spike_latency_row("refsnn", t, False))
        for variant in ("refsnn", "compat"):
            add("spike_latency_encode[signed]", variant, dtype,
                lambda v=variant, t=dtype: _spike_latency_row(v, t, True))
        add("gaussian_rbf", "refsnn", dtype, lambda t=dtype: _rbf_row(t))
        add("euclidean_distance", "refsnn", dtype, lambda t=dtype: _distance_row(t))
        for variant in ("refsnn", "compat"):
            add("population_encode", variant, dtype, lambda v=variant, t=dtype: _population_row(v, t))
        for name in POISSON:
            add(f"{name}[threshold]", "refsnn", dtype, lambda n=name, t=dtype: _threshold_row(n, t))
            add(f"{name}[statistics]", "refsnn", dtype, lambda n=name, t=dtype: _statistics_row(n, t))
    return rows


def main() -> int:
    failures = 0
    for case in cases():
        r = case.run()
        failures += not r.ok
        print(f"{r.label:40s} {r.variant:7s} {r.dtype:8s} {r.max_abs:10.3g} {r.max_ulp:>12d} "
              f"{r.max_scaled:10.3g} {str(r.spikes_equal):>6s}  {r.expected:18s} "
              f"{'ok' if r.ok else 'FAIL'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
