"""Non-finite values, unstable time steps and requests that cannot fit (refsnn.guards, _checks).

One regression test per finding of the "hard edges" review (the command
line's are in tests/test_cli.py, the README's in tests/test_readme.py),
plus the policy's modes. Each failed on the code before the review.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import refsnn
from refsnn import backends, simulate
from refsnn.config import NonFiniteWarning, UnstableStepWarning, get_option
from refsnn.functional import encode, izhikevich, lif, lif_adex, stdp, tsodyks_makram

BACKENDS = backends.available()


# ----------------------------------------------------------------------------- diverging runs
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_diverging_run_raises_naming_step_and_neuron_on_every_backend(backend):
    """dt = 0.05 with tau_mem_inv = 100: v went NaN and 63 'spikes' were reported, silently."""
    x = np.full((100, 3), 0.3, np.float32)
    with pytest.warns(UnstableStepWarning, match=r"dt \* p.tau_mem_inv = 5 >= 1.*largest "
                                                 r"stable dt is 0.01"):
        with pytest.raises(ValueError, match=r"state became non-finite at step \d+ "
                                             r"\(state\.\w+ = -?(inf|nan) at neuron index"):
            simulate("lif", x, dt=0.05, backend=backend)


def test_the_first_non_finite_step_is_the_one_named():
    x = np.full((60, 2), 0.3, np.float32)
    with refsnn.options(nonfinite="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, history = simulate("lif", x, dt=0.05, record_states=True)
    bad = ~np.isfinite(history.v) | ~np.isfinite(history.i)
    first = int(np.argmax(bad.any(axis=1)))
    with pytest.raises(ValueError, match=f"non-finite at step {first} "), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", UnstableStepWarning)
        simulate("lif", x, dt=0.05)


def test_model_specific_stability_warnings():
    with pytest.warns(UnstableStepWarning, match="p.c_m_inv \\* p.g_l"):
        simulate("coba_lif", np.zeros((2, 3), np.float32), dt=1.0)
    with pytest.warns(UnstableStepWarning, match="Izhikevich"):
        simulate("izhikevich", np.zeros((2, 3), np.float32), dt=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnstableStepWarning)
        simulate("lif_adex", np.ones((5, 3), np.float32), dt=1e-3)      # defaults: stable


# ----------------------------------------------------------------------------- non-finite values
NAN_IN = np.array([[0.5, 0.5], [0.5, np.nan]], np.float32)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("where, kwargs, message", [
    ("inputs", {"inputs": NAN_IN}, r"inputs has a non-finite value \(nan\) at index \(1, 1\)"),
    ("input_weights", {"inputs": np.ones((2, 2), np.float32),
                       "input_weights": np.array([[1, 0], [np.inf, 1]], np.float32),
                       "recurrent_weights": np.eye(2, dtype=np.float32)},
     r"input_weights has a non-finite value \(inf\) at index \(1, 0\)"),
    ("recurrent_weights", {"inputs": np.ones((2, 2), np.float32),
                           "input_weights": np.eye(2, dtype=np.float32),
                           "recurrent_weights": np.array([[0, np.nan], [0, 0]], np.float32)},
     r"recurrent_weights has a non-finite value \(nan\) at index \(0, 1\)"),
    ("state", {"inputs": np.ones((2, 2), np.float32),
               "state": lif.LIFFeedForwardState(np.array([0.0, np.inf]), np.zeros(2))},
     r"state.v has a non-finite value \(inf\) at index \(1,\)"),
    ("p", {"inputs": np.ones((2, 2), np.float32), "p": lif.LIFParameters(v_th=np.nan)},
     r"p.v_th has a non-finite value \(nan\)"),
])
def test_non_finite_arguments_of_simulate_are_errors_naming_them(backend, where, kwargs,
                                                                   message):
    kwargs = dict(kwargs)
    with pytest.raises(ValueError, match=message):
        simulate("lif", kwargs.pop("inputs"), backend=backend, **kwargs)


def test_non_finite_coupling_and_step_inputs_are_errors():
    with pytest.raises(ValueError, match=r"g_coupling has a non-finite value \(inf\)"):
        simulate("lif_mc", np.ones((2, 2), np.float32),
                 g_coupling=np.array([[0, np.inf], [0, 0]], np.float32))
    state = lif.LIFFeedForwardState(np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match=r"non-finite value \(nan\) at index \(0,\)"):
        lif.lif_feed_forward_step(np.array([np.nan, 1.0]), state)


@pytest.mark.parametrize("backend", [None] + [b for b in BACKENDS if b != "numpy"])
def test_encoders_refuse_nan_currents_on_every_backend(backend):
    """constant_current_lif_encode([nan, 1], 10) gave 0 spikes for the NaN neuron, silently."""
    with pytest.raises(ValueError, match=r"input_current has a non-finite value \(nan\) at "
                                         r"index \(0,\)"):
        encode.constant_current_lif_encode([np.nan, 1.0], 10, backend=backend)


@pytest.mark.parametrize("p, message", [
    (lif.LIFParameters(tau_mem_inv=-100.0), r"p.tau_mem_inv must be finite and >= 0, got -100"),
    (lif.LIFParameters(tau_syn_inv=np.array([1.0, -2.0])),
     r"p.tau_syn_inv must be finite and >= 0, got -2.0 at index \(1,\)"),
])
def test_parameters_outside_their_domain_are_errors(p, message):
    with pytest.raises(ValueError, match=message):
        simulate("lif", np.ones((2, 2), np.float32), p=p)
    with pytest.raises(ValueError, match=message):
        lif.lif_feed_forward_step(np.ones(2), lif.LIFFeedForwardState(np.zeros(2), np.zeros(2)),
                                  p)
    with pytest.raises(ValueError, match="p.delta_T must be finite and > 0, got 0"):
        simulate("lif_adex", np.ones((2, 2), np.float32),
                 p=lif_adex.LIFAdExParameters(delta_T=0.0))


def test_plasticity_and_scans_follow_the_policy():
    with pytest.raises(ValueError, match=r"z has a non-finite value"):
        tsodyks_makram.stp_step(np.array([np.nan]), tsodyks_makram.TsodyksMakramState(
            np.zeros(1), np.ones(1)), tsodyks_makram.TsodyksMakramParameters())
    with pytest.raises(ValueError, match=r"w has a non-finite value \(inf\)"):
        stdp.stdp_step_linear(np.zeros(2), np.zeros(3), np.full((3, 2), np.inf),
                              stdp.STDPState(np.zeros(2), np.zeros(3)))


# ----------------------------------------------------------------------------- the policy
def test_warn_lets_values_through_with_a_warning_and_ignore_says_nothing():
    with refsnn.options(nonfinite="warn"):
        with pytest.warns(NonFiniteWarning, match="inputs has a non-finite value"):
            _, s = simulate("lif", NAN_IN)
    assert np.isnan(s.v[1]) and np.isfinite(s.v[0])
    with refsnn.options(nonfinite="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        simulate("lif", NAN_IN)
    assert get_option("nonfinite") == "raise"


def test_the_policy_of_a_with_block_stays_in_its_thread():
    seen = []
    with refsnn.options(nonfinite="ignore"):
        worker = threading.Thread(target=lambda: seen.append(get_option("nonfinite")))
        worker.start()
        worker.join()
        assert get_option("nonfinite") == "ignore"
    assert seen == ["raise"]
    with pytest.raises(ValueError, match="nonfinite must be one of 'raise', 'warn', 'ignore'"):
        refsnn.set_options(nonfinite="sometimes")


def test_the_fast_path_does_not_read_the_inputs_twice(monkeypatch):
    """Finite runs: only the final state is checked (the guards' cheap path)."""
    from refsnn import _checks

    calls = []
    original = _checks.first_nonfinite
    monkeypatch.setattr(_checks, "first_nonfinite",
                        lambda a: calls.append(a.shape) or original(a))
    x = np.ones((50, 7), np.float32)
    simulate("lif", x)
    assert (50, 7) not in calls and calls          # the state, not the (T, N) inputs


# ----------------------------------------------------------------------------- memory
def test_requests_that_cannot_fit_are_refused_before_allocating():
    """A broadcast 10**6 x 10**9 input allocated ~4 GB of state, then failed on 3.55 PiB."""
    huge = np.broadcast_to(np.float32(0.5), (10**6, 10**9))
    with pytest.raises(refsnn.InsufficientMemoryError,
                       match=r"needs \d.* PiB \(outputs .* PiB.*\) but only .* is available"):
        simulate("lif", huge)
    with pytest.raises(MemoryError):                     # a MemoryError, for callers
        simulate("lif", np.broadcast_to(np.float32(0.5), (10**5, 10**7)), record_states=True)


def test_record_a_subset_of_the_state():
    x = np.full((30, 4), 2.0, np.float32)
    _, full = simulate("lif", x, record_states=True)
    _, only_v = simulate("lif", x, record_states=("v",))
    np.testing.assert_array_equal(only_v.v, full.v)
    assert only_v.i is None
    _, refrac = simulate("lif_refrac", x, record_states=("lif.v", "rho"))
    assert refrac.lif.v.shape == (30, 4) and refrac.rho.shape == (30, 4) and refrac.lif.i is None
    with pytest.raises(ValueError, match=r"record_states names unknown state fields \['w'\]"):
        simulate("lif", x, record_states=("w",))
    with pytest.raises(TypeError, match="record_states must be a bool or a tuple"):
        simulate("lif", x, record_states="v")


def test_izhikevich_presets_run_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        simulate("izhikevich", np.full((10, 2), 10.0, np.float32), p=izhikevich.tonic_spiking,
                 dt=0.25e-3)
