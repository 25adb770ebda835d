r"""The f–I curve of a leaky integrate-and-fire neuron against its analytic rate.

Model: ``lif_box`` (:mod:`refsnn.functional.lif_box`) with a constant input
:math:`I` is the leaky integrator of the textbook formula,

.. math:: \tau\,\dot v = v_{\text{leak}} - v + I, \qquad
          v > v_{\text{th}} \Rightarrow v \leftarrow v_{\text{reset}},

with :math:`R = 1` (the input is in voltage units), :math:`\tau = 1 /` ``tau_mem_inv``,
``reset_method = reset_value`` and no refractory period (:math:`t_{\text{ref}} = 0`).
(``lif`` is not: its input jumps a decaying synaptic current, so a constant
input holds the current near :math:`I / (\Delta t\,\tau_{\text{syn}}^{-1})`.)

Continuous time: from :math:`v_{\text{reset}}` the voltage relaxes towards
:math:`V_\infty = v_{\text{leak}} + I` and reaches :math:`v_{\text{th}}` after
:math:`T = \tau \ln\frac{V_\infty - v_{\text{reset}}}{V_\infty - v_{\text{th}}}`, so

.. math:: r(I) = \frac{1}{t_{\text{ref}} + T}
          = \left[\tau \ln \frac{v_{\text{leak}} + I - v_{\text{reset}}}
                              {v_{\text{leak}} + I - v_{\text{th}}}\right]^{-1}
          \quad (V_\infty > v_{\text{th}}), \qquad 0 \text{ otherwise.}

Discrete time (forward Euler, step :math:`\Delta t`): :math:`V_\infty - v_{k+1}
= q\,(V_\infty - v_k)` with :math:`q = 1 - \Delta t/\tau`; the spike is
emitted and the voltage reset *in the step* whose new voltage exceeds
:math:`v_{\text{th}}`, so every interval is a whole number of steps,

.. math:: n(v_0) = \left\lfloor \frac{\ln \rho(v_0)}{\ln q} \right\rfloor + 1, \qquad
          \rho(v_0) = \frac{V_\infty - v_{\text{th}}}{V_\infty - v_0},

steps from a voltage :math:`v_0` to the first spike (:math:`v_0 = v_{\text{leak}}`
at the start, :math:`v_{\text{reset}}` after each spike), and the model's rate
is :math:`1 / (n(v_{\text{reset}})\,\Delta t)`. Its error against :math:`r(I)`
is first order: :math:`\ln q = -\Delta t/\tau + O(\Delta t^2)` gives a
relative error of about :math:`\Delta t / 2\tau`, and rounding up to a whole
step adds up to :math:`\Delta t / T`.

The sweep runs :func:`refsnn.analysis.fi_curve` (one fused simulation, one
neuron per current) at each ``dt``; the spike counts must equal the
discrete-time prediction exactly, and the error against :math:`r(I)` must
halve (within quantisation) when ``dt`` halves.

Run ``python -m validation.gallery_fi [output directory]`` for the table and
``gallery_fi.png`` (default ``docs/figures``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

from refsnn.analysis import fi_curve
from refsnn.functional.lif_box import LIFBoxParameters
from refsnn.functional.reset import reset_value

#: A non-zero leak and reset, so the formula's every term is exercised (threshold current 0.9).
P = LIFBoxParameters(tau_mem_inv=100.0, v_leak=0.1, v_th=1.0, v_reset=-0.1,
                     reset_method=reset_value)
CURRENTS = np.linspace(1.0, 5.0, 41)  # from 0.1 above the threshold current: 40 to 420 Hz
DTS = (1e-3, 5e-4, 2.5e-4, 1.25e-4)
WINDOW = 20.0  # s of simulated time per dt: counting error < 1 / (20 s x 40 Hz) ~ 0.1 %


def analytic_rate(currents, p: LIFBoxParameters = P) -> np.ndarray:
    """:math:`r(I)` of the continuous leaky integrator (Hz when ``tau_mem_inv`` is in 1/s)."""
    v_inf = p.v_leak + np.asarray(currents, float)
    above = v_inf > p.v_th
    ratio = np.where(above, (v_inf - p.v_reset) / np.where(above, v_inf - p.v_th, 1.0), 1.0)
    with np.errstate(divide="ignore"):
        return np.where(above, p.tau_mem_inv / np.log(ratio), 0.0)


def steps_to_spike(currents, v0, dt: float, p: LIFBoxParameters = P) -> np.ndarray:
    r""":math:`n(v_0)`: steps from the voltage ``v0`` to the step that spikes (suprathreshold)."""
    v_inf = p.v_leak + np.asarray(currents, float)
    q = 1.0 - dt * p.tau_mem_inv
    return np.floor(np.log((v_inf - p.v_th) / (v_inf - v0)) / np.log(q)).astype(np.int64) + 1


def predicted_counts(currents, dt: float, steps: int, transient: int,
                     p: LIFBoxParameters = P) -> np.ndarray:
    """Spikes in steps ``[transient, steps)`` from ``v = v_leak``: rows ``n0 - 1 + k n``."""
    first = steps_to_spike(currents, p.v_leak, dt, p) - 1
    period = steps_to_spike(currents, p.v_reset, dt, p)
    last_k = (steps - 1 - first) // period
    first_k = np.maximum(0, -((first - transient) // period))  # ceil((transient - first) / n)
    return np.maximum(last_k - first_k + 1, 0)


class Sweep(NamedTuple):
    """One ``dt``: simulated rates, their exact discrete-time prediction, the analytic rates."""

    dt: float
    steps: int
    rates: np.ndarray
    predicted: np.ndarray
    analytic: np.ndarray

    @property
    def error(self) -> np.ndarray:
        """Relative error of the simulated rates against :func:`analytic_rate`."""
        return np.abs(self.rates - self.analytic) / self.analytic


def sweep(dt: float, window: float = WINDOW, currents=CURRENTS, *, transient: int = 0,
          backend: str = "numba", p: LIFBoxParameters = P) -> Sweep:
    """f–I curve of ``lif_box`` at ``dt`` over ``window`` seconds (float64, from ``v = v_leak``).

    The rates count the spikes after the first ``transient`` steps
    (:func:`refsnn.analysis.fi_curve`); ``predicted`` are the same rates
    from :func:`predicted_counts`.
    """
    steps = int(round(window / dt))
    rates = fi_curve("lif_box", currents, params=p, steps=steps, dt=dt, backend=backend,
                     transient=transient)
    predicted = predicted_counts(currents, dt, steps, transient, p) / ((steps - transient) * dt)
    return Sweep(dt, steps, rates, predicted, analytic_rate(currents, p))


def error_table(sweeps: list) -> list:
    """Rows ``(dt, max error, mean error, max ratio, mean ratio)``, ratios to the previous ``dt``."""
    rows, previous = [], None
    for s in sweeps:
        e_max, e_mean = float(s.error.max()), float(s.error.mean())
        ratios = (previous[0] / e_max, previous[1] / e_mean) if previous else (np.nan, np.nan)
        rows.append((s.dt, e_max, e_mean) + ratios)
        previous = (e_max, e_mean)
    return rows


def format_table(rows: list) -> str:
    lines = [f"{'dt (ms)':>8}{'max rel. error':>16}{'mean rel. error':>17}{'ratio max':>11}"
             f"{'ratio mean':>12}"]
    for dt, e_max, e_mean, r_max, r_mean in rows:
        lines.append(f"{dt * 1e3:8.4g}{e_max:16.4%}{e_mean:17.4%}{r_max:11.2f}{r_mean:12.2f}")
    return "\n".join(lines)


def plot(sweeps: list, path: Path) -> None:
    """f–I curves per ``dt`` against the analytic rate, and the error against ``dt``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax_err) = plt.subplots(1, 2, figsize=(11, 4.2))
    fine = np.linspace(CURRENTS[0] - 0.09, CURRENTS[-1], 400)
    ax.plot(fine, analytic_rate(fine), color="k", lw=1.2, label="analytic $r(I)$")
    for s in sweeps:
        ax.plot(CURRENTS, s.rates, ".", ms=5, label=f"lif_box, dt = {s.dt * 1e3:g} ms")
    ax.set_xlabel("input $I$ (threshold current $v_{th} - v_{leak}$ = 0.9)")
    ax.set_ylabel("rate (Hz)")
    ax.set_title(f"f–I: lif_box, $\\tau$ = {1e3 / P.tau_mem_inv:g} ms, $v_{{leak}}$ = "
                 f"{P.v_leak:g}, $v_{{reset}}$ = {P.v_reset:g}", fontsize=10)
    ax.legend(fontsize=8)
    dts = np.array([s.dt for s in sweeps])
    for label, values, marker in (("max", [s.error.max() for s in sweeps], "o"),
                                  ("mean", [s.error.mean() for s in sweeps], "s")):
        ax_err.loglog(dts * 1e3, values, marker=marker, label=f"{label} relative error")
    ax_err.loglog(dts * 1e3, dts / dts[0] * sweeps[0].error.mean(), "k--", lw=0.8,
                  label="slope 1 (first order)")
    ax_err.set_xticks(dts * 1e3, [f"{d * 1e3:g}" for d in dts])
    ax_err.minorticks_off()
    ax_err.set_xlabel("dt (ms)")
    ax_err.set_ylabel("relative error of the rate")
    ax_err.set_title(f"error against the analytic rate ({len(CURRENTS)} currents)", fontsize=10)
    ax_err.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / "docs/figures"
    sweeps = [sweep(dt) for dt in DTS]
    exact = all(np.array_equal(s.rates, s.predicted) for s in sweeps)
    print(f"lif_box f-I: {len(CURRENTS)} currents {CURRENTS[0]:g}..{CURRENTS[-1]:g}, "
          f"{WINDOW:g} s per dt; spike counts equal the discrete-time prediction: {exact}")
    print(format_table(error_table(sweeps)))
    out.mkdir(parents=True, exist_ok=True)
    plot(sweeps, out / "gallery_fi.png")
    print(f"figure written to {out / 'gallery_fi.png'}")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
