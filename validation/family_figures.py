"""One figure per neuron family: its typical response, checked (docs/figures/family_*.png).

For every family of :data:`refsnn.models.MODELS` an experiment drives a few
neurons with a simple input (a current step, a train of input spikes),
records the state with :func:`refsnn.simulate` (``backend="numpy"``) and
**asserts** that the response is the one the family is known for: a LIF
neuron fires regularly during a current step and is silent before and after
it, an exponential LIF fires where a LIF of the same parameters cannot, AdEx
and LSNN neurons lengthen their interspike intervals, refsnn's ``adex`` runs
past ``v_th`` up to its spike cut (and, reset above ``v_th``, does not fire on
every step as ``lif_adex`` does), refractory neurons hold
their voltage for ``rho_reset`` steps, inhibition shunts a COBA neuron, a
coupled compartment follows its neighbour, the Izhikevich presets show their
patterns. :func:`responses` runs every experiment without drawing (what
``tests/test_family_docs.py`` calls); :func:`main` draws the figures.

Run ``python -m validation.family_figures [output directory]`` (default
``docs/figures``); it prints what each figure shows. Needs matplotlib.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

import refsnn
from refsnn.functional import (adex, coba_lif, izhikevich, li, lif_adex, lif_adex_refrac, lif_box,
                               lif_refrac, lsnn)
from refsnn.functional.reset import reset_subtract, reset_value

F32 = np.float32
#: Norse's default step: 1 ms (its defaults read as seconds).
DT = 1e-3


@dataclass
class Run:
    """One simulated experiment of a figure column.

    ``inputs``, every trace and ``spikes`` have shape ``(T, n)``; ``step_ms``
    is the duration of a step in ms (model ms for Izhikevich neurons);
    ``lines`` draws a dashed horizontal reference on a trace's panel.
    """

    title: str
    step_ms: float
    inputs: np.ndarray
    traces: dict[str, np.ndarray]
    spikes: np.ndarray | None
    labels: tuple[str, ...] = ()
    lines: dict[str, float] = field(default_factory=dict)

    @property
    def time_ms(self) -> np.ndarray:
        """The time at the end of each step, in ms."""
        return np.arange(1, len(self.inputs) + 1) * self.step_ms


@dataclass
class Response:
    """A family's experiment: its runs (figure columns) and what they show."""

    family: str
    runs: list[Run]
    summary: str


def require(condition: bool, message: str) -> None:
    """Raise AssertionError(message) unless ``condition`` (kept under ``python -O``)."""
    if not condition:
        raise AssertionError(message)


def step_input(steps: int, on: int, off: int, amplitude, n: int = 1) -> np.ndarray:
    """A ``(steps, n)`` float32 current: ``amplitude`` (per neuron) from step ``on`` to ``off``."""
    x = np.zeros((steps, n), F32)
    x[on:off] = amplitude
    return x


def spike_steps(spikes: np.ndarray, neuron: int = 0) -> np.ndarray:
    """The steps at which ``neuron`` spiked."""
    return np.flatnonzero(spikes[:, neuron] > 0)


def _simulate(model: str, x: np.ndarray, **kwargs):
    return refsnn.simulate(model, x, record_states=True, backend="numpy", **kwargs)


# --------------------------------------------------------------------------- LIF and friends
def _lif() -> Response:
    x = step_input(200, 20, 150, 0.3)
    z, h = _simulate("lif", x)
    t = spike_steps(z)
    isi = np.diff(t)
    require(len(t) >= 5, f"lif: a 0.3 step should make the neuron fire, got {len(t)} spikes")
    require(t[0] > 20 and t[-1] < 160, f"lif: spikes outside the step: {t}")
    require(isi[1:].max() - isi[1:].min() <= 1, f"lif: firing should be regular, ISIs {isi}")
    run = Run("step current 0.3 per step", 1.0, x, {"i": h.i, "v": h.v}, z,
              lines={"v": 1.0})
    return Response("lif", [run], f"{len(t)} spikes, steady ISI {isi[-1]} ms "
                                   f"(regular), silent before and after the step")


def _li() -> Response:
    amplitude = 0.3
    x = step_input(200, 20, 120, amplitude)
    v, h = _simulate("li", x)
    # Steady state of the update: the jumped current x / (dt / tau_syn), and v = v_leak + that.
    expected = amplitude / (DT * li.LIParameters().tau_syn_inv)
    require(abs(v[119, 0] - expected) < 1e-3 * expected,
            f"li: v should settle at {expected:g}, got {v[119, 0]:g}")
    require(v[199, 0] < 0.05 * expected, "li: v should relax to v_leak after the step")
    run = Run("step current 0.3 per step", 1.0, x, {"i": h.i, "v": h.v}, None)
    return Response("li", [run], f"v settles at {v[119, 0]:.4f} (analytic {expected:g}), "
                                  "relaxes after the step, never spikes")


def _li_box() -> Response:
    amplitude = 0.8
    x = step_input(200, 20, 120, amplitude)
    v, _ = _simulate("li_box", x)
    require(abs(v[119, 0] - amplitude) < 1e-3, f"li_box: v should settle at {amplitude}")
    require(v[199, 0] < 0.05, "li_box: v should relax to v_leak after the step")
    run = Run("step input 0.8", 1.0, x, {"v": v}, None)
    return Response("li_box", [run], f"v settles at {v[119, 0]:.4f} = v_leak + x, "
                                      "relaxes with tau_mem")


def _iaf() -> Response:
    x = step_input(150, 10, 130, 0.03)
    x[60:80] = 0.0                          # a pause: a perfect integrator holds its voltage
    z, h = _simulate("iaf", x)
    t = spike_steps(z)
    require(len(t) >= 2, f"iaf: the ramp should cross the threshold, got {len(t)} spikes")
    require(np.ptp(h.v[60:80, 0]) == 0, "iaf: the voltage should not move without input")
    first_isi = t[1] - t[0]
    require(first_isi == 34 or first_isi == 34 + 20,
            f"iaf: 0.03 per step crosses v_th = 1 after 34 steps, got ISI {first_isi}")
    run = Run("input 0.03 per step, paused 60-80 ms", 1.0, x, {"v": h.v}, z, lines={"v": 1.0})
    return Response("iaf", [run], f"spikes at steps {t.tolist()}: every 34 input steps, "
                                   "voltage held during the pause")


def _lif_box() -> Response:
    x = step_input(150, 20, 130, 5.0, n=2)
    p = lif_box.LIFBoxParameters(reset_method=reset_value)
    z_value, h_value = _simulate("lif_box", x[:, :1], p=p)
    z_sub, h_sub = _simulate("lif_box", x[:, 1:], p=p._replace(reset_method=reset_subtract))
    n_value, n_sub = int(z_value.sum()), int(z_sub.sum())
    require(n_value >= 3, f"lif_box: a 5.0 input should make the neuron fire, got {n_value}")
    require(n_sub > n_value, "lif_box: the subtractive reset keeps the overshoot, "
                             f"so it fires more often ({n_sub} <= {n_value})")
    runs = [Run("input 5.0, reset_value", 1.0, x[:, :1], {"v": h_value.v}, z_value,
                lines={"v": 1.0}),
            Run("input 5.0, reset_subtract", 1.0, x[:, 1:], {"v": h_sub.v}, z_sub,
                lines={"v": 1.0})]
    return Response("lif_box", runs, f"{n_value} spikes with the value reset, "
                                      f"{n_sub} with the subtractive reset")


def _lif_ex() -> Response:
    amplitude = 0.15                          # steady current 0.75: below a LIF's threshold
    x = step_input(200, 20, 180, amplitude)
    z, h = _simulate("lif_ex", x)
    z_lif, h_lif = _simulate("lif", x)
    require(z_lif.sum() == 0, "lif_ex: the matching LIF neuron should stay subthreshold")
    require(z.sum() >= 2, "lif_ex: the exponential term should make the neuron fire")
    runs = [Run("lif_ex, step current 0.15", 1.0, x, {"i": h.i, "v": h.v}, z,
                lines={"v": 1.0}),
            Run("lif (same parameters, no exponential)", 1.0, x, {"i": h_lif.i, "v": h_lif.v},
                z_lif, lines={"v": 1.0})]
    return Response("lif_ex", runs, f"{int(z.sum())} spikes; the LIF neuron with the same "
                                     f"current peaks at v = {h_lif.v.max():.3f} < v_th")


def _adapting(family: str, z: np.ndarray) -> tuple[np.ndarray, str]:
    t = spike_steps(z)
    isi = np.diff(t)
    require(len(isi) >= 4, f"{family}: the step should evoke a train, got {len(t)} spikes")
    require(isi[-1] >= 2 * isi[0], f"{family}: adaptation should lengthen the ISIs, got {isi}")
    return isi, f"{len(t)} spikes, ISIs {isi[0]} ms -> {isi[-1]} ms"


def _lif_adex() -> Response:
    x = step_input(500, 50, 450, 0.4)
    z, h = _simulate("lif_adex", x)
    isi, text = _adapting("lif_adex", z)
    require(h.a[449, 0] > h.a[100, 0] > 0, "lif_adex: the adaptation current should build up")
    run = Run("step current 0.4 per step", 1.0, x, {"v": h.v, "a": h.a}, z, lines={"v": 1.0})
    return Response("lif_adex", [run], text + f", adaptation a up to {h.a.max():.2f}")


def _adex() -> Response:
    x = step_input(500, 50, 450, 0.4)
    p = adex.AdExParameters()
    z, h = _simulate("adex", x, p=p)
    isi, text = _adapting("adex", z)
    before = spike_steps(z) - 1                       # the last step of each upswing
    require(np.all(h.v[before, 0] > p.v_th),
            "adex: the voltage should run past v_th before it reaches the cut v_peak")
    z_norse, h_norse = _simulate("lif_adex", x)       # the same parameters without the cut
    require(h_norse.v.max() <= p.v_th < h.v.max(), "lif_adex should cut every spike at v_th")
    # A reset above v_th: adex's upswing starts there; lif_adex spikes on every step.
    high = p._replace(v_reset=1.5)
    z_high, h_high = _simulate("adex", x, p=high)
    low_isi = np.diff(spike_steps(z_high)).min()
    norse_high = lif_adex.LIFAdExParameters(v_reset=1.5)
    norse_isi = np.diff(spike_steps(_simulate("lif_adex", x, p=norse_high)[0])).min()
    require(low_isi > 3 and norse_isi == 1,
            f"v_reset = 1.5 > v_th: adex's shortest ISI {low_isi} should exceed 3 steps, "
            f"lif_adex's {norse_isi} should be one step")
    runs = [Run("adex, step current 0.4 per step", 1.0, x, {"v": h.v, "a": h.a}, z,
                lines={"v": float(p.v_th)}),
            Run("lif_adex, same input (spike cut at v_th)", 1.0, x,
                {"v": h_norse.v, "a": h_norse.a}, z_norse, lines={"v": float(p.v_th)}),
            Run("adex, v_reset = 1.5 (above v_th)", 1.0, x, {"v": h_high.v, "a": h_high.a},
                z_high, lines={"v": float(p.v_th)})]
    return Response("adex", runs, text + f"; v runs from v_th = {p.v_th:g} up to the cut "
                    f"v_peak = {p.v_peak:g} (lif_adex cuts at v_th: {int(z_norse.sum())} "
                    f"spikes); with v_reset = 1.5 > v_th the shortest ISI is {low_isi} ms "
                    f"(lif_adex: {norse_isi} ms, a spike every step)")


def _refractory(family: str, z: np.ndarray, v: np.ndarray, rho_reset: int) -> str:
    t = spike_steps(z)
    require(len(t) >= 3, f"{family}: the step should evoke spikes, got {len(t)}")
    isi = np.diff(t)
    require(isi.min() > rho_reset, f"{family}: ISIs {isi} should exceed rho_reset = {rho_reset}")
    held = v[t[0]:t[0] + rho_reset + 1, 0]
    require(np.ptp(held) == 0, f"{family}: the voltage should be held while refractory")
    return f"minimum ISI {isi.min()} steps > rho_reset = {rho_reset}, voltage held"


def _lif_refrac() -> Response:
    x = step_input(120, 10, 100, 1.0)
    p = lif_refrac.LIFRefracParameters()
    z, h = _simulate("lif_refrac", x, p=p)
    z_lif, h_lif = _simulate("lif", x, p=p.lif)
    text = _refractory("lif_refrac", z, h.lif.v, int(p.rho_reset))
    require(z.sum() < z_lif.sum(), "lif_refrac: refractoriness should lower the rate")
    runs = [Run("lif_refrac, step current 1.0", 1.0, x,
                {"v": h.lif.v, "rho": h.rho}, z, lines={"v": 1.0}),
            Run("lif (same parameters)", 1.0, x, {"v": h_lif.v}, z_lif, lines={"v": 1.0})]
    return Response("lif_refrac", runs, f"{int(z.sum())} spikes against {int(z_lif.sum())} "
                                         f"without refractoriness; {text}")


def _lif_adex_refrac() -> Response:
    x = step_input(600, 50, 550, 0.4)
    p = lif_adex_refrac.LIFAdExRefracParameters()
    z, h = _simulate("lif_adex_refrac", x, p=p)
    _, text = _adapting("lif_adex_refrac", z)
    text += "; " + _refractory("lif_adex_refrac", z, h.lif_adex.v, int(p.rho_reset))
    run = Run("step current 0.4 per step", 1.0, x,
              {"v": h.lif_adex.v, "a": h.lif_adex.a, "rho": h.rho}, z, lines={"v": 1.0})
    return Response("lif_adex_refrac", [run], text)


def _coba_lif() -> Response:
    dt_ms, steps = 0.1, 1000
    p = coba_lif.default_bio_parameters            # ms and mV
    rng = np.random.default_rng(7)
    exc = (rng.random((steps, 1)) < 0.3).astype(F32) * F32(0.15)
    inh = (rng.random((steps, 1)) < 0.3).astype(F32) * F32(0.6)
    inh[:steps // 2] = 0.0                          # inhibition joins halfway
    x = exc - inh
    s0 = coba_lif.CobaLIFFeedForwardState(np.full(1, -65.0, F32), np.zeros(1, F32),
                                          np.zeros(1, F32))
    z, h = _simulate("coba_lif", x, p=p, state=s0, dt=dt_ms)
    first, second = int(z[:steps // 2].sum()), int(z[steps // 2:].sum())
    require(first >= 5, f"coba_lif: excitation alone should make it fire, got {first} spikes")
    require(second < first / 2, f"coba_lif: inhibition should shunt firing ({second} vs {first})")
    require(h.v.min() >= p.e_rev_I and h.v.max() <= p.e_rev_E,
            "coba_lif: the voltage should stay between the reversal potentials")
    run = Run("excitatory input spikes; inhibitory ones from 50 ms", dt_ms, x,
              {"g_e, g_i": np.concatenate([h.g_e, h.g_i], axis=1), "v (mV)": h.v}, z,
              labels=("g_e", "g_i"), lines={"v (mV)": p.v_thresh})
    return Response("coba_lif", [run], f"{first} spikes in the first 50 ms, {second} once "
                                        f"inhibition joins; v within [E_I, E_E]")


def _chain(g: float) -> np.ndarray:
    """Coupling of two compartments: each is pulled towards the other with rate g."""
    return np.array([[-g, g], [g, -g]], F32)


def _lif_mc() -> Response:
    x = step_input(200, 20, 150, np.array([0.5, 0.0], F32), n=2)
    z, h = _simulate("lif_mc", x, g_coupling=_chain(100.0))
    require(z[:, 0].sum() >= 3, "lif_mc: the driven compartment should fire")
    require(z[:, 1].sum() == 0, "lif_mc: the passive compartment should stay subthreshold")
    require(h.v[20:150, 1].max() > 0.2, "lif_mc: the coupling should depolarise the neighbour")
    run = Run("current into compartment 0 only, G = 100/s", 1.0, x, {"v": h.v}, z,
              labels=("compartment 0", "compartment 1"), lines={"v": 1.0})
    return Response("lif_mc", [run], f"compartment 0: {int(z[:, 0].sum())} spikes; "
                                      f"compartment 1 follows up to v = {h.v[:, 1].max():.2f}")


def _lif_mc_refrac() -> Response:
    x = step_input(200, 20, 150, np.array([0.5, 0.0], F32), n=2)
    p = lif_refrac.LIFRefracParameters()
    z, h = _simulate("lif_mc_refrac", x, p=p, g_coupling=_chain(100.0))
    text = _refractory("lif_mc_refrac", z, h.lif.v, int(p.rho_reset))
    require(h.lif.v[20:150, 1].max() > 0.2, "lif_mc_refrac: the neighbour should depolarise")
    run = Run("current into compartment 0 only, G = 100/s", 1.0, x,
              {"v": h.lif.v, "rho": h.rho}, z, labels=("compartment 0", "compartment 1"),
              lines={"v": 1.0})
    return Response("lif_mc_refrac", [run], f"compartment 0: {text}")


#: LSNN parameters of the figure: tau_b = 200 ms and beta = 0.5 (Norse's tau_b is 800 s).
LSNN_FIGURE_P = lsnn.LSNNParameters(tau_adapt_inv=5.0, beta=0.5)


def _lsnn() -> Response:
    x = step_input(500, 50, 450, 1.0)
    z, h = _simulate("lsnn", x, p=LSNN_FIGURE_P)
    _, text = _adapting("lsnn", z)
    require(h.b.max() > LSNN_FIGURE_P.v_th, "lsnn: the threshold should rise")
    eye, none = np.eye(1, dtype=F32), np.zeros((1, 1), F32)
    z_ada, h_ada = _simulate("ada_lif", x, p=LSNN_FIGURE_P, input_weights=eye,
                             recurrent_weights=none)
    _, text_ada = _adapting("ada_lif", z_ada)
    runs = [Run("lsnn: adaptive threshold b", 1.0, x, {"v, b": np.concatenate(
                [h.v, h.b], axis=1)}, z, labels=("v", "b (threshold)")),
            Run("ada_lif: adaptation current b", 1.0, x, {"v, b": np.concatenate(
                [h_ada.v, h_ada.b], axis=1)}, z_ada, labels=("v", "b (current)"),
                lines={"v, b": 1.0})]
    return Response("lsnn", runs, f"lsnn {text}; ada_lif {text_ada}")


IZHIKEVICH_CASES = (
    ("tonic_spiking", 14.0, 10.0, 200.0),
    ("phasic_spiking", 0.5, 20.0, 200.0),
    ("tonic_bursting", 15.0, 22.0, 220.0),
    ("spike_frequency_adaptation", 30.0, 8.5, 85.0),
)


def _izhikevich() -> Response:
    runs, counts = [], {}
    for name, amplitude, onset_ms, t_end_ms in IZHIKEVICH_CASES:
        behaviour = getattr(izhikevich, name)
        h_ms = float(behaviour.p.tau_inv) * DT
        steps = int(round(t_end_ms / h_ms))
        x = step_input(steps, int(round(onset_ms / h_ms)) + 1, steps, amplitude)
        z, h = _simulate("izhikevich", x, p=behaviour)
        t = spike_steps(z) * h_ms
        isi = np.diff(t)
        counts[name] = len(t)
        if name == "tonic_spiking":
            require(len(t) >= 4 and np.ptp(isi[2:]) <= 2 * h_ms, f"tonic spiking: ISIs {isi}")
        elif name == "phasic_spiking":
            require(len(t) == 1, f"phasic spiking: one spike at onset, got {len(t)}")
        elif name == "tonic_bursting":
            require(isi.max() > 5 * isi.min(), f"tonic bursting: bursts need short and "
                                               f"long ISIs, got {isi}")
        else:
            require(len(isi) >= 3 and isi[-1] > 1.5 * isi[0],
                    f"spike-frequency adaptation: ISIs should grow, got {isi}")
        runs.append(Run(f"{name} (I = {amplitude:g})", h_ms, x, {"v (mV)": h.v, "u": h.u}, z,
                        lines={"v (mV)": float(behaviour.p.v_th)}))
    return Response("izhikevich", runs, ", ".join(f"{k}: {v} spikes" for k, v in counts.items()))


EXPERIMENTS: dict[str, Callable[[], Response]] = {
    "lif": _lif, "li": _li, "li_box": _li_box, "iaf": _iaf, "lif_box": _lif_box,
    "lif_ex": _lif_ex, "lif_adex": _lif_adex, "adex": _adex, "lif_refrac": _lif_refrac,
    "lif_adex_refrac": _lif_adex_refrac, "coba_lif": _coba_lif, "lif_mc": _lif_mc,
    "lif_mc_refrac": _lif_mc_refrac, "lsnn": _lsnn, "izhikevich": _izhikevich,
}


def responses(families=None) -> dict[str, Response]:
    """Run (and check) the experiments of ``families`` (default: all), drawing nothing."""
    return {name: EXPERIMENTS[name]() for name in (families or EXPERIMENTS)}


# --------------------------------------------------------------------------- drawing
def plot(response: Response, path: Path) -> None:
    """Draw a response: input, each trace, spikes (rows) for every run (columns)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(k for run in response.runs for k in run.traces))
    rows = 2 + len(names)
    cols = len(response.runs)
    heights = [1.0] + [1.6] * len(names) + [0.5]
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols + 0.6, 1.2 + 1.35 * sum(heights)),
                             sharex="col", squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for col, run in enumerate(response.runs):
        t = run.time_ms
        ax = axes[0, col]
        ax.plot(t, run.inputs, lw=1)
        ax.set_title(run.title, fontsize=9)
        for row, name in enumerate(names, start=1):
            ax = axes[row, col]
            if name in run.traces:
                lines = ax.plot(t, run.traces[name], lw=1)
                if run.labels and len(lines) == len(run.labels):
                    for line, label in zip(lines, run.labels):
                        line.set_label(label)
                    ax.legend(fontsize=7, loc="upper right")
            else:
                ax.axis("off")
            if name in run.lines:
                ax.axhline(run.lines[name], color="k", ls="--", lw=0.8)
            if col == 0:
                ax.set_ylabel(name)
        ax = axes[-1, col]
        if run.spikes is not None:
            for k in range(run.spikes.shape[1]):
                ax.vlines(t[run.spikes[:, k] > 0], k + 0.1, k + 0.9, color="k", lw=0.8)
            ax.set_ylim(0, run.spikes.shape[1])
        else:
            ax.text(0.5, 0.5, "no spikes (output is the voltage)", ha="center", va="center",
                    transform=ax.transAxes, fontsize=8)
        ax.set_yticks([])
        ax.set_xlabel("time (ms)" if response.family != "izhikevich" else "time (model ms)")
    axes[0, 0].set_ylabel("input")
    axes[-1, 0].set_ylabel("spikes")
    fig.suptitle(textwrap.fill(f"{response.family}: {response.summary}", 62 * cols), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parents[1] / "docs" / "figures"
    out = Path(argv[1]) if len(argv) > 1 else default
    out.mkdir(parents=True, exist_ok=True)
    for name, response in responses().items():
        plot(response, out / f"family_{name}.png")
        print(f"{name:16s} {response.summary}")
    print(f"figures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
