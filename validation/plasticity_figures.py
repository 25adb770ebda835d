"""Figures of the plasticity models' behaviour (docs/figures/, shown in docs/gallery.rst).

* ``tsodyks_markram.png``: a depressing and a facilitating Tsodyks–Markram
  synapse driven by a regular 20 Hz train: utilisation :math:`u`, available
  resources :math:`x` and the release :math:`u^+ x^-` at each spike, with
  the analytic steady state of the discrete update (dashed) and of the ODE
  (dotted).
* ``stdp_window.png``: the weight change of one pre/post spike pair as a
  function of their time difference, measured with
  :func:`refsnn.functional.stdp.stdp_step_linear`, and the exponentials
  fitted to each side (``scipy.optimize.curve_fit``), whose time constants
  are printed against the parameters'.

Run ``python -m validation.plasticity_figures [output directory]``
(default ``docs/figures``). Needs matplotlib; the tests check the same
quantities without it (tests/test_plasticity.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.optimize import curve_fit

from refsnn.functional import stdp
from refsnn.functional import tsodyks_makram as tm

DEPRESSING = tm.TsodyksMakramParameters(tau_f_inv=1 / 50e-3, tau_d_inv=1 / 750e-3, U=0.45)
FACILITATING = tm.TsodyksMakramParameters(tau_f_inv=1 / 750e-3, tau_d_inv=1 / 50e-3, U=0.15)


# --------------------------------------------------------------------------- Tsodyks-Markram
def tsodyks_markram_train(p, dt=1e-4, period=0.05, n_spikes=30):
    """u, x, spike indicator and release for every step of a regular train from rest."""
    n = int(round(period / dt))
    s = tm.TsodyksMakramState(u=np.zeros(1), x=np.ones(1))
    u, x, z, release = [], [], [], []
    for k in range(n * n_spikes):
        spike = np.array([1.0 if k % n == 0 else 0.0])
        r, s = tm.stp_step(spike, s, p, dt)
        u.append(s.u[0])
        x.append(s.x[0])
        z.append(spike[0])
        release.append(r[0])
    t = np.arange(1, n * n_spikes + 1) * dt
    return t, np.array(u), np.array(x), np.array(z), np.array(release)


def steady_states(p, dt=1e-4, period=0.05):
    """(u+, x-) at a spike: fixed point of the discrete update and of the ODE."""
    n = int(round(period / dt))
    a, b = 1 - dt * p.tau_f_inv, 1 - dt * p.tau_d_inv
    u_d = p.U / (1 - a ** (n - 1) * (a - p.U))
    x_d = (1 - b**n) / (1 - b**n + b ** (n - 1) * u_d)
    ef, ed = np.exp(-period * p.tau_f_inv), np.exp(-period * p.tau_d_inv)
    u_c = p.U / (1 - (1 - p.U) * ef)
    x_c = (1 - ed) / (1 - (1 - u_c) * ed)
    return (u_d, x_d), (u_c, x_c)


def plot_tsodyks_markram(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(10, 6), sharex=True)
    for col, (name, p) in enumerate((("depressing", DEPRESSING), ("facilitating", FACILITATING))):
        t, u, x, z, release = tsodyks_markram_train(p)
        (u_d, x_d), (u_c, x_c) = steady_states(p)
        spikes = z > 0
        ax = axes[0, col]
        ax.plot(t * 1e3, u, color="tab:blue", label="u")
        ax.plot(t * 1e3, x, color="tab:orange", label="x")
        for value, color in ((u_d, "tab:blue"), (x_d, "tab:orange")):
            ax.axhline(value, color=color, ls="--", lw=1)
        ax.set_title(f"{name}: U={p.U:g}, $\\tau_f$={1e3 / p.tau_f_inv:g} ms, "
                     f"$\\tau_d$={1e3 / p.tau_d_inv:g} ms", fontsize=10)
        ax.set_ylim(0, 1.2)
        ax.legend(loc="upper right", fontsize=8, ncol=2)
        ax = axes[1, col]
        ax.plot(t[spikes] * 1e3, release[spikes], "o", color="tab:green", ms=4,
                label="release $u^+x^-$ at each spike")
        ax.axhline(u_d * x_d, color="tab:green", ls="--", lw=1,
                   label="steady state, discrete update")
        ax.axhline(u_c * x_c, color="k", ls=":", lw=1, label="steady state, ODE")
        ax.set_xlabel("time (ms), 20 Hz train, dt = 0.1 ms")
        ax.set_ylim(0, max(release.max(), u_c * x_c) * 1.15)
        ax.legend(loc="upper right" if col == 0 else "lower right", fontsize=8)
    axes[0, 0].set_ylabel("u, x (dashed: $u^+_\\infty$, $x^-_\\infty$)")
    axes[1, 0].set_ylabel("release (PSC jump, A = 1)")
    fig.suptitle("Tsodyks–Markram short-term plasticity (refsnn.functional.tsodyks_makram)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------- STDP window
STDP_DT, TAU_PRE, TAU_POST = 5e-4, 20e-3, 40e-3
STDP_P = stdp.STDPParameters(a_pre=1.0, a_post=0.8, tau_pre_inv=1 / TAU_PRE,
                             tau_post_inv=1 / TAU_POST, eta_plus=0.02, eta_minus=0.015,
                             hardbound=False)


def stdp_window(p=STDP_P, dt=STDP_DT, lags=np.arange(-300, 301)):
    """Weight change per pre/post lag in steps (> 0: pre before post).

    Presynaptic neuron j fires once, ``lags[j]`` steps before the single
    postsynaptic spike, so each synapse sees exactly one pair.
    """
    n, t0 = len(lags), int(np.max(np.abs(lags))) + 1
    w0 = np.full((1, n), 0.5)
    w, s = w0, stdp.STDPState(t_pre=np.zeros((1, n)), t_post=np.zeros((1, 1)))
    for t in range(2 * t0 + 1):
        z_pre = (t == t0 - lags).astype(np.float64)[None]
        z_post = np.array([[float(t == t0)]])
        w, s = stdp.stdp_step_linear(z_pre, z_post, w, s, p, dt)
    return lags * dt, (w - w0)[0]


def fit_window(delta_t, dw):
    """Exponential fits A exp(-|t| / tau) to the causal and acausal sides."""
    def window(t, amplitude, tau):
        return amplitude * np.exp(-t / tau)

    causal, acausal = delta_t > 0, delta_t < 0
    plus, _ = curve_fit(window, delta_t[causal], dw[causal], p0=(1e-4, 10e-3))
    minus, _ = curve_fit(window, -delta_t[acausal], -dw[acausal], p0=(1e-4, 10e-3))
    return (plus, minus), window


def plot_stdp_window(path: Path) -> tuple:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    delta_t, dw = stdp_window()
    ((a_p, tau_p), (a_m, tau_m)), window = fit_window(delta_t, dw)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(delta_t * 1e3, dw, ".", ms=3, color="0.3", label="measured $\\Delta w$ (one pair)")
    t = np.linspace(0, delta_t.max(), 200)
    ax.plot(t * 1e3, window(t, a_p, tau_p), color="tab:red",
            label=f"fit $A_+ e^{{-\\Delta t/\\tau_+}}$: $\\tau_+$ = {tau_p * 1e3:.2f} ms "
                  f"(1/tau_pre_inv = {TAU_PRE * 1e3:g} ms)")
    ax.plot(-t * 1e3, -window(t, a_m, tau_m), color="tab:blue",
            label=f"fit $-A_- e^{{\\Delta t/\\tau_-}}$: $\\tau_-$ = {tau_m * 1e3:.2f} ms "
                  f"(1/tau_post_inv = {TAU_POST * 1e3:g} ms)")
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
    ax.set_xlabel("$\\Delta t = t_{post} - t_{pre}$ (ms)")
    ax.set_ylabel("weight change $\\Delta w$")
    ax.set_title("STDP window of stdp_step_linear (additive, dt = 0.5 ms)", fontsize=10)
    ax.set_ylim(-2.2 * a_m, 1.1 * a_p)  # room for the legend below the curves
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return tau_p, tau_m


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "figures"
    out.mkdir(parents=True, exist_ok=True)
    plot_tsodyks_markram(out / "tsodyks_markram.png")
    tau_p, tau_m = plot_stdp_window(out / "stdp_window.png")
    for name, p in (("depressing", DEPRESSING), ("facilitating", FACILITATING)):
        (u_d, x_d), (u_c, x_c) = steady_states(p)
        print(f"Tsodyks-Markram {name}: steady release {u_d * x_d:.5f} (discrete update), "
              f"{u_c * x_c:.5f} (ODE)")
    print(f"STDP window: tau+ = {tau_p * 1e3:.3f} ms (tau_pre {TAU_PRE * 1e3:g} ms), "
          f"tau- = {tau_m * 1e3:.3f} ms (tau_post {TAU_POST * 1e3:g} ms)")
    print(f"figures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
