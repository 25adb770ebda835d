"""The module layer (refsnn.module): calling convention, initial states, weights, containers.

Parity with Norse's modules is in validation/parity_modules.py (run by
tests/test_norse_parity.py); here: what the module layer adds over the
functional one, and its errors.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import refsnn.module as rm
from refsnn import backends, simulate
from refsnn.functional import adex, izhikevich, lif, lif_refrac
from refsnn.functional.regularization import voltage_accumulator

RNG = np.random.default_rng(5)


def _x(*shape, mean=1.0):
    return RNG.normal(mean, 1.5, shape).astype(np.float32)


def test_every_module_is_importable_flat_and_from_its_family():
    from refsnn.module.lif import LIFRecurrentCell
    from refsnn.module.leaky_integrator import LILinearCell

    assert rm.LIFRecurrentCell is LIFRecurrentCell and rm.LILinearCell is LILinearCell
    for name in ("LIF", "LIFCell", "LIFRecurrent", "LIFRecurrentCell", "LI", "LICell",
                 "LILinearCell", "LIBoxCell", "LIFBoxCell", "IAF", "IAFCell", "LIFEx",
                 "LIFExCell", "LIFExRecurrent", "LIFExRecurrentCell", "LIFAdEx", "LIFAdExCell",
                 "LIFAdExRecurrent", "LIFAdExRecurrentCell", "AdEx", "AdExCell", "AdExRecurrent",
                 "AdExRecurrentCell", "LIFRefracCell",
                 "LIFRefracRecurrent", "LIFRefracRecurrentCell", "LIFAdExRefracCell",
                 "LIFAdExRefracRecurrent", "LIFAdExRefracRecurrentCell", "CobaLIFCell",
                 "LIFMCRecurrentCell", "LIFMCRefracRecurrentCell", "LSNN", "LSNNCell",
                 "LSNNRecurrent", "LSNNRecurrentCell", "Izhikevich", "IzhikevichCell",
                 "IzhikevichRecurrent", "IzhikevichRecurrentCell", "Lift", "SequentialState",
                 "RegularizationCell", "ConstantCurrentLIFEncoder", "PoissonEncoder",
                 "PoissonEncoderStep", "PopulationEncoder", "SignedPoissonEncoder",
                 "SpikeLatencyEncoder", "SpikeLatencyLIFEncoder", "LConv2d", "Linear", "Conv2d",
                 "Flatten", "MaxPool2d", "AvgPool2d", "Dropout", "LIFParameters", "LIFState"):
        assert hasattr(rm, name), name


def test_a_cell_steps_like_the_functional_step_and_a_layer_like_simulate():
    x = _x(30, 2, 5)
    p = lif.LIFParameters(v_th=np.linspace(0.5, 1.5, 5))
    cell, s = rm.LIFCell(p), None
    state = lif.LIFFeedForwardState(np.zeros((2, 5), np.float32), np.zeros((2, 5), np.float32))
    for t in range(30):
        z, s = cell(x[t], s)
        z_ref, state = lif.lif_feed_forward_step(x[t], state, p)
        np.testing.assert_array_equal(z, z_ref)
        np.testing.assert_array_equal(s.v, state.v)
    z_all, history = rm.LIF(p, record_states=True)(x)
    want = simulate("lif", x, p=p, record_states=True)
    np.testing.assert_array_equal(z_all, want[0])
    np.testing.assert_array_equal(history.i, want[1].i)


@pytest.mark.parametrize("backend", [b for b in backends.available() if b != "numpy"])
def test_modules_run_on_every_backend_with_the_same_bits(backend):
    x = _x(40, 3, 6)
    for make in (lambda b: rm.LIFAdEx(backend=b), lambda b: rm.LSNNCell(backend=b)):
        ours, ref = make(backend), make(None)
        np.testing.assert_array_equal(ours(x)[0] if isinstance(ours, rm.LIFAdEx) else ours(x[0])[0],
                                      ref(x)[0] if isinstance(ref, rm.LIFAdEx) else ref(x[0])[0])


def test_recurrent_weights_are_seeded_scaled_like_norse_and_without_autapses():
    a = rm.LIFRecurrentCell(7, 400, rng=3)
    b = rm.LIFRecurrentCell(7, 400, rng=3)
    np.testing.assert_array_equal(a.input_weights, b.input_weights)
    assert a.input_weights.dtype == np.float32 and a.input_weights.shape == (400, 7)
    assert np.all(np.diag(a.recurrent_weights) == 0)
    off = a.recurrent_weights[~np.eye(400, dtype=bool)]
    assert abs(off.std() - np.sqrt(2 / 400)) < 0.01 * np.sqrt(2 / 400) * 10
    assert np.diag(rm.LIFRecurrentCell(3, 5, autapses=True, rng=1).recurrent_weights).any()
    coba = rm.CobaLIFCell(400, 300, rng=0)            # Norse: 1/sqrt(input), self-connections kept
    assert abs(coba.input_weights.std() - 400 ** -0.5) < 0.05 * 400 ** -0.5
    assert np.diag(coba.recurrent_weights).any()
    assert rm.LILinearCell(3, 4).recurrent_weights is None


def test_weights_passed_in_are_copied_never_modified():
    w_rec = np.ones((4, 4), np.float32)
    cell = rm.LIFRecurrentCell(3, 4, input_weights=np.ones((4, 3)), recurrent_weights=w_rec)
    assert np.all(w_rec == 1) and np.all(np.diag(cell.recurrent_weights) == 0)
    x = (RNG.random((2, 3)) < 0.5).astype(np.float32)
    before = x.copy()
    cell(x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("layer_type, cell_type, voltage", [
    (rm.LIFRefracRecurrent, rm.LIFRefracRecurrentCell, lambda s: s.lif.v),
    (rm.AdExRecurrent, rm.AdExRecurrentCell, lambda s: s.v)])
def test_a_recurrent_cell_is_one_step_of_its_recurrent_layer(layer_type, cell_type, voltage):
    x = (RNG.random((25, 2, 6)) < 0.4).astype(np.float32)
    layer = layer_type(6, 9, rng=2)
    cell = cell_type(6, 9, input_weights=layer.input_weights,
                     recurrent_weights=layer.recurrent_weights)
    z_all, final = layer(x)
    s = None
    for t in range(25):
        z, s = cell(x[t], s)
        np.testing.assert_array_equal(z, z_all[t])
    np.testing.assert_array_equal(voltage(s), voltage(final))


def test_the_adex_modules_run_refsnns_adex_family():
    """``AdExCell``/``AdEx`` (refsnn's addition, no Norse counterpart) step like the functions."""
    x = _x(40, 3, mean=2.0)
    p = adex.AdExParameters(v_peak=np.float32(2.0))
    cell, s = rm.AdExCell(p), None
    state = adex.AdExFeedForwardState(*(np.zeros(3, np.float32) for _ in range(3)))
    for t in range(40):
        z, s = cell(x[t], s)
        z_ref, state = adex.adex_feed_forward_step(x[t], state, p)
        np.testing.assert_array_equal(z, z_ref)
        np.testing.assert_array_equal(s.a, state.a)
    assert rm.AdEx(p)(x)[0].sum() > 0
    if importlib.util.find_spec("norse") is not None:    # no Norse counterpart to convert to
        from refsnn.compat.norse import to_norse
        with pytest.raises(TypeError, match="cannot convert a AdExCell to Norse"):
            to_norse(cell)
    np.testing.assert_array_equal(rm.AdEx(p)(x)[0], simulate("adex", x, p=p)[0])


def test_izhikevich_modules_take_a_behaviour_and_start_from_its_state():
    cell = rm.IzhikevichCell(izhikevich.tonic_spiking)
    _, s = cell(np.zeros(3, np.float32))
    assert s.v.shape == (3,)
    with pytest.raises(TypeError, match="spiking_method must be a IzhikevichSpikingBehavior"):
        rm.IzhikevichCell(izhikevich.tonic_spiking.p)


def test_lift_carries_state_and_fuses_neuron_cells():
    x = _x(20, 4)
    z, s = rm.Lift(rm.LIFCell())(x)
    np.testing.assert_array_equal(z, rm.LIF()(x)[0])
    z2, s2 = rm.Lift(rm.LIFCell())((x[10:], rm.LIF()(x[:10])[1]))
    np.testing.assert_array_equal(z2, z[10:])
    doubled = rm.Lift(lambda v: 2 * v)(x)       # stateless: a plain stack
    np.testing.assert_array_equal(doubled, 2 * x)


def test_sequential_state_threads_a_list_of_states_without_modifying_it():
    net = rm.SequentialState(rm.Linear(4, 6, rng=0), rm.LIFCell(), rm.LICell())
    x = _x(2, 4)
    out, states = net(x)
    assert states[0] is None and isinstance(states[1], lif.LIFFeedForwardState)
    given = list(states)
    out2, states2 = net(x, given)
    assert given[1] is states[1] and states2[1] is not states[1]
    hidden, _ = rm.SequentialState(rm.LIFCell(), rm.LICell(), return_hidden=True)(x[:, :3])
    assert len(hidden) == 2
    with pytest.raises(ValueError, match="state must be None or a list of 3 states"):
        net(x, [None])


def test_regularization_cell_accumulates():
    cell, reg = rm.LIFCell(), rm.RegularizationCell()
    total, s = 0.0, None
    for t in range(10):
        z, s = cell(np.full(5, 3.0, np.float32), s)
        total += z.sum()
        _, term = reg(z, s)
    assert term == total > 0
    assert rm.RegularizationCell(voltage_accumulator)(z, s)[1].shape == s.v.shape


def test_poisson_encoders_continue_their_stream_and_reset():
    from refsnn.functional.encode import poisson_encode

    enc = rm.PoissonEncoder(10, f_max=500, seed=4)
    x = np.linspace(0, 1, 8)
    first, second = enc(x), enc(x)
    np.testing.assert_array_equal(np.concatenate([first, second]),
                                  poisson_encode(x, 20, 500, seed=4))
    enc.reset()
    np.testing.assert_array_equal(enc(x), first)
    step = rm.PoissonEncoderStep(seed=4)
    np.testing.assert_array_equal(np.stack([step(x) for _ in range(3)]),
                                  poisson_encode(x, 3, 1000, seed=4))


def test_bad_arguments_name_themselves():
    with pytest.raises(TypeError, match="p must be a LIFParameters, got LIFRefracParameters"):
        rm.LIFCell(lif_refrac.LIFRefracParameters())
    with pytest.raises(ValueError, match="hidden_size must be a positive integer, got 0"):
        rm.LIFRecurrentCell(3, 0)
    with pytest.raises(ValueError, match=r"input_weights must have shape \(4, 3\), got \(3, 4\)"):
        rm.LIFRecurrentCell(3, 4, input_weights=np.ones((3, 4)))
    with pytest.raises(ValueError, match="dt must be finite and > 0"):
        rm.LIF(dt=0)
    with pytest.raises(TypeError, match="record_states must be a bool"):
        rm.LIF(record_states=1)
    with pytest.raises(ValueError, match="LILinearCell has no recurrent weights"):
        rm.LILinearCell(2, 3, recurrent_weights=np.ones((3, 3)))
    with pytest.raises(ValueError, match="inputs of a recurrent model must have shape"):
        rm.LIFRecurrentCell(3, 4)(np.float32(1.0))
