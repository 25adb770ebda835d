r"""Every float32 input of refsnn's exponential, checked for correct rounding.

:func:`refsnn.numerics.exp` evaluates a float32 ``x`` as the float64
exponential :func:`refsnn.numerics._exp64` of ``x`` (exact in float64),
rounded once to float32. This script runs it on *every* float32 ``x`` in
:data:`DEFAULT_RANGE` = [-104, 89] — every input whose correctly rounded
float32 :math:`e^x` is neither 0 nor :math:`\infty`, plus the few thousand
beyond both edges that round to 0 or overflow — and counts the results that
are not the correctly rounded (to nearest, ties to even) float32 value of
:math:`e^x`.

Method
------
Write :math:`Y = e^x` (exact) and :math:`y = \mathtt{\_exp64}(x)`. Rounding
to nearest is decided by the *rounding boundaries* (midpoints) between
consecutive float32 values ``f_-, f, f_+``: :math:`Y` rounds to ``f`` when
it lies strictly between :math:`(f_- + f)/2` and :math:`(f + f_+)/2`. Let
``f`` be the float32 rounding of :math:`y`. If neither boundary lies within
:math:`M` float64 ulps of :math:`y`, and :math:`|y - Y| < M` ulps, then
:math:`Y` is on the same side of both boundaries as :math:`y`, and ``f`` is
the correctly rounded result. :math:`M` = :data:`MARGIN_ULPS` = 1024, three
orders of magnitude above the bound :math:`|y - Y| \le 1` ulp that
:func:`float64_report` measures (and ``tests/test_numerics.py`` tests), so
the argument does not lean on that bound being tight. Every input whose
:math:`y` *is* within :math:`M` ulps of a boundary is *ambiguous* and is
decided by :func:`correct_exp32` with mpmath at 200 bits (more if needed).

The boundaries are computed from the float32 neighbours of ``f`` (exact in
float64), so every regime is handled by the same rule:

* float32 normal results: boundaries halfway between neighbours, with the
  spacing doubling at each power of two;
* float32 subnormal results (:math:`x < -87.34`, :math:`e^x < 2^{-126}`):
  the spacing stays :math:`2^{-149}`, boundaries are the odd multiples of
  :math:`2^{-150}`; the first one, :math:`2^{-150}`, separates 0 from the
  smallest subnormal (:math:`x \approx -103.97`), and :math:`y` is always a
  normal float64 there, so :math:`M` of its ulps are a tiny fraction of
  :math:`2^{-149}`;
* overflow: with an unbounded exponent the value after ``FLT_MAX`` is
  :math:`2^{128}`, so the last boundary is :math:`2^{128} - 2^{103}`
  (:math:`x \approx 88.72`): above it, the result is :math:`\infty`.

The result of :func:`refsnn.numerics.exp` itself (not a re-derivation) is
compared bit for bit with the correct value; that it equals the float32
rounding of ``_exp64`` is also counted (``inconsistent``, expected 0).

Run ``python validation/exp_exhaustive.py`` (every input: about
:math:`2.24\cdot 10^9`, a few minutes on two cores), ``--quick`` (every
4093rd input, a prime stride so the sampled mantissas vary, plus the two
edges of the range exhaustively), ``--range LO HI`` for every float32 in
``[LO, HI]``, ``--workers N`` (default: every core). It also prints the
largest float64 error of ``_exp64`` against mpmath on a random sample.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass, field

import mpmath
import numpy as np

from refsnn import numerics

DEFAULT_RANGE = (-104.0, 89.0)
QUICK_STRIDE = 4093
EDGES = ((-104.0, -103.9), (88.6, 89.0))  # checked exhaustively by --quick
MARGIN_ULPS = 1024
MP_PREC = 200
TASK = 2**24     # inputs per task handed to a worker
BLOCK = 2**12    # inputs per vectorised evaluation (fits in cache)
MAX_LISTED = 1000
SIGN = 0x80000000
F32, F64 = np.float32, np.float64


# --------------------------------------------------------------------------- the oracle
def correct_exp32(x) -> tuple[np.float32, float]:
    r"""The correctly rounded float32 :math:`e^x`, decided with mpmath.

    Parameters
    ----------
    x : float
        A float32 value (or any float64; it is used exactly).

    Returns
    -------
    value : numpy.float32
        :math:`e^x` rounded to nearest float32, ties to even, with float32
        subnormals (spacing :math:`2^{-149}`) and overflow to
        :math:`\infty` at :math:`2^{128} - 2^{103}`.
    distance : float
        Distance of :math:`e^x` from the nearest rounding boundary, in
        float32 ulps (0.5 means :math:`e^x` is a float32 value).

    Notes
    -----
    At precision :math:`p`, :math:`e^x / 2^q < 2^{24}` is known within
    :math:`2^{25-p}`; the precision doubles until the fractional part is
    farther than that from :math:`1/2`. :math:`e^x` is transcendental for
    every float32 :math:`x \ne 0` and :math:`e^0 = 1`, so this terminates.
    """
    x = float(x)
    prec = MP_PREC
    while True:
        with mpmath.workprec(prec):
            y = mpmath.exp(mpmath.mpf(x))
            _, e = mpmath.frexp(y)                 # y = m 2^e, 0.5 <= m < 1
            q = max(int(e) - 24, -149)             # float32 spacing at y
            t = mpmath.ldexp(y, -q)
            n = int(mpmath.floor(t))
            frac = t - n
            if abs(frac - 0.5) > mpmath.ldexp(1, 26 - prec):
                break
        prec *= 2
        if prec > 1 << 14:
            raise ArithmeticError(f"cannot decide the rounding of exp({x!r})")
    distance = float(abs(frac - 0.5))
    if frac > 0.5:
        n += 1
    value = math.ldexp(n, q)                       # exact in float64
    return (F32(np.inf) if value >= 2.0**128 else F32(value)), distance


# --------------------------------------------------------------------------- one block
@dataclass
class Result:
    """Counts over a set of float32 inputs (merge them with :meth:`merge`).

    Attributes
    ----------
    checked : int
        Inputs checked.
    finite_nonzero : int
        Those whose correct float32 :math:`e^x` is neither 0 nor inf.
    ambiguous : int
        Inputs decided by mpmath (``_exp64`` within ``MARGIN_ULPS`` of a
        rounding boundary).
    inconsistent : int
        Inputs where ``exp(x)`` differs from ``float32(_exp64(x))``.
    wrong : int
        Inputs where ``exp(x)`` is not the correctly rounded float32.
    listed : list of (x, ours, correct)
        The first :data:`MAX_LISTED` of them.
    worst_ambiguous_ulp64 : float
        Largest error of ``_exp64`` on the ambiguous inputs, in float64 ulps.
    hardest : (float, float)
        The ambiguous input whose :math:`e^x` is closest to a rounding
        boundary: (distance in float32 ulps, x).
    lowest_nonzero, highest_finite : float
        Smallest ``x`` with a nonzero correct result, largest with a finite one.
    seconds : float
        Wall-clock time (set by :func:`check`).
    cpu_seconds : float
        Processor time summed over the workers.
    """

    checked: int = 0
    finite_nonzero: int = 0
    ambiguous: int = 0
    inconsistent: int = 0
    wrong: int = 0
    listed: list = field(default_factory=list)
    worst_ambiguous_ulp64: float = 0.0
    hardest: tuple = (math.inf, math.nan)
    lowest_nonzero: float = math.inf
    highest_finite: float = -math.inf
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    def merge(self, other: "Result") -> "Result":
        """Add ``other``'s counts to this result (in place) and return it."""
        self.checked += other.checked
        self.finite_nonzero += other.finite_nonzero
        self.ambiguous += other.ambiguous
        self.inconsistent += other.inconsistent
        self.wrong += other.wrong
        self.listed = (self.listed + other.listed)[:MAX_LISTED]
        self.worst_ambiguous_ulp64 = max(self.worst_ambiguous_ulp64, other.worst_ambiguous_ulp64)
        self.hardest = min(self.hardest, other.hardest, key=lambda h: h[0])
        self.lowest_nonzero = min(self.lowest_nonzero, other.lowest_nonzero)
        self.highest_finite = max(self.highest_finite, other.highest_finite)
        self.cpu_seconds += other.cpu_seconds
        return self


def rounding_boundaries(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The rounding boundaries below and above float32 values, in float64.

    Parameters
    ----------
    f : float32 array of values :math:`\ge 0` (:math:`\infty` allowed)

    Returns
    -------
    below, above : float64 arrays
        :math:`(f_- + f)/2` and :math:`(f + f_+)/2` for the float32
        neighbours :math:`f_\pm` of ``f`` (exact: 25-bit significands).
        Past ``FLT_MAX`` the next value is taken as :math:`2^{128}`; the
        boundary above :math:`\infty` is :math:`\infty`.
    """
    inf = F32(np.inf)
    with np.errstate(over="ignore"):
        down = np.nextafter(f, -inf).astype(F64)
        up = np.nextafter(f, inf).astype(F64)
    here = f.astype(F64)
    top = np.isinf(here)
    here = np.where(top, 2.0**128, here)
    up = np.where(np.isinf(up), 2.0**128, up)
    return (down + here) * 0.5, np.where(top, np.inf, (here + up) * 0.5)


def check_values(x32: np.ndarray) -> Result:
    """Check :func:`refsnn.numerics.exp` on the float32 inputs ``x32`` (one block).

    Parameters
    ----------
    x32 : float32 array
        Finite inputs with :math:`e^x` finite in float64.

    Returns
    -------
    Result
    """
    x32 = np.ascontiguousarray(x32, dtype=F32)
    res = Result(checked=x32.size)
    with np.errstate(over="ignore", under="ignore"):
        ours = np.asarray(numerics.exp(x32))
        y = np.asarray(numerics._exp64(x32.astype(F64)))
        rounded = y.astype(F32)
    below, above = rounding_boundaries(rounded)
    near = np.minimum(y - below, above - y) <= MARGIN_ULPS * np.spacing(y)
    correct = rounded.copy()
    for i in np.flatnonzero(near):
        xi = float(x32[i])
        value, distance = correct_exp32(xi)
        correct[i] = value
        with mpmath.workprec(MP_PREC):
            res.worst_ambiguous_ulp64 = max(res.worst_ambiguous_ulp64,
                                            ulp_error(y[i], mpmath.exp(mpmath.mpf(xi))))
        res.hardest = min(res.hardest, (distance, xi), key=lambda h: h[0])
    res.ambiguous = int(near.sum())
    ours_bits, correct_bits = ours.view(np.uint32), correct.view(np.uint32)
    res.inconsistent = int(np.count_nonzero(ours_bits != rounded.view(np.uint32)))
    bad = np.flatnonzero(ours_bits != correct_bits)
    res.wrong = bad.size
    res.listed = [(float(x32[i]), float(ours[i]), float(correct[i])) for i in bad[:MAX_LISTED]]
    ok = (correct > 0) & (correct < np.inf)
    res.finite_nonzero = int(np.count_nonzero(ok))
    if res.finite_nonzero:
        res.lowest_nonzero = float(x32[ok].min())
        res.highest_finite = float(x32[ok].max())
    return res


# --------------------------------------------------------------------------- enumeration
def _magnitude_bits(v) -> int:
    return int(np.abs(F32(v)).view(np.uint32))


def _inward(lo: float, hi: float) -> tuple[np.float32, np.float32]:
    """The smallest float32 >= lo and the largest float32 <= hi."""
    a, b = F32(lo), F32(hi)
    if float(a) < lo:                      # compare in float64, not in float32
        a = np.nextafter(a, F32(np.inf))
    if float(b) > hi:
        b = np.nextafter(b, F32(-np.inf))
    return a, b


def segments(lo: float, hi: float) -> list[tuple[int, int, int]]:
    """Every float32 in ``[lo, hi]`` as runs of consecutive magnitude bit patterns.

    Parameters
    ----------
    lo, hi : float
        Finite bounds; both zeros are included when ``lo <= 0 <= hi``.

    Returns
    -------
    list of (sign, start, stop)
        The float32 values with bit pattern ``sign | m`` for every ``m`` in
        ``range(start, stop)``.
    """
    a, b = _inward(lo, hi)
    out = []
    if a > b:
        return out
    if a <= 0:                                             # -|x| with |x| in [max(-b, 0), -a]
        out.append((SIGN, _magnitude_bits(b) if b < 0 else 0, _magnitude_bits(a) + 1))
    if b >= 0:
        out.append((0, _magnitude_bits(a) if a > 0 else 0, _magnitude_bits(b) + 1))
    return out


def tasks(lo: float, hi: float, stride: int = 1) -> list[tuple[int, int, int, int]]:
    """``(sign, start, stop, stride)`` pieces of :func:`segments`, :data:`TASK` inputs each."""
    out = []
    for sign, start, stop in segments(lo, hi):
        for a in range(start, stop, TASK * stride):
            out.append((sign, a, min(stop, a + TASK * stride), stride))
    return out


def run_task(task: tuple[int, int, int, int]) -> Result:
    """Check the inputs of one task (see :func:`tasks`), :data:`BLOCK` at a time."""
    sign, start, stop, stride = task
    cpu = time.process_time()
    res = Result()
    for a in range(start, stop, BLOCK * stride):
        bits = np.arange(a, min(stop, a + BLOCK * stride), stride, dtype=np.int64)
        res.merge(check_values((bits.astype(np.uint32) | np.uint32(sign)).view(F32)))
    res.cpu_seconds = time.process_time() - cpu
    return res


def check(ranges=(DEFAULT_RANGE,), stride: int = 1, workers: int = 1) -> Result:
    """Check every ``stride``-th float32 in each of ``ranges``.

    Parameters
    ----------
    ranges : sequence of (lo, hi)
        Closed intervals of inputs (overlaps are checked twice).
    stride : int
        1 for every float32; n for every n-th bit pattern.
    workers : int
        Processes (1: in this process).

    Returns
    -------
    Result
    """
    start = time.perf_counter()
    work = [t for lo, hi in ranges for t in tasks(lo, hi, stride)]
    total = Result()
    if workers <= 1 or len(work) == 1:
        for t in work:
            total.merge(run_task(t))
    else:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for part in pool.imap_unordered(run_task, work):
                total.merge(part)
    total.seconds = time.perf_counter() - start
    return total


# --------------------------------------------------------------------------- float64
def ulp_error(y, exact, bits: int = 53, min_exponent: int = -1074) -> float:
    r"""``|y - exact|`` in units in the last place of ``exact``.

    Parameters
    ----------
    y : float
        The computed value.
    exact : mpmath.mpf
        The reference value.
    bits, min_exponent : int
        Significand bits and the exponent of the smallest subnormal of the
        format (float64: 53, -1074; float32: 24, -149).

    Returns
    -------
    float
        0 when both are 0 or the same infinity; :math:`\infty` when exactly
        one of them is not finite. The ulp of a value in
        :math:`[2^{e-1}, 2^e)` is :math:`2^{\max(e - \text{bits},\ \text{min\_exponent})}`.
    """
    y = float(y)
    if math.isnan(y) or not mpmath.isfinite(exact):
        return 0.0 if y == exact else math.inf
    if math.isinf(y):
        return math.inf
    if exact == 0:
        return 0.0 if y == 0 else math.inf
    _, e = mpmath.frexp(abs(exact))
    ulp = mpmath.ldexp(1, max(int(e) - bits, min_exponent))
    return float(abs(mpmath.mpf(y) - exact) / ulp)


def float64_sample(n: int, seed: int = 0) -> np.ndarray:
    """``n`` float64 inputs across the range of ``exp``.

    Returns
    -------
    float64 array
        70 % uniform on [-745, 709.7]; 10 % on [-745.2, -708] (subnormal
        results); 10 % :math:`\\pm 10^{u}`, :math:`u` uniform on [-300, 0]
        (small :math:`|x|`); 10 % uniform on [-2, 2].
    """
    rng = np.random.default_rng(seed)
    k = n // 10
    return np.concatenate([
        rng.uniform(-745.0, 709.7, n - 3 * k),
        rng.uniform(-745.2, -708.0, k),
        rng.choice([-1.0, 1.0], k) * 10.0 ** rng.uniform(-300.0, 0.0, k),
        rng.uniform(-2.0, 2.0, k),
    ])


def float64_errors(x: np.ndarray) -> np.ndarray:
    """Error of ``_exp64`` at each float64 ``x``, in ulps, against mpmath (200 bits)."""
    with np.errstate(over="ignore", under="ignore"):
        y = np.asarray(numerics._exp64(np.asarray(x, dtype=F64)))
    out = np.empty(y.shape)
    with mpmath.workprec(MP_PREC):
        for i, (xi, yi) in enumerate(zip(x.tolist(), y.tolist())):
            out[i] = ulp_error(yi, mpmath.exp(mpmath.mpf(xi)))
    return out


def float64_report(n: int = 200_000, seed: int = 0, workers: int = 1) -> tuple[float, float]:
    """Largest float64 error of ``_exp64`` on :func:`float64_sample`.

    Returns
    -------
    max_ulp : float
        The largest error, in ulps.
    x : float
        An input where it occurs.
    """
    x = float64_sample(n, seed)
    if workers <= 1:
        err = float64_errors(x)
    else:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            err = np.concatenate(pool.map(float64_errors, np.array_split(x, 8 * workers)))
    i = int(np.argmax(err))
    return float(err[i]), float(x[i])


# --------------------------------------------------------------------------- report
def _print_result(res: Result, label: str) -> None:
    print(f"float32 exp, {label}")
    print(f"  inputs checked              {res.checked:>14,d}")
    print(f"  with finite nonzero e^x     {res.finite_nonzero:>14,d}"
          f"   (x from {res.lowest_nonzero!r} to {res.highest_finite!r})")
    print(f"  ambiguous (mpmath decided)  {res.ambiguous:>14,d}"
          f"   (margin {MARGIN_ULPS} float64 ulps)")
    if res.ambiguous:
        print(f"  worst _exp64 error there    {res.worst_ambiguous_ulp64:14.3f} float64 ulp")
        print(f"  closest to a boundary       x = {res.hardest[1]!r}:"
              f" e^x is {res.hardest[0]:.3e} float32 ulp from a midpoint")
    print(f"  exp != float32(_exp64)      {res.inconsistent:>14,d}")
    print(f"  NOT correctly rounded       {res.wrong:>14,d}")
    for x, ours, correct in res.listed:
        print(f"    x = {x!r:>16s} ({F32(x).view(np.uint32):#010x}): ours {ours!r}, correct {correct!r}")
    print(f"  time                        {res.seconds:14.1f} s"
          f"   ({res.cpu_seconds:.1f} s of processor time)")


def main(argv: list[str] | None = None) -> int:
    """Run the check and print the report; 0 when every result is correctly rounded."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--range", nargs=2, type=float, metavar=("LO", "HI"),
                        default=DEFAULT_RANGE, help="inputs to check (default: %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a stride of {QUICK_STRIDE} inputs, plus the edges {EDGES} exhaustively")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--samples", type=int, default=None,
                        help="float64 sample size (default 200000, --quick 20000)")
    args = parser.parse_args(argv)
    lo, hi = args.range
    workers = max(1, args.workers)
    print(f"refsnn.numerics.exp, {workers} worker(s), numpy {np.__version__}, mpmath {mpmath.__version__}")
    if args.quick:
        res = check([(lo, hi)], stride=QUICK_STRIDE, workers=workers)
        _print_result(res, f"every float32 in [{lo}, {hi}] at a stride of {QUICK_STRIDE}")
        edges = check(EDGES, workers=workers)
        _print_result(edges, f"every float32 in {EDGES[0]} and {EDGES[1]}")
        res.merge(edges)
    else:
        res = check([(lo, hi)], workers=workers)
        _print_result(res, f"every float32 in [{lo}, {hi}]")
    samples = args.samples if args.samples is not None else (20_000 if args.quick else 200_000)
    ok64 = True
    if samples:
        start = time.perf_counter()
        worst, at = float64_report(samples, workers=workers)
        ok64 = worst <= 1.0
        print(f"float64 _exp64 vs mpmath, {samples:,d} random inputs: max error {worst:.4f} ulp"
              f" at x = {at!r} ({time.perf_counter() - start:.1f} s)" + ("" if ok64 else "  FAIL"))
    return 0 if (res.wrong == 0 and res.inconsistent == 0 and ok64) else 1


if __name__ == "__main__":
    sys.exit(main())
