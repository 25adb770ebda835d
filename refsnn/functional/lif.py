r"""Leaky integrate-and-fire (LIF) neurons with a current-based synapse.

Model
-----
Each neuron carries a membrane voltage :math:`v` and a synaptic current
:math:`i`:

.. math::
    \dot v = \frac{1}{\tau_{\text{mem}}}\,(v_{\text{leak}} - v + i), \qquad
    \dot i = -\frac{1}{\tau_{\text{syn}}}\, i .

A spike :math:`z = H(v - v_{\text{th}})` is emitted when the voltage exceeds
the threshold, after which the voltage jumps to :math:`v_{\text{reset}}`.
Incoming input (and, in the recurrent form, the previous step's spikes
through the recurrent weights) jumps the current.

Discretisation (forward Euler, step :math:`\Delta t`), in this order:

1. current jump: :math:`i' = i + i_{\text{in}}` (recurrent form:
   :math:`i' = i + W_{\text{in}} x + W_{\text{rec}} z_{t-1}`);
2. voltage: :math:`v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,((v_{\text{leak}} - v) + i')`;
3. current decay: :math:`i'' = i' - \Delta t\,\tau_{\text{syn}}^{-1}\, i'`;
4. spike: :math:`z = H(v' - v_{\text{th}})`;
5. reset: :math:`v'' = (1 - z)\,v' + z\,v_{\text{reset}}`.

Inverse time constants are stored (``tau_mem_inv`` = :math:`1/\tau_{\text{mem}}`),
as in Norse. Units are arbitrary but must be consistent with ``dt`` (Norse's
defaults read as seconds and dimensionless voltages).
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare, prepare_encoder
from refsnn.numerics import complement, heaviside


class LIFParameters(NamedTuple):
    """Parameters of a LIF neuron (floats or arrays broadcastable to the neurons).

    Attributes
    ----------
    tau_syn_inv : inverse synaptic time constant :math:`1/\\tau_{\\text{syn}}`
    tau_mem_inv : inverse membrane time constant :math:`1/\\tau_{\\text{mem}}`
    v_leak : leak (resting) potential
    v_th : spike threshold
    v_reset : potential after a spike
    """

    tau_syn_inv: float | np.ndarray = 1.0 / 5e-3
    tau_mem_inv: float | np.ndarray = 1.0 / 1e-2
    v_leak: float | np.ndarray = 0.0
    v_th: float | np.ndarray = 1.0
    v_reset: float | np.ndarray = 0.0


#: Biologically scaled parameters (time in ms, voltage in mV), as Norse ships them.
default_bio_parameters = LIFParameters(
    tau_syn_inv=1 / 0.5, tau_mem_inv=1 / 20.0, v_leak=-65.0, v_th=-50.0, v_reset=-65.0
)


class LIFState(NamedTuple):
    """State of a recurrent LIF layer: last spikes ``z``, voltage ``v``, current ``i``."""

    z: np.ndarray
    v: np.ndarray
    i: np.ndarray


#: Initial state matching :data:`default_bio_parameters` (rest at -65 mV).
default_bio_initial_state = LIFState(z=0.0, v=-65.0, i=0.0)


class LIFFeedForwardState(NamedTuple):
    """State of a feed-forward LIF layer: voltage ``v`` and current ``i``."""

    v: np.ndarray
    i: np.ndarray


def _lif_update(i_new, v, p, dt):
    """Steps 2-5 of the module docstring; returns (z, v, i) after the step."""
    dv = dt * p.tau_mem_inv * ((p.v_leak - v) + i_new)
    v_decayed = v + dv
    di = -dt * p.tau_syn_inv * i_new
    i_decayed = i_new + di
    z_new = heaviside(v_decayed - p.v_th)
    v_new = complement(z_new) * v_decayed + z_new * p.v_reset
    return z_new, v_new, i_decayed


def lif_feed_forward_update(state, input_current, p, dt):
    """One step of the module docstring from a validated state, input, ``p`` and ``dt``.

    The arithmetic that every backend runs (NumPy on arrays, the compiled
    backends on one neuron's scalars); returns ``(z, LIFFeedForwardState)``.
    """
    z_new, v_new, i_new = _lif_update(state.i + input_current, state.v, p, dt)
    return z_new, LIFFeedForwardState(v=v_new, i=i_new)


def lif_recurrent_update(state, input_drive, recurrent_drive, p, dt):
    r""":func:`lif_feed_forward_update` of a recurrent layer.

    ``input_drive`` is :math:`W_{\text{in}} x`, ``recurrent_drive``
    :math:`W_{\text{rec}} z_{t-1}`; returns ``(z, LIFState)``.
    """
    z_new, v_new, i_new = _lif_update(state.i + input_drive + recurrent_drive, state.v, p, dt)
    return z_new, LIFState(z=z_new, v=v_new, i=i_new)


def lif_feed_forward_step(
    input_spikes: np.ndarray,
    state: LIFFeedForwardState,
    p: LIFParameters = LIFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFFeedForwardState]:
    r"""One Euler step of a feed-forward LIF layer.

    Parameters
    ----------
    input_spikes : array
        Input current added to :math:`i` this step (already weighted).
    state : LIFFeedForwardState
    p : LIFParameters
    dt : float
        Integration time step.

    Returns
    -------
    z : array
        Spikes (0 or 1, in the state's dtype).
    state : LIFFeedForwardState
        The state after the step.
    """
    (x,), s, p, dt = prepare({"input_spikes": input_spikes}, state,
                             LIFFeedForwardState, p, LIFParameters, dt)
    check_neuron_shape(p, x, s.v, s.i)
    return lif_feed_forward_update(s, x, p, dt)


def lif_step(
    input_spikes: np.ndarray,
    state: LIFState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: LIFParameters = LIFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFState]:
    r"""One Euler step of a recurrently connected LIF layer.

    The current jumps by :math:`W_{\text{in}} x + W_{\text{rec}} z_{t-1}`
    before the update of the module docstring.

    Parameters
    ----------
    input_spikes : array, shape ``(..., n_in)``
    state : LIFState
        Fields of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
    recurrent_weights : array, shape ``(n, n)``
    p : LIFParameters
    dt : float
    """
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_spikes": input_spikes}, state, LIFState, p, LIFParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    input_drive = linear(x, w_in, "input_spikes", "input_weights")
    recurrent_drive = linear(s.z, w_rec, "state.z", "recurrent_weights")
    check_neuron_shape(p, input_drive, recurrent_drive, s.v, s.i)
    return lif_recurrent_update(s, input_drive, recurrent_drive, p, dt)


def lif_current_encoder(
    input_current: np.ndarray,
    voltage: np.ndarray,
    p: LIFParameters = LIFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, np.ndarray]:
    r"""One Euler step of a LIF neuron driven directly by a current (no synapse).

    .. math::
        v' = v + \Delta t\,\tau_{\text{mem}}^{-1}\,((v_{\text{leak}} - v) + I), \quad
        z = H(v' - v_{\text{th}}), \quad
        v'' = (1 - z)\,v' + z\,v_{\text{reset}}

    The voltage of a spiking neuron is set to exactly ``v_reset``; Norse
    computes ``v - z (v - v_reset)``, which can miss ``v_reset`` by an ulp
    (see :func:`refsnn.compat.norse.lif_current_encoder`).

    Returns
    -------
    z, voltage : arrays
        Spikes and the new voltage (the ``voltage`` array is the state).
    """
    (i_in, v), _, p, dt = prepare_encoder({"input_current": input_current},
                                          {"voltage": voltage}, p, LIFParameters, dt)
    check_neuron_shape(p, i_in, v)
    return lif_current_encoder_update(v, i_in, p, dt)


def lif_current_encoder_update(voltage, input_current, p, dt):
    """The arithmetic of :func:`lif_current_encoder` (validated arguments); ``(z, v)``."""
    v = voltage + dt * p.tau_mem_inv * ((p.v_leak - voltage) + input_current)
    z = heaviside(v - p.v_th)
    return z, complement(z) * v + z * p.v_reset
