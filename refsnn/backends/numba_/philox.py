r"""Philox4x32-10 in Numba: the bits and uniforms of :mod:`refsnn.random`.

Scalar ``@njit`` functions that a kernel calls once per draw. They perform
the operations of the NumPy core exactly: the 32-bit words live in
``uint64`` values below :math:`2^{32}`, the 64-bit products are exact, sums
are reduced modulo :math:`2^{32}` by a mask. Every constant is a typed
``np.uint64`` (a Python ``int`` mixed with ``uint64`` would make Numba
promote to float64). The float mappings are the exact ones of
:func:`refsnn.random.to_uniform`.

Counter layout (:mod:`refsnn.random`): ``(step, index lo, index hi, stream)``;
key ``(seed lo, seed hi)``.

Kernels that use these functions live in :mod:`.function_kernels`. Numba's
disk cache keys a cached function on its own file only, so after editing this
file clear ``refsnn/backends/numba_/__pycache__`` (or touch
``function_kernels.py``) to drop kernels compiled against the old version.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S8 = np.uint64(8)
_S5 = np.uint64(5)
_S6 = np.uint64(6)
_F32_SCALE = np.float32(2.0**-24)
_F64_2_26 = np.float64(2.0**26)
_F64_SCALE = np.float64(2.0**-53)


@njit(cache=True)
def philox4x32_10(c0, c1, c2, c3, k0, k1):
    """The block of counter ``(c0, c1, c2, c3)`` and key ``(k0, k1)``; four words (uint64)."""
    c0 = np.uint64(c0)
    c1 = np.uint64(c1)
    c2 = np.uint64(c2)
    c3 = np.uint64(c3)
    k0 = np.uint64(k0)
    k1 = np.uint64(k1)
    for r in range(10):
        if r > 0:
            k0 = (k0 + _W0) & _MASK
            k1 = (k1 + _W1) & _MASK
        p0 = c0 * _M0
        p1 = c2 * _M1
        c0, c1, c2, c3 = ((p1 >> _S32) ^ c1 ^ k0, p1 & _MASK,
                          (p0 >> _S32) ^ c3 ^ k1, p0 & _MASK)
    return c0, c1, c2, c3


@njit(cache=True)
def block(k0, k1, step, index, stream):
    """The block at counter ``(step, index & 0xFFFFFFFF, index >> 32, stream)``."""
    i = np.uint64(index)
    return philox4x32_10(np.uint64(step), i & _MASK, i >> _S32, np.uint64(stream), k0, k1)


@njit(cache=True)
def uniform32(k0, k1, step, index, stream):
    """float32 uniform of one draw: ``(w0 >> 8) * 2**-24`` (exact)."""
    w0, w1, w2, w3 = block(k0, k1, step, index, stream)
    return np.float32(w0 >> _S8) * _F32_SCALE


@njit(cache=True)
def uniform64(k0, k1, step, index, stream):
    """float64 uniform of one draw: ``((w0 >> 5) * 2**26 + (w1 >> 6)) * 2**-53`` (exact)."""
    w0, w1, w2, w3 = block(k0, k1, step, index, stream)
    return (np.float64(w0 >> _S5) * _F64_2_26 + np.float64(w1 >> _S6)) * _F64_SCALE


def uniform_as(like, k0, k1, step, index, stream):  # pragma: no cover - compiled only
    """The uniform of one draw in the float type of ``like`` (float32 or float64)."""
    raise NotImplementedError


@overload(uniform_as)
def _uniform_as_overload(like, k0, k1, step, index, stream):
    if like == types.float32:
        def impl(like, k0, k1, step, index, stream):
            return uniform32(k0, k1, step, index, stream)
    else:
        def impl(like, k0, k1, step, index, stream):
            return uniform64(k0, k1, step, index, stream)
    return impl


@njit(cache=True)
def philox_blocks(counters, keys, out):
    """Rows of ``out`` (uint32, ``(n, 4)``): the blocks of ``counters`` (n, 4) and ``keys`` (n, 2)."""
    for r in range(counters.shape[0]):
        w = philox4x32_10(counters[r, 0], counters[r, 1], counters[r, 2], counters[r, 3],
                          keys[r, 0], keys[r, 1])
        for j in range(4):
            out[r, j] = np.uint32(w[j])


@njit(cache=True)
def uniform_table(k0, k1, steps, stream, out):
    """``out[t, j]`` = uniform of ``(steps[t], j, stream)`` in ``out``'s dtype (float32/64)."""
    for t in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[t, j] = uniform_as(out[t, j], k0, k1, steps[t], j, stream)


def uniform(seed, steps, n_elements: int, dtype=np.float32, stream: int = 0) -> np.ndarray:
    """:func:`refsnn.random.uniform` computed by the Numba functions (for tests)."""
    from refsnn import random as _random

    k = _random.key(seed)
    t = np.atleast_1d(np.asarray(steps, dtype=np.uint64))
    out = np.empty((t.size, int(n_elements)), dtype=np.dtype(dtype))
    uniform_table(np.uint64(k[0]), np.uint64(k[1]), t, np.uint64(stream), out)
    return out
