"""First-order convergence of every family to its ODE, independent of Norse.

For each family a subthreshold trajectory (no spike within the window) is
simulated with :func:`refsnn.simulate` in float64 at three step sizes, and
compared at ``T_END`` with a tight ``scipy.integrate.solve_ivp`` (DOP853)
solution of the *documented* ODE, written here from the equations, not from
the reference code. Forward Euler is first order: halving ``dt`` must halve
the error (ratio ~= 2).

``adex`` starts above its exponential's centre ``v_th``, where ``lif_adex``
would spike at once, and relaxes below it without reaching its spike cut
``v_peak``.

``iaf`` is absent on purpose: its update ``v += input`` has no time
constant and does not depend on ``dt`` (tests/test_convergence.py checks that).

Run ``python validation/convergence.py`` for the table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.integrate import solve_ivp

from refsnn import simulate
from refsnn.functional import (adex, coba_lif, izhikevich, li, li_box, lif, lif_adex,
                               lif_adex_refrac, lif_box, lif_ex, lif_refrac, lsnn)

T_END = 0.02
DTS = (1e-4, 5e-5, 2.5e-5)
F = np.float64


@dataclass
class Case:
    """A family's subthreshold experiment.

    ``state`` is the initial refsnn state, ``y0``/``rhs`` the same initial
    condition and right-hand side for solve_ivp, ``observe`` maps a final
    refsnn state to the vector compared with the ODE solution, ``current``
    a constant input (only for models whose input enters as a current).
    """

    model: str
    p: object
    state: object
    y0: list
    rhs: Callable
    observe: Callable
    current: float = 0.0
    kwargs: dict | None = None
    t_end: float = T_END
    width: int = 1


def _a(*values):
    return [np.array([v], F) for v in values]


LIF_P = lif.LIFParameters(v_leak=0.1)
G = np.array([[-30.0, 30.0], [30.0, -30.0]])


def _adex_rhs(t, y):
    """(v, i, a) of the AdEx families with their default parameters (dimensionless, 1/s)."""
    return [100 * (-y[0] + 0.5 * np.exp((y[0] - 1) / 0.5) + y[1] - y[2]),
            -200 * y[1], 2.0 * (4.0 * y[0] - y[2])]


CASES = [
    Case("lif", LIF_P, lif.LIFFeedForwardState(*_a(0.2, 0.6)), [0.2, 0.6],
         lambda t, y: [100 * (0.1 - y[0] + y[1]), -200 * y[1]], lambda s: [s.v[0], s.i[0]]),
    Case("li", li.LIParameters(v_leak=0.1), li.LIState(*_a(0.2, 0.6)), [0.2, 0.6],
         lambda t, y: [100 * (0.1 - y[0] + y[1]), -200 * y[1]], lambda s: [s.v[0], s.i[0]]),
    Case("li_box", li_box.LIBoxParameters(v_leak=0.1), li_box.LIBoxState(*_a(0.2)), [0.2],
         lambda t, y: [100 * (0.1 - y[0] + 0.5)], lambda s: [s.v[0]], current=0.5),
    Case("lif_box", lif_box.LIFBoxParameters(v_leak=0.1), lif_box.LIFBoxFeedForwardState(*_a(0.2)),
         [0.2], lambda t, y: [100 * (0.5 + 0.1 - y[0])], lambda s: [s.v[0]], current=0.5),
    Case("lif_ex", lif_ex.LIFExParameters(), lif_ex.LIFExFeedForwardState(*_a(0.1, 0.6)),
         [0.1, 0.6],
         lambda t, y: [100 * (-y[0] + 0.5 * np.exp((y[0] - 1) / 0.5) + y[1]), -200 * y[1]],
         lambda s: [s.v[0], s.i[0]]),
    Case("lif_adex", lif_adex.LIFAdExParameters(), lif_adex.LIFAdExFeedForwardState(*_a(0.1, 0.6, 0.05)),
         [0.1, 0.6, 0.05], _adex_rhs, lambda s: [s.v[0], s.i[0], s.a[0]], t_end=0.05),
    # From above v_th (= 1) back below it, never reaching the cut v_peak (= 3.5).
    Case("adex", adex.AdExParameters(), adex.AdExFeedForwardState(*_a(1.2, 0.3, 0.6)),
         [1.2, 0.3, 0.6], _adex_rhs, lambda s: [s.v[0], s.i[0], s.a[0]]),
    Case("lif_refrac", lif_refrac.LIFRefracParameters(LIF_P),
         lif_refrac.LIFRefracFeedForwardState(lif.LIFFeedForwardState(*_a(0.2, 0.6)), *_a(0.0)),
         [0.2, 0.6], lambda t, y: [100 * (0.1 - y[0] + y[1]), -200 * y[1]],
         lambda s: [s.lif.v[0], s.lif.i[0]]),
    Case("lif_adex_refrac", lif_adex_refrac.LIFAdExRefracParameters(),
         lif_adex_refrac.LIFAdExRefracFeedForwardState(
             lif_adex.LIFAdExFeedForwardState(*_a(0.1, 0.6, 0.05)), *_a(0.0)),
         [0.1, 0.6, 0.05], _adex_rhs,
         lambda s: [s.lif_adex.v[0], s.lif_adex.i[0], s.lif_adex.a[0]], t_end=0.05),
    Case("coba_lif", coba_lif.CobaLIFParameters(),
         coba_lif.CobaLIFFeedForwardState(*_a(-40.0, 0.3, 0.2)), [-40.0, 0.3, 0.2],
         lambda t, y: [5 * (0.25 * (-20 - y[0]) + y[1] * (60 - y[0]) + y[2] * (-100 - y[0])),
                       -0.2 * y[1], -0.2 * y[2]],
         lambda s: [s.v[0], s.g_e[0], s.g_i[0]], t_end=0.5),
    Case("lif_mc", LIF_P,
         lif.LIFFeedForwardState(np.array([0.2, -0.1]), np.array([0.6, 0.1])), [0.2, -0.1, 0.6, 0.1],
         lambda t, y: [*(100 * (0.1 - y[:2] + y[2:]) + G @ y[:2]), *(-200 * y[2:])],
         lambda s: [*s.v, *s.i], kwargs={"g_coupling": G}, width=2),
    Case("lif_mc_refrac", lif_refrac.LIFRefracParameters(LIF_P),
         lif_refrac.LIFRefracFeedForwardState(
             lif.LIFFeedForwardState(np.array([0.2, -0.1]), np.array([0.6, 0.1])), np.zeros(2)),
         [0.2, -0.1, 0.6, 0.1],
         lambda t, y: [*(100 * (0.1 - y[:2] + y[2:]) + G @ y[:2]), *(-200 * y[2:])],
         lambda s: [*s.lif.v, *s.lif.i], kwargs={"g_coupling": G}, width=2),
    Case("lsnn", lsnn.LSNNParameters(v_leak=0.1, tau_adapt_inv=50.0),
         lsnn.LSNNFeedForwardState(*_a(0.2, 0.6, 1.5)), [0.2, 0.6, 1.5],
         lambda t, y: [100 * (0.1 - y[0] + y[1]), -200 * y[1], 50.0 * (1.0 - y[2])],
         lambda s: [s.v[0], s.i[0], s.b[0]]),
    Case("ada_lif", lsnn.LSNNParameters(v_leak=0.1, tau_adapt_inv=50.0),
         lsnn.LSNNState(*_a(0.0, 0.2, 0.6, 0.3)), [0.2, 0.6, 0.3],
         lambda t, y: [100 * (0.1 - y[0] + y[1] - y[2]), -200 * y[1], -50.0 * y[2]],
         lambda s: [s.v[0], s.i[0], s.b[0]],
         kwargs={"input_weights": np.eye(1), "recurrent_weights": np.zeros((1, 1))}),
    Case("izhikevich", izhikevich.tonic_spiking_p,
         izhikevich.IzhikevichState(*_a(-60.0, -14.0)), [-60.0, -14.0],
         lambda t, y: [250 * (0.04 * y[0] ** 2 + 5 * y[0] + 140 - y[1]),
                       250 * 0.02 * (0.2 * y[0] - y[1])],
         lambda s: [s.v[0], s.u[0]], t_end=0.1),
]


def errors(case: Case) -> list[float]:
    """Max-norm error at ``t_end`` against solve_ivp, for each ``dt`` in :data:`DTS`."""
    exact = solve_ivp(case.rhs, (0.0, case.t_end), case.y0, method="DOP853",
                      rtol=1e-12, atol=1e-12).y[:, -1]
    out = []
    for dt in DTS:
        steps = int(round(case.t_end / dt))
        inputs = np.full((steps, case.width), case.current, F)
        spikes, final = simulate(case.model, inputs, p=case.p, state=case.state, dt=dt,
                                 **(case.kwargs or {}))
        if case.model not in ("li", "li_box") and spikes.any():
            raise AssertionError(f"{case.model}: the convergence run must stay subthreshold")
        out.append(float(np.max(np.abs(np.asarray(case.observe(final)) - exact))))
    return out


def main() -> int:
    print(f"Forward-Euler error at t_end vs solve_ivp (DOP853, rtol=1e-12), float64, dt = {DTS}")
    print(f"{'model':16s} " + " ".join(f"{'err@' + format(dt, 'g'):>12s}" for dt in DTS)
          + f" {'ratios':>14s}")
    bad = 0
    for case in CASES:
        e = errors(case)
        ratios = [e[k] / e[k + 1] for k in range(len(e) - 1)]
        ok = all(1.8 < r < 2.2 for r in ratios)
        bad += not ok
        print(f"{case.model:16s} " + " ".join(f"{x:12.3e}" for x in e)
              + "  " + " ".join(f"{r:6.3f}" for r in ratios) + ("" if ok else "  FAIL"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
