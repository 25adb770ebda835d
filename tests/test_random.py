"""refsnn.random: Philox4x32-10 known answers, key/counter layout, exact uniforms, statistics."""

import numpy as np
import pytest
from scipy import stats

from refsnn import random as R

U32 = np.uint32

# Random123, tests/kat_vectors, the three "philox4x32 10" lines: counter, key, expected.
KAT = [
    ([0x00000000, 0x00000000, 0x00000000, 0x00000000], [0x00000000, 0x00000000],
     [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
    ([0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], [0xFFFFFFFF, 0xFFFFFFFF],
     [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
    ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0],
     [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
]


def _philox_python(ctr, key):
    """Philox4x32-10 on Python ints, written independently of the module (reference)."""
    c, k = list(ctr), list(key)
    for r in range(10):
        if r:
            k = [(k[0] + 0x9E3779B9) % 2**32, (k[1] + 0xBB67AE85) % 2**32]
        p0, p1 = 0xD2511F53 * c[0], 0xCD9E8D57 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k[0], p1 % 2**32, (p0 >> 32) ^ c[3] ^ k[1], p0 % 2**32]
    return c


# --------------------------------------------------------------------------- Philox
@pytest.mark.parametrize("ctr, key, expected", KAT)
def test_known_answers(ctr, key, expected):
    out = R.philox4x32_10(np.array(ctr, U32), np.array(key, U32))
    assert out.dtype == U32 and out.shape == (4,)
    assert out.tolist() == expected
    assert _philox_python(ctr, key) == expected


def test_known_answers_batched_and_broadcast():
    ctr = np.array([c for c, _, _ in KAT], U32)
    key = np.array([k for _, k, _ in KAT], U32)
    assert R.philox4x32_10(ctr, key).tolist() == [e for _, _, e in KAT]
    # One key broadcast over many counters, and a counter over many keys.
    out = R.philox4x32_10(ctr[:, None, :], key[None, :, :])
    assert out.shape == (3, 3, 4)
    for i in range(3):
        assert out[i, i].tolist() == KAT[i][2]


def test_matches_python_reference_on_random_words():
    rng = np.random.default_rng(7)
    ctr = rng.integers(0, 2**32, (200, 4), dtype=np.uint64).astype(U32)
    key = rng.integers(0, 2**32, (200, 2), dtype=np.uint64).astype(U32)
    out = R.philox4x32_10(ctr, key)
    for c, k, o in zip(ctr.tolist(), key.tolist(), out.tolist()):
        assert o == _philox_python(c, k)


def test_core_pieces():
    hi, lo = R.mulhilo32(np.array([0xFFFFFFFF], U32), 0xFFFFFFFF)
    assert (int(hi[0]), int(lo[0])) == divmod(0xFFFFFFFF * 0xFFFFFFFF, 2**32)
    k0, k1 = R.bump_key(np.uint64(0xFFFFFFFF), np.uint64(0))
    assert (int(k0), int(k1)) == ((0xFFFFFFFF + 0x9E3779B9) % 2**32, 0xBB67AE85)


@pytest.mark.parametrize("ctr, key, error, match", [
    (np.zeros(4, np.int64), np.zeros(2, U32), TypeError, "counter must be a uint32"),
    (np.zeros(4, np.float32), np.zeros(2, U32), TypeError, "counter"),
    (np.zeros(4, U32), np.zeros(2, np.uint64), TypeError, "key must be a uint32"),
    (np.zeros(3, U32), np.zeros(2, U32), ValueError, r"counter must have shape \(\.\.\., 4\)"),
    (np.zeros(4, U32), np.zeros(3, U32), ValueError, r"key must have shape \(\.\.\., 2\)"),
    (np.zeros((), U32), np.zeros(2, U32), ValueError, "counter"),
    (np.zeros((3, 4), U32), np.zeros((2, 2), U32), ValueError, "do not broadcast"),
])
def test_philox_rejects_bad_arguments(ctr, key, error, match):
    with pytest.raises(error, match=match):
        R.philox4x32_10(ctr, key)


def test_philox_does_not_modify_its_arguments():
    ctr, key = np.array(KAT[2][0], U32), np.array(KAT[2][1], U32)
    c0, k0 = ctr.copy(), key.copy()
    R.philox4x32_10(ctr, key)
    assert np.array_equal(ctr, c0) and np.array_equal(key, k0)


# --------------------------------------------------------------------------- keys and counters
def test_key_is_low_word_first():
    assert R.key(0).tolist() == [0, 0]
    assert R.key(5 + 2**32).tolist() == [5, 1]
    assert R.key(0x299F31D0A4093822).tolist() == KAT[2][1]
    assert R.key(2**64 - 1).tolist() == [2**32 - 1, 2**32 - 1]
    assert R.key(np.uint64(7)).tolist() == [7, 0]
    k = R.key(123)
    assert k.dtype == U32 and not k.flags.writeable
    assert np.array_equal(R.key(k), k)


@pytest.mark.parametrize("seed, error", [
    (-1, ValueError), (2**64, ValueError), (True, TypeError), (1.0, TypeError),
    ("3", TypeError), (None, TypeError), (np.zeros(2, np.int64), TypeError),
    (np.zeros(3, U32), TypeError), (np.zeros((1, 2), U32), TypeError),
])
def test_key_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="seed"):
        R.key(seed)


def test_counter_layout():
    c = R.counter(7, 2**32 + 3, stream=9)
    assert c.dtype == U32 and c.tolist() == [7, 3, 1, 9]
    c = R.counter(np.arange(3)[:, None], np.arange(2)[None, :])
    assert c.shape == (3, 2, 4)
    assert c[2, 1].tolist() == [2, 1, 0, 0]
    assert R.counter(2**32 - 1, 2**64 - 1, 2**32 - 1).tolist() == [2**32 - 1] * 4


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(step=2**32, index=0), ValueError, "step"),
    (dict(step=-1, index=0), ValueError, "step"),
    (dict(step=0, index=-1), ValueError, "index"),
    (dict(step=0, index=2**64), ValueError, "index"),
    (dict(step=0.5, index=0), TypeError, "step"),
    (dict(step=True, index=0), TypeError, "step"),
    (dict(step=0, index=0, stream=2**32), ValueError, "stream"),
    (dict(step=[0, 1], index=[0, 1, 2]), ValueError, "broadcast"),
])
def test_counter_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        R.counter(**kwargs)


def test_block_is_philox_of_counter_and_key():
    # Counter words (step, index low, index high, stream) = the pi vector.
    c, k, e = KAT[2]
    out = R.block(0x299F31D0A4093822, c[0], c[1] + (c[2] << 32), stream=c[3])
    assert out.tolist() == e
    assert R.block(0, 0, 0).tolist() == KAT[0][2]


# --------------------------------------------------------------------------- uniforms
def test_uniform_mapping_by_hand():
    # Seed 0, step 0, element 0, stream 0 is the all-zero counter: block KAT[0].
    w0, w1 = 0x6627E8D5, 0xE169C58D
    assert R.uniform(0, 0, 1)[0] == np.float32(0x6627E8 / 2**24)
    assert R.uniform(0, 0, 1, np.float64)[0] == (0x3313F46 * 2**26 + 0x385A716) / 2**53
    assert (w0 >> 5, w1 >> 6) == (0x3313F46, 0x385A716)
    edges = np.array([[0xFFFFFFFF, 0xFFFFFFFF, 0, 0], [0xFF, 0x3F, 0, 0], [0x100, 0x40, 0, 0]], U32)
    assert R.to_uniform(edges).tolist() == [1 - 2**-24, 0.0, 2**-24]
    assert R.to_uniform(edges, np.float64).tolist() == [1 - 2**-53, 7 * 2**-27, 2**-24 + 2**-53]


def test_uniform_equals_block_by_block():
    steps = [3, 0, 2**32 - 1]
    u = R.uniform(42, steps, 5, np.float64, stream=1)
    for i, t in enumerate(steps):
        for j in range(5):
            b = R.block(42, t, j, stream=1)
            assert u[i, j] == R.to_uniform(b, np.float64)


def test_uniform_range_and_grid():
    u32 = R.uniform(1, range(50), 4000)
    u64 = R.uniform(1, range(50), 4000, np.float64)
    assert u32.dtype == np.float32 and u64.dtype == np.float64 and u32.shape == (50, 4000)
    for u, bits in ((u32, 24), (u64, 53)):
        assert u.min() >= 0 and u.max() < 1
        scaled = u.astype(np.float64) * 2.0**bits
        assert np.array_equal(scaled, np.floor(scaled))
    # float32 and float64 draws come from the same word: they agree to 2**-24.
    assert np.all(np.abs(u64 - u32) < 2**-24)


def test_uniform_is_deterministic_random_access_and_chunk_independent(monkeypatch):
    full = R.uniform(9, range(40), 300)
    assert np.array_equal(full, R.uniform(9, range(40), 300))
    assert np.array_equal(full[17], R.uniform(9, 17, 300))
    assert np.array_equal(full[20:], R.uniform(9, range(20, 40), 300))
    assert np.array_equal(full[:, :100], R.uniform(9, range(40), 100))
    assert np.array_equal(full[[5, 1]], R.uniform(9, np.array([5, 1]), 300))
    assert np.array_equal(full, R.uniform(R.key(9), range(40), 300))
    monkeypatch.setattr(R, "_CHUNK_BLOCKS", 37)  # force many small chunks
    assert np.array_equal(full, R.uniform(9, range(40), 300))


def test_uniform_empty_shapes():
    assert R.uniform(0, [], 5).shape == (0, 5)
    assert R.uniform(0, range(3), 0).shape == (3, 0)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(dtype=np.int32), TypeError, "dtype"),
    (dict(dtype=np.float16), TypeError, "dtype"),
    (dict(steps=[[0, 1]]), ValueError, "steps"),
    (dict(steps=[-1]), ValueError, "steps"),
    (dict(steps=[0.5]), TypeError, "steps"),
    (dict(n_elements=-1), ValueError, "n_elements"),
    (dict(n_elements=2.0), TypeError, "n_elements"),
    (dict(stream=-1), ValueError, "stream"),
    (dict(seed=-5), ValueError, "seed"),
])
def test_uniform_rejects_bad_arguments(kwargs, error, match):
    args = dict(seed=0, steps=[0], n_elements=3) | kwargs
    with pytest.raises(error, match=match):
        R.uniform(**args)


# --------------------------------------------------------------------------- statistics
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uniform_distribution(dtype):
    u = R.uniform(2024, range(64), 4096, dtype).ravel().astype(np.float64)
    n = u.size
    counts = np.histogram(u, bins=128, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 1e-3
    assert stats.kstest(u[:50000], "uniform").pvalue > 1e-3
    assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / n)
    assert abs(u.var() - 1 / 12) < 4 * np.sqrt(1 / 180 / n)  # Var of (u - 1/2)^2 is 1/180


def _pair_independent(a, b, bins=16):
    table = np.histogram2d(a.ravel(), b.ravel(), bins=bins, range=[[0, 1], [0, 1]])[0]
    return stats.chi2_contingency(table).pvalue, abs(np.corrcoef(a.ravel(), b.ravel())[0, 1])


@pytest.mark.parametrize("name, a, b", [
    ("streams", lambda: R.uniform(5, range(32), 2048, stream=0),
     lambda: R.uniform(5, range(32), 2048, stream=1)),
    ("seeds", lambda: R.uniform(5, range(32), 2048), lambda: R.uniform(6, range(32), 2048)),
    ("adjacent steps", lambda: R.uniform(5, range(0, 32), 2048),
     lambda: R.uniform(5, range(1, 33), 2048)),
    ("adjacent elements", lambda: R.uniform(5, range(32), 2049)[:, :-1],
     lambda: R.uniform(5, range(32), 2049)[:, 1:]),
    ("seeds 2**32 apart", lambda: R.uniform(1, range(32), 2048),
     lambda: R.uniform(1 + 2**32, range(32), 2048)),
])
def test_independence(name, a, b):
    a, b = a(), b()
    n = a.size
    assert not np.array_equal(a, b)
    p, r = _pair_independent(a, b)
    assert p > 1e-3, name
    assert r < 4 / np.sqrt(n), name
