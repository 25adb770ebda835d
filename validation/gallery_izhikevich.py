r"""Izhikevich (2004), Fig. 1: the twenty firing patterns, simulated and asserted.

Each panel of the published figure is re-run with :func:`refsnn.simulate`
on Norse's preset of the same name (:mod:`refsnn.functional.izhikevich`),
under the stimulus of Izhikevich's MATLAB script ``figure1.m``: the same
input waveform, duration, initial state and integration step :math:`\tau`
(0.1 to 0.5 ms; refsnn advances ``p.tau_inv * dt`` model ms per step, so a
panel runs at ``dt = tau / p.tau_inv``). A classifier per panel asserts the
pattern with numbers (spike counts, bursts, latencies, intervals) and the
table prints them beside the counts of ``figure1.m`` itself, re-run here
(:func:`figure1_euler`, float64).

Two things differ between ``figure1.m`` and refsnn (and Norse):

* the recovery update uses the *new* voltage in ``figure1.m``
  (:math:`u \mathrel{+}= \tau a (b v_{k+1} - u)`), the old one in refsnn.
  The difference, :math:`\tau a b (v_{k+1} - v_k)` per step, telescopes
  to :math:`\tau a b` times the voltage climbed: on every upstroke
  ``figure1.m`` adds roughly :math:`\tau a b (v_{\text{peak}} - c)` to
  :math:`u`, a first-order term that vanishes as the step shrinks and
  acts like a larger :math:`d` (``d_eff`` in :func:`exception_evidence`);
* panel (R) integrates a different recovery equation,
  :math:`\dot u = a\,b\,(v + 65)`.

Four panels do not show their pattern with the preset and protocol as
shipped; for each the script shows why and runs the variant that does
(:data:`VARIANTS`), and :func:`exception_evidence` checks the claim at the
published step and at a step 25 times finer (the ODE limit):

* (P) bistability — *protocol*: the second pulse (216 ms) switches tonic
  firing off only if it arrives about 8 ms after a spike, which is where
  ``figure1.m``'s own spike falls (208 ms); refsnn's (and the ODE's) falls
  at 200 ms. Variant: the pulse 8 ms after refsnn's spike (208 ms).
* (Q) DAP — *integration step*: with :math:`d = -21` the single spike and
  after-potential exist only at ``figure1.m``'s 0.1 ms step with ``u``
  from the new ``v`` (``d_eff`` = −19.1); refsnn's order, and both orders
  at smaller steps, fire a train. Variant: :math:`d = -19` shows one spike
  and a depolarising after-potential at every step and in both orders.
* (R) accommodation — *equation*: :math:`\dot u = a (b v - u)` with
  :math:`b = 1` has no resting state, so the preset fires without input.
  Variant: the published equation written in refsnn's form through
  :math:`w = v + 65` (``sq = 0.04``, ``mn = -0.2``, ``bias = -16``,
  ``v_th = 95``, ``c = 10``) and :math:`a \to 0` with :math:`a b = 0.02`
  (``a = 1e-6``; the residual :math:`-a u` changes ``u`` by < 0.01 over
  the run).
* (T) inhibition-induced bursting — *integration step*: with
  :math:`d = -2` the bursts exist only at ``figure1.m``'s 0.5 ms step with
  ``u`` from the new ``v`` (``d_eff`` ≈ 0); without that term (refsnn) and
  in the ODE limit :math:`u` runs away and the neuron fires ever faster,
  also after the inhibition. Variant: :math:`d = -0.7` bursts during the
  inhibition at every step and in both orders.

Run ``python -m validation.gallery_izhikevich [output directory]`` for the
table, the evidence and ``gallery_izhikevich.png`` (default ``docs/figures``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from refsnn import simulate
from refsnn.analysis import isi, spike_times
from refsnn.functional import izhikevich as izh

#: The evidence's fine step is the published one divided by this (0.004 to 0.02 ms: the ODE limit).
REFINE = 25


# --------------------------------------------------------------------------- protocols
def _window(t, start, width):
    """1 inside ``(start, start + width)`` (figure1.m's strict inequalities), else 0."""
    return ((t > start) & (t < start + width)).astype(float)


def _accommodation_current(t):
    """Slow ramp to 8 over 200 ms, pause, fast ramp to 4 over 12.5 ms (panel R)."""
    return np.select([t < 200, t < 300, t < 312.5], [t / 25, 0.0 * t, (t - 300) / 12.5 * 4], 0.0)


def _inhibition_current(t):
    """80 at baseline, 75 (inhibition) from 50 to 250 ms (panels S and T)."""
    return np.where((t < 50) | (t > 250), 80.0, 75.0)


class Trace(NamedTuple):
    r"""One simulated panel: step start times ``t`` (ms), input, spikes, ``v`` and ``u`` per step.

    ``kick`` (``figure1_euler`` only): at each step, the part of figure1.m's
    recovery increment that refsnn's order lacks, :math:`\tau a b\,(v_{k+1} - v_k)`.
    """

    t: np.ndarray
    current: np.ndarray
    spikes: np.ndarray
    v: np.ndarray
    u: np.ndarray
    kick: np.ndarray | None = None

    @property
    def times(self) -> np.ndarray:
        """Spike times (ms): the start of the step that crossed 30 mV, as figure1.m plots them."""
        return spike_times(self.spikes, self.t[1] - self.t[0])[0] + self.t[0]


class Verdict(NamedTuple):
    """A classifier's answer: whether the pattern shows, and the numbers it judged."""

    ok: bool
    detail: str


def bursts(times: np.ndarray, gap: float) -> list:
    """Spike times split into bursts wherever an interval exceeds ``gap`` ms."""
    if len(times) == 0:
        return []
    return np.split(times, np.flatnonzero(isi(times) > gap) + 1)


def _verdict(detail: str, *conditions: bool) -> Verdict:
    return Verdict(all(conditions), detail)


def _needs(spikes: int):
    """Make a classifier reject a trace with fewer than ``spikes`` spikes before looking further."""
    def wrap(check):
        def guarded(tr):
            n = int(tr.spikes.sum())
            if n < spikes:
                return Verdict(False, f"{n} spikes")
            return check(tr)
        guarded.__doc__ = check.__doc__
        return guarded
    return wrap


# --------------------------------------------------------------------------- classifiers
@_needs(4)
def _tonic_spiking(tr):
    ts = tr.times
    intervals = isi(ts[ts > 30])
    if len(intervals) < 2:
        return Verdict(False, f"{len(intervals)} intervals after the onset transient")
    cv = intervals.std() / intervals.mean()
    return _verdict(f"{len(ts)} spikes, steady ISI {intervals.mean():.1f} ms (CV {cv:.3f})",
                    ts[0] > 10, cv < 0.02, ts[-1] > tr.t[-1] - 1.5 * intervals.mean())


@_needs(1)
def _phasic_spiking(tr):
    ts = tr.times
    return _verdict(f"{len(ts)} spike at {ts[0]:.1f} ms", len(ts) == 1, 20 < ts[0] < 60)


@_needs(6)
def _tonic_bursting(tr):
    groups = bursts(tr.times, 10.0)
    sizes = [len(g) for g in groups]
    gaps = [b[0] - a[-1] for a, b in zip(groups, groups[1:])]
    return _verdict(f"{len(groups)} bursts of {sizes} spikes, gaps {min(gaps, default=0):.0f}-"
                    f"{max(gaps, default=0):.0f} ms",
                    len(groups) >= 3, min(sizes) >= 2, min(gaps, default=0) > 25)


@_needs(4)
def _phasic_bursting(tr):
    groups = bursts(tr.times, 10.0)
    return _verdict(f"{len(groups)} burst of {len(groups[0])} spikes, then silent",
                    len(groups) == 1, tr.times[0] > 20)


@_needs(5)
def _mixed_mode(tr):
    intervals = isi(tr.times)
    tonic = intervals[2:]
    return _verdict(f"burst ISIs {intervals[:2].round(1).tolist()} ms, then {len(tonic)} ISIs "
                    f"of {tonic.min():.0f}-{tonic.max():.0f} ms",
                    intervals[:2].max() < 6, tonic.min() > 25)


@_needs(5)
def _adaptation(tr):
    intervals = isi(tr.times)
    return _verdict(f"ISIs {intervals.round(1).tolist()} ms",
                    bool(np.all(np.diff(intervals) > 0)), intervals[-1] > 5 * intervals[0])


@_needs(6)
def _class_1(tr):
    intervals = isi(tr.times)
    return _verdict(f"{len(tr.times)} spikes; first ISI {intervals[0]:.0f} ms, last "
                    f"{intervals[-1]:.0f} ms (rate grows from {1e3 / intervals[0]:.0f} Hz)",
                    intervals[0] > 30, bool(np.all(np.diff(intervals) < 0)))


@_needs(6)
def _class_2(tr):
    intervals = isi(tr.times)
    ts = tr.times
    return _verdict(f"silent until {ts[0]:.0f} ms, then at once {1e3 / intervals[0]:.0f} Hz "
                    f"(first ISI {intervals[0]:.0f} ms)",
                    ts[0] > 60, intervals[0] < 25)


@_needs(1)
def _latency(tr, pulse_end=13.0):
    ts = tr.times
    return _verdict(f"{len(ts)} spike, {ts[0] - pulse_end:.1f} ms after the pulse ended",
                    len(ts) == 1, ts[0] - pulse_end > 5)


@_needs(1)
def _subthreshold_oscillation(tr):
    after = tr.v[tr.t > 35.0]
    after = after - after[-1]
    turning = np.flatnonzero(np.diff(np.sign(np.diff(after))) != 0) + 1
    amplitude = np.abs(after[turning[:4]])
    return _verdict(f"{len(tr.times)} spike, then {len(turning)} turning points, amplitudes "
                    f"{amplitude.round(2).tolist()} mV",
                    len(tr.times) == 1, len(turning) >= 4, bool(np.all(np.diff(amplitude) < 0)))


def _single_spike_between(start, end, what):
    @_needs(1)
    def check(tr):
        ts = tr.times
        return _verdict(f"{len(ts)} spike at {ts[0]:.1f} ms ({what})",
                        len(ts) == 1, start < ts[0] < end)
    return check


@_needs(3)
def _rebound_burst(tr):
    groups = bursts(tr.times, 15.0)
    return _verdict(f"{len(groups)} burst of {len(groups[0])} spikes after the inhibition",
                    len(groups) == 1, tr.times[0] > 25)


def _bistability(off_pulse):
    @_needs(4)
    def check(tr):
        ts = tr.times
        return _verdict(f"{np.sum(ts < off_pulse)} spikes from {ts[0]:.0f} ms to the 2nd pulse "
                        f"({off_pulse:.0f} ms), {np.sum(ts > off_pulse)} after it",
                        ts[0] > 37.5, np.sum(ts < off_pulse) >= 4, bool(np.all(ts < off_pulse)))
    return check


@_needs(1)
def _dap(tr):
    ts = tr.times
    if len(ts) != 1:
        return Verdict(False, f"{len(ts)} spikes (a train, not one spike and an after-potential)")
    k = np.searchsorted(tr.t, ts[0])
    after = tr.v[k + 1:]
    peak, reset = after.max(), tr.v[k]
    return _verdict(f"1 spike; after-potential peaks at {peak:.1f} mV ({peak - reset:.1f} mV "
                    f"above the reset), {tr.t[k + 1 + after.argmax()] - ts[0]:.1f} ms after it",
                    peak > reset + 3)


@_needs(1)
def _accommodation(tr):
    ts = tr.times
    slow, fast = np.sum(ts < 300), np.sum((ts >= 300) & (ts < 330))
    return _verdict(f"{slow} spikes on the slow ramp to 8, {fast} on the fast ramp to 4",
                    slow == 0, len(ts) == fast)


@_needs(3)
def _inhibition_induced_spiking(tr):
    ts = tr.times
    during = np.sum((ts > 50) & (ts <= 250))
    late = np.sum(ts > 250)
    return _verdict(f"{during} spikes during the inhibition, {late} within "
                    f"{max(ts[-1] - 250, 0):.1f} ms of its release",
                    during >= 3, ts[0] > 50, late <= 1, bool(np.all(ts < 262)))


@_needs(6)
def _inhibition_induced_bursting(tr):
    ts = tr.times
    groups = bursts(ts[(ts > 50) & (ts <= 250)], 10.0)
    sizes = [len(g) for g in groups]
    return _verdict(f"{len(groups)} bursts of {sizes} spikes during the inhibition, "
                    f"{np.sum(ts > 250)} after, last at {ts[-1]:.0f} ms",
                    len(groups) >= 2, min(sizes, default=0) >= 3, ts[0] > 50,
                    bool(np.all(ts < 300)))


# --------------------------------------------------------------------------- panels
@dataclass(frozen=True)
class Panel:
    """One panel of Fig. 1: preset, protocol (figure1.m) and the pattern's classifier.

    ``step`` is figure1.m's Euler step (ms), ``t_end`` its duration (ms),
    ``current(t)`` its input at the start ``t`` of each step.
    ``recovery="accommodation"`` marks panel (R)'s equation
    :math:`\\dot u = a b (v + 65)` (for :func:`figure1_euler`).
    """

    letter: str
    name: str
    title: str
    step: float
    t_end: float
    current: Callable[[np.ndarray], np.ndarray]
    check: Callable[[Trace], Verdict]
    recovery: str = "standard"

    @property
    def behavior(self) -> izh.IzhikevichSpikingBehavior:
        return getattr(izh, self.name)


PANELS = [
    Panel("A", "tonic_spiking", "tonic spiking", 0.25, 100, lambda t: 14.0 * (t > 10),
          _tonic_spiking),
    Panel("B", "phasic_spiking", "phasic spiking", 0.25, 200, lambda t: 0.5 * (t > 20),
          _phasic_spiking),
    Panel("C", "tonic_bursting", "tonic bursting", 0.25, 220, lambda t: 15.0 * (t > 22),
          _tonic_bursting),
    Panel("D", "phasic_bursting", "phasic bursting", 0.2, 200, lambda t: 0.6 * (t > 20),
          _phasic_bursting),
    Panel("E", "mixed_mode", "mixed mode", 0.25, 160, lambda t: 10.0 * (t > 16), _mixed_mode),
    Panel("F", "spike_frequency_adaptation", "spike freq. adaptation", 0.25, 85,
          lambda t: 30.0 * (t > 8.5), _adaptation),
    Panel("G", "class_1_exc", "class 1 excitable", 0.25, 300,
          lambda t: np.where(t > 30, 0.075 * (t - 30), 0.0), _class_1),
    Panel("H", "class_2_exc", "class 2 excitable", 0.25, 300,
          lambda t: np.where(t > 30, -0.5 + 0.015 * (t - 30), -0.5), _class_2),
    Panel("I", "spike_latency", "spike latency", 0.2, 100, lambda t: 7.04 * _window(t, 10, 3),
          _latency),
    Panel("J", "subthreshold_oscillation", "subthreshold osc.", 0.25, 200,
          lambda t: 2.0 * _window(t, 20, 5), _subthreshold_oscillation),
    Panel("K", "resonator", "resonator", 0.25, 400,
          lambda t: 0.65 * sum(_window(t, s, 4) for s in (40, 60, 280, 320)),
          _single_spike_between(320, 400, "only the pair 40 ms apart excites")),
    Panel("L", "integrator", "integrator", 0.25, 100,
          lambda t: 9.0 * sum(_window(t, s, 2) for s in (100 / 11, 100 / 11 + 5, 70, 80)),
          _single_spike_between(100 / 11 + 5, 70, "only the pair 5 ms apart summates")),
    Panel("M", "rebound_spike", "rebound spike", 0.2, 200, lambda t: -15.0 * _window(t, 20, 5),
          _single_spike_between(25, 200, "after the inhibitory pulse")),
    Panel("N", "rebound_burst", "rebound burst", 0.2, 200, lambda t: -15.0 * _window(t, 20, 5),
          _rebound_burst),
    Panel("O", "threshold_variability", "threshold variability", 0.25, 100,
          lambda t: _window(t, 10, 5) + _window(t, 80, 5) - 6.0 * _window(t, 70, 5),
          _single_spike_between(80, 100, "the pulse after inhibition fires, the first not")),
    Panel("P", "bistability", "bistability", 0.25, 300,
          lambda t: 0.24 + _window(t, 37.5, 5) + _window(t, 216, 5),
          _bistability(216.0)),
    Panel("Q", "dap", "DAP", 0.1, 50, lambda t: 20.0 * (np.abs(t - 10) < 1), _dap),
    Panel("R", "accomodation", "accommodation", 0.5, 400, _accommodation_current, _accommodation,
          recovery="accommodation"),
    Panel("S", "inhibition_induced_spiking", "inh. induced spiking", 0.5, 350,
          _inhibition_current, _inhibition_induced_spiking),
    Panel("T", "inhibition_induced_bursting", "inh. induced bursting", 0.5, 350,
          _inhibition_current, _inhibition_induced_bursting),
]
BY_NAME = {panel.name: panel for panel in PANELS}


# --------------------------------------------------------------------------- variants
@dataclass(frozen=True)
class Variant:
    """What reproduces a panel whose preset or protocol as shipped does not.

    ``behavior`` replaces the preset (parameters and initial state),
    ``current`` the protocol; ``label`` names the change in the figure;
    ``offset`` is added to the recorded voltage for display (the
    accommodation variant runs on :math:`w = v + 65`).
    """

    cause: str
    why: str
    change: str
    label: str
    behavior: izh.IzhikevichSpikingBehavior | None = None
    current: Callable[[np.ndarray], np.ndarray] | None = None
    check: Callable[[Trace], Verdict] | None = None
    offset: float = 0.0


def _preset_with(name: str, **changes) -> izh.IzhikevichSpikingBehavior:
    behavior = getattr(izh, name)
    return izh.IzhikevichSpikingBehavior(behavior.p._replace(**changes), behavior.s)


_ACCOMMODATION_A = 1e-6
_ACCOMMODATION = izh.IzhikevichSpikingBehavior(
    izh.IzhikevichParameters(a=_ACCOMMODATION_A, b=0.02 / _ACCOMMODATION_A, c=10.0, d=4.0,
                             sq=0.04, mn=-0.2, bias=-16.0, v_th=95.0, tau_inv=500.0),
    izh.IzhikevichState(v=np.array(0.0, np.float32), u=np.array(-16.0, np.float32)))

#: Second pulse of panel (P) 8 ms after the spike preceding 216 ms, as in figure1.m's run.
_BISTABILITY_OFF = 208.0

VARIANTS = {
    "bistability": Variant(
        "protocol",
        "the 2nd pulse at 216 ms stops tonic firing only ~8 ms after a spike: figure1.m "
        "fires at 208 ms, refsnn and the ODE at 200 ms, 16 ms before the pulse",
        "2nd pulse at 208 ms (8 ms after refsnn's spike)", "2nd pulse at 208 ms",
        current=lambda t: 0.24 + _window(t, 37.5, 5) + _window(t, _BISTABILITY_OFF, 5),
        check=_bistability(_BISTABILITY_OFF)),
    "dap": Variant(
        "integration step",
        "d = -21 gives one spike only at figure1.m's 0.1 ms step with u from the new v, "
        "which adds ~2 to u per spike (effective d ~ -19); refsnn's order, and both orders "
        "at smaller steps, fire a train",
        "d = -19", "d = -19", behavior=_preset_with("dap", d=-19.0)),
    "accomodation": Variant(
        "equation",
        "figure1.m integrates du/dt = a b (v + 65); with du/dt = a (b v - u) and b = 1 "
        "the model has no rest state and fires without input",
        "w = v + 65: sq 0.04, mn -0.2, bias -16, v_th 95, c 10; a = 1e-6, b = 0.02 / a",
        "du/dt = a b (v + 65) via w = v + 65", behavior=_ACCOMMODATION, offset=-65.0),
    "inhibition_induced_bursting": Variant(
        "integration step",
        "d = -2 bursts only at figure1.m's 0.5 ms step with u from the new v, which adds ~2 "
        "to u per spike (effective d ~ 0); without it (refsnn) and in the ODE limit u runs "
        "away and firing accelerates",
        "d = -0.7", "d = -0.7", behavior=_preset_with("inhibition_induced_bursting", d=-0.7)),
}


# --------------------------------------------------------------------------- simulation
class Run(NamedTuple):
    """A panel's protocol at step ``step`` for ``behavior`` (what :func:`simulate_runs` takes)."""

    behavior: izh.IzhikevichSpikingBehavior
    current: Callable[[np.ndarray], np.ndarray]
    step: float
    t_end: float


def protocol_run(panel: Panel, *, step: float | None = None, variant: bool = False) -> Run:
    """The run of ``panel`` at ``step`` ms (figure1.m's by default), as shipped or its variant."""
    behavior, current = panel.behavior, panel.current
    if variant:
        v = VARIANTS[panel.name]
        behavior, current = v.behavior or behavior, v.current or current
    return Run(behavior, current, panel.step if step is None else step, panel.t_end)


def simulate_runs(runs: list, *, backend: str = "numpy") -> list:
    """Simulate runs with :func:`refsnn.simulate`, one call per distinct ``dt``.

    A run advances ``h = step`` model ms per step, so it needs
    ``dt = step / p.tau_inv``; runs with the same ``dt`` share one call with
    per-neuron parameters (each neuron's input sampled on its own time grid).
    Returns one :class:`Trace` per run, in order.
    """
    groups: dict = {}
    for k, run in enumerate(runs):
        dt = run.step / float(run.behavior.p.tau_inv)
        groups.setdefault(round(dt, 15), []).append(k)
    traces = [None] * len(runs)
    for dt, members in groups.items():
        grids = [np.arange(int(round(runs[k].t_end / runs[k].step)) + 1) * runs[k].step
                 for k in members]
        steps = max(len(g) for g in grids)
        inputs = np.zeros((steps, len(members)), np.float32)
        for j, (k, grid) in enumerate(zip(members, grids)):
            inputs[:len(grid), j] = runs[k].current(grid)
        p = izh.IzhikevichParameters(*(np.array([getattr(runs[k].behavior.p, f) for k in members],
                                                np.float32)
                                       for f in izh.IzhikevichParameters._fields))
        s0 = izh.IzhikevichState(*(np.array([getattr(runs[k].behavior.s, f) for k in members],
                                            np.float32) for f in izh.IzhikevichState._fields))
        z, s = simulate("izhikevich", inputs, p=p, state=s0, dt=dt, backend=backend,
                        record_states=True)
        for j, (k, grid) in enumerate(zip(members, grids)):
            n = len(grid)
            traces[k] = Trace(grid, inputs[:n, j].astype(float), z[:n, j],
                              s.v[:n, j].astype(float), s.u[:n, j].astype(float))
    return traces


def figure1_euler(behavior: izh.IzhikevichSpikingBehavior, current, step: float, t_end: float,
                  recovery: str = "standard") -> Trace:
    r"""Izhikevich's own scheme (``figure1.m``), in float64, for comparison.

    Per step of :math:`\tau` ms: :math:`v \mathrel{+}= \tau (s_q v^2 + m_n v + \text{bias}
    - u + I(t))`, then :math:`u \mathrel{+}= \tau a (b v - u)` from the **new** ``v``
    (or :math:`\tau a b (v + 65)` for ``recovery="accommodation"``), then the
    reset if :math:`v > v_{th}`. The trace also records ``kick``, what the
    new-``v`` update adds over an old-``v`` one at each step.
    """
    p = behavior.p._replace(**{f: float(x) for f, x in behavior.p._asdict().items()})
    v, u = float(behavior.s.v), float(behavior.s.u)
    t = np.arange(int(round(t_end / step)) + 1) * step
    current_t = np.broadcast_to(np.asarray(current(t), float), t.shape)
    spikes, vs, us, kick = (np.zeros(len(t)) for _ in range(4))
    for k, i in enumerate(current_t):
        v_old, v = v, v + step * (p.sq * v * v + p.mn * v + p.bias - u + i)
        if recovery == "accommodation":
            u = u + step * p.a * p.b * (v + 65.0)
        else:
            u = u + step * p.a * (p.b * v - u)
        kick[k] = step * p.a * p.b * (v - v_old)
        if v > p.v_th:
            spikes[k], v, u = 1.0, p.c, u + p.d
        vs[k], us[k] = v, u
    return Trace(t, current_t.copy(), spikes, vs, us, kick)


# --------------------------------------------------------------------------- gallery
@dataclass
class Row:
    """One panel's outcome: the preset as shipped, figure1.m, and the variant if any."""

    panel: Panel
    shipped: Verdict
    shipped_trace: Trace
    figure1_spikes: int
    variant: Verdict | None = None
    variant_trace: Trace | None = None

    @property
    def reproduced(self) -> bool:
        return self.shipped.ok or (self.variant is not None and self.variant.ok)


def _check_of(panel: Panel, variant: bool):
    return (VARIANTS[panel.name].check or panel.check) if variant else panel.check


def gallery(panels: list | None = None, *, dt: float | None = None,
            backend: str = "numpy") -> list:
    """Every panel: the preset as shipped and, for the exceptions, the variant.

    At figure1.m's step by default; with ``dt``, every preset at that
    ``dt`` (``h = p.tau_inv * dt``; ``dt = 0.001`` is Norse's default).
    """
    panels = PANELS if panels is None else panels

    def step(panel):
        return panel.step if dt is None else float(panel.behavior.p.tau_inv) * dt

    with_variant = [p for p in panels if p.name in VARIANTS]
    runs = [protocol_run(p, step=step(p)) for p in panels]
    runs += [protocol_run(p, step=step(p), variant=True) for p in with_variant]
    traces = simulate_runs(runs, backend=backend)
    rows = []
    for panel, trace in zip(panels, traces):
        fig1 = figure1_euler(panel.behavior, panel.current, step(panel), panel.t_end,
                             panel.recovery)
        rows.append(Row(panel, panel.check(trace), trace, int(fig1.spikes.sum())))
    for panel, trace in zip(with_variant, traces[len(panels):]):
        row = rows[panels.index(panel)]
        row.variant, row.variant_trace = _check_of(panel, True)(trace), trace
    return rows


class Evidence(NamedTuple):
    """Why a panel needs its variant, measured.

    ``shows[(scheme, form, step)]``: whether the pattern shows, for scheme
    ``"refsnn"`` or ``"figure1"`` (:func:`figure1_euler`), ``form``
    ``"preset"`` (with the published equation) or ``"variant"``, at
    figure1.m's step and at a step ``refine`` times finer. ``facts``: the
    numbers behind the cause (see :func:`exception_evidence`).
    """

    shows: dict
    facts: dict


def exception_evidence(names=tuple(VARIANTS), *, refine: int = REFINE,
                       backend: str = "numpy") -> dict:
    r""":class:`Evidence` for each panel of ``names`` (keys of :data:`VARIANTS`).

    ``facts`` holds, for bistability, the last spike before the 216 ms
    pulse (``"refsnn"``, ``"figure1"`` at figure1.m's step, ``"refsnn fine"``);
    for DAP and inhibition-induced bursting, ``"d_eff"``: ``d`` plus what
    figure1.m's order adds to ``u`` per spike on average (its increments
    :math:`\tau a b (v_{k+1} - v_k)` telescope to :math:`\tau a b` times the
    voltage climbed, a first-order term that vanishes as the step shrinks);
    for accommodation, ``"residual"``: :math:`|a|\,T \max|u|`, a bound on
    what the variant's :math:`-a u` term adds to ``u``.
    """
    runs = {(name, form, h): protocol_run(BY_NAME[name], step=h, variant=form == "variant")
            for name in names for form in ("preset", "variant")
            for h in (BY_NAME[name].step, BY_NAME[name].step / refine)}
    simulated = dict(zip(runs, simulate_runs(list(runs.values()), backend=backend)))
    out = {}
    for name in names:
        panel = BY_NAME[name]
        fine_step = panel.step / refine
        traces = {}
        for (run_name, form, h), run in runs.items():
            if run_name != name:
                continue
            recovery = panel.recovery if form == "preset" else "standard"
            traces["refsnn", form, h] = simulated[name, form, h]
            traces["figure1", form, h] = figure1_euler(run.behavior, run.current, h, panel.t_end,
                                                       recovery)
        shows = {key: _check_of(panel, key[1] == "variant")(trace).ok
                 for key, trace in traces.items()}
        facts = {}
        if name == "bistability":
            for label, key in (("refsnn", ("refsnn", "preset", panel.step)),
                               ("figure1", ("figure1", "preset", panel.step)),
                               ("refsnn fine", ("refsnn", "preset", fine_step))):
                times = traces[key].times
                facts[label] = float(times[times < 216][-1])
        elif panel.recovery == "accommodation":
            variant = traces["refsnn", "variant", panel.step]
            a = float(runs[name, "variant", panel.step].behavior.p.a)
            facts["residual"] = abs(a) * panel.t_end * float(np.abs(variant.u).max())
        else:
            published = traces["figure1", "preset", panel.step]
            per_spike = published.kick.sum() / published.spikes.sum()
            facts["d_eff"] = float(panel.behavior.p.d) + per_spike
        out[name] = Evidence(shows, facts)
    return out


# --------------------------------------------------------------------------- report
def _table(rows: list, norse_rows: list) -> str:
    lines = [f"{'':4}{'pattern':23}{'step':>5}{'spikes':>7}{'fig1.m':>7}{'Norse':>7}  "
             f"result at figure1.m's step (Norse: the pattern at dt = 1 ms, step tau_inv dt)"]
    for row, norse in zip(rows, norse_rows):
        p = row.panel
        norse_step = float(p.behavior.p.tau_inv) * 1e-3
        status = "shown" if row.shipped.ok else (
            f"variant ({VARIANTS[p.name].cause})" if row.reproduced else "NOT REPRODUCED")
        spikes = int(row.shipped_trace.spikes.sum())
        lines.append(f"({p.letter}) {p.title:23}{p.step:5.2f}{spikes:7d}{row.figure1_spikes:7d}"
                     f"{'yes' if norse.shipped.ok else 'no':>4}"
                     f"{'' if norse_step == p.step else f'@{norse_step:g}':>5}  {status}: "
                     f"{row.shipped.detail}")
        if row.variant is not None:
            v = VARIANTS[p.name]
            lines.append(f"{'':32}{int(row.variant_trace.spikes.sum()):7d}{'':7}"
                         f"{'yes' if norse.variant.ok else 'no':>4}{'':5}  "
                         f"variant [{v.change}]: {row.variant.detail}")
            lines.append(f"{'':57}why: {v.why}")
    return "\n".join(lines)


def _evidence_table(evidence: dict) -> str:
    lines = []
    for name, ev in evidence.items():
        steps = sorted({h for _, _, h in ev.shows}, reverse=True)
        facts = ", ".join(f"{k} = {v:.3g}" for k, v in ev.facts.items())
        lines.append(f"({BY_NAME[name].letter}) {name} [{VARIANTS[name].cause}]: {facts}")
        for scheme in ("refsnn", "figure1"):
            cells = "  ".join(f"{form} @ {h:g} ms: {'yes' if ev.shows[scheme, form, h] else 'no':3}"
                              for form in ("preset", "variant") for h in steps)
            lines.append(f"    {scheme:8} {cells}")
    return "\n".join(lines)


def plot(rows: list, path: Path) -> None:
    """The 5 x 4 grid: voltage (spikes drawn to 30 mV) and the input below it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from refsnn.analysis.plot import traces

    fig, axes = plt.subplots(5, 4, figsize=(13, 13))
    for ax, row in zip(axes.flat, rows):
        p = row.panel
        shown = [(row.shipped_trace, "k" if row.shipped.ok else "0.7", 0.0)]
        if row.variant_trace is not None:
            shown.append((row.variant_trace, "k", VARIANTS[p.name].offset))
        for trace, color, offset in shown:
            v = np.where(trace.spikes > 0, 30.0, trace.v + offset)
            traces(v, p.step, ax=ax, color=color, lw=0.8)
        current = shown[-1][0].current
        span = np.ptp(current) or 1.0
        traces(-95 + 12 * (current - current.min()) / span, p.step, ax=ax, color="tab:blue",
               lw=0.8)
        title = f"({p.letter}) {p.title}"
        if not row.shipped.ok:
            title += f"\nvariant: {VARIANTS[p.name].label}"
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("")
        ax.set_xlim(0, p.t_end)
        ax.set_ylim(-100, 35)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    fig.suptitle("Izhikevich (2004), Fig. 1, with refsnn: figure1.m's protocols and steps, time "
                 "in ms (grey: the preset as shipped where it does not show the pattern)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / "docs/figures"
    rows = gallery()
    print(_table(rows, gallery(dt=1e-3)))
    print("\nDoes the pattern show? (published step, fine step):")
    print(_evidence_table(exception_evidence()))
    reproduced = sum(row.reproduced for row in rows)
    print(f"\n{reproduced}/{len(rows)} patterns reproduced "
          f"({sum(row.shipped.ok for row in rows)} by the presets as shipped)")
    out.mkdir(parents=True, exist_ok=True)
    plot(rows, out / "gallery_izhikevich.png")
    print(f"figure written to {out / 'gallery_izhikevich.png'}")
    return 0 if reproduced == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
