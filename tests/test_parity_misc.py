"""Norse parity for logic gates, sign, regularisation, lift, exp filter and decoders.

The rows of validation/parity_misc.py (random and edge inputs, float32 and
float64, bit identity except for sums of non-integer data) must all pass.
Further tests pin the integer/bool dtype behaviour against Norse, check that
the comparison would notice a wrong implementation, and document where
refsnn deliberately refuses input that Norse accepts.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("norse")

from norse.torch.functional import logical as n_logical  # noqa: E402
from norse.torch.functional.decode import sum_decode as n_sum_decode  # noqa: E402
from norse.torch.functional.lift import lift as n_lift  # noqa: E402
from norse.torch.functional.regularization import spike_accumulator as n_spikes  # noqa: E402
from norse.torch.functional.spikes_to_times_decoder import (  # noqa: E402
    ToSpikeTimes as NToSpikeTimes,
)
from norse.torch.functional.threshold import sign as n_sign  # noqa: E402

from refsnn.functional import logical  # noqa: E402
from refsnn.functional.decode import sum_decode, to_spike_times  # noqa: E402
from refsnn.functional.lift import lift  # noqa: E402
from refsnn.functional.regularization import spike_accumulator  # noqa: E402
from refsnn.functional.threshold import sign  # noqa: E402
from validation import parity_misc  # noqa: E402
from validation.norse_parity import Differences  # noqa: E402

pytestmark = pytest.mark.norse

CASES = parity_misc.cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.label}-{c.dtype}" for c in CASES])
def test_parity_row(case):
    r = case.run()
    assert r.ok, r


def as_numpy(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def test_integer_inputs_keep_norses_dtypes():
    x = np.array([1, 0, 0, 1, 1, 0])
    y = np.array([1, 0, 1, 0, 1, 1])
    for name in ("logical_and", "logical_or", "logical_xor", "posedge_detector"):
        ours = getattr(logical, name)(x, y)
        theirs = as_numpy(getattr(n_logical, name)(torch.from_numpy(x), torch.from_numpy(y)))
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs), name
    ours = logical.muller_c(x, y, 1 - x)
    theirs = n_logical.muller_c(*map(torch.from_numpy, (x, y, 1 - x)))
    np.testing.assert_array_equal(ours, as_numpy(theirs), strict=True)
    theirs = n_sign(torch.from_numpy(x - 1), "super", 1.0)
    np.testing.assert_array_equal(sign(x - 1), as_numpy(theirs), strict=True)


@pytest.mark.parametrize("dtype", [np.bool_, np.int32, np.uint8, np.int64])
def test_integer_spikes_decode_like_norse(dtype):
    z = (np.random.default_rng(0).random((30, 2, 5)) < 0.3).astype(dtype)
    for dim in (0, 1, 2):
        theirs = n_sum_decode(torch.from_numpy(z), dim)
        np.testing.assert_array_equal(sum_decode(z, dim), as_numpy(theirs), strict=True)
    np.testing.assert_array_equal(
        spike_accumulator(z, None), as_numpy(n_spikes(torch.from_numpy(z), None)), strict=True)
    for k in (1, 3, 40):
        theirs = NToSpikeTimes.apply(torch.from_numpy(z), k)
        np.testing.assert_array_equal(to_spike_times(z, k), as_numpy(theirs), strict=True)


def test_norses_own_spike_time_examples():
    z = np.zeros((10, 2, 3), np.float32)
    z[2] = 1
    np.testing.assert_array_equal(to_spike_times(z, 1), np.full((1, 2, 3), 2.0, np.float32))
    np.testing.assert_array_equal(to_spike_times(np.ones((10, 1, 1), np.float32), 10),
                                  np.arange(10, dtype=np.float32)[:, None, None])
    np.testing.assert_array_equal(to_spike_times(np.zeros((10, 1, 1), np.float32), 10),
                                  np.full((10, 1, 1), np.inf, np.float32))


def test_comparison_notices_a_wrong_gate(monkeypatch):
    # xor as x - y (no abs) differs from Norse wherever y > x
    monkeypatch.setattr(logical, "logical_xor", lambda x, y: np.asarray(x) - np.asarray(y))
    row = [c for c in CASES if c.label == "logical_xor" and c.dtype == "float32"][0]
    assert not row.run().ok


def test_comparison_notices_a_signed_zero_and_a_dtype():
    d = Differences()
    parity_misc._add(d, np.array([0.0], np.float32), torch.tensor([-0.0]))
    assert d.max_ulp == 1
    d = Differences()
    parity_misc._add(d, np.array([1.0], np.float64), torch.tensor([1.0]))
    assert d.max_ulp == parity_misc.HUGE


def test_lift_default_state_path_matches_norse():
    # a step with its own initial state: the first call gets no state argument
    def step_np(x, state=None):
        state = np.zeros_like(x) if state is None else state
        new = 0.5 * state + x
        return new * 2, new

    def step_torch(x, state=None):
        state = torch.zeros_like(x) if state is None else state
        new = 0.5 * state + x
        return new * 2, new

    x = np.random.default_rng(1).standard_normal((25, 4)).astype(np.float32)
    out, s = lift(step_np)(x)
    out_n, s_n = n_lift(step_torch)(torch.from_numpy(x))
    np.testing.assert_array_equal(out, as_numpy(out_n), strict=True)
    np.testing.assert_array_equal(s, as_numpy(s_n), strict=True)


def test_input_norse_accepts_but_refsnn_refuses():
    # Norse: a negative spike_count slices from the end; a non-binary input gives
    # values that are not spike indices; an empty time axis breaks torch.stack.
    z = np.ones((5, 1, 1), np.float32)
    assert NToSpikeTimes.apply(torch.from_numpy(z), -2).shape[0] == 3
    with pytest.raises(ValueError, match="spike_count"):
        to_spike_times(z, -2)
    half = np.full((3, 1, 1), 0.5, np.float32)
    assert as_numpy(NToSpikeTimes.apply(torch.from_numpy(half), 1)).item() == -0.5
    with pytest.raises(ValueError, match="only 0 and 1"):
        to_spike_times(half, 1)
    with pytest.raises(RuntimeError):
        n_lift(lambda x, state=None: (x, state))(torch.zeros(0, 3))
    with pytest.raises(ValueError, match="input_tensor"):
        lift(lambda x, state=None: (x, state))(np.zeros((0, 3)))


API = [  # (refsnn.functional module, norse.torch.functional module, name)
    ("logical", "logical", "logical_and"), ("logical", "logical", "logical_or"),
    ("logical", "logical", "logical_xor"), ("logical", "logical", "muller_c"),
    ("logical", "logical", "posedge_detector"),
    ("regularization", "regularization", "spike_accumulator"),
    ("regularization", "regularization", "voltage_accumulator"),
    ("regularization", "regularization", "regularize_step"),
    ("lift", "lift", "lift"), ("filter", "filter", "exp_filter_step"),
    ("decode", "decode", "sum_decode"),
]


@pytest.mark.parametrize("family, norse_module, name", API, ids=[a[2] for a in API])
def test_same_argument_names_defaults_and_order(family, norse_module, name):
    import importlib
    import inspect

    ours = inspect.signature(getattr(importlib.import_module(f"refsnn.functional.{family}"), name))
    theirs = inspect.signature(
        getattr(importlib.import_module(f"norse.torch.functional.{norse_module}"), name))
    assert list(ours.parameters) == list(theirs.parameters)
    for arg, param in ours.parameters.items():
        default = theirs.parameters[arg].default
        if callable(default):
            assert param.default.__name__ == default.__name__
        else:
            assert param.default == default


def test_sign_and_spike_times_signatures():
    import inspect

    from norse.torch.functional.threshold import sign as theirs

    # sign drops only the gradient-only method/alpha; ToSpikeTimes.apply keeps its arguments
    assert list(inspect.signature(sign).parameters) == [
        a for a in inspect.signature(theirs).parameters if a not in ("method", "alpha")]
    assert list(inspect.signature(to_spike_times).parameters) == ["spike_input", "spike_count"]
    norse_args = list(inspect.signature(NToSpikeTimes.forward).parameters)[1:]  # after ctx
    assert norse_args == ["spike_input", "spike_count"]
