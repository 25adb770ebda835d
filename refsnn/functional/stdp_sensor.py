r"""Event-driven STDP sensor: a decaying trace for each side of a synapse.

Model
-----
Spike-timing-dependent rules need to know, when one side of a synapse
fires, how recently the other side fired. The sensor keeps two traces. The
presynaptic (correlation) trace :math:`a_{\text{pre}}` jumps by
:math:`\eta_p` at each presynaptic spike and relaxes with the correlation
time constant :math:`\tau_c`; the postsynaptic (anti-correlation) trace
:math:`a_{\text{post}}` jumps by :math:`\eta_m` at each postsynaptic spike
and relaxes with the anti-correlation time constant :math:`\tau_{ac}`:

.. math::
    \dot a_{\text{pre}} = -\tau_c^{-1}\,a_{\text{pre}} + \eta_p\,z_{\text{pre}}(t),
    \qquad
    \dot a_{\text{post}} = -\tau_{ac}^{-1}\,a_{\text{post}} + \eta_m\,z_{\text{post}}(t),

with :math:`z(t)` a sum of Dirac pulses.

Discretisation (forward Euler, step :math:`\Delta t`), decay first, then the
jump of this step's spikes:

.. math::
    a_{\text{pre}}' = \bigl(a_{\text{pre}} + \Delta t\,(\tau_c^{-1}\,(-a_{\text{pre}}))\bigr)
                      + z_{\text{pre}}\,\eta_p, \qquad
    a_{\text{post}}' = \bigl(a_{\text{post}} + \Delta t\,(\tau_{ac}^{-1}\,(-a_{\text{post}}))\bigr)
                       + z_{\text{post}}\,\eta_m .

The two sides are independent: ``z_pre`` must fit ``a_pre`` and ``z_post``
must fit ``a_post`` (any shapes, for instance one trace per synapse).

Norse 1.1.0 documents ``tau_ac_inv`` as the anti-correlation time constant
but decays *both* traces with ``tau_c_inv`` (``tau_ac_inv`` is never read).
With the default parameters (both 10 s⁻¹) the two agree; for
``tau_ac_inv != tau_c_inv`` use :func:`refsnn.compat.norse.stdp_sensor_step`
to reproduce Norse.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from refsnn import _checks
from refsnn.functional import _plasticity


class STDPSensorParameters(NamedTuple):
    """Parameters of the STDP sensor (floats or arrays broadcastable to the traces).

    Attributes
    ----------
    eta_p : jump of the presynaptic (correlation) trace at a presynaptic spike
    eta_m : jump of the postsynaptic (anti-correlation) trace at a postsynaptic spike
    tau_ac_inv : inverse anti-correlation time constant :math:`1/\\tau_{ac}` (postsynaptic trace)
    tau_c_inv : inverse correlation time constant :math:`1/\\tau_c` (presynaptic trace)
    """

    eta_p: float | np.ndarray = 1.0
    eta_m: float | np.ndarray = 1.0
    tau_ac_inv: float | np.ndarray = 1.0 / 100e-3
    tau_c_inv: float | np.ndarray = 1.0 / 100e-3


class STDPSensorState(NamedTuple):
    """Traces of the STDP sensor: presynaptic ``a_pre`` and postsynaptic ``a_post``."""

    a_pre: np.ndarray
    a_post: np.ndarray


def _prepare_sensor(z_pre, z_post, state, p, dt):
    """Validate and cast the arguments of a sensor step; returns cast values."""
    _checks.check_type(state, STDPSensorState, "state")
    _checks.check_type(p, STDPSensorParameters, "p")
    _checks.check_dt(dt)
    dtype = _plasticity.governing_dtype(("state", state))
    state = _checks.cast_tree(state, dtype, "state")
    p = _checks.cast_tree(p, dtype, "p")
    _plasticity.check_nonnegative(p, ("tau_ac_inv", "tau_c_inv"))
    z_pre = _checks.as_input(z_pre, dtype, "z_pre")
    z_post = _checks.as_input(z_post, dtype, "z_post")
    pre_shape = _checks.broadcast_shape({"z_pre": z_pre, "state.a_pre": state.a_pre},
                                        "z_pre and state.a_pre")
    post_shape = _checks.broadcast_shape({"z_post": z_post, "state.a_post": state.a_post},
                                         "z_post and state.a_post")
    _plasticity.check_fits(p, ("eta_p", "tau_c_inv"), pre_shape, "the presynaptic trace")
    _plasticity.check_fits(p, ("eta_m", "tau_ac_inv"), post_shape, "the postsynaptic trace")
    return z_pre, z_post, state, p, dtype.type(dt)


def stdp_sensor_step(
    z_pre: np.ndarray,
    z_post: np.ndarray,
    state: STDPSensorState,
    p: STDPSensorParameters = STDPSensorParameters(),
    dt: float = 0.001,
) -> STDPSensorState:
    r"""One Euler step of the STDP sensor traces.

    .. math::
        a_{\text{pre}}' = a_{\text{pre}} - \Delta t\,\tau_c^{-1} a_{\text{pre}}
                          + \eta_p z_{\text{pre}}, \qquad
        a_{\text{post}}' = a_{\text{post}} - \Delta t\,\tau_{ac}^{-1} a_{\text{post}}
                           + \eta_m z_{\text{post}}

    Parameters
    ----------
    z_pre : array
        Presynaptic spikes (0/1 or bool), broadcastable with ``state.a_pre``.
    z_post : array
        Postsynaptic spikes, broadcastable with ``state.a_post``.
    state : STDPSensorState
    p : STDPSensorParameters
    dt : float
        Integration time step.

    Returns
    -------
    STDPSensorState
        The traces after the step (new arrays).
    """
    z_pre, z_post, s, p, dt = _prepare_sensor(z_pre, z_post, state, p, dt)
    return STDPSensorState(
        a_pre=sensor_trace_update(s.a_pre, z_pre, p.eta_p, p.tau_c_inv, dt),
        a_post=sensor_trace_update(s.a_post, z_post, p.eta_m, p.tau_ac_inv, dt),
    )


def sensor_trace_update(a, z, eta, tau_inv, dt):
    r"""A trace of :func:`stdp_sensor_step`: :math:`a' = (a + \Delta t\,(\tau^{-1}(-a))) + z \eta`.

    The arithmetic of the step (validated, cast arguments), in the style
    every backend compiles (:mod:`refsnn.numerics`).

    Parameters
    ----------
    a : array or scalar
        The trace.
    z : array or scalar
        This step's spikes of that side.
    eta : array or scalar
        Jump per spike (``eta_p`` or ``eta_m``).
    tau_inv : array or scalar
        Inverse time constant (``tau_c_inv`` or ``tau_ac_inv``).
    dt : scalar
        Time step, in the trace's dtype.

    Returns
    -------
    The trace after the step.
    """
    return (a + dt * (tau_inv * (-a))) + z * eta
