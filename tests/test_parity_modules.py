"""Converting Norse modules and networks (refsnn.compat.norse.from_norse / to_norse).

The parity rows of validation/parity_modules.py (every ``norse.torch``
module and three networks against their conversions, 200 steps) run in
tests/test_norse_parity.py with every other row; here: what the rows
assume (the networks' hidden layers spike), the way back, and the errors.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nt = pytest.importorskip("norse.torch")

import refsnn.module as rm  # noqa: E402
from refsnn.compat.norse import from_norse, to_norse  # noqa: E402
from validation import parity_modules as rows  # noqa: E402

pytestmark = pytest.mark.norse


@pytest.mark.parametrize("build", [rows._linear_network, rows._conv_network])
def test_the_network_rows_spike_in_their_hidden_layers(build):
    torch.manual_seed(0)
    net, x = build(torch, nt, np.random.default_rng(0))
    ours = from_norse(net)
    ours.return_hidden = True
    spikes = {k: [] for k, m in enumerate(ours) if isinstance(m, rm.LIFCell)}
    state = None
    for t in range(x.shape[0]):
        hidden, state = ours(x[t], state)
        for k in spikes:
            spikes[k].append(hidden[k])
    for k, trains in spikes.items():
        assert 0.01 < np.mean(trains) < 0.8, (k, np.mean(trains))


def test_a_converted_network_keeps_structure_weights_and_parameters():
    torch.manual_seed(1)
    net = nt.SequentialState(torch.nn.Linear(3, 5), nt.LIFRecurrentCell(5, 4, autapses=True),
                             nt.Lift(torch.nn.Dropout(0.2)), nt.LSNN(record_states=True))
    ours = from_norse(net)
    assert [type(m).__name__ for m in ours] == ["Linear", "LIFRecurrentCell", "Lift", "LSNN"]
    np.testing.assert_array_equal(ours[0].weight, net[0].weight.detach().numpy())
    np.testing.assert_array_equal(ours[1].recurrent_weights,
                                  net[1].recurrent_weights.detach().numpy())
    assert ours[1].autapses is True and ours[3].record_states is True
    assert isinstance(ours[2].lifted_module, rm.Dropout) and ours[2].lifted_module.p == 0.2


def test_to_norse_rebuilds_an_equivalent_network():
    ours = rm.SequentialState(rm.Linear(6, 8, rng=0), rm.LIFCell(),
                              rm.LIFRecurrentCell(8, 5, rng=1), rm.LICell())
    theirs = to_norse(ours)
    x = (np.random.default_rng(2).random((50, 2, 6)) < 0.5).astype(np.float32)
    s_r = s_n = None
    for t in range(50):
        out_r, s_r = ours(x[t], s_r)
        with torch.no_grad():
            out_n, s_n = theirs(torch.from_numpy(x[t]), s_n)
        np.testing.assert_allclose(out_r, out_n.numpy(), rtol=1e-5, atol=1e-6)
    back = from_norse(theirs)
    np.testing.assert_array_equal(back[2].input_weights, ours[2].input_weights)


def test_unsupported_modules_are_named():
    with pytest.raises(TypeError, match=r"cannot convert a torch\.nn\.modules\.rnn\.GRU"):
        from_norse(torch.nn.GRU(3, 4))
    with pytest.raises(TypeError, match="cannot convert a torch.nn.modules.rnn.LSTM"):
        from_norse(nt.SequentialState(torch.nn.LSTM(3, 4)))


@pytest.mark.parametrize("make, x", [
    (lambda: nt.ConstantCurrentLIFEncoder(40), np.linspace(0, 30, 12, dtype=np.float32)),
    (lambda: nt.SpikeLatencyLIFEncoder(40), np.linspace(0, 30, 12, dtype=np.float32)),
    (lambda: nt.SpikeLatencyEncoder(),
     (np.random.default_rng(0).random((20, 6)) < 0.3).astype(np.float32)),
    (lambda: nt.PopulationEncoder(5), np.linspace(0, 1, 7, dtype=np.float32)[None]),
    (lambda: torch.nn.AvgPool2d(2, ceil_mode=True, count_include_pad=False, padding=1),
     np.random.default_rng(1).random((2, 3, 5, 7)).astype(np.float32)),
    (lambda: torch.nn.MaxPool2d(3, stride=2, dilation=1, padding=1),
     np.random.default_rng(2).random((2, 3, 9, 6)).astype(np.float32)),
])
def test_converted_deterministic_modules_give_norses_output(make, x):
    theirs = make()
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    got = from_norse(theirs)(x)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_converted_poisson_encoders_keep_their_settings():
    enc = from_norse(nt.PoissonEncoder(30, f_max=200, dt=5e-4))
    assert (enc.seq_length, enc.f_max, enc.dt) == (30, 200.0, 5e-4)
    assert from_norse(nt.SignedPoissonEncoder(10)).signed
    from norse.torch.module.encode import PoissonEncoderStep
    assert from_norse(PoissonEncoderStep(f_max=50)).f_max == 50.0


def test_a_converted_regularization_cell_accumulates_like_norses():
    from norse.torch.functional.regularization import voltage_accumulator

    theirs = nt.RegularizationCell(voltage_accumulator)
    ours = from_norse(theirs)
    cell_n, cell_r = nt.LIFCell(), rm.LIFCell()
    x = np.random.default_rng(3).normal(1.0, 1.0, (20, 2, 5)).astype(np.float32)
    s_n = s_r = None
    with torch.no_grad():
        for t in range(20):
            z_n, s_n = cell_n(torch.from_numpy(x[t]), s_n)
            z_r, s_r = cell_r(x[t], s_r)
            _, term_n = theirs(z_n, s_n)
            _, term_r = ours(z_r, s_r)
    np.testing.assert_allclose(term_r, term_n.numpy(), rtol=1e-6)
