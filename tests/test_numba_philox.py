"""The Numba Philox4x32-10 gives exactly the bits and uniforms of refsnn.random.

(It compiles refsnn.random's own core, so these tests check the compilation:
uint64 words that never promote, the counter layout, the float mappings.)
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refsnn import backends
from refsnn import random as rr

pytestmark = pytest.mark.skipif("numba" not in backends.available(),
                                reason="numba is not installed")

U32 = st.integers(0, 2**32 - 1)


def _numba_blocks(counters, keys):
    from refsnn.backends.numba_ import philox

    out = np.empty(counters.shape, np.uint32)
    philox.philox_blocks(counters, keys, out)
    return out


def test_known_answers():
    # Random123 kat_vectors, philox4x32_10.
    ctr = np.array([[0, 0, 0, 0], [0xFFFFFFFF] * 4,
                    [0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344]], np.uint32)
    key = np.array([[0, 0], [0xFFFFFFFF] * 2, [0xA4093822, 0x299F31D0]], np.uint32)
    np.testing.assert_array_equal(_numba_blocks(ctr, key), rr.philox4x32_10(ctr, key))


def test_many_random_counters_and_keys():
    rng = np.random.default_rng(7)
    ctr = rng.integers(0, 2**32, size=(20000, 4), dtype=np.uint64).astype(np.uint32)
    key = rng.integers(0, 2**32, size=(20000, 2), dtype=np.uint64).astype(np.uint32)
    np.testing.assert_array_equal(_numba_blocks(ctr, key), rr.philox4x32_10(ctr, key))


@given(st.lists(st.tuples(U32, U32, U32, U32, U32, U32), min_size=1, max_size=20))
def test_blocks_hypothesis(rows):
    a = np.array(rows, dtype=np.uint64).astype(np.uint32)
    np.testing.assert_array_equal(_numba_blocks(a[:, :4].copy(), a[:, 4:].copy()),
                                  rr.philox4x32_10(a[:, :4], a[:, 4:]))


@given(seed=st.integers(0, 2**64 - 1), step=U32, index=st.integers(0, 2**64 - 1), stream=U32)
def test_block_at_any_counter(seed, step, index, stream):
    """Element indices beyond 2**32 included (counter word 2)."""
    from refsnn.backends.numba_ import philox

    k = rr.key(seed)
    got = philox.block(np.uint64(k[0]), np.uint64(k[1]), np.uint64(step), np.uint64(index),
                       np.uint64(stream))
    np.testing.assert_array_equal(np.array(got, np.uint64),
                                  rr.block(seed, step, index, stream).astype(np.uint64))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(seed=st.integers(0, 2**64 - 1),
       steps=st.lists(U32, min_size=0, max_size=5),
       n=st.integers(0, 300), stream=U32)
def test_uniform(dtype, seed, steps, n, stream):
    from refsnn.backends.numba_ import philox

    got = philox.uniform(seed, steps, n, dtype, stream)
    want = rr.uniform(seed, np.array(steps, np.uint64), n, dtype, stream)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
