"""Properties of the driver that hold for every model (hypothesis)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from refsnn import MODELS, simulate

FF = sorted(n for n, m in MODELS.items() if m.feed_forward_step is not None)
REC = sorted(n for n, m in MODELS.items() if m.recurrent_step is not None)
SCALE = {"izhikevich": 10.0, "coba_lif": 5.0, "iaf": 0.3}


def _coupling(model, n, dtype, rng):
    if not MODELS[model].takes_coupling:
        return {}
    g = rng.normal(0, 5.0, (n, n)).astype(dtype)
    return {"g_coupling": g - np.diag(g.sum(axis=1)).astype(dtype)}


def _recurrent(model, n, n_in, dtype, rng):
    """Weights on a 2**-6 grid: with 0/1 spikes every product and sum is exact,
    so results cannot depend on BLAS's summation order (gemm vs gemv)."""
    grid = lambda shape, scale: (np.round(rng.normal(0, scale, shape) * 64) / 64).astype(dtype)  # noqa: E731
    kw = {"input_weights": grid((n, n_in), 1.0)}
    if MODELS[model].takes_recurrent_weights:
        kw["recurrent_weights"] = grid((n, n), 0.3)
    return kw


def _leaves(tree):
    if isinstance(tree, tuple):
        return [x for t in tree for x in _leaves(t)]
    return [tree]


@given(model=st.sampled_from(FF), steps=st.integers(0, 30), data=st.data(),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**32 - 1))
def test_running_in_chunks_equals_running_at_once(model, steps, data, dtype, seed):
    rng = np.random.default_rng(seed)
    split = data.draw(st.integers(0, steps))
    x = (SCALE.get(model, 1.0) * rng.normal(0.5, 1.0, (steps, 2, 3))).astype(dtype)
    kw = _coupling(model, 3, dtype, rng)
    whole, final = simulate(model, x, **kw)
    first, mid = simulate(model, x[:split], **kw)
    second, end = simulate(model, x[split:], state=mid, **kw)
    np.testing.assert_array_equal(whole, np.concatenate([first, second]))
    for a, b in zip(_leaves(final), _leaves(end)):
        np.testing.assert_array_equal(a, b)


@given(model=st.sampled_from(REC), steps=st.integers(1, 20), seed=st.integers(0, 2**32 - 1))
def test_batch_rows_evolve_independently(model, steps, seed):
    rng = np.random.default_rng(seed)
    x = (rng.random((steps, 3, 4)) < 0.4).astype(np.float32)
    kw = _recurrent(model, 5, 4, np.float32, rng)
    if MODELS[model].takes_coupling:  # one coupling per row keeps linear(v, G) exact too
        kw["g_coupling"] = np.diag(np.full(5, -8.0, np.float32))
    together, _ = simulate(model, x, **kw)
    for b in range(3):
        alone, _ = simulate(model, x[:, b], **kw)
        np.testing.assert_array_equal(together[:, b], alone)


@given(model=st.sampled_from(FF + REC), seed=st.integers(0, 2**32 - 1))
def test_arguments_are_never_modified(model, seed):
    rng = np.random.default_rng(seed)
    recurrent = MODELS[model].feed_forward_step is None or rng.random() < 0.5
    if model not in REC:
        recurrent = False
    x = rng.normal(0.5, 1.0, (8, 2, 3)).astype(np.float32)
    kw = _coupling(model, 3, np.float32, rng)
    if recurrent:
        kw |= _recurrent(model, 3, 3, np.float32, rng)
    _, state = simulate(model, x[:1], **kw)
    before = [a.copy() for a in [x, *kw.values(), *_leaves(state)]]
    simulate(model, x, state=state, **kw)
    for a, b in zip(before, [x, *kw.values(), *_leaves(state)]):
        np.testing.assert_array_equal(a, b)
