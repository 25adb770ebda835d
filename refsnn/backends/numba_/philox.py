r"""Philox4x32-10 in Numba: :mod:`refsnn.random`'s own core, compiled for scalars.

The block function, the counter layout and the float mappings are written
once, in :mod:`refsnn.random` (:func:`~refsnn.random.philox_words`,
:func:`~refsnn.random.counter_words`, :func:`~refsnn.random.uniform_float32`,
:func:`~refsnn.random.uniform_float64`), in a style NumPy runs on ``uint64``
arrays and Numba compiles on ``uint64`` scalars; this module compiles them
(:func:`~refsnn.backends.numba_.compiling.compile_reference`) and adds only
the scalar entry points a kernel calls once per draw: :func:`block` and
:func:`uniform_as` (which picks the float mapping of the dtype). The bits
and uniforms are therefore :mod:`refsnn.random`'s by construction.

Kernels that use these functions live in :mod:`.function_kernels`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from refsnn import random as _random
from refsnn.backends.numba_.compiling import JIT_OPTIONS, compile_reference
from refsnn.random import counter_words, philox_words, uniform_float32, uniform_float64

for _core in (philox_words, counter_words, uniform_float32, uniform_float64):
    compile_reference(_core)


@njit(cache=True, **JIT_OPTIONS)
def block(k0, k1, step, index, stream):
    """The block (four uint64 words) at counter ``(step, index, stream)`` with key ``(k0, k1)``."""
    c0, c1, c2, c3 = counter_words(np.uint64(step), np.uint64(index), np.uint64(stream))
    return philox_words(c0, c1, c2, c3, np.uint64(k0), np.uint64(k1))


def uniform_as(like, k0, k1, step, index, stream):  # pragma: no cover - compiled only
    """The uniform of one draw in the float type of ``like`` (float32 or float64)."""
    raise NotImplementedError


@overload(uniform_as, jit_options=JIT_OPTIONS)
def _uniform_as_overload(like, k0, k1, step, index, stream):
    if like == types.float32:
        def impl(like, k0, k1, step, index, stream):
            w0, _, _, _ = block(k0, k1, step, index, stream)
            return uniform_float32(w0)
    else:
        def impl(like, k0, k1, step, index, stream):
            w0, w1, _, _ = block(k0, k1, step, index, stream)
            return uniform_float64(w0, w1)
    return impl


@njit(cache=True, **JIT_OPTIONS)
def philox_blocks(counters, keys, out):
    """Rows of ``out`` (uint32, ``(n, 4)``): the blocks of ``counters`` (n, 4) and ``keys`` (n, 2)."""
    for r in range(counters.shape[0]):
        w = philox_words(np.uint64(counters[r, 0]), np.uint64(counters[r, 1]),
                         np.uint64(counters[r, 2]), np.uint64(counters[r, 3]),
                         np.uint64(keys[r, 0]), np.uint64(keys[r, 1]))
        for j in range(4):
            out[r, j] = np.uint32(w[j])


@njit(cache=True, **JIT_OPTIONS)
def uniform_table(k0, k1, steps, stream, out):
    """``out[t, j]`` = uniform of ``(steps[t], j, stream)`` in ``out``'s dtype (float32/64)."""
    for t in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[t, j] = uniform_as(out[t, j], k0, k1, steps[t], j, stream)


def uniform(seed, steps, n_elements: int, dtype=np.float32, stream: int = 0) -> np.ndarray:
    """:func:`refsnn.random.uniform` computed by the compiled core (for tests)."""
    k = _random.key(seed)
    t = np.atleast_1d(np.asarray(steps, dtype=np.uint64))
    out = np.empty((t.size, int(n_elements)), dtype=np.dtype(dtype))
    uniform_table(np.uint64(k[0]), np.uint64(k[1]), t, np.uint64(stream), out)
    return out
