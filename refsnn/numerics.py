r"""The few operations whose meaning differs between NumPy arrays and compiled scalars.

Every model's update in :mod:`refsnn.functional` is written once, in a style
that NumPy runs on arrays and the compiled backends run on one neuron's
scalars. Plain arithmetic (``+ - * /``, comparisons) means the same on both;
the operations below do not, so the updates call them by name:

* :func:`heaviside` — the spike nonlinearity :math:`H(x) = [x > 0]`;
* :func:`complement` — :math:`1 - z` in ``z``'s own dtype (a bare ``1 - z``
  would promote a float32 scalar to float64 in compiled code);
* :func:`relu` — :math:`\max(x, 0)`, NaN propagating;
* :func:`select` — ``np.where`` for arrays, a conditional for scalars;
* :func:`exp`, :func:`log` and :func:`power` — refsnn's own transcendentals (below).

Backends compile these same functions: a backend gives a scalar form only
to the functions marked "primitive" below (:func:`select`,
:func:`complement`, :func:`heaviside`, :func:`relu`, and the conversions
and bit constructions ``_as_float64``, ``_round_to``, ``_exp2i``,
``_frexp``) and compiles everything else from this source.

The exponential
---------------
:func:`exp` is a fixed sequence of IEEE-754 float64 operations, never libm,
so every backend computes the same bits by construction:

1. clamp :math:`x` to :math:`[-746, 710]` (beyond it the result is 0 or
   :math:`\infty` anyway) and reduce: :math:`k = \operatorname{rint}(x/\ln 2)`
   (by the add-and-subtract-:math:`1.5\cdot 2^{52}` trick, exact),
   :math:`r = (x - k\,c_{\text{hi}}) - k\,c_{\text{lo}}` with
   :math:`c_{\text{hi}} + c_{\text{lo}} = \ln 2` split so that
   :math:`k\,c_{\text{hi}}` is exact; :math:`|r| \le \ln 2 / 2`;
2. :math:`e^r = 1 + r + r^2 q(r)` with :math:`q` the Taylor polynomial of
   :math:`(e^r - 1 - r)/r^2` to degree 11, by Horner's rule;
3. scale by :math:`2^k` in two exact multiplications by powers of two
   (:math:`2^{\lfloor k/2 \rfloor}` then :math:`2^{k - \lfloor k/2 \rfloor}`),
   so subnormal results are rounded once.

float64 error: at most 1 ulp (0.92 ulp the largest seen against mpmath).
float32 inputs are evaluated in float64 and rounded once to float32; an
exhaustive check over every float32 input (``validation/exp_exhaustive.py``)
found every result correctly rounded (docs/numerics.rst).
The operations are straight-line code (selects, no branches), so compiled
loops that call it vectorise.

:func:`power` is :math:`b^e = \exp(e \ln b)` with a logarithm of the same
construction (:func:`log`), for the power-law plasticity rule only.
"""

from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------- primitives
# Each has a NumPy meaning here and a scalar overload in every compiled backend.


def select(condition, if_true, if_false):
    """``if_true`` where ``condition`` holds, else ``if_false`` (primitive)."""
    return np.where(condition, if_true, if_false)


def complement(z):
    """``1 - z`` in the dtype of ``z`` (primitive)."""
    z = np.asarray(z)
    return z.dtype.type(1) - z


def _as_float64(x):
    """``x`` converted to float64 (primitive)."""
    return np.asarray(x, dtype=np.float64)


def _round_to(like, x):
    """float64 ``x`` rounded once to float32 if ``like`` is float32, else float64 (primitive)."""
    dtype = np.float32 if np.asarray(like).dtype == np.float32 else np.float64
    return np.asarray(x).astype(dtype, copy=False)


def _exp2i(k):
    """:math:`2^k` for integral float64 ``k`` in ``[-1022, 1023]``, built from its bits (primitive)."""
    bits = (np.asarray(k, dtype=np.float64).astype(np.int64) + 1023) << 52
    return bits.view(np.float64)


def _frexp(x):
    """``(m, e)`` with ``x = m 2**e``, ``m`` in ``[0.5, 1)``, ``e`` as float64 (primitive)."""
    m, e = np.frexp(x)
    return m, e.astype(np.float64)


# --------------------------------------------------------------------------- spike helpers
def heaviside(x):
    """:math:`H(x)`: 1 where ``x > 0``, else 0 (NaN gives 0), in ``x``'s dtype (primitive)."""
    x = np.asarray(x)
    return select(x > 0, x.dtype.type(1), x.dtype.type(0))


def relu(x):
    """:math:`\\max(x, 0)` in ``x``'s dtype; NaN stays NaN (primitive)."""
    x = np.asarray(x)
    zero = x.dtype.type(0)
    return select(x < zero, zero, x)


# --------------------------------------------------------------------------- exp
_SHIFTER = 6755399441055744.0          # 1.5 * 2**52: x + S - S rounds x to an integer
_INV_LN2 = 1.4426950408889634          # 1 / ln 2
_LN2_HI = 0.6931471803691238           # ln 2 with 32 significant bits: k * _LN2_HI is exact
_LN2_LO = 1.9082149292705877e-10       # ln 2 - _LN2_HI
_EXP_LIMIT_LOW, _EXP_LIMIT_HIGH = -746.0, 710.0
# 1/n! for n = 2 .. 13: e^r = 1 + r + r^2 (1/2! + r/3! + ... + r^11/13!).
_INV_FACTORIALS = (0.5, 1.6666666666666666e-01, 4.1666666666666664e-02,
                   8.3333333333333332e-03, 1.3888888888888889e-03, 1.9841269841269841e-04,
                   2.4801587301587302e-05, 2.7557319223985893e-06, 2.7557319223985888e-07,
                   2.5052108385441720e-08, 2.0876756987868100e-09, 1.6059043836821613e-10)


def _exp64(x):
    """The float64 exponential of float64 ``x`` (steps 1-3 of the module docstring)."""
    nan = x != x
    x = select(nan, 0.0, x)
    x = select(x < _EXP_LIMIT_LOW, _EXP_LIMIT_LOW, x)
    x = select(x > _EXP_LIMIT_HIGH, _EXP_LIMIT_HIGH, x)
    k = (x * _INV_LN2 + _SHIFTER) - _SHIFTER
    r = (x - k * _LN2_HI) - k * _LN2_LO
    q = _horner(r, _INV_FACTORIALS)
    e_r = 1.0 + (r + (r * r) * q)
    half = (k * 0.5 + _SHIFTER) - _SHIFTER                 # rint(k / 2)
    half = select(half * 2.0 > k, half - 1.0, half)        # floor(k / 2)
    y = (e_r * _exp2i(half)) * _exp2i(k - half)
    return select(nan, _NAN, y)


def exp(x):
    r"""refsnn's exponential :math:`e^x`, the same bits on every backend.

    Parameters
    ----------
    x : float32 or float64 array or scalar

    Returns
    -------
    array or scalar of ``x``'s dtype
        float64: within 1 ulp of :math:`e^x`; float32: :math:`e^x`
        evaluated in float64 and rounded once. :math:`e^{-\infty} = 0`,
        :math:`e^{\infty} = \infty`, NaN gives NaN.
    """
    return _round_to(x, _exp64(_as_float64(x)))


# --------------------------------------------------------------------------- log and power
_SQRT2 = 1.4142135623730951
# 2/(2n+1) for n = 1 .. 10: ln m = 2 atanh(s) = 2 s + s (2 s^2/3 + 2 s^4/5 + ...).
_ATANH = tuple(2.0 / (2 * n + 1) for n in range(1, 11))


def _log64(x):
    """The float64 natural logarithm of float64 ``x`` (-inf at 0, NaN below 0)."""
    positive_finite = (x > 0.0) & (x < _INF)
    m, e = _frexp(select(positive_finite, x, 1.0))       # x = m 2^e, m in [0.5, 1)
    m = m * 2.0
    e = e - 1.0                                           # m in [1, 2)
    big = m > _SQRT2
    m = select(big, m * 0.5, m)                           # m in [1/sqrt 2, sqrt 2]
    e = select(big, e + 1.0, e)
    f = m - 1.0                                           # exact
    s = f / (2.0 + f)
    z = s * s
    half_f2 = 0.5 * (f * f)
    # ln m = f - f^2/2 + s (f^2/2 + z P(z)): the exact f leads, not the rounded 2s.
    y = e * _LN2_HI - ((half_f2 - (s * (half_f2 + z * _horner(z, _ATANH)) + e * _LN2_LO)) - f)
    y = select(x == _INF, _INF, y)
    y = select(x == 0.0, -_INF, y)
    return select((x < 0.0) | (x != x), _NAN, y)


def log(x):
    """refsnn's natural logarithm, the same bits on every backend (float32: via float64)."""
    return _round_to(x, _log64(_as_float64(x)))


def power(base, exponent):
    r""":math:`b^e = \exp(e \ln |b|)`, signed for a negative base, the same bits on every backend.

    Evaluated in float64 (float32 operands rounded once at the end). The
    relative error grows with :math:`|e \ln b|`: at most
    :math:`1 + 3\,|e \ln b|` ulp of float64 (:doc:`/numerics`), far below
    float32 resolution. Special cases as IEEE-754 ``pow`` (and NumPy, torch):
    :math:`b^0 = 1` and :math:`1^e = 1` for every :math:`b`, :math:`e`
    (NaN included); a negative base gives :math:`\pm|b|^e` for an integral
    exponent (the sign of :math:`(-1)^e`) and NaN otherwise; :math:`0^e` is 0
    for :math:`e > 0` and :math:`\infty` for :math:`e < 0`.
    """
    b, e = _as_float64(base), _as_float64(exponent)
    negative = b < 0.0
    y = _exp64(e * _log64(select(negative, -b, b)))
    odd = ~_is_integral(e * 0.5) & _is_integral(e)
    y = select(negative & odd, -y, y)
    y = select(negative & ~_is_integral(e), _NAN, y)
    y = select((e == 0.0) | (b == 1.0), 1.0, y)
    return _round_to(base, y)


def _is_integral(v):
    """Whether float64 ``v`` is an integer (every float64 of magnitude 2**52 or more is)."""
    magnitude = select(v < 0.0, -v, v)
    rounded = (magnitude + _SHIFTER) - _SHIFTER          # rint, exact below 2**51
    return (magnitude >= 4503599627370496.0) | (rounded == magnitude)


def _horner(x, coefficients):
    """``c[0] + x (c[1] + x (c[2] + ...))`` for a tuple of float64 coefficients."""
    q = coefficients[-1]
    for c in coefficients[-2::-1]:
        q = q * x + c
    return q


_NAN = float("nan")
_INF = float("inf")
