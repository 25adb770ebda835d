r"""Tsodyks–Markram short-term synaptic plasticity (STP).

Model
-----
A synapse holds a fraction :math:`x` of its resources available and uses a
fraction :math:`u` of them per presynaptic spike (Tsodyks, Pawelzik &
Markram 1998; Scholarpedia "Short-term synaptic plasticity"). Between
spikes :math:`u` decays to zero with the facilitation time constant
:math:`\tau_f` and :math:`x` recovers to one with the depression time
constant :math:`\tau_d`. At a spike :math:`u` first jumps towards one by the
fraction :math:`U`, then the released amount :math:`u^+ x^-` is removed from
:math:`x` and delivered to the postsynaptic current:

.. math::
    \dot u = -\frac{u}{\tau_f} + U\,(1 - u^-)\,\delta(t - t_{\text{sp}}), \qquad
    \dot x = \frac{1 - x}{\tau_d} - u^+ x^-\,\delta(t - t_{\text{sp}}), \qquad
    \dot I = -\frac{I}{\tau_s} + A\,u^+ x^-\,\delta(t - t_{\text{sp}}).

:func:`stp_step` advances :math:`u` and :math:`x` and returns the released
amount :math:`u^+ x^- z` (the current jump for :math:`A = 1`); the caller
integrates the current :math:`I` with ``tau_s_inv``, which this function
does not use (as in Norse).

Discretisation (step :math:`\Delta t`, spike indicator :math:`z \in \{0, 1\}`).
Decay and jump happen in the same step and the jumps are computed from the
start-of-step values:

.. math::
    u' = \bigl(u + \Delta t\,(-\tau_f^{-1} u)\bigr) + U (1 - u)\,z, \qquad
    x' = \bigl(x + \Delta t\,\tau_d^{-1} (1 - x)\bigr) - u' x\,z, \qquad
    \text{output} = u' x\,z .

A synapse at rest has :math:`u = 0`, :math:`x = 1`, so its first spike
releases :math:`U`. Large :math:`U` with slow recovery (:math:`\tau_d \gg
\tau_f`) depresses a regular train; small :math:`U` with slow facilitation
(:math:`\tau_f \gg \tau_d`) facilitates it.

Steady state under a regular train (one spike every :math:`n` steps). This
is the exact fixed point of the discrete map above, with
:math:`a = 1 - \Delta t\,\tau_f^{-1}` and :math:`b = 1 - \Delta t\,\tau_d^{-1}`.
At a spike step :math:`u^+ = (a - U)\,u + U`, and the :math:`n - 1` silent
steps that follow multiply :math:`u` by :math:`a^{n-1}` and :math:`1 - x`
by :math:`b^{n-1}`; solving for the fixed point gives, for the values after
(:math:`u^+`) and at the start of (:math:`x^-`) a spike step,

.. math::
    u^+_\infty = \frac{U}{1 - a^{n-1}\,(a - U)}, \qquad
    x^-_\infty = \frac{1 - b^n}{1 - b^n + b^{n-1}\,u^+_\infty},

and the steady release is :math:`u^+_\infty x^-_\infty`. As
:math:`\Delta t \to 0` these tend to the continuous-time values
:math:`U / (1 - (1 - U) e^{-T/\tau_f})` and
:math:`(1 - e^{-T/\tau_d}) / (1 - (1 - u^+) e^{-T/\tau_d})` for the period
:math:`T = n \Delta t`.

Norse documents the time constants "in ms" while its defaults are in
seconds (``tau_f_inv = 1/50e-3``); units only need to be consistent with
``dt``.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn import _checks
from refsnn.memory import check_arrays
from refsnn.functional import _plasticity
from refsnn.numerics import complement


class TsodyksMakramState(NamedTuple):
    """State of a Tsodyks–Markram synapse (the current is tracked by the caller).

    Attributes
    ----------
    u : utilisation (fraction of the available resources released per spike)
    x : fraction of the resources available
    """

    u: np.ndarray
    x: np.ndarray


class TsodyksMakramParameters(NamedTuple):
    """Parameters of a Tsodyks–Markram synapse (floats or arrays broadcastable to it).

    Attributes
    ----------
    tau_f_inv : inverse facilitation time constant :math:`1/\\tau_f` (decay of ``u``)
    tau_s_inv : inverse synaptic current time constant :math:`1/\\tau_s` (for the caller)
    tau_d_inv : inverse depression time constant :math:`1/\\tau_d` (recovery of ``x``)
    U : jump of the utilisation towards one at each spike, in [0, 1]
    """

    tau_f_inv: float | np.ndarray = 1 / (50.0e-3)
    tau_s_inv: float | np.ndarray = 1 / (20.0e-3)
    tau_d_inv: float | np.ndarray = 1 / (750.0e-3)
    U: float | np.ndarray = 0.45


def stp_step(
    z: np.ndarray,
    s: TsodyksMakramState,
    p: TsodyksMakramParameters,
    dt: float = 0.001,
) -> Tuple[np.ndarray, TsodyksMakramState]:
    r"""One step of Tsodyks–Markram short-term plasticity.

    .. math::
        u' = u - \Delta t\,\tau_f^{-1} u + U (1 - u) z, \qquad
        x' = x + \Delta t\,\tau_d^{-1} (1 - x) - u' x z

    Parameters
    ----------
    z : array
        Presynaptic spikes (0/1 or bool), broadcastable with the state.
    s : TsodyksMakramState
    p : TsodyksMakramParameters
        ``tau_f_inv``, ``tau_d_inv``, ``tau_s_inv`` >= 0 and ``0 <= U <= 1``.
    dt : float
        Integration time step.

    Returns
    -------
    release : array
        :math:`u' x z`, the resources released this step (the jump of the
        postsynaptic current for unit efficacy).
    state : TsodyksMakramState
        ``u`` and ``x`` after the step.
    """
    _checks.check_type(s, TsodyksMakramState, "s")
    _checks.check_type(p, TsodyksMakramParameters, "p")
    _checks.check_dt(dt)
    dtype = _plasticity.governing_dtype(("s", s))
    s = _checks.cast_tree(s, dtype, "s")
    p = _checks.cast_tree(p, dtype, "p")
    _plasticity.check_nonnegative(p, ("tau_f_inv", "tau_s_inv", "tau_d_inv", "U"))
    if np.any(p.U > 1):
        raise ValueError(f"p.U must lie in [0, 1], got {np.max(p.U)!r}")
    z = _checks.as_input(z, dtype, "z")
    shape = _checks.broadcast_shape({"z": z, "s.u": s.u, "s.x": s.x}, "z and the state")
    _plasticity.check_fits(p, p._fields, shape, "the synapses")
    check_arrays("stp_step", {"release and state": (shape, 3 * dtype.itemsize)})
    dt = dtype.type(dt)

    release, u, x = stp_update(s.u, s.x, z, p, dt)
    return release, TsodyksMakramState(u=u, x=x)


def stp_update(u, x, z, p, dt):
    r"""The arithmetic of :func:`stp_step` (validated, cast arguments).

    .. math::
        u' = \bigl(u + \Delta t\,(-\tau_f^{-1} u)\bigr) + U (1 - u)\,z, \qquad
        x' = \bigl(x + \Delta t\,\tau_d^{-1} (1 - x)\bigr) - u' x\,z

    in the style every backend compiles (:mod:`refsnn.numerics`).

    Parameters
    ----------
    u, x : arrays or scalars
        Utilisation and available resources.
    z : array or scalar
        Presynaptic spikes.
    p : TsodyksMakramParameters
        Fields in the state's dtype.
    dt : scalar
        Time step, in the state's dtype.

    Returns
    -------
    release, u, x : arrays or scalars
        :math:`u' x z` and the state after the step.
    """
    u_new = (u + dt * (-p.tau_f_inv * u)) + p.U * complement(u) * z
    x_new = (x + dt * (p.tau_d_inv * complement(x))) - u_new * x * z
    return u_new * x * z, u_new, x_new
