r"""Counter-based random numbers: Philox4x32-10, identical on every backend.

Why counter-based
-----------------
A counter-based generator is a keyed bijection: the random bits for a
position are a pure function ``bits = philox(counter, key)``. Nothing is
carried from one call to the next, so any draw can be computed on its own
(random access), in any order, by any number of threads, and a NumPy loop, a
Numba kernel and a CUDA thread all produce the same bits for the same
position. Chunking time (steps 0-99, then 100-199) gives the same numbers as
one long call.

The block function
------------------
Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as
easy as 1, 2, 3", SC'11; the Random123 library) maps a counter of four 32-bit words :math:`(c_0, c_1, c_2, c_3)`
and a key of two words :math:`(k_0, k_1)` to four output words by ten rounds.
One round, with :math:`M_0 = \mathtt{0xD2511F53}`, :math:`M_1 = \mathtt{0xCD9E8D57}`
and :math:`\mathrm{hi}, \mathrm{lo}` the upper and lower 32 bits of the exact
64-bit product, is

.. math::
    (c_0, c_1, c_2, c_3) \leftarrow
    \bigl(\mathrm{hi}(M_1 c_2) \oplus c_1 \oplus k_0,\;
          \mathrm{lo}(M_1 c_2),\;
          \mathrm{hi}(M_0 c_0) \oplus c_3 \oplus k_1,\;
          \mathrm{lo}(M_0 c_0)\bigr).

The first round uses the key as given; before each later round the key is
advanced by the Weyl increments :math:`k_0 \mathrel{+}= \mathtt{0x9E3779B9}`,
:math:`k_1 \mathrel{+}= \mathtt{0xBB67AE85}` (mod :math:`2^{32}`). All arithmetic
is on unsigned 32-bit words; the 64-bit products are formed exactly in
``uint64``. The known-answer vectors of Random123 (file ``kat_vectors``)
are reproduced (``tests/test_random.py``).

Key
---
A seed is a Python integer in :math:`[0, 2^{64})`; its key is
``(seed & 0xFFFFFFFF, seed >> 32)`` — low word first. Every function that
takes ``seed`` also accepts a key made by :func:`key`.

Counter layout
--------------
Every draw in refsnn uses exactly one Philox block, addressed by

====  =========================================================
word  meaning
====  =========================================================
c0    time step ``t`` (``0 <= t < 2**32``)
c1    flat element index, low 32 bits
c2    flat element index, high 32 bits (``0 <= index < 2**64``)
c3    stream id: which use of randomness this is (table below)
====  =========================================================

The flat element index is the C-order (row-major) position of the element
in the array being drawn for (``np.ravel_multi_index``), not including the
time axis. Distinct streams never share a counter, so uses with the same
seed are independent.

==========  ========  ====================================================
stream id   name      use
==========  ========  ====================================================
0           user      default of :func:`uniform` / :func:`block`, free for
                      user code
1           poisson   the Bernoulli draw of every Poisson encoder in
                      :mod:`refsnn.functional.encode` (signed and unsigned,
                      sequence and step variants share it)
==========  ========  ====================================================

Uniform floats
--------------
From a block :math:`(w_0, w_1, w_2, w_3)`, exactly (no rounding happens:
every value below is representable in the target type):

* float32: :math:`u = \lfloor w_0 / 2^{8} \rfloor \cdot 2^{-24}`, a multiple
  of :math:`2^{-24}` in :math:`[0, 1 - 2^{-24}]`;
* float64: :math:`u = (\lfloor w_0 / 2^{5} \rfloor \cdot 2^{26}
  + \lfloor w_1 / 2^{6} \rfloor) \cdot 2^{-53}`, a multiple of
  :math:`2^{-53}` in :math:`[0, 1 - 2^{-53}]`.

Hence :math:`P(u < r) = \lceil r\,2^{24} \rceil / 2^{24}` (float32) for
:math:`0 \le r \le 1`, and never :math:`u = 1`. Words :math:`w_2, w_3` are
unused (reserved for future distributions from the same block).

Layout of this module
---------------------
The core is written once, in a style that NumPy runs on ``uint64`` arrays
and a compiled backend runs on ``uint64`` scalars (the numba backend
compiles these very functions, :mod:`refsnn.backends.numba_.philox`): every
32-bit word is held in a ``uint64`` value below :math:`2^{32}`, so that
products are exact and sums are reduced modulo :math:`2^{32}` by a mask, and
every constant is a typed NumPy scalar (``np.uint64``; ``np.uint32`` shift
counts; floats of the target type) so that no operation promotes.
:func:`philox_words` (ten rounds on the six words),
:func:`counter_words` (the counter layout) and :func:`uniform_float32` /
:func:`uniform_float64` (the float mappings) are that core;
:func:`mulhilo32`, :func:`philox_round`, :func:`bump_key`,
:func:`philox4x32_10`, :func:`counter`, :func:`block`, :func:`to_uniform`
and :func:`uniform` validate arguments and apply it to arrays.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any

import numpy as np

__all__ = [
    "PHILOX_M0",
    "PHILOX_M1",
    "PHILOX_W0",
    "PHILOX_W1",
    "ROUNDS",
    "STREAMS",
    "block",
    "bump_key",
    "counter",
    "counter_words",
    "key",
    "mulhilo32",
    "philox4x32_10",
    "philox_round",
    "philox_words",
    "to_uniform",
    "uniform",
    "uniform_float32",
    "uniform_float64",
]

PHILOX_M0 = 0xD2511F53  #: round multiplier applied to counter word 0
PHILOX_M1 = 0xCD9E8D57  #: round multiplier applied to counter word 2
PHILOX_W0 = 0x9E3779B9  #: Weyl increment of key word 0 (golden ratio)
PHILOX_W1 = 0xBB67AE85  #: Weyl increment of key word 1 (sqrt(3) - 1)
ROUNDS = 10

#: Stream ids (counter word 3) reserved by refsnn; see the module docstring.
STREAMS = {"user": 0, "poisson": 1}

_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1
# Blocks computed at once by uniform(): bounds the temporaries (~100 MB).
_CHUNK_BLOCKS = 1 << 14

# Typed constants of the core (a Python int mixed with uint64 would promote
# to float64 in compiled code).
_M0, _M1 = np.uint64(PHILOX_M0), np.uint64(PHILOX_M1)
_W0, _W1 = np.uint64(PHILOX_W0), np.uint64(PHILOX_W1)
# uint32 shifts: uint32 words (to_uniform's blocks) stay uint32, uint64 stay uint64.
_SHIFT8, _SHIFT5, _SHIFT6 = np.uint32(8), np.uint32(5), np.uint32(6)
_F32_ULP = np.float32(2.0**-24)
_F64_HIGH = np.float64(2.0**26)
_F64_ULP = np.float64(2.0**-53)


# --------------------------------------------------------------------------- core
# Words in uint64 values below 2**32, arrays (NumPy) or scalars (compiled);
# see "Layout of this module".
def _mulhilo(a, m):
    """High and low words of the exact 64-bit product of the words ``a`` and ``m``."""
    product = a * m
    return product >> _SHIFT32, product & _MASK32


def _round(c0, c1, c2, c3, k0, k1):
    """One Philox4x32 round (module docstring)."""
    hi0, lo0 = _mulhilo(c0, _M0)
    hi1, lo1 = _mulhilo(c2, _M1)
    return hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0


def _bump(k0, k1):
    """Both key words advanced by their Weyl increment, modulo 2**32."""
    return (k0 + _W0) & _MASK32, (k1 + _W1) & _MASK32


def philox_words(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 on the words of one counter and one key (the core).

    Parameters
    ----------
    c0, c1, c2, c3, k0, k1 : uint64 (or, for NumPy, uint32) arrays or scalars
        Counter and key words, each below :math:`2^{32}` (arrays broadcast).

    Returns
    -------
    tuple of four uint64 words (below :math:`2^{32}`)
        Ten rounds, the key advanced by the Weyl increments before each
        round but the first.
    """
    c0, c1, c2, c3 = _round(c0, c1, c2, c3, k0, k1)
    for _ in range(ROUNDS - 1):
        k0, k1 = _bump(k0, k1)
        c0, c1, c2, c3 = _round(c0, c1, c2, c3, k0, k1)
    return c0, c1, c2, c3


def counter_words(step, index, stream):
    """The counter words of ``step``, ``index``, ``stream``: ``(step, index lo, index hi, stream)``.

    All uint64 (arrays or scalars); ``index`` below :math:`2^{64}`, the
    others below :math:`2^{32}` (the core; see "Counter layout").
    """
    return step, index & _MASK32, index >> _SHIFT32, stream


def uniform_float32(w0):
    """The float32 uniform of a block from its word ``w0``: ``(w0 >> 8) 2**-24``, exact.

    ``w0``: uint32 or uint64 (arrays or scalars), below :math:`2^{32}`.
    """
    return np.float32(w0 >> _SHIFT8) * _F32_ULP


def uniform_float64(w0, w1):
    """The float64 uniform of a block from its words ``w0``, ``w1``, exact:
    ``((w0 >> 5) 2**26 + (w1 >> 6)) 2**-53`` (words as for :func:`uniform_float32`)."""
    return (np.float64(w0 >> _SHIFT5) * _F64_HIGH + np.float64(w1 >> _SHIFT6)) * _F64_ULP


def _words(*values) -> tuple:
    """Each value as a uint64 array (the lanes of the core)."""
    return tuple(np.asarray(v, dtype=np.uint64) for v in values)


def mulhilo32(a: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """High and low 32-bit words of the exact 64-bit product ``a * m``.

    ``a``: words (values < 2**32) in any unsigned integer array; results in
    uint64 lanes. The product of two 32-bit words always fits in 64 bits.
    """
    return _mulhilo(*_words(a, m))


def philox_round(c0, c1, c2, c3, k0, k1):
    """One Philox4x32 round on the words of a counter and a key (uint64 lanes)."""
    return _round(*_words(c0, c1, c2, c3, k0, k1))


def bump_key(k0, k1):
    """Advance both key words by their Weyl increment, modulo 2**32 (uint64 lanes)."""
    return _bump(*_words(k0, k1))


def _check_words(x: Any, width: int, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype != np.uint32:
        raise TypeError(
            f"{name} must be a uint32 array with last axis {width}, got dtype {arr.dtype} "
            f"(convert with np.asarray(..., dtype=np.uint32))"
        )
    if arr.ndim == 0 or arr.shape[-1] != width:
        raise ValueError(f"{name} must have shape (..., {width}), got {arr.shape}")
    return arr


def philox4x32_10(counter: np.ndarray, key: np.ndarray) -> np.ndarray:
    """The Philox4x32-10 block function.

    Parameters
    ----------
    counter : uint32 array, shape ``(..., 4)``
    key : uint32 array, shape ``(..., 2)``
        Leading axes of ``counter`` and ``key`` broadcast together.

    Returns
    -------
    uint32 array, shape ``(broadcast(...), 4)``
        Ten rounds of :func:`philox_round`, the key advanced by
        :func:`bump_key` between rounds (module docstring).
    """
    ctr = _check_words(counter, 4, "counter")
    k = _check_words(key, 2, "key")
    try:
        lead = np.broadcast_shapes(ctr.shape[:-1], k.shape[:-1])
    except ValueError:
        raise ValueError(
            f"counter shape {ctr.shape} and key shape {k.shape} do not broadcast "
            f"(leading axes {ctr.shape[:-1]} vs {k.shape[:-1]})"
        ) from None
    # Words keep their own shapes; the XORs broadcast them to ``lead``.
    # (uint32 views: the first round's products promote them to uint64 lanes.)
    words = philox_words(*(ctr[..., j] for j in range(4)), k[..., 0], k[..., 1])
    out = np.empty(lead + (4,), dtype=np.uint32)
    for j, c in enumerate(words):
        out[..., j] = c
    return out


# --------------------------------------------------------------------------- keys
def _integer(value: Any, name: str, low: int, high: int) -> int:
    """A Python int from an integer argument in ``[low, high]`` (bool rejected)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = operator.index(value)
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
    return value


def key(seed: Any) -> np.ndarray:
    """The Philox key of a seed: ``uint32[2]``, low word first.

    Parameters
    ----------
    seed : int or key
        A Python (or NumPy) integer in ``[0, 2**64)``, or a key already made
        by this function (returned validated, as a read-only copy).

    Returns
    -------
    uint32 array of shape ``(2,)``, read-only:
    ``[seed & 0xFFFFFFFF, seed >> 32]``.
    """
    if isinstance(seed, np.ndarray) and seed.ndim == 1:
        if seed.dtype != np.uint32 or seed.shape != (2,):
            raise TypeError(
                f"seed given as an array must be a key: uint32 of shape (2,), got "
                f"{seed.dtype} of shape {seed.shape}"
            )
        out = seed.copy()
    else:
        if isinstance(seed, np.ndarray):
            raise TypeError(
                f"seed must be an int in [0, 2**64) or a key (uint32 array of shape (2,)), "
                f"got an array of shape {seed.shape}"
            )
        s = _integer(seed, "seed", 0, _U64_MAX)
        out = np.array([s & _U32_MAX, s >> 32], dtype=np.uint32)
    out.flags.writeable = False
    return out


# --------------------------------------------------------------------------- counters
def _index_array(x: Any, name: str, high: int) -> np.ndarray:
    """Non-negative integer array (Python ints, sequences, integer arrays) as uint64."""
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must hold integers, got bool")
    if isinstance(x, range):
        x = np.arange(x.start, x.stop, x.step, dtype=np.int64)
    arr = np.asarray(x)
    if arr.dtype == object:  # Python ints beyond int64
        try:
            arr = np.asarray(x, dtype=np.uint64)
        except (OverflowError, TypeError, ValueError):
            raise ValueError(f"{name} must hold integers in [0, {high}]") from None
    if arr.dtype.kind not in "iu":
        if arr.size or arr.dtype == np.bool_ or arr.dtype.kind not in "f":
            raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
        arr = arr.astype(np.uint64)  # an empty list is float64 to NumPy
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if (arr.dtype.kind == "i" and lo < 0) or int(hi) > high:
            bad = int(lo) if arr.dtype.kind == "i" and lo < 0 else int(hi)
            raise ValueError(f"{name} must hold integers in [0, {high}], got {bad}")
    return arr.astype(np.uint64)


def counter(step: Any, index: Any, stream: int = 0) -> np.ndarray:
    """Philox counters for time steps and flat element indices.

    Parameters
    ----------
    step : int or integer array, values in ``[0, 2**32)``
    index : int or integer array, values in ``[0, 2**64)``
        Broadcast against ``step``.
    stream : int in ``[0, 2**32)``
        Stream id (counter word 3; see :data:`STREAMS`).

    Returns
    -------
    uint32 array, shape ``(broadcast(step, index), 4)``:
    ``(step, index & 0xFFFFFFFF, index >> 32, stream)``.
    """
    t = _index_array(step, "step", _U32_MAX)
    i = _index_array(index, "index", _U64_MAX)
    s = _integer(stream, "stream", 0, _U32_MAX)
    try:
        t, i = np.broadcast_arrays(t, i)
    except ValueError:
        raise ValueError(
            f"step shape {t.shape} and index shape {i.shape} do not broadcast") from None
    out = np.empty(t.shape + (4,), dtype=np.uint32)
    for j, word in enumerate(counter_words(t, i, np.uint64(s))):
        out[..., j] = word
    return out


def block(seed: Any, step: Any, index: Any, stream: int = 0) -> np.ndarray:
    """The random block of every (step, index): ``philox4x32_10(counter(...), key(seed))``.

    This is the pure function of (seed, step, element, stream) on which every
    random draw in refsnn rests. Returns uint32 of shape
    ``(broadcast(step, index), 4)``.
    """
    return philox4x32_10(counter(step, index, stream), key(seed))


def _float_dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64, got {dt}")
    return dt


def to_uniform(blocks: np.ndarray, dtype: Any = np.float32) -> np.ndarray:
    """Map Philox blocks to uniform floats in ``[0, 1)`` exactly (module docstring).

    Parameters
    ----------
    blocks : uint32 array, shape ``(..., 4)``
    dtype : float32 or float64

    Returns
    -------
    array of shape ``(...)``: float32 ``(w0 >> 8) * 2**-24`` or float64
    ``((w0 >> 5) * 2**26 + (w1 >> 6)) * 2**-53``.
    """
    b = _check_words(blocks, 4, "blocks")
    dt = _float_dtype(dtype)
    if dt == np.float32:
        return uniform_float32(b[..., 0])
    return uniform_float64(b[..., 0], b[..., 1])


def uniform(seed: Any, steps: Any, n_elements: int, dtype: Any = np.float32,
            stream: int = 0) -> np.ndarray:
    """Uniform floats in ``[0, 1)`` for a run of time steps and ``n_elements`` elements.

    Element ``(k, j)`` of the result is
    ``to_uniform(block(seed, steps[k], j, stream), dtype)``: each value
    depends only on (seed, step, element index, stream), never on which
    other steps or elements are drawn in the same call.

    Parameters
    ----------
    seed : int or key
    steps : int, range or 1-D integer array
        Time steps (counter word 0). A single int gives a 1-D result.
    n_elements : int >= 0
        Elements ``0 .. n_elements - 1`` (flat indices) are drawn.
    dtype : float32 (default) or float64
    stream : int
        Stream id (:data:`STREAMS`).

    Returns
    -------
    array of shape ``(len(steps), n_elements)``, or ``(n_elements,)`` for an int step.
    """
    k = key(seed)
    dt = _float_dtype(dtype)
    n = _integer(n_elements, "n_elements", 0, _U64_MAX)
    _integer(stream, "stream", 0, _U32_MAX)
    t = _index_array(steps, "steps", _U32_MAX)
    if t.ndim > 1:
        raise ValueError(f"steps must be an int or a 1-D sequence, got shape {t.shape}")
    scalar = t.ndim == 0
    t = t.reshape(-1)
    out = np.empty((t.size, n), dtype=dt)
    if out.size:
        index = np.arange(n, dtype=np.uint64)
        rows = max(1, _CHUNK_BLOCKS // max(n, 1))
        for r in range(0, t.size, rows):
            for c in range(0, n, _CHUNK_BLOCKS):
                ctr = counter(t[r:r + rows, None], index[None, c:c + _CHUNK_BLOCKS], stream)
                out[r:r + rows, c:c + _CHUNK_BLOCKS] = to_uniform(philox4x32_10(ctr, k), dt)
    return out[0] if scalar else out
