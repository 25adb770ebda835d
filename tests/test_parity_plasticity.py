"""Plasticity against Norse 1.1.0: the parity rows, unfold, defaults, deviations.

* ``unfold`` reproduces ``torch.nn.functional.unfold`` exactly over a grid of
  kernel, stride, padding and dilation combinations (and fails where torch
  fails: a kernel larger than the padded input).
* Argument names and order, tuple fields and defaults equal Norse's (Norse's
  STDP classes: their constructor arguments); the STDP weight functions equal
  the closures Norse's constructor builds.
* Norse's own STDP and Tsodyks–Markram test protocols give bit-identical
  results.
* Each deviation is demonstrated: Norse's STDP sensor ignores
  ``tau_ac_inv``; Norse's correlation sensor mixes the samples of a batch.
* The rows of ``validation/parity_plasticity.py`` (run here unless
  ``validation.norse_parity`` already runs them through ``EXTRA_MODULES``).
"""

import importlib
import inspect
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("norse")

from norse.torch.functional import correlation_sensor as n_cs  # noqa: E402
from norse.torch.functional import stdp as n_stdp  # noqa: E402
from norse.torch.functional import stdp_sensor as n_sensor  # noqa: E402
from norse.torch.functional import tsodyks_makram as n_tm  # noqa: E402

from refsnn.compat.norse import correlation_sensor as c_cs  # noqa: E402
from refsnn.compat.norse import stdp_sensor as c_sensor  # noqa: E402
from refsnn.compat.norse.convert import to_norse  # noqa: E402
from refsnn.functional import correlation_sensor as cs  # noqa: E402
from refsnn.functional import lif_correlation, stdp, stdp_sensor  # noqa: E402
from refsnn.functional import tsodyks_makram as tm  # noqa: E402
from validation import norse_parity, parity_plasticity  # noqa: E402

pytestmark = pytest.mark.norse


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny tensors: torch's thread pool only adds overhead (and contention)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --------------------------------------------------------------------------- unfold
GEOMETRIES = list(itertools.product(
    [(1, 1), (2, 2), (3, 3), (2, 3), (4, 1), (5, 5)],   # kernel
    [1, 2, (1, 3), (3, 2)],                              # stride
    [0, 1, (2, 0), (0, 3)],                              # padding
    [1, 2, (1, 3), (2, 1)],                              # dilation
))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unfold_matches_torch(dtype):
    rng = np.random.default_rng(0)
    compared = refused = 0
    for (kernel, stride, padding, dilation), shape in itertools.product(
            GEOMETRIES, [(2, 3, 7, 9), (1, 2, 5, 4), (3, 6, 6)]):
        x = rng.standard_normal(shape).astype(dtype)
        try:
            expected = torch.nn.functional.unfold(torch.from_numpy(x), kernel, dilation=dilation,
                                                  padding=padding, stride=stride).numpy()
        except RuntimeError:
            with pytest.raises(ValueError, match="larger than the padded input"):
                stdp.unfold(x, kernel, dilation, padding, stride)
            refused += 1
            continue
        ours = stdp.unfold(x, kernel, dilation, padding, stride)
        assert ours.dtype == expected.dtype and ours.shape == expected.shape
        np.testing.assert_array_equal(ours, expected)
        compared += 1
    assert compared > 800 and refused > 30


# --------------------------------------------------------------------------- API
FUNCTIONS = [  # (refsnn module, Norse module, function)
    ("stdp_sensor", "stdp_sensor", "stdp_sensor_step"),
    ("stdp", "stdp", "stdp_step_linear"),
    ("stdp", "stdp", "stdp_step_conv2d"),
    ("tsodyks_makram", "tsodyks_makram", "stp_step"),
    ("correlation_sensor", "correlation_sensor", "correlation_sensor_step"),
    ("correlation_sensor", "correlation_sensor", "pre_mask"),
    ("correlation_sensor", "correlation_sensor", "post_mask"),
    ("correlation_sensor", "correlation_sensor", "post_pre_update"),
    ("lif_correlation", "lif_correlation", "lif_correlation_step"),
]
COMPAT = {"stdp_sensor_step", "correlation_sensor_step", "pre_mask", "post_mask",
          "lif_correlation_step"}


def _default(value):
    return np.float32(norse_parity._norse_leaf(value))


@pytest.mark.parametrize("module, norse_module, name", FUNCTIONS, ids=[f[2] for f in FUNCTIONS])
def test_same_argument_names_order_and_defaults(module, norse_module, name):
    ours = getattr(importlib.import_module(f"refsnn.functional.{module}"), name)
    theirs = getattr(importlib.import_module(f"norse.torch.functional.{norse_module}"), name)
    ours_sig = inspect.signature(ours)
    if name in COMPAT:
        variant = getattr(importlib.import_module(f"refsnn.compat.norse.{module}"), name)
        assert inspect.signature(variant).parameters.keys() == ours_sig.parameters.keys()
    if hasattr(theirs, "schema"):  # a TorchScript function: names from its schema
        assert list(ours_sig.parameters) == [a.name for a in theirs.schema.arguments]
        return
    theirs_sig = inspect.signature(theirs)
    assert list(ours_sig.parameters) == list(theirs_sig.parameters)
    for a, b in zip(ours_sig.parameters.values(), theirs_sig.parameters.values()):
        assert (a.default is inspect.Parameter.empty) == (b.default is inspect.Parameter.empty)
        if isinstance(a.default, float):
            assert a.default == b.default
        elif hasattr(a.default, "_fields"):
            assert type(a.default).__name__ == type(b.default).__name__


@pytest.mark.parametrize("module, name", [
    ("tsodyks_makram", "TsodyksMakramParameters"), ("tsodyks_makram", "TsodyksMakramState"),
    ("stdp_sensor", "STDPSensorParameters"), ("stdp_sensor", "STDPSensorState"),
    ("correlation_sensor", "CorrelationSensorParameters"),
    ("correlation_sensor", "CorrelationSensorState"),
    ("lif_correlation", "LIFCorrelationParameters"), ("lif_correlation", "LIFCorrelationState"),
])
def test_same_tuple_fields_and_defaults(module, name):
    ours = getattr(importlib.import_module(f"refsnn.functional.{module}"), name)
    theirs = getattr(importlib.import_module(f"norse.torch.functional.{module}"), name)
    assert ours._fields == theirs._fields
    assert ours._field_defaults.keys() == theirs._field_defaults.keys()
    for field, default in ours._field_defaults.items():
        if hasattr(default, "_fields"):
            assert type(default).__name__ == type(theirs._field_defaults[field]).__name__
            assert all(np.float32(a) == _default(b)
                       for a, b in zip(default, theirs._field_defaults[field])
                       if not callable(a) and not callable(b))
        else:
            assert np.float32(default) == _default(theirs._field_defaults[field]), field


@pytest.mark.parametrize("name", ["STDPParameters", "STDPState"])
def test_stdp_classes_become_tuples_with_the_constructor_arguments(name):
    """Norse's STDP classes: their constructor arguments and defaults are our fields."""
    ours = getattr(stdp, name)
    params = inspect.signature(getattr(n_stdp, name).__init__).parameters
    fields = [k for k in params if k != "self"]
    assert list(ours._fields) == fields
    for field in fields:
        default = params[field].default
        if default is inspect.Parameter.empty:
            assert field not in ours._field_defaults
        elif isinstance(default, (str, bool, int)):
            assert ours._field_defaults[field] == default and \
                type(ours._field_defaults[field]) is type(default)
        else:
            assert np.float32(ours._field_defaults[field]) == _default(default), field


def test_stdp_weight_functions_match_norse_attributes():
    """A_plus, A_minus and bounding_func agree with the closures Norse builds."""
    w = np.linspace(-0.25, 1.25, 13, dtype=np.float32)
    for algorithm, mu in (("additive", 0.0), ("additive_step", 0.0),
                          ("multiplicative_pow", 0.5), ("multiplicative_relu", 1.0)):
        for hardbound in (True, False):
            kwargs = dict(w_min=0.0, w_max=1.0, eta_plus=0.3, eta_minus=0.2,
                          stdp_algorithm=algorithm, mu=mu, hardbound=hardbound)
            ours = stdp._plasticity.cast_fields(stdp.STDPParameters(**kwargs),
                                                stdp._NUMERIC_FIELDS, np.dtype(np.float32))
            theirs = n_stdp.STDPParameters(**kwargs)
            wt = torch.from_numpy(w)
            for f in ("A_plus", "A_minus", "bounding_func"):
                a = np.broadcast_to(getattr(ours, f)(w), w.shape)
                b = np.broadcast_to(np.asarray(norse_parity._norse_leaf(getattr(theirs, f)(wt)),
                                               np.float32), w.shape)
                np.testing.assert_array_equal(a, b, err_msg=f"{algorithm} {f}")


# --------------------------------------------------------------------------- Norse's protocols
@pytest.mark.parametrize("algorithm, mu", [("additive", 0.0), ("additive_step", 0.0),
                                           ("multiplicative_pow", 0.75),
                                           ("multiplicative_relu", 1.0)])
def test_norse_stdp_test_protocols_agree(algorithm, mu):
    """The inputs of Norse's own test_stdp.py: bit-identical in float32.

    (Batch of one, spikes of all ones: the sums are exact; the pow base
    0.5 ** 0.75 is the same whichever way it is rounded here.)
    """
    for conv in (False, True):
        if conv:
            z_pre = np.stack([np.ones((1, 3, 10, 10)), np.zeros((1, 3, 10, 10)),
                              np.ones((1, 3, 10, 10))]).astype(np.float32)
            z_post = np.stack([np.zeros((1, 2, 8, 8)), np.ones((1, 2, 8, 8)),
                               np.zeros((1, 2, 8, 8))]).astype(np.float32)
            w = np.full((2, 3, 3, 3), 0.5, np.float32)
            eta, ours_f, theirs_f = (3e-2, 1e-2), stdp.stdp_step_conv2d, n_stdp.stdp_step_conv2d
        else:
            z_pre = np.array([[[1.0, 1.0]], [[0.0, 0.0]], [[1.0, 1.0]]], np.float32)
            z_post = np.array([[[0.0] * 3], [[1.0] * 3], [[0.0] * 3]], np.float32)
            w = np.full((3, 2), 0.5, np.float32)
            eta, ours_f, theirs_f = (3e-1, 1e-1), stdp.stdp_step_linear, n_stdp.stdp_step_linear
        p = stdp.STDPParameters(eta_plus=eta[0], eta_minus=eta[1], stdp_algorithm=algorithm,
                                mu=mu, hardbound=not conv, convolutional=conv)
        p_n = n_stdp.STDPParameters(eta_plus=eta[0], eta_minus=eta[1], stdp_algorithm=algorithm,
                                    mu=mu, hardbound=not conv, convolutional=conv)
        s = stdp.STDPState(np.zeros_like(z_pre[0]), np.zeros_like(z_post[0]))
        s_n = n_stdp.STDPState(torch.zeros(z_pre[0].shape), torch.zeros(z_post[0].shape))
        w_n = torch.from_numpy(w.copy())
        for a, b in zip(z_pre, z_post):
            w, s = ours_f(a, b, w, s, p)
            w_n, s_n = theirs_f(torch.from_numpy(a), torch.from_numpy(b), w_n, s_n, p_n)
            np.testing.assert_array_equal(w, w_n.numpy(), strict=True)
            np.testing.assert_array_equal(s.t_pre, s_n.t_pre.numpy(), strict=True)
            np.testing.assert_array_equal(s.t_post, s_n.t_post.numpy(), strict=True)


@pytest.mark.parametrize("params", [
    dict(tau_f_inv=1 / 50.0e-3, tau_s_inv=1 / 20.0e-3, tau_d_inv=1 / 750.0e-3, U=0.45),
    dict(tau_f_inv=1 / 750.0e-3, tau_s_inv=1 / 20.0e-3, tau_d_inv=1 / 50.0e-3, U=0.15),
], ids=["depressing", "facilitating"])
def test_norse_tsodyks_makram_protocol_agrees(params):
    """Norse's test_tsodyks_makram.py train (Python-float parameters and state): identical."""
    z = np.zeros(1000, np.float32)
    z[::100] = 1.0
    z[:10] = 0.0
    p, p_n = tm.TsodyksMakramParameters(**params), n_tm.TsodyksMakramParameters(**params)
    s, s_n = tm.TsodyksMakramState(u=0.0, x=1.0), n_tm.TsodyksMakramState(u=0.0, x=1.0)
    for zt in z:
        out, s = tm.stp_step(zt, s, p)
        out_n, s_n = n_tm.stp_step(torch.tensor(zt), s_n, p_n)
        for a, b in zip((out, s.u, s.x), (out_n, s_n.u, s_n.x)):
            np.testing.assert_array_equal(a, b.numpy(), strict=True)


# --------------------------------------------------------------------------- deviations
def test_deviation_norse_stdp_sensor_ignores_tau_ac():
    """Norse decays the postsynaptic trace with tau_c_inv; refsnn with tau_ac_inv."""
    p = stdp_sensor.STDPSensorParameters(eta_p=1.0, eta_m=1.0, tau_ac_inv=50.0, tau_c_inv=10.0)
    s = stdp_sensor.STDPSensorState(np.ones(2, np.float32), np.ones(3, np.float32))
    z_pre, z_post = np.zeros(2, np.float32), np.zeros(3, np.float32)
    theirs = n_sensor.stdp_sensor_step(torch.from_numpy(z_pre), torch.from_numpy(z_post),
                                       to_norse(s), to_norse(p, np.float32))
    compat = c_sensor.stdp_sensor_step(z_pre, z_post, s, p)
    ours = stdp_sensor.stdp_sensor_step(z_pre, z_post, s, p)
    for a, b in zip(compat, theirs):
        np.testing.assert_array_equal(a, b.numpy(), strict=True)
    np.testing.assert_array_equal(ours.a_pre, compat.a_pre)
    # after 1 ms: Norse 1 - 0.001 * 10 = 0.99 ; documented 1 - 0.001 * 50 = 0.95
    np.testing.assert_allclose(compat.a_post, 0.99, rtol=1e-6)
    np.testing.assert_allclose(ours.a_post, 0.95, rtol=1e-6)
    # with equal time constants (the defaults) there is no difference
    p_eq = p._replace(tau_ac_inv=10.0)
    for a, b in zip(stdp_sensor.stdp_sensor_step(z_pre, z_post, s, p_eq),
                    n_sensor.stdp_sensor_step(torch.from_numpy(z_pre), torch.from_numpy(z_post),
                                              to_norse(s), to_norse(p_eq, np.float32))):
        np.testing.assert_array_equal(a, b.numpy(), strict=True)


def _sensor_case(rng, batch, n_pre, n_post):
    shape = (batch, n_pre, n_post)
    state = cs.CorrelationSensorState(
        (rng.random(shape) < 0.5).astype(np.float32),
        rng.random(shape).astype(np.float32), rng.random(shape).astype(np.float32))
    z_pre = (rng.random((batch, n_pre)) < 0.5).astype(np.float32)
    z_post = (rng.random((batch, n_post)) < 0.5).astype(np.float32)
    return state, z_pre, z_post


def test_deviation_norse_correlation_sensor_mixes_batch_samples():
    """refsnn on a batch == Norse on each sample alone; Norse on the batch is different."""
    rng = np.random.default_rng(5)
    state, z_pre, z_post = _sensor_case(rng, 4, 4, 4)
    p = cs.CorrelationSensorParameters()
    ours = cs.correlation_sensor_step(z_pre, z_post, state, p)
    for b in range(4):
        alone = n_cs.correlation_sensor_step(
            torch.from_numpy(z_pre[b:b + 1]), torch.from_numpy(z_post[b:b + 1]),
            to_norse(cs.CorrelationSensorState(*(f[b:b + 1] for f in state))),
            to_norse(p, np.float32))
        for a, t in zip(ours, alone):
            np.testing.assert_array_equal(a[b:b + 1], t.numpy(), strict=True)
    theirs = n_cs.correlation_sensor_step(torch.from_numpy(z_pre), torch.from_numpy(z_post),
                                          to_norse(state), to_norse(p, np.float32))
    compat = c_cs.correlation_sensor_step(z_pre, z_post, state, p)
    for a, t in zip(compat, theirs):
        np.testing.assert_array_equal(a, t.numpy(), strict=True)
    assert not np.array_equal(ours.correlation_trace, compat.correlation_trace)
    # Norse: synapse (b, i, j) sees z_pre[j, i] whatever b
    pre_mask = c_cs.pre_mask(state.post_pre, z_pre)
    np.testing.assert_array_equal(pre_mask, np.broadcast_to(z_pre.T, (4, 4, 4)))


def test_norse_correlation_sensor_rejects_other_batch_sizes():
    state, z_pre, z_post = _sensor_case(np.random.default_rng(6), 2, 3, 4)
    with pytest.raises(RuntimeError):
        n_cs.correlation_sensor_step(torch.from_numpy(z_pre), torch.from_numpy(z_post),
                                     to_norse(state), to_norse(cs.CorrelationSensorParameters()))
    with pytest.raises(ValueError, match="Norse's broadcasting fails"):
        c_cs.correlation_sensor_step(z_pre, z_post, state)
    assert cs.correlation_sensor_step(z_pre, z_post, state).post_pre.shape == (2, 3, 4)


# --------------------------------------------------------------------------- the table rows
# Once validation.norse_parity lists this module in EXTRA_MODULES, its rows run
# in tests/test_norse_parity.py; they are defined here only until then, so
# that they run exactly once either way.
if "validation.parity_plasticity" not in norse_parity.EXTRA_MODULES:
    CASES = parity_plasticity.cases()

    @pytest.mark.parametrize("case", CASES,
                             ids=[f"{c.label}-{c.variant}-{c.dtype}" for c in CASES])
    def test_parity_row(case):
        r = case.run()
        assert r.ok, (
            f"{r.label} [{r.variant}, {r.dtype}]: expected {r.expected}, got max ulp "
            f"{r.max_ulp}, scaled {r.max_scaled:.3g}, max |diff| {r.max_abs:.3g}"
        )
