"""refsnn.numerics: exp, log and power against mpmath; the spike primitives.

References are mpmath at 200 bits (``validation.exp_exhaustive.ulp_error``
measures errors in units in the last place of the exact value). The float32
exponential is checked for correct rounding on a strided subset of every
float32 input with the exhaustive script's own function; the full run is
``python validation/exp_exhaustive.py`` (docs/numerics.rst).
"""

import math

import mpmath
import numpy as np
import pytest

from refsnn import numerics as nm
from validation import exp_exhaustive as ee

F32, F64 = np.float32, np.float64
NAN, INF = math.nan, math.inf
DBL_MAX = np.finfo(F64).max
TINY64 = 5e-324                 # 2**-1074
FLT_MAX = np.finfo(F32).max
# Bounds, kept in step with docs/numerics.rst.
# _log64 (fdlibm's form: the exact f = m - 1 leads): largest error seen 0.83 ulp.
LOG_ULP = 1.0
# power(b, e) = exp(t), t = e log(b): log's error (LOG_ULP ulp of ln b, at most
# LOG_ULP 2**-52 |t| after the exact multiplication by e) plus the product's rounding
# (2**-53 |t|) perturb t by at most (LOG_ULP + 1/2) 2**-52 |t|, which exp turns into a
# relative error, at most 2 (LOG_ULP + 1/2) |t| ulp of the result, plus exp's 1 ulp.
# Largest slope seen: 1.80 (bases near 0.704 and 1.3 and across the range, |t| up to 700).
POWER_SLOPE = 2 * (LOG_ULP + 0.5)
# float32: the float64 result rounded once; for finite nonzero float32 results
# |t| < 104, so the float64 error adds at most (1 + 104 POWER_SLOPE) 2**-52 2**24 ulp.
POWER32_ULP = 0.5 + (1 + 104 * POWER_SLOPE) * 2.0**-28


def _ulps(y, exact, fmt=F64):
    bits, emin = (53, -1074) if fmt == F64 else (24, -149)
    return ee.ulp_error(y, exact, bits, emin)


def _exact_exp(x):
    with mpmath.workprec(200):
        return mpmath.exp(mpmath.mpf(float(x)))


def _steps(x, n):
    """``x`` and its ``n`` float64 neighbours on either side."""
    out = [x]
    lo = hi = x
    for _ in range(n):
        lo, hi = np.nextafter(lo, -INF), np.nextafter(hi, INF)
        out += [lo, hi]
    return np.array(sorted(out))


# --------------------------------------------------------------------------- the error measure
def test_ulp_error_measures_units_in_the_last_place():
    e = _exact_exp(1.0)
    assert _ulps(math.e, e) < 0.5
    assert 0.5 < _ulps(np.nextafter(math.e, INF), e) < 1.5
    assert _ulps(TINY64, mpmath.mpf(0)) == INF                   # a nonzero result for 0
    assert _ulps(2 * TINY64, mpmath.mpf(TINY64)) == 1.0          # subnormal ulp is 2**-1074
    assert _ulps(F32(1.0) + F32(2.0**-23), mpmath.mpf(1), F32) == 1.0
    assert _ulps(INF, mpmath.mpf(DBL_MAX)) == INF


# --------------------------------------------------------------------------- float64 exp
def test_float64_exp_within_one_ulp_on_a_sample():
    x = ee.float64_sample(20_000, seed=11)
    err = ee.float64_errors(x)
    assert err.max() <= 1.0, (err.max(), x[err.argmax()])
    assert err.max() > 0.5           # not correctly rounded everywhere: the sample has teeth


@pytest.mark.parametrize("x, expected", [(0.0, 1.0), (-0.0, 1.0), (INF, INF), (-INF, 0.0),
                                         (-745.2, 0.0), (-746.0, 0.0), (-1e300, 0.0),
                                         (1e300, INF), (710.0, INF)])
def test_float64_exp_special_values(x, expected):
    with np.errstate(over="ignore"):
        y = nm.exp(F64(x))
    assert y == expected and y.dtype == F64


def test_float64_exp_nan():
    assert np.isnan(nm.exp(F64(NAN)))
    assert np.isnan(nm.exp(np.array([NAN, 1.0]))[0])


def test_float64_exp_at_the_overflow_threshold():
    # ln(DBL_MAX) = 709.78271289338399...; results round to inf from 2**1024 - 2**970 up.
    x = _steps(709.782712893384, 6)
    with np.errstate(over="ignore"):
        y = nm.exp(x)
    boundary = mpmath.mpf(2) ** 1024 - mpmath.mpf(2) ** 970
    overflows = [_exact_exp(v) >= boundary for v in x]
    assert any(overflows) and not all(overflows)
    for v, got, over in zip(x, y, overflows):
        if over:
            assert got == INF, v
        else:
            assert np.isfinite(got) and _ulps(got, _exact_exp(v)) <= 1.0, v


def test_float64_exp_gradual_underflow():
    # Subnormal results below x = -708.40 (2**-1022); exactly 0 below ln(2**-1075) = -745.133.
    x = np.concatenate([np.linspace(-745.2, -708.0, 1500), _steps(-708.3964185322641, 3),
                        _steps(-745.1332191019411, 3), _steps(-744.4400719213812, 3)])
    y = nm.exp(x)
    err = [_ulps(got, _exact_exp(v)) for v, got in zip(x, y)]
    assert max(err) <= 1.0
    assert (y[x < -708.4] < 2.0**-1022).all() and (y[x < -708.4] > 0).any()
    assert nm.exp(F64(-744.4400719213812)) == TINY64           # ln(2**-1074)
    assert (nm.exp(np.linspace(-1e4, -745.14, 100)) == 0).all()


# --------------------------------------------------------------------------- float32 exp
def test_float32_exp_correctly_rounded_on_a_strided_subset():
    res = ee.check([ee.DEFAULT_RANGE], stride=101)                       # ~22 million inputs
    res.merge(ee.check(ee.EDGES))                                        # both edges, every input
    res.merge(ee.check([(-103.98, -87.33)], stride=13))                  # subnormal results
    assert res.checked > 22_000_000
    assert res.wrong == 0, res.listed[:10]
    assert res.inconsistent == 0
    # The float32 range of exp, from the edges checked exhaustively:
    assert res.lowest_nonzero == F32(-103.97207641601562)   # e^x > 2**-150 from here up
    assert res.highest_finite == F32(88.72283172607422)     # e^x < 2**128 - 2**103 up to here


def test_the_float32_check_catches_a_wrong_result(monkeypatch):
    exp = nm.exp

    def off_by_one_ulp(x):
        y = exp(x)
        return np.where(np.asarray(x).view(np.uint32) % 97 == 0, np.nextafter(y, F32(INF)), y)

    monkeypatch.setattr(nm, "exp", off_by_one_ulp)
    res = ee.check([(-10.0, 10.0)], stride=100_003)
    assert res.wrong > 0 and res.wrong == res.inconsistent
    x, ours, correct = res.listed[0]
    assert ours == np.nextafter(F32(correct), F32(INF))


def test_ambiguous_inputs_are_decided_by_mpmath(monkeypatch):
    # With a margin wider than half a float32 ulp (up to 2**51 float64 ulps for
    # float32 subnormals) every input goes to mpmath, which must agree with
    # float32(_exp64) wherever that is correct (everywhere).
    monkeypatch.setattr(ee, "MARGIN_ULPS", 2**53)
    res = ee.check([(-104.0, 89.0)], stride=1_000_003)
    res.merge(ee.check([(-103.98, -87.33)], stride=2003))
    assert res.ambiguous >= res.checked - 3         # all but the overflowing inputs
    assert res.wrong == 0
    assert res.worst_ambiguous_ulp64 <= 1.0


@pytest.mark.parametrize("x, expected", [
    (0.0, 1.0), (-0.0, 1.0),
    (-103.97207641601562, 2.0**-149), (-103.97208404541016, 0.0),   # 0xc2cff1b4, 0xc2cff1b5
    (88.72283172607422, 3.402798519021476e38), (88.72283935546875, INF),     # 0x42b17217, 0x42b17218
])
def test_correct_exp32_at_the_edges(x, expected):
    value, _ = ee.correct_exp32(x)
    assert value == F32(expected) and value.dtype == F32
    with np.errstate(over="ignore"):
        assert nm.exp(F32(x)) == value


def test_float32_exp_specials_and_dtype():
    x = np.array([0.0, -0.0, INF, -INF, NAN, -200.0, 200.0], F32)
    with np.errstate(over="ignore"):
        y = nm.exp(x)
    assert y.dtype == F32
    np.testing.assert_array_equal(y, np.array([1, 1, INF, 0, NAN, 0, INF], F32))
    assert nm.exp(F32(1.0)).dtype == F32 and nm.exp(F32(1.0)) == F32(math.e)


def test_segments_enumerate_every_float32():
    count = lambda lo, hi: sum(stop - start for _, start, stop in ee.segments(lo, hi))
    assert count(1.0, 2.0) == 2**23 + 1
    assert count(-2.0, -1.0) == 2**23 + 1
    assert count(-0.0, 0.0) == 2                                         # -0 and +0
    assert count(0.1, 0.1) == 0                                          # 0.1 is not a float32
    assert count(F32(0.1), F32(0.1)) == 1
    assert count(-1.0, 1.0) == 2 * (0x3F800000 + 1)


# --------------------------------------------------------------------------- log
def _log_sample(n, seed):
    """Across float64, around 1, just below 1/sqrt 2 (the largest errors) and subnormals."""
    rng = np.random.default_rng(seed)
    k = n // 6
    return np.concatenate([10.0 ** rng.uniform(-307, 308, n - 5 * k), rng.uniform(0.3, 3.0, 2 * k),
                           1.0 + rng.uniform(-1e-3, 1e-3, k), rng.uniform(0.69, 0.7072, k),
                           2.0 ** rng.uniform(-1074, -1022, k)])


def _log_errors(x):
    with mpmath.workprec(200):
        return np.array([_ulps(y, mpmath.log(mpmath.mpf(v))) for v, y in zip(x, nm.log(x))])


def test_log_within_one_ulp():
    x = _log_sample(10_000, seed=5)
    err = _log_errors(x)
    assert err.max() <= LOG_ULP, (err.max(), x[err.argmax()])


def test_log_special_values():
    with np.errstate(invalid="ignore", divide="ignore"):
        y = nm.log(np.array([0.0, -0.0, -1.0, -INF, INF, NAN, 1.0]))
    np.testing.assert_array_equal(y, [-INF, -INF, NAN, NAN, INF, NAN, 0.0])
    for v in (TINY64, 3 * TINY64, 2.0**-1022, DBL_MAX, 2.0):
        with mpmath.workprec(200):
            assert _ulps(nm.log(F64(v)), mpmath.log(mpmath.mpf(v))) <= 1.0, v


def test_float32_log_dtype_and_subnormals():
    x = np.array([2.0**-149, 2.0**-130, 1.0, 3.0, FLT_MAX, 0.0], F32)
    with np.errstate(divide="ignore"):
        y = nm.log(x)
    assert y.dtype == F32
    with mpmath.workprec(200):
        for v, got in zip(x[:-1], y[:-1]):
            assert _ulps(got, mpmath.log(mpmath.mpf(float(v))), F32) <= 0.5 + 1e-6, v
    assert y[-1] == -INF


# --------------------------------------------------------------------------- power
def _power_sample(n, seed):
    """Bases across float64 and exponents with |e ln b| up to 709."""
    rng = np.random.default_rng(seed)
    b = np.concatenate([10.0 ** rng.uniform(-300, 300, n // 2), rng.uniform(0.0, 4.0, n - n // 2)])
    t = rng.uniform(-709, 709, n) * 10.0 ** rng.uniform(-4, 0, n)
    with np.errstate(divide="ignore"):
        e = t / np.log(b)
    keep = np.isfinite(e) & (b > 0)
    return b[keep], e[keep]


def test_float64_power_within_the_documented_bound():
    b, e = _power_sample(10_000, seed=3)
    y = nm.power(b, e)
    with mpmath.workprec(200):
        err = np.array([_ulps(yi, mpmath.power(mpmath.mpf(bi), mpmath.mpf(ei)))
                        for bi, ei, yi in zip(b.tolist(), e.tolist(), y.tolist())])
    size = np.abs(e * np.log(b))
    excess = err - (1.0 + POWER_SLOPE * size)
    assert excess.max() <= 0, (b[excess.argmax()], e[excess.argmax()], err[excess.argmax()])
    assert err.max() > 100           # the bound is needed: the error does grow with |e ln b|
    assert err[size < 1e-3].max() <= 1.0


def test_float32_power_is_correctly_rounded_up_to_the_float64_error():
    b, e = _power_sample(5000, seed=4)
    with np.errstate(over="ignore"):
        b, e = b.astype(F32), e.astype(F32)
        y = nm.power(b, e)
    assert y.dtype == F32
    worst = 0.0
    with mpmath.workprec(200):
        for bi, ei, yi in zip(b.tolist(), e.tolist(), y.tolist()):
            exact = mpmath.power(mpmath.mpf(bi), mpmath.mpf(ei))
            if 2.0**-126 <= exact <= FLT_MAX:
                worst = max(worst, _ulps(yi, exact, F32))
    assert worst <= POWER32_ULP


@pytest.mark.parametrize("b, e, expected", [
    (0.0, 2.0, 0.0), (0.0, 0.5, 0.0), (0.0, 0.0, 1.0), (0.0, -1.0, INF),
    (5.0, 0.0, 1.0), (INF, 0.0, 1.0), (NAN, 0.0, 1.0), (1.0, 123.0, 1.0),
    (INF, 2.0, INF), (INF, -1.0, 0.0), (2.0, 1e4, INF), (2.0, -1e4, 0.0),
    (NAN, 1.0, NAN), (2.0, NAN, NAN), (1.0, NAN, 1.0), (1.0, INF, 1.0), (1.0, -INF, 1.0),
    (-1.0, 2.0, 1.0), (-1.0, 3.0, -1.0), (-2.0, -1.0, -0.5), (-2.0, 0.5, NAN),
    (-INF, 3.0, -INF), (-0.5, 2.0**60, 0.0),
    (2.0, 10.0, 1024.0), (4.0, 0.5, 2.0),
])
def test_power_special_values(b, e, expected):
    with np.errstate(all="ignore"):
        got = nm.power(F64(b), F64(e))
        got32 = nm.power(F32(b), F32(e))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got32, F32(expected))
    assert got.dtype == F64 and got32.dtype == F32


# --------------------------------------------------------------------------- spike primitives
@pytest.mark.parametrize("dtype", [F32, F64])
def test_heaviside(dtype):
    x = np.array([NAN, -INF, -1.0, -0.0, 0.0, 1e-45, 1.0, INF], dtype)
    y = nm.heaviside(x)
    assert y.dtype == dtype
    expected = [0, 0, 0, 0, 0, 1, 1, 1]           # 1e-45 is a float32 subnormal, > 0
    np.testing.assert_array_equal(y, np.array(expected, dtype))
    assert nm.heaviside(dtype(0.5)).dtype == dtype and nm.heaviside(dtype(0.5)) == 1


@pytest.mark.parametrize("dtype", [F32, F64])
def test_relu(dtype):
    x = np.array([NAN, -INF, -2.5, 0.0, 3.25, INF], dtype)
    y = nm.relu(x)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, np.array([NAN, 0, 0, 0, 3.25, INF], dtype))


@pytest.mark.parametrize("dtype", [F32, F64])
def test_complement(dtype):
    z = np.array([0.0, 1.0, 0.25, NAN], dtype)
    y = nm.complement(z)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, np.array([1.0, 0.0, 0.75, NAN], dtype))
    assert nm.complement(dtype(0.1)).dtype == dtype
    assert nm.complement(F32(0.1)) == F32(1) - F32(0.1)       # rounded in float32, not float64


def test_select():
    c = np.array([True, False, True])
    a = np.array([1.0, 2.0, NAN], F32)
    b = np.array([-1.0, NAN, -3.0], F32)
    y = nm.select(c, a, b)
    assert y.dtype == F32
    np.testing.assert_array_equal(y, np.array([1.0, NAN, NAN], F32))
    assert nm.select(False, F32(1), F32(2)) == 2 and nm.select(False, F32(1), F32(2)).dtype == F32
    np.testing.assert_array_equal(nm.select(np.array([1.0, NAN]) > 0, 1.0, 0.0), [1.0, 0.0])


def test_the_script_runs_in_quick_mode():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "validation/exp_exhaustive.py", "--quick",
                           "--workers", "1", "--samples", "2000"],
                          cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "NOT correctly rounded                    0" in done.stdout
    assert "float64 _exp64 vs mpmath, 2,000 random inputs: max error" in done.stdout


# --------------------------------------------------------------------------- compiled = NumPy
_SPECIAL = np.array([NAN, -INF, -746.0, -745.1, -103.9, -87.4, -1.0, -0.0, 0.0, 5e-324,
                     1e-300, 0.5, 1.0, 2.0, 88.7, 709.7, 709.8, INF])


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("name", ["exp", "log", "heaviside", "relu", "complement"])
def test_compiled_scalar_functions_give_numpys_bits(name, dtype):
    numba = pytest.importorskip("numba")
    from refsnn.backends.numba_.compiling import JIT_OPTIONS, compile_reference

    fn = compile_reference(getattr(nm, name))
    scalar = numba.njit(**JIT_OPTIONS)(lambda x: fn(x))
    rng = np.random.default_rng(11)
    x = np.concatenate([_SPECIAL, rng.uniform(-750, 750, 500), rng.uniform(-2, 2, 500)])
    x = x.astype(dtype)
    with np.errstate(all="ignore"):
        expected = fn(x)
        got = np.array([scalar(v) for v in x], dtype)  # numba boxes float32 as float: exact
    assert expected.dtype == dtype
    assert str(scalar.nopython_signatures[0].return_type) == np.dtype(dtype).name
    np.testing.assert_array_equal(got.view(f"u{dtype().itemsize}"),
                                  expected.view(f"u{dtype().itemsize}"))


@pytest.mark.parametrize("dtype", [F32, F64])
def test_compiled_power_gives_numpys_bits(dtype):
    numba = pytest.importorskip("numba")
    from refsnn.backends.numba_.compiling import JIT_OPTIONS, compile_reference

    compile_reference(nm.power)
    scalar = numba.njit(**JIT_OPTIONS)(lambda b, e: nm.power(b, e))
    rng = np.random.default_rng(12)
    b = np.concatenate([_SPECIAL, rng.uniform(-3, 3, 300)]).astype(dtype)
    e = np.concatenate([rng.choice([NAN, -INF, -2.0, -1.0, 0.0, 0.5, 1.0, 3.0, INF], _SPECIAL.size),
                        rng.uniform(-3, 3, 150), rng.integers(-5, 6, 150)]).astype(dtype)
    with np.errstate(all="ignore"):
        expected = nm.power(b, e)
        got = np.array([scalar(u, v) for u, v in zip(b, e)], dtype)
    np.testing.assert_array_equal(got.view(f"u{dtype().itemsize}"),
                                  expected.view(f"u{dtype().itemsize}"))
