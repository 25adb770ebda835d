"""refsnn.functional.encode without Norse: exact values, chunked time, statistics, bad input."""

import numpy as np
import pytest
from scipy import stats

from refsnn import backends
from refsnn import random as R
from refsnn.compat.norse import encode as compat
from refsnn.functional import encode as E
from refsnn.functional.lif import LIFParameters, lif_current_encoder

DTYPES = [np.float32, np.float64]
POISSON_SEQ = [E.poisson_encode, E.signed_poisson_encode]
POISSON_STEP = [E.poisson_encode_step, E.signed_poisson_encode_step]


# --------------------------------------------------------------------------- LIF encoders
@pytest.mark.parametrize("dtype", DTYPES)
def test_constant_current_by_hand(dtype):
    # a = dt / tau_mem = 0.1: v1 = 0.1 I; 16 spikes at once, 8 at step 2, 4 at step 3.
    z = E.constant_current_lif_encode(np.array([2, 4, 8, 16], dtype), 3)
    assert z.dtype == dtype and z.shape == (3, 4)
    assert z.tolist() == [[0, 0, 0, 1], [0, 0, 1, 1], [0, 1, 0, 1]]


@pytest.mark.parametrize("dtype", DTYPES)
def test_spike_latency_lif_by_hand(dtype):
    z = E.spike_latency_lif_encode(np.array([2, 4, 8, 16], dtype), 3)
    assert z.dtype == dtype
    assert z.tolist() == [[0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]


@pytest.mark.parametrize("dtype", DTYPES)
def test_lif_encoders_follow_lif_current_encoder(dtype):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 5, (3, 7)).astype(dtype)
    p = LIFParameters(v_leak=np.asarray(0.1, dtype), v_th=rng.uniform(0.8, 1.2, 7).astype(dtype),
                      v_reset=np.asarray(-0.2, dtype))
    v, expected = np.zeros_like(x), []
    for _ in range(60):
        z, v = lif_current_encoder(x, v, p, 5e-4)
        expected.append(z)
    expected = np.stack(expected)
    assert np.array_equal(E.constant_current_lif_encode(x, 60, p, 5e-4), expected)
    first = (np.cumsum(expected, axis=0) == 1) & (expected == 1)
    assert np.array_equal(E.spike_latency_lif_encode(x, 60, p, 5e-4), first.astype(dtype))


def _reset_sensitive(dtype):
    """Neurons whose threshold sits exactly on the voltage one step after an exact reset."""
    rng = np.random.default_rng(3)
    p = LIFParameters(tau_mem_inv=rng.uniform(80, 120, 40).astype(dtype), v_leak=np.asarray(0.05, dtype),
                      v_th=np.asarray(np.inf, dtype), v_reset=np.asarray(-0.7, dtype))
    current = rng.uniform(20, 40, 40).astype(dtype)
    _, after = lif_current_encoder(current, np.full(40, p.v_reset, dtype), p)
    return current, p._replace(v_th=after)


@pytest.mark.usefixtures("allow_nonfinite")
@pytest.mark.parametrize("dtype", DTYPES)
def test_constant_current_deviation_from_norse_reset(dtype):
    current, p = _reset_sensitive(dtype)
    ours = E.constant_current_lif_encode(current, 20, p)
    norse_like = compat.constant_current_lif_encode(current, 20, p)
    # Exact reset: v after the reset is v_reset, then exactly v_th: no spike at step 2.
    assert np.all(ours[0] == 1) and np.all(ours[1] == 0)
    # Norse's v - (v - v_reset) lands an ulp off for many neurons, some of which spike.
    assert norse_like[1].sum() > 0 and not np.array_equal(ours, norse_like)
    # Only the first spike is kept, so the latency code is unaffected by the reset.
    assert np.array_equal(E.spike_latency_lif_encode(current, 20, p), ours * (np.arange(20) == 0)[:, None])


def test_lif_encoders_zero_length_and_scalar_input():
    assert E.constant_current_lif_encode(np.float32(3.0), 0).shape == (0,)
    assert E.constant_current_lif_encode(3.0, 2).tolist() == [0, 0]
    assert E.spike_latency_lif_encode(np.ones((2, 0), np.float32), 4).shape == (4, 2, 0)
    assert E.constant_current_lif_encode(np.array([20], np.int64), 1).dtype == np.float32


# --------------------------------------------------------------------------- spike latency
def test_spike_latency_encode_by_hand():
    z = np.array([[0, 1, 1], [1, 1, 1]])
    out = E.spike_latency_encode(z)
    assert out.dtype == z.dtype and out.tolist() == [[0, 1, 1], [1, 0, 0]]
    b = np.array([[False, True], [True, True]])
    assert E.spike_latency_encode(b).tolist() == [[False, True], [True, False]]
    assert E.spike_latency_encode(np.zeros((0, 3), np.float32)).shape == (0, 3)


def test_spike_latency_encode_signed_deviation():
    z = np.array([[-1.0, 0.0], [1.0, 1.0], [1.0, -1.0]], np.float32)
    # Documented: keep each element's first spike, whatever its sign.
    assert E.spike_latency_encode(z).tolist() == [[-1, 0], [0, 1], [0, 0]]
    # Norse keeps entries while the running sum of kept entries is <= 0.
    assert compat.spike_latency_encode(z).tolist() == [[-1, 0], [1, 1], [1, 0]]
    binary = (np.random.default_rng(1).random((30, 4, 5)) < 0.2).astype(np.float32)
    assert np.array_equal(E.spike_latency_encode(binary), compat.spike_latency_encode(binary))


@pytest.mark.parametrize("bad, error", [(np.float32(1), ValueError), (np.ones(3, complex), TypeError),
                                        (np.array(["a"]), TypeError)])
def test_spike_latency_encode_bad_input(bad, error):
    with pytest.raises(error, match="input_spikes"):
        E.spike_latency_encode(bad)


# --------------------------------------------------------------------------- population code
def test_gaussian_rbf_and_distance_by_hand():
    d = np.array([0, 1, 2, 8], np.float32)
    assert E.gaussian_rbf(d).tolist() == [1.0] + [float(np.float32(np.exp(-v / 2))) for v in (1, 2, 8)]
    assert E.gaussian_rbf(d, 2).tolist() == [float(np.float32(np.exp(-float(v) / 8))) for v in d]
    assert E.gaussian_rbf(d, np.array([1, 1, 2, 2], np.float32))[3] == np.float32(np.exp(-1.0))
    assert E.gaussian_rbf(d.astype(np.float64), 0.5).dtype == np.float64
    assert E.euclidean_distance(np.float32([3, -1]), 1.0).tolist() == [4.0, 4.0]
    assert E.euclidean_distance(np.float32([3, -1]), 1.0).dtype == np.float32


@pytest.mark.parametrize("sigma, error", [(0, ValueError), (-1.0, ValueError), (np.nan, ValueError),
                                          ("1", TypeError), (np.array([0.0, 1.0]), ValueError)])
def test_gaussian_rbf_bad_sigma(sigma, error):
    with pytest.raises(error, match="sigma"):
        E.gaussian_rbf(np.ones(2, np.float32), sigma)


def test_population_encode_by_hand():
    # Norse's docstring example: centres 0, 0.5, 1; scale 1.
    out = E.population_encode(np.array([0, 0.5, 1], np.float32), 3)
    a, b = np.float32(np.exp(-0.125)), np.float32(np.exp(-0.5))
    assert out.dtype == np.float32
    assert out.tolist() == [[1, a, b], [a, 1, a], [b, a, 1]]
    assert np.array_equal(E.population_encode(np.array([0, 0.5, 1], np.float32), 3, scale=0), out)
    # One centre at 0; distances are multiplied by the scale (here 2).
    one = E.population_encode(np.array([1.0, 2.0]), 1)
    assert one.shape == (2, 1) and one[:, 0].tolist() == [np.exp(-1.0), np.exp(-4.0)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [2, 3, 10, 101])
def test_population_centres(dtype, n):
    seen = {}

    def distance(values, centres):
        seen["centres"] = centres
        with pytest.raises(ValueError):
            centres[..., 0] = 1  # read-only view: user functions cannot alter the code
        return np.zeros_like(values)

    E.population_encode(np.array([0.3, 2.9], dtype), n, scale=2.9, distance_function=distance)
    c = seen["centres"]
    assert c.shape == (2, n) and c.dtype == dtype
    assert c[0, 0] == 0 and c[0, -1] == dtype(2.9)
    np.testing.assert_allclose(c[0], np.linspace(0, 2.9, n), rtol=0, atol=4 * np.finfo(dtype).eps)


def test_population_per_sample_scale():
    x = np.random.default_rng(4).uniform(0, 3, (3, 5)).astype(np.float32)
    scale = np.array([[1.0], [2.5], [4.0]], np.float32)
    out = E.population_encode(x, 7, scale)
    for row in range(3):
        assert np.array_equal(out[row], E.population_encode(x[row], 7, float(scale[row, 0])))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(out_features=0), ValueError, "out_features"),
    (dict(out_features=2.0), TypeError, "out_features"),
    (dict(out_features=True), TypeError, "out_features"),
    (dict(input_values=np.zeros((0,), np.float32)), ValueError, "scale"),
    (dict(scale=np.ones((2, 2), np.float32)), ValueError, "scale"),
    (dict(scale=np.nan), ValueError, "scale"),
    (dict(kernel=3), TypeError, "kernel"),
    (dict(distance_function=None), TypeError, "distance_function"),
    (dict(input_values=np.array(["x"])), TypeError, "input_values"),
])
def test_population_encode_bad_input(kwargs, error, match):
    args = dict(input_values=np.ones(3, np.float32), out_features=4) | kwargs
    with pytest.raises(error, match=match):
        E.population_encode(**args)


# --------------------------------------------------------------------------- Poisson: exact rule
def test_poisson_threshold_by_hand():
    # seed 0, step 0, element 0, stream 1 -> the uniform below; dt * f_max = 1.
    u = R.to_uniform(R.block(0, 0, 0, stream=1))
    assert E.poisson_encode_step(u, 1000, 1e-3) == 0  # u < u is false
    assert E.poisson_encode_step(np.nextafter(u, np.float32(1)), 1000, 1e-3) == 1
    assert E.poisson_encode(np.nextafter(u, np.float32(1)), 1, 1000, 1e-3).tolist() == [1]
    assert E.signed_poisson_encode_step(-np.nextafter(u, np.float32(1)), 1000, 1e-3) == -1


@pytest.mark.parametrize("dtype", DTYPES)
def test_poisson_is_uniform_below_rate(dtype):
    x = np.random.default_rng(5).uniform(0, 1.2, (4, 6)).astype(dtype)
    z = E.poisson_encode(x, 50, 300.0, 2e-3, seed=77, start_step=9)
    u = R.uniform(77, range(9, 59), 24, dtype, stream=R.STREAMS["poisson"]).reshape(50, 4, 6)
    assert z.dtype == dtype
    assert np.array_equal(z, (u < dtype(2e-3 * 300.0) * x).astype(dtype))


@pytest.mark.usefixtures("allow_nonfinite")
def test_poisson_saturation_and_extremes():
    x = np.array([0.0, 1.0, 5.0, np.inf], np.float32)
    z = E.poisson_encode(x, 200, f_max=1000, dt=1e-3)
    assert z.sum(axis=0).tolist()[0] == 0 and z[:, 1:].min() == 1  # p = 0, 1, 1, 1
    assert E.poisson_encode(x[:3], 100, f_max=0).sum() == 0
    s = E.signed_poisson_encode(np.array([-5.0, 0.0, 3.0]), 50, 1000)
    assert s[:, 0].tolist() == [-1] * 50 and s[:, 2].tolist() == [1] * 50 and s[:, 1].tolist() == [0] * 50


@pytest.mark.parametrize("dtype", DTYPES)
def test_signed_is_sign_times_unsigned(dtype):
    x = np.random.default_rng(6).uniform(-1, 1, (5, 8)).astype(dtype)
    s = E.signed_poisson_encode(x, 40, 200, seed=3)
    assert s.dtype == dtype
    assert np.array_equal(s, np.sign(x) * E.poisson_encode(np.abs(x), 40, 200, seed=3))
    assert np.array_equal(E.signed_poisson_encode_step(x, seed=3, step=7),
                          np.sign(x) * E.poisson_encode_step(np.abs(x), seed=3, step=7))


# --------------------------------------------------------------------------- Poisson: chunked time
@pytest.mark.parametrize("encode", POISSON_SEQ)
@pytest.mark.parametrize("dtype", DTYPES)
def test_chunked_sequence_equals_whole(encode, dtype):
    x = np.random.default_rng(7).uniform(-1, 1, (3, 4)).astype(dtype)
    x = np.abs(x) if encode is E.poisson_encode else x
    whole = encode(x, 200, 300, seed=11)
    parts = np.concatenate([encode(x, 100, 300, seed=11), encode(x, 100, 300, seed=11, start_step=100)])
    assert np.array_equal(whole, parts)
    assert np.array_equal(whole[37:38], encode(x, 1, 300, seed=11, start_step=37))
    assert not np.array_equal(whole[:100], whole[100:])
    assert np.array_equal(whole, encode(x, 200, 300, seed=R.key(11)))
    assert not np.array_equal(whole, encode(x, 200, 300, seed=12))


@pytest.mark.parametrize("sequence, step", list(zip(POISSON_SEQ, POISSON_STEP)))
@pytest.mark.parametrize("dtype", DTYPES)
def test_step_loop_equals_sequence(sequence, step, dtype):
    x = np.random.default_rng(8).uniform(-1, 1, (2, 5)).astype(dtype)
    x = np.abs(x) if sequence is E.poisson_encode else x
    whole = sequence(x, 200, 500, 1e-3, seed=2**40 + 5)
    loop = np.stack([step(x, 500, 1e-3, seed=2**40 + 5, step=t) for t in range(200)])
    assert np.array_equal(whole, loop)


# --------------------------------------------------------------------------- Poisson: statistics
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("signed", [False, True])
def test_spike_counts_are_binomial(dtype, signed):
    rng = np.random.default_rng(9)
    x = rng.uniform(0.05, 1, 200)
    if signed:
        x = x * np.where(rng.random(200) < 0.5, -1, 1)
    x = x.astype(dtype)
    steps, f_max, dt = 4000, 100.0, 1e-3
    encode = E.signed_poisson_encode if signed else E.poisson_encode
    z = encode(x, steps, f_max, dt, seed=2024)
    assert np.all((z == 0) | (z == np.sign(x)))
    counts = np.abs(z).sum(axis=0)
    p = np.float64(dt * f_max) * np.abs(x.astype(np.float64))
    chi2 = np.sum((counts - steps * p) ** 2 / (steps * p * (1 - p)))
    assert stats.chi2.sf(chi2, df=x.size) > 1e-3
    tails = np.minimum(stats.binom.cdf(counts, steps, p), stats.binom.sf(counts - 1, steps, p))
    assert 2 * tails.min() * x.size > 1e-3
    # Spike trains of different neurons and successive steps are uncorrelated.
    r = np.corrcoef(np.abs(z[:, :50]).T)[np.triu_indices(50, 1)]
    assert np.abs(r).max() < 5 / np.sqrt(steps)
    centred = np.abs(z) - np.abs(z).mean(axis=0)  # each neuron about its own rate
    a, b = centred[:-1].ravel(), centred[1:].ravel()
    assert abs(np.mean(a * b) / np.sqrt(np.mean(a * a) * np.mean(b * b))) < 4 / np.sqrt(a.size)


# --------------------------------------------------------------------------- Poisson: bad input
@pytest.mark.parametrize("call, error, match", [
    (lambda: E.poisson_encode(np.float32([-0.1]), 3), ValueError, "input_values must be >= 0"),
    (lambda: E.poisson_encode_step(np.float32([0.1, np.nan])), ValueError, "NaN"),
    (lambda: E.signed_poisson_encode(np.float32([np.nan]), 3), ValueError, "input_values"),
    (lambda: E.signed_poisson_encode_step(np.array(["a"])), TypeError, "input_values"),
    (lambda: E.poisson_encode(np.ones(2), -1), ValueError, "seq_length"),
    (lambda: E.poisson_encode(np.ones(2), 2.0), TypeError, "seq_length"),
    (lambda: E.poisson_encode(np.ones(2), True), TypeError, "seq_length"),
    (lambda: E.poisson_encode(np.ones(2), 2, f_max=-1), ValueError, "f_max"),
    (lambda: E.poisson_encode(np.ones(2), 2, f_max=np.inf), ValueError, "f_max"),
    (lambda: E.poisson_encode(np.ones(2), 2, f_max="1"), TypeError, "f_max"),
    (lambda: E.poisson_encode(np.ones(2), 2, dt=0), ValueError, "dt"),
    (lambda: E.poisson_encode(np.ones(2), 2, seed=-1), ValueError, "seed"),
    (lambda: E.poisson_encode(np.ones(2), 2, seed=0.5), TypeError, "seed"),
    (lambda: E.poisson_encode(np.ones(2), 2, start_step=-1), ValueError, "start_step"),
    (lambda: E.poisson_encode(np.ones(2), 2, start_step=2**32 - 1), ValueError, "start_step"),
    (lambda: E.poisson_encode_step(np.ones(2), step=2**32), ValueError, "step"),
    (lambda: E.signed_poisson_encode_step(np.ones(2), step=1.0), TypeError, "step"),
    (lambda: E.constant_current_lif_encode(np.ones(2), -2), ValueError, "seq_length"),
    (lambda: E.constant_current_lif_encode(np.ones(2), 2, p=(1, 2)), TypeError, "p must be"),
    (lambda: E.spike_latency_lif_encode(np.ones(2), 2, dt=-1.0), ValueError, "dt"),
    (lambda: E.spike_latency_lif_encode(np.array([1j]), 2), TypeError, "input_current"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_last_step_of_the_counter_is_usable():
    z = E.poisson_encode(np.ones(2), 1, 1000, start_step=2**32 - 1)
    assert z.tolist() == [[1, 1]]
    assert E.poisson_encode_step(np.ones(2), step=2**32 - 1).tolist() == [1, 1]


def test_input_dtypes():
    assert E.poisson_encode(np.array([0, 1]), 2).dtype == np.float32
    assert E.poisson_encode(np.array([True]), 2).dtype == np.float32
    assert E.poisson_encode_step(np.float64([0.5])).dtype == np.float64
    assert E.gaussian_rbf(np.array([1, 2])).dtype == np.float32


# --------------------------------------------------------------------------- no mutation
def test_inputs_are_not_modified():
    rng = np.random.default_rng(10)
    x = rng.uniform(0, 1, (3, 4)).astype(np.float32)
    s = (rng.random((10, 3, 4)) < 0.3).astype(np.float32) * np.sign(rng.uniform(-1, 1, (10, 3, 4)))
    p = LIFParameters(v_th=rng.uniform(0.5, 1, 4).astype(np.float32))
    key = R.key(5)
    scale = np.full((3, 4), 2.0, np.float32)
    saved = [a.copy() for a in (x, s, p.v_th, key, scale)]
    outputs = [
        E.constant_current_lif_encode(x, 5, p), compat.constant_current_lif_encode(x, 5, p),
        E.spike_latency_lif_encode(x, 5, p), E.spike_latency_encode(s), compat.spike_latency_encode(s),
        E.gaussian_rbf(x), E.euclidean_distance(x, x), E.population_encode(x, 3, scale),
        compat.population_encode(x, 3), E.poisson_encode(x, 5, seed=key), E.poisson_encode_step(x, seed=key),
        E.signed_poisson_encode(x, 5, seed=key), E.signed_poisson_encode_step(x, seed=key),
    ]
    for before, after in zip(saved, (x, s, p.v_th, key, scale)):
        assert np.array_equal(before, after)
    for out in outputs:
        assert not any(np.shares_memory(out, a) for a in (x, s, scale))


def test_poisson_sequence_allocates_little_beyond_its_output():
    import tracemalloc

    from refsnn.functional.encode import poisson_encode

    x = np.linspace(0, 1, 4000, dtype=np.float32)
    tracemalloc.start()
    try:
        out = poisson_encode(x, 500, seed=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= out.nbytes + 2 * 2**20, (peak, out.nbytes)


# ----------------------------------------------------------------------------- compact spikes
@pytest.mark.parametrize("backend", [None] + [b for b in backends.available() if b != "numpy"])
@pytest.mark.parametrize("spike_dtype", [np.bool_, np.uint8])
@pytest.mark.parametrize("name, x, kw", [
    ("poisson_encode", np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4), {"seed": 5}),
    ("constant_current_lif_encode", np.linspace(0, 40, 12, dtype=np.float64), {}),
    ("spike_latency_lif_encode", np.linspace(0, 40, 12, dtype=np.float32), {}),
])
def test_compact_spikes_equal_the_float_spikes(backend, spike_dtype, name, x, kw):
    fn = getattr(E, name)
    ref = fn(x, 80, **kw)
    out = fn(x, 80, backend=backend, spike_dtype=spike_dtype, **kw)
    assert out.dtype == np.dtype(spike_dtype) and out.shape == ref.shape and ref.sum() > 0
    np.testing.assert_array_equal(out.astype(ref.dtype), ref)


@pytest.mark.parametrize("bad, error", [(np.float32, ValueError), (np.int8, ValueError),
                                        ("nonsense", TypeError)])
def test_spike_dtype_of_the_encoders_is_checked(bad, error):
    with pytest.raises(error, match="spike_dtype must be"):
        E.poisson_encode(np.ones(3, np.float32), 4, spike_dtype=bad)
    with pytest.raises(error, match="spike_dtype must be"):
        E.constant_current_lif_encode(np.ones(3), 4, spike_dtype=bad)
