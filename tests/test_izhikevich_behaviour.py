"""The Izhikevich presets produce the firing patterns they are named for.

Protocols follow Izhikevich (2004), Fig. 1 (the published MATLAB script):
same initial states, same step currents and pulse times in model ms. Time
advances by ``p.tau_inv * dt`` ms per step; unless a test says otherwise it
runs at ``dt = 0.001`` (Norse's default), i.e. each preset's own step.

Presets without a check here, and why:

* ``dap``: Izhikevich's single spike followed by a depolarising
  after-potential is an artefact of his 0.1 ms step with ``u`` updated from
  the new ``v``; with the reference's update order (Norse's: ``u`` from the
  old ``v``) the 2 ms pulse gives a train of 4 spikes, and as the step shrinks
  both orders converge to repetitive firing, so no honest check exists.
* ``accomodation``: the published figure uses ``u' = a b (v + 65)``, a
  different recovery equation that ``IzhikevichParameters`` cannot express;
  with the standard equation, ``u = -16`` relaxes towards ``b v = v`` and
  the preset fires tonically even without input.
* ``inhibition_induced_bursting``: with ``u`` from the old ``v`` (at 0.25 or
  0.5 ms steps) and in the small-step limit the preset fires ever faster
  during and after the inhibition instead of bursting; Izhikevich's bursts
  need his update order at a 0.5 ms step.
"""

import numpy as np
import pytest

import refsnn.functional.izhikevich as izh


def simulate(behavior, current, t_end, dt=0.001, shape=()):
    """Run a preset under ``current(t)`` (t in model ms) until ``t_end``.

    Returns the step times (ms), the spikes (steps x shape) and voltages.
    """
    h = behavior.p.tau_inv * dt
    steps = int(round(t_end / h))
    s = izh.IzhikevichState(
        v=np.full(shape, behavior.s.v, dtype=np.float32),
        u=np.full(shape, behavior.s.u, dtype=np.float32),
    )
    times = np.arange(steps) * h
    spikes = np.zeros((steps,) + shape, dtype=np.float32)
    voltages = np.zeros((steps,) + shape, dtype=np.float32)
    for k, t in enumerate(times):
        z, s = izh.izhikevich_feed_forward_step(
            np.asarray(current(t), dtype=np.float32), s, behavior.p, dt)
        spikes[k] = z
        voltages[k] = s.v
    return times, spikes, voltages


def spike_times(times, spikes):
    return times[spikes > 0]


def step_current(amplitude, onset):
    return lambda t: amplitude if t > onset else 0.0


def pulses(amplitude, starts, width, base=0.0):
    def current(t):
        return amplitude if any(t0 < t < t0 + width for t0 in starts) else base
    return current


def test_tonic_spiking_fires_regularly():
    times, z, _ = simulate(izh.tonic_spiking, step_current(14.0, 10.0), 400.0)
    ts = spike_times(times, z)
    assert ts[0] > 10.0
    isi = np.diff(ts[ts > 100.0])  # after the onset transient
    assert len(isi) >= 8
    assert isi.std() / isi.mean() < 0.02


def test_phasic_spiking_fires_once_then_stays_silent():
    times, z, _ = simulate(izh.phasic_spiking, step_current(0.5, 20.0), 400.0)
    ts = spike_times(times, z)
    assert len(ts) == 1
    assert 20.0 < ts[0] < 60.0


def test_tonic_bursting_repeats_bursts():
    times, z, _ = simulate(izh.tonic_bursting, step_current(15.0, 22.0), 400.0)
    ts = spike_times(times, z)
    isi = np.diff(ts)
    short, long = isi[isi < 10.0], isi[isi >= 10.0]
    # bimodal: intra-burst intervals of a few ms, gaps of tens of ms, nothing between
    assert short.max() < 6.0 and long.min() > 25.0
    assert len(long) >= 5  # at least six bursts
    burst_sizes = np.diff(np.flatnonzero(np.r_[True, isi >= 10.0, True]))
    assert burst_sizes.min() >= 3


def test_phasic_bursting_fires_one_burst_then_stays_silent():
    times, z, _ = simulate(izh.phasic_bursting, step_current(0.6, 20.0), 300.0)
    ts = spike_times(times, z)
    assert len(ts) >= 4
    assert ts[0] > 20.0 and ts[-1] < 100.0
    assert np.diff(ts).max() < 10.0


def test_mixed_mode_bursts_then_spikes_tonically():
    times, z, _ = simulate(izh.mixed_mode, step_current(10.0, 16.0), 400.0)
    isi = np.diff(spike_times(times, z))
    assert isi[0] < 5.0 and isi[1] < 5.0  # initial burst
    tonic = isi[2:]
    assert len(tonic) >= 5 and tonic.min() > 25.0
    assert tonic[-4:].std() / tonic[-4:].mean() < 0.02


def test_spike_frequency_adaptation_lengthens_isis():
    times, z, _ = simulate(izh.spike_frequency_adaptation, step_current(30.0, 8.5), 200.0)
    isi = np.diff(spike_times(times, z))
    assert len(isi) >= 5
    assert np.all(np.diff(isi[:5]) > 0)
    assert isi[4] > 5 * isi[0]


def _steady_rates(behavior, currents, t_end=2200.0, settle=200.0):
    """Sustained firing rate (Hz) for each constant current; 0 when < 3 spikes."""
    currents = np.asarray(currents, dtype=np.float32)
    times, z, _ = simulate(behavior, lambda t: currents, t_end, shape=currents.shape)
    rates = np.zeros(currents.shape)
    for k in range(len(currents)):
        ts = spike_times(times, z[:, k])
        ts = ts[ts > settle]
        if len(ts) >= 3:
            rates[k] = 1000.0 / np.diff(ts).mean()
    return rates


def test_class_1_excitability_rate_starts_from_zero():
    currents = np.linspace(2.0, 3.2, 61)
    rates = _steady_rates(izh.class_1_exc, currents)
    assert rates[0] == 0.0
    assert 0.0 < rates[rates > 0].min() < 5.0  # arbitrarily low rates near threshold
    assert np.all(np.diff(rates) >= 0)


def test_class_1_excitability_under_ramp():
    times, z, _ = simulate(izh.class_1_exc, lambda t: 0.075 * (t - 30.0) if t > 30 else 0.0,
                           300.0)
    isi = np.diff(spike_times(times, z))
    assert isi[0] > 30.0  # starts slow ...
    assert np.all(np.diff(isi) < 0)  # ... and speeds up as the current grows


def test_class_2_excitability_rate_jumps():
    currents = np.linspace(0.2, 0.6, 41)
    rates = _steady_rates(izh.class_2_exc, currents)
    assert rates[0] == 0.0
    assert rates[rates > 0].min() > 20.0  # onset at a finite frequency


def test_spike_latency_grows_near_threshold():
    amplitudes = np.array([7.2, 10.0], dtype=np.float32)
    times, z, _ = simulate(izh.spike_latency,
                           lambda t: amplitudes if 10.0 < t < 13.0 else 0.0 * amplitudes,
                           100.0, shape=(2,))
    weak, strong = spike_times(times, z[:, 0]), spike_times(times, z[:, 1])
    assert len(weak) == 1 and len(strong) == 1
    assert weak[0] - 13.0 > 5.0  # fires long after the pulse has ended
    assert weak[0] - strong[0] > 4.0


def test_spike_latency_published_protocol():
    # Izhikevich's own 0.2 ms step (dt = 0.2 / tau_inv): a 3 ms pulse of 7.04
    times, z, _ = simulate(izh.spike_latency, pulses(7.04, [10.0], 3.0), 100.0, dt=0.0008)
    ts = spike_times(times, z)
    assert len(ts) == 1 and ts[0] - 13.0 > 5.0


def test_subthreshold_oscillation_after_a_spike():
    times, z, v = simulate(izh.subthreshold_oscillation, pulses(2.0, [20.0], 5.0), 200.0)
    assert spike_times(times, z).size == 1
    after = v[times > 35.0] - v[-1]
    turning = np.flatnonzero(np.diff(np.sign(np.diff(after))) != 0) + 1
    assert len(turning) >= 4  # oscillates around rest ...
    amplitude = np.abs(after[turning[:4]])
    assert np.all(np.diff(amplitude) < 0)  # ... with decaying amplitude


def test_resonator_prefers_a_pulse_interval():
    # pairs of 4 ms pulses, onset 40 ms; second pulse `gap` ms later (None: single)
    gaps = [None, 20.0, 25.0, 30.0, 40.0, 45.0]

    def current(t):
        return np.array([0.65 if (40 < t < 44 or (g is not None and 40 + g < t < 44 + g))
                         else 0.0 for g in gaps], dtype=np.float32)

    times, z, _ = simulate(izh.resonator, current, 200.0, shape=(len(gaps),))
    fired = z.sum(axis=0) > 0
    assert fired.tolist() == [False, False, False, False, True, True]


def test_resonator_published_protocol():
    t1 = 40.0
    times, z, _ = simulate(izh.resonator, pulses(0.65, [t1, t1 + 20, 280.0, 320.0], 4.0),
                           400.0)
    ts = spike_times(times, z)
    assert len(ts) == 1 and ts[0] > 320.0  # only the pair 40 ms apart excites


def test_integrator_detects_coincidence():
    t1 = 100.0 / 11
    gaps = [None, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 20.0, 40.0]

    def current(t):
        return np.array([9.0 if (t1 < t < t1 + 2 or (g is not None and t1 + g < t < t1 + g + 2))
                         else 0.0 for g in gaps], dtype=np.float32)

    times, z, _ = simulate(izh.integrator, current, 100.0, shape=(len(gaps),))
    fired = (z.sum(axis=0) > 0).tolist()
    # closer pulses summate: fires for every gap up to 5 ms, for none beyond
    assert fired == [False, True, True, True, True, False, False, False, False, False]


def test_rebound_spike_after_inhibition():
    times, z, _ = simulate(izh.rebound_spike, pulses(-15.0, [20.0], 5.0), 200.0)
    ts = spike_times(times, z)
    assert len(ts) == 1 and ts[0] > 25.0
    _, z0, _ = simulate(izh.rebound_spike, lambda t: 0.0, 200.0)
    assert z0.sum() == 0


def test_rebound_burst_after_inhibition():
    times, z, _ = simulate(izh.rebound_burst, pulses(-15.0, [20.0], 5.0), 300.0)
    ts = spike_times(times, z)
    assert len(ts) >= 3 and ts[0] > 25.0
    assert np.diff(ts).max() < 15.0  # one burst
    assert ts[-1] < 150.0  # then silence
    _, z0, _ = simulate(izh.rebound_burst, lambda t: 0.0, 300.0)
    assert z0.sum() == 0


def test_threshold_variability():
    def current(t):
        if 10 < t < 15 or 80 < t < 85:
            return 1.0
        return -6.0 if 70 < t < 75 else 0.0

    times, z, _ = simulate(izh.threshold_variability, current, 100.0)
    ts = spike_times(times, z)
    # the same excitatory pulse fails alone but fires after an inhibitory one
    assert len(ts) == 1 and ts[0] > 80.0


def test_bistability_two_states_under_one_current():
    t1 = 37.5
    protocols = [
        lambda t: 0.24,  # no pulse: stays at rest
        pulses(1.24, [t1], 5.0, base=0.24),  # one pulse: switches to tonic spiking
        # a second pulse 8 ms after a spike switches it back off
        pulses(1.24, [t1, 208.0], 5.0, base=0.24),
    ]

    def current(t):
        return np.array([f(t) for f in protocols], dtype=np.float32)

    times, z, _ = simulate(izh.bistability, current, 400.0, shape=(3,))
    rest, on, off = (spike_times(times, z[:, k]) for k in range(3))
    assert rest.size == 0
    assert on.size >= 8 and on[-1] > 350.0
    assert np.diff(on).std() / np.diff(on).mean() < 0.05
    assert 0 < off.size and off[-1] < 208.0


def test_inhibition_induced_spiking():
    times, z, _ = simulate(izh.inhibition_induced_spiking,
                           lambda t: 75.0 if 50 <= t <= 250 else 80.0, 400.0)
    ts = spike_times(times, z)
    assert np.all(ts > 50.0)  # silent at the higher current
    assert np.sum((ts > 50.0) & (ts < 250.0)) >= 3  # fires while inhibited
    assert np.all(ts < 300.0)  # silent again after release


ALL_PRESETS = [
    "tonic_spiking", "phasic_spiking", "tonic_bursting", "phasic_bursting", "mixed_mode",
    "spike_frequency_adaptation", "class_1_exc", "class_2_exc", "spike_latency",
    "subthreshold_oscillation", "resonator", "integrator", "rebound_spike", "rebound_burst",
    "threshold_variability", "bistability", "dap", "accomodation",
    "inhibition_induced_spiking", "inhibition_induced_bursting",
]


@pytest.mark.parametrize("name", ALL_PRESETS)
def test_presets_are_float32_pairs(name):
    behavior = getattr(izh, name)
    assert behavior.p is getattr(izh, name + "_p")
    assert behavior.s.v.dtype == np.float32 and behavior.s.u.dtype == np.float32
    assert behavior.s.v.shape == () and behavior.s.u.shape == ()


@pytest.mark.parametrize("name", [n for n in ALL_PRESETS
                                  if n not in ("accomodation", "inhibition_induced_bursting")])
def test_presets_rest_without_input(name):
    """Silent at the protocol's baseline current (0, or 80 for inhibition-induced spiking)."""
    drive = 80.0 if name == "inhibition_induced_spiking" else 0.0
    _, z, _ = simulate(getattr(izh, name), lambda t: drive, 100.0)
    assert z.sum() == 0


def test_unchecked_presets_behave_as_documented_in_this_module():
    """Pin down why dap, accomodation and inhibition_induced_bursting have no pattern test."""
    # dap: the 2 ms pulse gives a spike train, not one spike and an after-potential
    times, z, _ = simulate(izh.dap, lambda t: 20.0 if abs(t - 10.0) < 1 else 0.0, 50.0)
    assert spike_times(times, z).size == 4
    # accomodation: u = -16 relaxes towards b v = v, which drives the neuron to
    # fire without any input
    _, z, _ = simulate(izh.accomodation, lambda t: 0.0, 100.0)
    assert z.sum() > 5
    # inhibition_induced_bursting: keeps firing at the baseline after the inhibition
    times, z, _ = simulate(izh.inhibition_induced_bursting,
                           lambda t: 75.0 if 50 <= t <= 250 else 80.0, 350.0)
    ts = spike_times(times, z)
    assert np.sum(ts > 300.0) > 50
