"""The Izhikevich presets at Norse's default ``dt = 0.001``: firing patterns beyond Fig. 1.

Every preset advances ``p.tau_inv * dt`` model ms per step, so at Norse's
default ``dt`` each runs at its own step (0.25 ms for most; 0.2, 0.1 and
0.5 ms for a few). The published panels themselves (figure1.m's protocols
and steps, all twenty, with the variants that reproduce ``dap``,
``accomodation``, ``inhibition_induced_bursting`` and the bistability
protocol) are checked in ``tests/test_gallery_izhikevich.py``, also at
this ``dt`` (the subthreshold oscillation and the resonator's published
protocol only there); this file adds longer runs, sweeps (resonance,
coincidence, f–I curves of class 1 and class 2 excitability) and pins what
the three presets without their pattern do instead at this ``dt``:

* ``dap`` fires a train of 4 spikes for the 2 ms pulse (figure1.m's single
  spike needs its 0.1 ms step with ``u`` updated from the new ``v``);
* ``accomodation`` fires without input (figure1.m integrates
  :math:`\\dot u = a b (v + 65)`, not :math:`\\dot u = a (b v - u)`);
* ``inhibition_induced_bursting`` fires ever faster, also after the
  inhibition.

All protocols run in one batched :func:`refsnn.simulate` call
(:func:`validation.gallery_izhikevich.simulate_runs`).
"""

import numpy as np
import pytest

import refsnn.functional.izhikevich as izh
from refsnn.analysis import isi
from validation.gallery_izhikevich import Run, simulate_runs

DT = 0.001  # Norse's default


def window(t, start, width):
    """1 inside ``(start, start + width)``, else 0."""
    return ((t > start) & (t < start + width)).astype(float)


def run(behavior, current, t_end):
    """A protocol at Norse's default dt: the preset's own step ``tau_inv * dt``."""
    return Run(behavior, current, float(behavior.p.tau_inv) * DT, t_end)


def step_current(amplitude, onset):
    return lambda t: amplitude * (t > onset)


def constant(value):
    return lambda t: np.full(t.shape, value)


CLASS_1_CURRENTS = np.linspace(2.0, 3.2, 61)
CLASS_2_CURRENTS = np.linspace(0.2, 0.6, 41)
RESONATOR_GAPS = [None, 20.0, 25.0, 30.0, 40.0, 45.0]
INTEGRATOR_ONSET = 100.0 / 11
INTEGRATOR_GAPS = [None, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 20.0, 40.0]
LATENCY_AMPLITUDES = [7.2, 10.0]
BISTABILITY_ON = 37.5
F_I_T_END = 1400.0  # ms: 200 ms to settle, then rates down to ~2 Hz resolved


def _pulse_pair(amplitude, first, gap, width):
    return lambda t: amplitude * (window(t, first, width)
                                  + (0.0 if gap is None else window(t, first + gap, width)))


def _threshold_variability(t):
    return window(t, 10, 5) + window(t, 80, 5) - 6.0 * window(t, 70, 5)


def _inhibition(t):
    return np.where((t >= 50) & (t <= 250), 75.0, 80.0)


PRESETS = [
    "tonic_spiking", "phasic_spiking", "tonic_bursting", "phasic_bursting", "mixed_mode",
    "spike_frequency_adaptation", "class_1_exc", "class_2_exc", "spike_latency",
    "subthreshold_oscillation", "resonator", "integrator", "rebound_spike", "rebound_burst",
    "threshold_variability", "bistability", "dap", "accomodation",
    "inhibition_induced_spiking", "inhibition_induced_bursting",
]
WITHOUT_PATTERN = ("dap", "accomodation", "inhibition_induced_bursting")

RUNS = {
    "tonic": run(izh.tonic_spiking, step_current(14.0, 10.0), 400.0),
    "phasic": run(izh.phasic_spiking, step_current(0.5, 20.0), 400.0),
    "tonic_bursting": run(izh.tonic_bursting, step_current(15.0, 22.0), 400.0),
    "phasic_bursting": run(izh.phasic_bursting, step_current(0.6, 20.0), 300.0),
    "mixed": run(izh.mixed_mode, step_current(10.0, 16.0), 400.0),
    "adaptation": run(izh.spike_frequency_adaptation, step_current(30.0, 8.5), 200.0),
    "class_1_ramp": run(izh.class_1_exc, lambda t: np.where(t > 30, 0.075 * (t - 30), 0.0), 300.0),
    "rebound_spike": run(izh.rebound_spike, lambda t: -15.0 * window(t, 20.0, 5.0), 200.0),
    "rebound_burst": run(izh.rebound_burst, lambda t: -15.0 * window(t, 20.0, 5.0), 300.0),
    "threshold_variability": run(izh.threshold_variability, _threshold_variability, 100.0),
    "inhibition_induced_spiking": run(izh.inhibition_induced_spiking, _inhibition, 400.0),
    "bistability_rest": run(izh.bistability, constant(0.24), 400.0),
    "bistability_on": run(izh.bistability,
                          lambda t: 0.24 + window(t, BISTABILITY_ON, 5.0), 400.0),
    # a second pulse 8 ms after a spike switches it back off
    "bistability_off": run(izh.bistability,
                           lambda t: 0.24 + window(t, BISTABILITY_ON, 5.0) + window(t, 208.0, 5.0),
                           400.0),
    # the presets without their pattern, doing what the module docstring says
    "dap": run(izh.dap, lambda t: 20.0 * (np.abs(t - 10.0) < 1), 50.0),
    "accomodation_no_input": run(izh.accomodation, constant(0.0), 100.0),
    "inhibition_induced_bursting": run(izh.inhibition_induced_bursting, _inhibition, 350.0),
}
RUNS.update({("class_1", i): run(izh.class_1_exc, constant(i), F_I_T_END)
             for i in CLASS_1_CURRENTS})
RUNS.update({("class_2", i): run(izh.class_2_exc, constant(i), F_I_T_END)
             for i in CLASS_2_CURRENTS})
RUNS.update({("resonator", g): run(izh.resonator, _pulse_pair(0.65, 40.0, g, 4.0), 200.0)
             for g in RESONATOR_GAPS})
RUNS.update({("integrator", g): run(izh.integrator, _pulse_pair(9.0, INTEGRATOR_ONSET, g, 2.0),
                                    100.0) for g in INTEGRATOR_GAPS})
RUNS.update({("latency", a): run(izh.spike_latency, lambda t, a=a: a * window(t, 10.0, 3.0), 100.0)
             for a in LATENCY_AMPLITUDES})
RUNS.update({("rest", name): run(getattr(izh, name),
                                 constant(80.0 if name == "inhibition_induced_spiking" else 0.0),
                                 100.0)
             for name in PRESETS if name not in ("accomodation", "inhibition_induced_bursting")})


@pytest.fixture(scope="module")
def times():
    """Spike times (ms) of every protocol, simulated together."""
    keys = list(RUNS)
    return {key: trace.times for key, trace in zip(keys, simulate_runs([RUNS[k] for k in keys]))}


def test_every_protocol_runs_at_norses_default_dt():
    assert {round(r.step / float(r.behavior.p.tau_inv), 12) for r in RUNS.values()} == {DT}


def test_tonic_spiking_fires_regularly(times):
    ts = times["tonic"]
    assert ts[0] > 10.0
    intervals = isi(ts[ts > 100.0])  # after the onset transient
    assert len(intervals) >= 8
    assert intervals.std() / intervals.mean() < 0.02


def test_phasic_spiking_fires_once_then_stays_silent(times):
    ts = times["phasic"]
    assert len(ts) == 1
    assert 20.0 < ts[0] < 60.0


def test_tonic_bursting_repeats_bursts(times):
    intervals = isi(times["tonic_bursting"])
    short, long = intervals[intervals < 10.0], intervals[intervals >= 10.0]
    # bimodal: intra-burst intervals of a few ms, gaps of tens of ms, nothing between
    assert short.max() < 6.0 and long.min() > 25.0
    assert len(long) >= 5  # at least six bursts
    burst_sizes = np.diff(np.flatnonzero(np.r_[True, intervals >= 10.0, True]))
    assert burst_sizes.min() >= 3


def test_phasic_bursting_fires_one_burst_then_stays_silent(times):
    ts = times["phasic_bursting"]
    assert len(ts) >= 4
    assert ts[0] > 20.0 and ts[-1] < 100.0
    assert isi(ts).max() < 10.0


def test_mixed_mode_bursts_then_spikes_tonically(times):
    intervals = isi(times["mixed"])
    assert intervals[0] < 5.0 and intervals[1] < 5.0  # initial burst
    tonic = intervals[2:]
    assert len(tonic) >= 5 and tonic.min() > 25.0
    assert tonic[-4:].std() / tonic[-4:].mean() < 0.02


def test_spike_frequency_adaptation_lengthens_isis(times):
    intervals = isi(times["adaptation"])
    assert len(intervals) >= 5
    assert np.all(np.diff(intervals[:5]) > 0)
    assert intervals[4] > 5 * intervals[0]


def _steady_rates(times, family, currents, settle=200.0):
    """Sustained firing rate (Hz of model time) per constant current; 0 when < 3 spikes."""
    rates = np.zeros(len(currents))
    for k, i in enumerate(currents):
        ts = times[family, i]
        ts = ts[ts > settle]
        if len(ts) >= 3:
            rates[k] = 1000.0 / isi(ts).mean()
    return rates


def test_class_1_excitability_rate_starts_from_zero(times):
    rates = _steady_rates(times, "class_1", CLASS_1_CURRENTS)
    assert rates[0] == 0.0
    assert 0.0 < rates[rates > 0].min() < 5.0  # arbitrarily low rates near threshold
    assert np.all(np.diff(rates) >= 0)


def test_class_1_excitability_under_ramp(times):
    intervals = isi(times["class_1_ramp"])
    assert intervals[0] > 30.0  # starts slow ...
    assert np.all(np.diff(intervals) < 0)  # ... and speeds up as the current grows


def test_class_2_excitability_rate_jumps(times):
    rates = _steady_rates(times, "class_2", CLASS_2_CURRENTS)
    assert rates[0] == 0.0
    assert rates[rates > 0].min() > 20.0  # onset at a finite frequency


def test_spike_latency_grows_near_threshold(times):
    weak, strong = (times["latency", a] for a in LATENCY_AMPLITUDES)
    assert len(weak) == 1 and len(strong) == 1
    assert weak[0] - 13.0 > 5.0  # fires long after the pulse has ended
    assert weak[0] - strong[0] > 4.0


def test_resonator_prefers_a_pulse_interval(times):
    # pairs of 4 ms pulses, onset 40 ms; second pulse `gap` ms later (None: single)
    fired = [len(times["resonator", g]) > 0 for g in RESONATOR_GAPS]
    assert fired == [False, False, False, False, True, True]


def test_integrator_detects_coincidence(times):
    fired = [len(times["integrator", g]) > 0 for g in INTEGRATOR_GAPS]
    # closer pulses summate: fires for every gap up to 5 ms, for none beyond
    assert fired == [False, True, True, True, True, False, False, False, False, False]


def test_rebound_spike_after_inhibition(times):
    ts = times["rebound_spike"]
    assert len(ts) == 1 and ts[0] > 25.0


def test_rebound_burst_after_inhibition(times):
    ts = times["rebound_burst"]
    assert len(ts) >= 3 and ts[0] > 25.0
    assert isi(ts).max() < 15.0  # one burst
    assert ts[-1] < 150.0  # then silence


def test_threshold_variability(times):
    ts = times["threshold_variability"]
    # the same excitatory pulse fails alone but fires after an inhibitory one
    assert len(ts) == 1 and ts[0] > 80.0


def test_bistability_two_states_under_one_current(times):
    rest, on, off = (times[k] for k in ("bistability_rest", "bistability_on", "bistability_off"))
    assert rest.size == 0
    assert on.size >= 8 and on[-1] > 350.0
    assert isi(on).std() / isi(on).mean() < 0.05
    assert 0 < off.size and off[-1] < 208.0


def test_inhibition_induced_spiking(times):
    ts = times["inhibition_induced_spiking"]
    assert np.all(ts > 50.0)  # silent at the higher current
    assert np.sum((ts > 50.0) & (ts < 250.0)) >= 3  # fires while inhibited
    assert np.all(ts < 300.0)  # silent again after release


@pytest.mark.parametrize("name", PRESETS)
def test_presets_are_float32_pairs(name):
    behavior = getattr(izh, name)
    assert behavior.p is getattr(izh, name + "_p")
    assert behavior.s.v.dtype == np.float32 and behavior.s.u.dtype == np.float32
    assert behavior.s.v.shape == () and behavior.s.u.shape == ()


def test_presets_rest_without_input(times):
    """Silent at the protocol's baseline current (0, or 80 for inhibition-induced spiking)."""
    firing = [name for name in PRESETS if ("rest", name) in RUNS and len(times["rest", name])]
    assert firing == []
    assert len([k for k in RUNS if k[0] == "rest"]) == 18


def test_presets_without_their_pattern_behave_as_documented(times):
    """Pin what dap, accomodation and inhibition_induced_bursting do at Norse's dt."""
    # dap: the 2 ms pulse gives a spike train, not one spike and an after-potential
    assert len(times["dap"]) == 4
    # accomodation: u = -16 relaxes towards b v = v, which drives the neuron to
    # fire without any input
    assert len(times["accomodation_no_input"]) > 5
    # inhibition_induced_bursting: keeps firing at the baseline after the inhibition
    assert np.sum(times["inhibition_induced_bursting"] > 300.0) > 50
