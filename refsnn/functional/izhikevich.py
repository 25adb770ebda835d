r"""Izhikevich neurons (Izhikevich, 2003; 2004).

Model
-----
A quadratic membrane voltage :math:`v` (mV) and a recovery variable
:math:`u`, with time measured in ms:

.. math::
    \dot v = s_q v^2 + m_n v + \text{bias} - u + I, \qquad
    \dot u = a\,(b v - u),

(:math:`s_q = 0.04`, :math:`m_n = 5`, :math:`\text{bias} = 140` in the
original model). When :math:`v` exceeds :math:`v_{\text{th}}` (30 mV) the
neuron spikes and :math:`v \leftarrow c`, :math:`u \leftarrow u + d`.
The four parameters :math:`a, b, c, d` select the firing pattern; the
presets below are those of Izhikevich (2004), Fig. 1.

Time scaling: one step advances the model by :math:`h = \tau^{-1}\,\Delta t`
model milliseconds, so with ``dt = 0.001`` and ``tau_inv = 250`` a step is
0.25 ms, the step of Izhikevich's own simulations.

Discretisation (forward Euler), in this order:

1. voltage: :math:`v' = v + \tau^{-1} \Delta t\,(s_q v^2 + m_n v + \text{bias} - u + I)`
   (recurrent form: :math:`I = W_{\text{in}} x + W_{\text{rec}} z_{t-1}`);
2. recovery, from the *old* voltage: :math:`u' = u + \tau^{-1} \Delta t\, a\,(b v - u)`;
3. spike: :math:`z = H(v' - v_{\text{th}})`;
4. reset: :math:`v'' = (1 - z)\,v' + z\,c`, :math:`u'' = (1 - z)\,u' + z\,(u' + d)`.

(Izhikevich's scripts update :math:`u` from the new voltage; like Norse,
this reference uses the old one. Under his stimulus protocols 16 presets
show their pattern as shipped; ``dap`` and ``inhibition_induced_bursting``
show it only with his update order at his step (with :math:`d = -19` and
:math:`d = -0.7` they do at any step), the published ``accomodation``
panel integrates :math:`\dot u = a b (v + 65)` instead, and
``bistability`` needs its second pulse re-timed: see
``validation/gallery_izhikevich.py`` and the gallery in the docs.)

Precision: every parameter and ``dt`` is cast to the state's dtype before
use, so :math:`\tau^{-1}\Delta t\,a` is a product of rounded factors.
Norse keeps these parameters as Python floats and forms ``tau_inv * dt``
and ``tau_inv * dt * a`` in double precision before rounding; its float32
results therefore differ from refsnn's by rounding unless its parameters
are given as float32 tensors. The presets' states are float32 0-d arrays.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.numerics import complement, heaviside


class IzhikevichParameters(NamedTuple):
    """Parameters of an Izhikevich neuron.

    Attributes
    ----------
    a : time scale of the recovery variable (1/ms); small = slow recovery
    b : sensitivity of the recovery variable to subthreshold voltage
    c : voltage after a spike (mV)
    d : increment of the recovery variable at a spike
    sq : coefficient of :math:`v^2` (1/(mV ms))
    mn : coefficient of :math:`v` (1/ms)
    bias : constant drive (mV/ms)
    v_th : spike cut-off (mV)
    tau_inv : inverse time constant scaling ``dt`` into model ms
    """

    a: float | np.ndarray
    b: float | np.ndarray
    c: float | np.ndarray
    d: float | np.ndarray
    sq: float | np.ndarray = 0.04
    mn: float | np.ndarray = 5.0
    bias: float | np.ndarray = 140.0
    v_th: float | np.ndarray = 30.0
    tau_inv: float | np.ndarray = 250.0


class IzhikevichState(NamedTuple):
    """State of a feed-forward Izhikevich layer: voltage ``v``, recovery ``u``."""

    v: np.ndarray
    u: np.ndarray


class IzhikevichRecurrentState(NamedTuple):
    """State of a recurrent Izhikevich layer: last spikes ``z``, ``v``, ``u``."""

    z: np.ndarray
    v: np.ndarray
    u: np.ndarray


class IzhikevichSpikingBehavior(NamedTuple):
    """A firing pattern: parameters ``p`` and the initial state ``s`` that go with them."""

    p: IzhikevichParameters
    s: IzhikevichState


def _initial_state(v_rest: float, u_rest: float, b: float) -> IzhikevichState:
    """Rest state ``v = v_rest``, ``u = u_rest * b``, product rounded in float32."""
    v = np.array(v_rest, dtype=np.float32)
    u = np.array(np.float32(u_rest) * np.float32(b), dtype=np.float32)
    return IzhikevichState(v=v, u=u)


def create_izhikevich_spiking_behavior(
    a: float,
    b: float,
    c: float,
    d: float,
    v_rest: float,
    u_rest: float,
    tau_inv: float = 250,
) -> IzhikevichSpikingBehavior:
    """A custom firing pattern with default ``sq``, ``mn``, ``bias``, ``v_th``.

    The initial state is ``v = v_rest`` and ``u = u_rest * b`` (float32 0-d
    arrays, the product rounded in float32 as in Norse).
    """
    p = IzhikevichParameters(a=a, b=b, c=c, d=d, tau_inv=tau_inv)
    return IzhikevichSpikingBehavior(p=p, s=_initial_state(v_rest, u_rest, b))


# Presets of Izhikevich (2004), Fig. 1 (A)-(T), with Norse's initial states.
tonic_spiking_p = IzhikevichParameters(a=0.02, b=0.2, c=-65.0, d=6.0)
tonic_spiking = IzhikevichSpikingBehavior(tonic_spiking_p, _initial_state(-70.0, -70, 0.2))

phasic_spiking_p = IzhikevichParameters(a=0.02, b=0.25, c=-65.0, d=6.0)
phasic_spiking = IzhikevichSpikingBehavior(phasic_spiking_p, _initial_state(-64.0, -64, 0.25))

tonic_bursting_p = IzhikevichParameters(a=0.02, b=0.2, c=-50.0, d=2.0)
tonic_bursting = IzhikevichSpikingBehavior(tonic_bursting_p, _initial_state(-70.0, -70, 0.2))

phasic_bursting_p = IzhikevichParameters(a=0.02, b=0.25, c=-55.0, d=0.05, tau_inv=200.0)
phasic_bursting = IzhikevichSpikingBehavior(
    phasic_bursting_p, _initial_state(-64.0, -64, 0.25))

mixed_mode_p = IzhikevichParameters(a=0.02, b=0.2, c=-55.0, d=4.0, tau_inv=250.0)
mixed_mode = IzhikevichSpikingBehavior(mixed_mode_p, _initial_state(-70.0, -70, 0.2))

spike_frequency_adaptation_p = IzhikevichParameters(
    a=0.01, b=0.2, c=-65.0, d=8.0, tau_inv=250.0)
spike_frequency_adaptation = IzhikevichSpikingBehavior(
    spike_frequency_adaptation_p, _initial_state(-70.0, -70, 0.2))

class_1_exc_p = IzhikevichParameters(
    a=0.02, b=-0.1, c=-55.0, d=6.0, mn=4.1, bias=108.0, tau_inv=250.0)
class_1_exc = IzhikevichSpikingBehavior(class_1_exc_p, _initial_state(-60.0, -60, -0.1))

class_2_exc_p = IzhikevichParameters(a=0.2, b=0.26, c=-65.0, d=0.0, tau_inv=250.0)
class_2_exc = IzhikevichSpikingBehavior(class_2_exc_p, _initial_state(-64.0, -64, 0.26))

spike_latency_p = IzhikevichParameters(a=0.02, b=0.2, c=-65.0, d=6.0, tau_inv=250.0)
spike_latency = IzhikevichSpikingBehavior(spike_latency_p, _initial_state(-70.0, -70, 0.2))

subthreshold_oscillation_p = IzhikevichParameters(
    a=0.05, b=0.26, c=-60.0, d=0.0, tau_inv=250.0)
subthreshold_oscillation = IzhikevichSpikingBehavior(
    subthreshold_oscillation_p, _initial_state(-62.0, -62, 0.26))

resonator_p = IzhikevichParameters(a=0.1, b=0.26, c=-60.0, d=-1.0, tau_inv=250.0)
resonator = IzhikevichSpikingBehavior(resonator_p, _initial_state(-62.0, -62, 0.26))

integrator_p = IzhikevichParameters(
    a=0.02, b=-0.1, c=-55.0, d=6.0, mn=4.1, bias=108.0, tau_inv=250.0)
integrator = IzhikevichSpikingBehavior(integrator_p, _initial_state(-60.0, -60, -0.1))

rebound_spike_p = IzhikevichParameters(a=0.03, b=0.25, c=-60.0, d=4.0, tau_inv=200.0)
rebound_spike = IzhikevichSpikingBehavior(rebound_spike_p, _initial_state(-64.0, -64, 0.25))

rebound_burst_p = IzhikevichParameters(a=0.03, b=0.25, c=-52.0, d=0.0, tau_inv=200.0)
rebound_burst = IzhikevichSpikingBehavior(rebound_burst_p, _initial_state(-64.0, -64, 0.25))

threshold_variability_p = IzhikevichParameters(
    a=0.03, b=0.25, c=-60.0, d=4.0, tau_inv=250.0)
threshold_variability = IzhikevichSpikingBehavior(
    threshold_variability_p, _initial_state(-64.0, -64, 0.25))

bistability_p = IzhikevichParameters(a=0.1, b=0.26, c=-60.0, d=0.0, tau_inv=250.0)
bistability = IzhikevichSpikingBehavior(bistability_p, _initial_state(-61.0, -61, 0.26))

dap_p = IzhikevichParameters(a=1.0, b=0.2, c=-60.0, d=-21.0, tau_inv=100.0)
dap = IzhikevichSpikingBehavior(dap_p, _initial_state(-70.0, -70, 0.2))

accomodation_p = IzhikevichParameters(a=0.02, b=1.0, c=-55.0, d=4.0, tau_inv=500.0)
#: Norse starts accommodation at ``u = -16`` (not ``v_rest * b``), as Izhikevich does.
accomodation = IzhikevichSpikingBehavior(
    accomodation_p, IzhikevichState(v=np.array(-65.0, dtype=np.float32),
                                    u=np.array(-16.0, dtype=np.float32)))

inhibition_induced_spiking_p = IzhikevichParameters(
    a=-0.02, b=-1.0, c=-60.0, d=8.0, tau_inv=250.0)
inhibition_induced_spiking = IzhikevichSpikingBehavior(
    inhibition_induced_spiking_p, _initial_state(-63.8, -63.8, -1.0))

inhibition_induced_bursting_p = IzhikevichParameters(
    a=-0.026, b=-1.0, c=-45.0, d=-2.0, tau_inv=250.0)
inhibition_induced_bursting = IzhikevichSpikingBehavior(
    inhibition_induced_bursting_p, _initial_state(-63.8, -63.8, -1.0))


def _izhikevich_drive(v, u, p):
    """The voltage drive of step 1 before any input: :math:`s v^2 + m v + b - u`."""
    return p.sq * (v * v) + p.mn * v + p.bias - u


def _izhikevich_update(v, u, drive, p, dt):
    """Steps 1-4 of the module docstring given the whole drive; returns (z, v, u)."""
    h = p.tau_inv * dt
    v_new = v + h * drive
    u_new = u + h * p.a * (p.b * v - u)
    z_new = heaviside(v_new - p.v_th)
    v_new = complement(z_new) * v_new + z_new * p.c
    u_new = complement(z_new) * u_new + z_new * (u_new + p.d)
    return z_new, v_new, u_new


def izhikevich_feed_forward_update(state, input_current, p, dt):
    """One step from validated arguments: ``(z, IzhikevichState)`` (every backend's arithmetic)."""
    drive = _izhikevich_drive(state.v, state.u, p) + input_current
    z_new, v_new, u_new = _izhikevich_update(state.v, state.u, drive, p, dt)
    return z_new, IzhikevichState(v=v_new, u=u_new)


def izhikevich_recurrent_update(state, input_drive, recurrent_drive, p, dt):
    """:func:`izhikevich_feed_forward_update` with :math:`W_{\\text{in}} x + W_{\\text{rec}} z_{t-1}` (added in that order)."""
    drive = _izhikevich_drive(state.v, state.u, p) + input_drive + recurrent_drive
    z_new, v_new, u_new = _izhikevich_update(state.v, state.u, drive, p, dt)
    return z_new, IzhikevichRecurrentState(z=z_new, v=v_new, u=u_new)


def izhikevich_feed_forward_step(
    input_current: np.ndarray,
    s: IzhikevichState,
    p: IzhikevichParameters,
    dt: float = 0.001,
) -> Tuple[np.ndarray, IzhikevichState]:
    r"""One Euler step of a feed-forward Izhikevich layer.

    Parameters
    ----------
    input_current : array
        Input current :math:`I` (mV/ms, already weighted).
    s : IzhikevichState
    p : IzhikevichParameters
    dt : float
        Time step; one step advances the model by ``p.tau_inv * dt`` ms.

    Returns
    -------
    z : array
        Spikes.
    s : IzhikevichState
    """
    (x,), s, p, dt = prepare({"input_current": input_current}, s, IzhikevichState,
                             p, IzhikevichParameters, dt)
    check_neuron_shape(p, x, s.v, s.u)
    return izhikevich_feed_forward_update(s, x, p, dt)


def izhikevich_recurrent_step(
    input_current: np.ndarray,
    s: IzhikevichRecurrentState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: IzhikevichParameters,
    dt: float = 0.001,
) -> Tuple[np.ndarray, IzhikevichRecurrentState]:
    r"""One Euler step of a recurrently connected Izhikevich layer.

    The input current is :math:`I = W_{\text{in}} x + W_{\text{rec}} z_{t-1}`;
    it enters step 1 as the two terms ``... + W_in x + W_rec z``.

    Parameters
    ----------
    input_current : array, shape ``(..., n_in)``
    s : IzhikevichRecurrentState
        Fields of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    p : IzhikevichParameters
    dt : float

    Returns
    -------
    z : array
        Spikes.
    s : IzhikevichRecurrentState
    """
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_current": input_current}, s, IzhikevichRecurrentState,
        p, IzhikevichParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    i_in = linear(x, w_in, "input_current", "input_weights")
    i_rec = linear(s.z, w_rec, "state.z", "recurrent_weights")
    check_neuron_shape(p, i_in, i_rec, s.v, s.u)
    return izhikevich_recurrent_update(s, i_in, i_rec, p, dt)
