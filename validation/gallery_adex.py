r"""Naud, Marcille, Clopath & Gerstner (2008): the AdEx firing patterns, classified automatically.

Naud R, Marcille N, Clopath C, Gerstner W (2008). Firing patterns in the
adaptive exponential integrate-and-fire model. *Biol Cybern* 99:335–347.
Their Table 1 gives eight parameter sets and step currents (Fig. 4 a–h) for

.. math::
    C \dot V = -g_L (V - E_L) + g_L \Delta_T e^{(V - V_T)/\Delta_T} - w + I, \qquad
    \tau_w \dot w = a (V - E_L) - w,

a spike when :math:`V` diverges (cut at :math:`V_{\text{peak}}`), then
:math:`V \leftarrow V_r`, :math:`w \leftarrow w + b`.

**The run.** The table goes through :func:`refsnn.simulate` with refsnn's
``adex`` family (:mod:`refsnn.functional.adex`, refsnn's addition to Norse's
families: an AdEx whose spike cut ``v_peak`` is separate from the
exponential's centre ``v_th``), :math:`V_{\text{peak}}` = 0 mV. The mapping
divides the voltage equation by :math:`g_L`: ``tau_mem_inv``
:math:`= g_L / C`, ``v_leak`` :math:`= E_L`, ``v_th`` :math:`= V_T`,
``v_peak`` :math:`= V_{\text{peak}}`, ``delta_T`` :math:`= \Delta_T`,
``v_reset`` :math:`= V_r`, ``tau_ada_inv`` :math:`= 1/\tau_w`,
``adaptation_current`` :math:`= a / g_L`, ``adaptation_spike``
:math:`= b / g_L`; the adaptation state is :math:`w / g_L` (mV). The step
current enters as a synaptic current that never decays
(``tau_syn_inv = 0``): one input jump of :math:`I / g_L` at onset holds it
at that value. Time in seconds, voltages in mV, float64, ``dt`` = 0.1 ms
(Naud et al.'s step), from rest (:math:`V = E_L`, :math:`w = 0`) for 600 ms.
The classifier must name all eight patterns.

**An independent check.** :func:`paper_adex` integrates the equations above
in the paper's own units (pF, nS, pA, ms), written here from the equations,
not from refsnn's code: forward Euler with the same order (both
derivatives from the values before the step, then the cut). It rounds
differently (``np.exp``, another association of the terms), so the two
runs agree to rounding, not bit for bit: their spike trains must be
identical over the first :data:`AGREEMENT_WINDOW` of every set. After that
the irregular set (h) diverges, as a chaotic trajectory amplifies a one-ulp
difference; its class does not change.

**Norse's AdEx, for comparison.** The table also runs through ``lif_adex``
(Norse's model; the same mapping without ``v_peak``). It detects a spike
when :math:`v` crosses ``v_th``, which is also the centre of the
exponential: the spike is cut at :math:`V_T`, the *start* of the upswing,
and no parameter separates the two (a shift or scaling of :math:`v` moves
both together). Two consequences (asserted, so the gallery notices if the
model changes):

* the upswing (several ms at these currents) is skipped: intervals are
  shorter than the paper's (tonic: 5.2 ms instead of 9.9 ms); the three
  sets with :math:`V_r < V_T` (tonic, adapting, delayed accelerating) keep
  their patterns;
* the five sets with :math:`V_r \ge V_T` (initial burst, regular bursting,
  delayed regular bursting, transient, irregular) spike on the step after
  a reset, so the neuron fires once per step until the adaptation pulls
  :math:`v` below :math:`V_T` within one step, a count that grows as
  ``dt`` shrinks.

The refractory variant (``lif_adex_refrac``) does not help: it holds
:math:`v` at :math:`V_r` while refractory, and the first step after the
refractory period is a spike again, so those sets fire trains whose
interval is the refractory period plus one step.

**The classifier** (:func:`classify`) reads spike times only, through
:mod:`refsnn.analysis`; its steps, with :math:`D` the step duration:

1. no spike: ``silent``; no spike in the second half of the step: ``transient``;
2. steady state = the intervals between spikes of the second half. It is
   periodic with :math:`k` spikes per cycle if every interval matches the
   one :math:`k` before within 10 % (smallest :math:`k \le 4`); no such
   :math:`k`: ``irregular``;
3. delayed onset: first-spike latency > 2 mean steady intervals; then
   :math:`k \ge 2`: ``delayed regular bursting``, else ``delayed accelerating``
   if the steady interval is < 2/3 of the first (else ``delayed tonic``);
4. otherwise :math:`k \ge 2`: ``regular bursting``; an interval > 3 times the
   one before it among the first four: ``initial burst``; steady interval
   > 1.5 times the first: ``adapting`` (< 2/3: ``accelerating``); else ``tonic``.

Run ``python -m validation.gallery_adex [output directory]`` for the table
and ``gallery_adex.png`` (default ``docs/figures``); tests/test_gallery_adex.py
runs the same checks.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

from refsnn import analysis, simulate
from refsnn.functional.adex import AdExParameters
from refsnn.functional.lif_adex import LIFAdExParameters
from refsnn.functional.lif_adex_refrac import LIFAdExRefracParameters


class Pattern(NamedTuple):
    """One row of Naud et al. (2008), Table 1 (pF, nS, mV, mV, mV, nS, ms, pA, mV, pA)."""

    name: str
    C: float
    g_L: float
    E_L: float
    V_T: float
    Delta_T: float
    a: float
    tau_w: float
    b: float
    V_r: float
    I: float


#: Table 1 of Naud et al. (2008), Fig. 4 a-h, in that order. The values are as
#: transcribed in Brian2's example ``examples/frompapers/Naud_et_al_2008_adex_firing_patterns.py``
#: (which credits P. Müller for matching them to the figures); a second, independent
#: transcription agrees on six rows. The paper's PDF was not at hand to re-check.
TABLE = (
    Pattern("tonic", 200, 10, -70, -50, 2, 2, 30, 0, -58, 500),
    Pattern("adapting", 200, 12, -70, -50, 2, 2, 300, 60, -58, 500),
    Pattern("initial burst", 130, 18, -58, -50, 2, 4, 150, 120, -50, 400),
    Pattern("regular bursting", 200, 10, -58, -50, 2, 2, 120, 100, -46, 210),
    Pattern("delayed accelerating", 200, 12, -70, -50, 2, -10, 300, 0, -58, 300),
    Pattern("delayed regular bursting", 100, 10, -65, -50, 2, -10, 90, 30, -47, 110),
    Pattern("transient", 100, 10, -65, -50, 2, 10, 90, 100, -47, 180),
    Pattern("irregular", 100, 12, -60, -50, 2, -11, 130, 30, -48, 160),
)

DT = 1e-4          # s (0.1 ms)
DURATION = 0.6     # s of step current
V_PEAK = 0.0       # mV, the spike cut
#: refsnn's adex and the independent Euler (paper_adex) fire identically this long (s).
AGREEMENT_WINDOW = 0.3
FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"


def _column(name: str) -> np.ndarray:
    return np.array([getattr(row, name) for row in TABLE], dtype=np.float64)


def adex_parameters() -> AdExParameters:
    """Table 1 as per-neuron :class:`AdExParameters` (module docstring: the mapping)."""
    g_l = _column("g_L")
    return AdExParameters(
        adaptation_current=_column("a") / g_l, adaptation_spike=_column("b") / g_l,
        delta_T=_column("Delta_T"), tau_ada_inv=1e3 / _column("tau_w"), tau_syn_inv=0.0,
        tau_mem_inv=1e3 * g_l / _column("C"), v_leak=_column("E_L"), v_th=_column("V_T"),
        v_peak=V_PEAK, v_reset=_column("V_r"))


def lif_adex_parameters() -> LIFAdExParameters:
    """The same mapping for Norse's ``lif_adex``, which has no ``v_peak`` (it cuts at ``v_th``)."""
    fields = adex_parameters()._asdict()
    del fields["v_peak"]
    return LIFAdExParameters(**fields)


def run_refsnn(model: str = "adex", dt: float = DT, duration: float = DURATION,
               backend: str = "numpy", refractory_steps: int | None = None):
    """The eight sets through :func:`refsnn.simulate`: spikes ``(T, 8)`` and voltages.

    ``model`` is ``"adex"`` or ``"lif_adex"``; ``lif_adex`` with
    ``refractory_steps`` runs ``lif_adex_refrac`` with that absolute
    refractory period. Every run starts from the family's initial state
    (:math:`v = E_L`, no current, no adaptation).
    """
    if model not in ("adex", "lif_adex"):
        raise ValueError(f"model must be 'adex' or 'lif_adex', got {model!r}")
    if refractory_steps is not None and model != "lif_adex":
        raise ValueError("refractory_steps needs model='lif_adex' (it runs lif_adex_refrac)")
    steps = int(round(duration / dt))
    inputs = np.zeros((steps, len(TABLE)))
    inputs[0] = _column("I") / _column("g_L")      # the current jumps once and stays
    p, field = (adex_parameters() if model == "adex" else lif_adex_parameters()), "v"
    if refractory_steps is not None:
        model, field = "lif_adex_refrac", "lif_adex.v"
        p = LIFAdExRefracParameters(lif_adex=p, rho_reset=float(refractory_steps))
    spikes, states = simulate(model, inputs, p=p, dt=dt, backend=backend,
                              record_states=(field,))
    return spikes, (states.v if refractory_steps is None else states.lif_adex.v)


def paper_adex(dt: float = DT, duration: float = DURATION):
    r"""The paper's model, forward Euler with the cut at :data:`V_PEAK`: spikes and voltages.

    Written from the equations in the module docstring (not from refsnn's
    code), in the paper's units: both derivatives from the values before
    the step; a spike where the new :math:`V` exceeds :math:`V_{\text{peak}}`,
    then :math:`V \leftarrow V_r`, :math:`w \leftarrow w + b`. The voltage
    is recorded as :math:`V_{\text{peak}}` at a spike.
    """
    c, g_l, e_l, v_t, d_t, a, tau_w, b, v_r, i = (_column(f) for f in Pattern._fields[1:])
    dt_ms = dt * 1e3
    steps = int(round(duration / dt))
    v, w = e_l.copy(), np.zeros(len(TABLE))
    spikes = np.zeros((steps, len(TABLE)), dtype=bool)
    voltages = np.empty((steps, len(TABLE)))
    for k in range(steps):
        dv = (-g_l * (v - e_l) + g_l * d_t * np.exp((v - v_t) / d_t) - w + i) / c
        dw = (a * (v - e_l) - w) / tau_w
        v, w = v + dt_ms * dv, w + dt_ms * dw
        spikes[k] = v > V_PEAK
        v = np.where(spikes[k], v_r, v)
        w = np.where(spikes[k], w + b, w)
        voltages[k] = np.where(spikes[k], V_PEAK, v)
    return spikes, voltages


def first_disagreement(spikes: np.ndarray, other: np.ndarray, dt: float) -> np.ndarray:
    """Per neuron, the time (s) of the first step where two spike arrays differ (inf: never)."""
    differ = np.asarray(spikes, bool) != np.asarray(other, bool)
    first = np.argmax(differ, axis=0) * dt
    return np.where(differ.any(axis=0), first, np.inf)


# --------------------------------------------------------------------------- classifier
#: Relative tolerance of "the same interval" in the periodicity test.
PERIOD_TOLERANCE = 0.1


def _period(intervals: np.ndarray, longest: int = 4) -> int | None:
    """Smallest k <= ``longest`` with every interval within tolerance of the one k before."""
    for k in range(1, longest + 1):
        if intervals.size > k and np.all(
                np.abs(intervals[k:] - intervals[:-k])
                <= PERIOD_TOLERANCE * np.maximum(intervals[k:], intervals[:-k])):
            return k
    return None


def classify(times: np.ndarray, duration: float) -> str:
    """The firing pattern of one neuron's spike times under a step of ``duration`` from t = 0.

    Steps in the module docstring; the interval statistics are those of
    :mod:`refsnn.analysis`.
    """
    if times.size == 0:
        return "silent"
    if times[-1] < duration / 2:
        return "transient"
    intervals = analysis.isi(times)
    steady = analysis.isi(times[times >= duration / 2])
    k = _period(steady)
    if k is None:
        return "irregular"
    first, late = intervals[0], steady.mean()
    if times[0] > 2 * late:
        if k >= 2:
            return "delayed regular bursting"
        return "delayed accelerating" if late < 2 / 3 * first else "delayed tonic"
    if k >= 2:
        return "regular bursting"
    onset = intervals[:4]
    if onset.size > 1 and np.any(onset[1:] > 3 * onset[:-1]):
        return "initial burst"
    if late > 1.5 * first:
        return "adapting"
    return "accelerating" if late < 2 / 3 * first else "tonic"


def classify_all(spikes: np.ndarray, dt: float) -> list[str]:
    """:func:`classify` for every column of a spike array."""
    duration = spikes.shape[0] * dt
    return [classify(t, duration) for t in analysis.spike_times(spikes, dt)]


def shortest_interval_steps(spikes: np.ndarray) -> np.ndarray:
    """The shortest interspike interval of each neuron, in steps (inf with < 2 spikes)."""
    return np.array([d.min() if d.size else np.inf
                     for d in analysis.isi(analysis.spike_times(spikes))])


def reset_above_threshold() -> np.ndarray:
    """The sets whose reset is at or above the threshold (V_r >= V_T)."""
    return _column("V_r") >= _column("V_T")


# --------------------------------------------------------------------------- figure
def plot(path: Path, dt: float = DT, duration: float = DURATION) -> None:
    """Draw every set: refsnn's ``adex`` (black) over ``lif_adex`` (red), with their classes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from refsnn.analysis import plot as aplot

    spikes, v = run_refsnn("adex", dt, duration)
    norse_spikes, norse_v = run_refsnn("lif_adex", dt, duration)
    classes, norse_classes = classify_all(spikes, dt), classify_all(norse_spikes, dt)
    shown = np.where(spikes, V_PEAK, v)            # a spike drawn up to the cut
    fig, axes = plt.subplots(4, 2, figsize=(12, 11), sharex=True)
    for j, (row, ax) in enumerate(zip(TABLE, axes.T.ravel())):
        aplot.traces(norse_v[:, j], dt * 1e3, spikes=norse_spikes[:, j], ax=ax,
                     color="tab:red", lw=0.6, alpha=0.6)
        aplot.traces(shown[:, j], dt * 1e3, ax=ax, color="k", lw=0.8)
        ax.set_title(f"{'abcdefgh'[j]}) {row.name} ($V_r$ = {row.V_r:g}, $V_T$ = {row.V_T:g} "
                     f"mV)\nrefsnn adex: {classes[j]}; lif_adex: {norse_classes[j]}",
                     fontsize=9)
        ax.set_ylim(-100, 5)
        lowest = norse_v[:, j].min()
        if lowest < -100:
            ax.text(0.98, 0.05, f"lif_adex v falls to {lowest:.0f} mV", ha="right",
                    transform=ax.transAxes, color="tab:red", fontsize=8)
        ax.set_ylabel("V (mV)")
        ax.set_xlabel("")
    for ax in axes[-1]:
        ax.set_xlabel("time from current onset (ms)")
    handles = [plt.Line2D([], [], color="k",
                          label=f"refsnn adex (spike cut at v_peak = {V_PEAK:g} mV)"),
               plt.Line2D([], [], color="tab:red", marker="o", ms=3,
                          label="refsnn lif_adex (Norse: spike when v > v_th = V_T; dots)")]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9)
    fig.suptitle(f"Naud et al. (2008), Table 1: AdEx firing patterns (dt = {dt * 1e3:g} ms), "
                 "classified automatically")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else FIGURES
    spikes, _ = run_refsnn("adex")
    paper_spikes, _ = paper_adex()
    norse_spikes, _ = run_refsnn("lif_adex")
    norse_fine, _ = run_refsnn("lif_adex", dt=DT / 2)
    classes, norse_classes = classify_all(spikes, DT), classify_all(norse_spikes, DT)
    paper_classes = classify_all(paper_spikes, DT)
    differ = first_disagreement(spikes, paper_spikes, DT)
    shortest = shortest_interval_steps(norse_spikes)
    print(f"{'Table 1 set':26s} {'refsnn adex':26s} {'spikes':>6s} {'paper Euler':26s} "
          f"{'differs at':>10s}  {'lif_adex':26s} spikes (dt, dt/2)  shortest ISI (steps)")
    for j, row in enumerate(TABLE):
        at = "never" if np.isinf(differ[j]) else f"{differ[j] * 1e3:.1f} ms"
        print(f"{row.name:26s} {classes[j]:26s} {int(spikes[:, j].sum()):6d} "
              f"{paper_classes[j]:26s} {at:>10s}  {norse_classes[j]:26s} "
              f"{int(norse_spikes[:, j].sum()):5d} {int(norse_fine[:, j].sum()):5d}   "
              f"{shortest[j]:g}")
    names = [row.name for row in TABLE]
    print(f"refsnn adex names all eight: {classes == names}")
    out.mkdir(parents=True, exist_ok=True)
    plot(out / "gallery_adex.png")
    print(f"figure written to {out / 'gallery_adex.png'}")
    return 0 if classes == names and np.all(differ >= AGREEMENT_WINDOW) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
