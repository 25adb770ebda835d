r"""Conductance-based leaky integrate-and-fire (COBA LIF) neurons.

Model
-----
Synaptic input opens excitatory and inhibitory conductances :math:`g_e`,
:math:`g_i` whose driving force depends on the distance of the membrane
voltage :math:`v` from the reversal potentials :math:`E_e`, :math:`E_i`:

.. math::
    \dot v = \frac{1}{c_m}\,\bigl(g_l\,(v_{\text{rest}} - v)
             + g_e\,(E_e - v) + g_i\,(E_i - v)\bigr), \qquad
    \dot g_e = -\frac{g_e}{\tau_{\text{syn},e}}, \qquad
    \dot g_i = -\frac{g_i}{\tau_{\text{syn},i}} .

A spike :math:`z = H(v - v_{\text{thresh}})` resets the voltage to
:math:`v_{\text{reset}}`. A weight's sign decides which conductance it
opens: positive weights jump :math:`g_e` by :math:`\mathrm{relu}(w)`,
negative ones jump :math:`g_i` by :math:`\mathrm{relu}(-w)`.

Discretisation (forward Euler, step :math:`\Delta t`), in this order:

1. conductance jumps. Feed-forward: :math:`g_e' = g_e + \mathrm{relu}(x)`,
   :math:`g_i' = g_i + \mathrm{relu}(-x)` (the input is already weighted).
   Recurrent: input spikes *and* the previous step's spikes both add,
   :math:`g_e' = g_e + \mathrm{relu}(W_{\text{in}})\,x + \mathrm{relu}(W_{\text{rec}})\,z_{t-1}`,
   :math:`g_i' = g_i + \mathrm{relu}(-W_{\text{in}})\,x + \mathrm{relu}(-W_{\text{rec}})\,z_{t-1}`;
2. conductance decay: :math:`g_e'' = g_e' - \Delta t\,\tau_{\text{syn},e}^{-1}\,g_e'`,
   :math:`g_i'' = g_i' - \Delta t\,\tau_{\text{syn},i}^{-1}\,g_i'`;
3. voltage, with the decayed conductances and the old voltage:
   :math:`v' = v + \Delta t\,c_m^{-1}\,(g_l (v_{\text{rest}} - v)
   + g_e'' (E_e - v) + g_i'' (E_i - v))`;
4. spike: :math:`z = H(v' - v_{\text{thresh}})`;
5. reset: :math:`v'' = (1 - z)\,v' + z\,v_{\text{reset}}`.

Norse 1.1.0's ``coba_lif_step`` drops the input-spike jumps of step 1 (it
overwrites them with the recurrent ones), so input never reaches a recurrent
COBA layer; :func:`refsnn.compat.norse.coba_lif.coba_lif_step` reproduces
that. The feed-forward step agrees with Norse.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn.functional._prepare import check_neuron_shape, linear, prepare
from refsnn.numerics import complement, heaviside, relu


class CobaLIFParameters(NamedTuple):
    """Parameters of a conductance-based LIF neuron.

    Attributes
    ----------
    tau_syn_exc_inv : inverse excitatory synaptic time constant
    tau_syn_inh_inv : inverse inhibitory synaptic time constant
    c_m_inv : inverse membrane capacitance :math:`1/c_m`
    g_l : leak conductance
    e_rev_I : inhibitory reversal potential :math:`E_i`
    e_rev_E : excitatory reversal potential :math:`E_e`
    v_rest : resting potential
    v_reset : potential after a spike
    v_thresh : spike threshold
    """

    tau_syn_exc_inv: float | np.ndarray = 1.0 / 5
    tau_syn_inh_inv: float | np.ndarray = 1.0 / 5
    c_m_inv: float | np.ndarray = 1 / 0.2
    g_l: float | np.ndarray = 1 / 20 * 1 / 0.2
    e_rev_I: float | np.ndarray = -100.0
    e_rev_E: float | np.ndarray = 60.0
    v_rest: float | np.ndarray = -20.0
    v_reset: float | np.ndarray = -70.0
    v_thresh: float | np.ndarray = -10.0


#: Biologically scaled parameters (time in ms, voltage in mV), as Norse ships them.
default_bio_parameters = CobaLIFParameters(
    tau_syn_exc_inv=1 / 0.3,
    tau_syn_inh_inv=1 / 0.5,
    e_rev_E=0.0,
    e_rev_I=-70.0,
    v_thresh=-50.0,
    v_reset=-65.0,
    v_rest=-65.0,
)


class CobaLIFState(NamedTuple):
    """State of a recurrent COBA LIF layer.

    Fields: last spikes ``z``, voltage ``v``, excitatory conductance ``g_e``,
    inhibitory conductance ``g_i``.
    """

    z: np.ndarray
    v: np.ndarray
    g_e: np.ndarray
    g_i: np.ndarray


#: Initial state matching :data:`default_bio_parameters` (rest at -65 mV).
default_bio_state = CobaLIFState(z=0.0, v=-65.0, g_e=0.0, g_i=0.0)


class CobaLIFFeedForwardState(NamedTuple):
    """State of a feed-forward COBA LIF layer: voltage and the two conductances."""

    v: np.ndarray
    g_e: np.ndarray
    g_i: np.ndarray




def _coba_update(g_e, g_i, v, p, dt):
    """Steps 2-5 of the module docstring; returns (z, v, g_e, g_i) after the step."""
    dg_e = -dt * p.tau_syn_exc_inv * g_e
    g_e = g_e + dg_e
    dg_i = -dt * p.tau_syn_inh_inv * g_i
    g_i = g_i + dg_i
    drive = p.g_l * (p.v_rest - v) + g_e * (p.e_rev_E - v) + g_i * (p.e_rev_I - v)
    v_decayed = v + dt * p.c_m_inv * drive
    z_new = heaviside(v_decayed - p.v_thresh)
    v_new = complement(z_new) * v_decayed + z_new * p.v_reset
    return z_new, v_new, g_e, g_i


def coba_lif_feed_forward_update(state, input_current, p, dt):
    """One step from validated arguments: ``(z, CobaLIFFeedForwardState)`` (every backend's arithmetic).

    The positive part of the input jumps :math:`g_e`, the negative part :math:`g_i`.
    """
    g_e = state.g_e + relu(input_current)
    g_i = state.g_i + relu(-input_current)
    z_new, v_new, g_e, g_i = _coba_update(g_e, g_i, state.v, p, dt)
    return z_new, CobaLIFFeedForwardState(v=v_new, g_e=g_e, g_i=g_i)


def coba_lif_recurrent_update(state, input_exc, input_inh, recurrent_exc, recurrent_inh,
                              p, dt):
    r"""One recurrent step from validated arguments: ``(z, CobaLIFState)``.

    The drives are the weighted inputs split by the sign of the weights:
    ``input_exc`` :math:`= \max(W_{\text{in}}, 0)\,x`, ``input_inh``
    :math:`= \max(-W_{\text{in}}, 0)\,x`, and likewise for
    :math:`W_{\text{rec}}` and :math:`z_{t-1}`.
    """
    g_e = state.g_e + input_exc + recurrent_exc
    g_i = state.g_i + input_inh + recurrent_inh
    z_new, v_new, g_e, g_i = _coba_update(g_e, g_i, state.v, p, dt)
    return z_new, CobaLIFState(z=z_new, v=v_new, g_e=g_e, g_i=g_i)


def coba_lif_feed_forward_step(
    input_tensor: np.ndarray,
    state: CobaLIFFeedForwardState,
    p: CobaLIFParameters = CobaLIFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, CobaLIFFeedForwardState]:
    r"""One Euler step of a feed-forward COBA LIF layer.

    Parameters
    ----------
    input_tensor : array
        Weighted synaptic input; its positive part jumps :math:`g_e`, its
        negative part (sign flipped) jumps :math:`g_i`.
    state : CobaLIFFeedForwardState
    p : CobaLIFParameters
    dt : float
        Integration time step.

    Returns
    -------
    z : array
        Spikes (0 or 1, in the state's dtype).
    state : CobaLIFFeedForwardState
        The state after the step.
    """
    (x,), s, p, dt = prepare({"input_tensor": input_tensor}, state,
                             CobaLIFFeedForwardState, p, CobaLIFParameters, dt)
    check_neuron_shape(p, x, s.v, s.g_e, s.g_i)
    return coba_lif_feed_forward_update(s, x, p, dt)


def coba_lif_step(
    input_spikes: np.ndarray,
    state: CobaLIFState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: CobaLIFParameters = CobaLIFParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, CobaLIFState]:
    r"""One Euler step of a recurrently connected COBA LIF layer.

    Input spikes and the previous step's spikes both jump the conductances:

    .. math::
        g_e' = g_e + \mathrm{relu}(W_{\text{in}})\,x + \mathrm{relu}(W_{\text{rec}})\,z_{t-1},
        \qquad
        g_i' = g_i + \mathrm{relu}(-W_{\text{in}})\,x + \mathrm{relu}(-W_{\text{rec}})\,z_{t-1},

    then steps 2-5 of the module docstring follow.

    Parameters
    ----------
    input_spikes : array, shape ``(..., n_in)``
        Input spikes.
    state : CobaLIFState
        Fields of shape ``(..., n)``.
    input_weights : array, shape ``(n, n_in)``
        Signed weights: positive excite, negative inhibit.
    recurrent_weights : array, shape ``(n, n)``
    p : CobaLIFParameters
    dt : float

    Returns
    -------
    z : array
        Spikes.
    state : CobaLIFState
    """
    (x, w_in, w_rec), s, p, dt = prepare(
        {"input_spikes": input_spikes}, state, CobaLIFState, p, CobaLIFParameters, dt,
        weights={"input_weights": input_weights, "recurrent_weights": recurrent_weights},
    )
    drives = (linear(x, relu(w_in), "input_spikes", "input_weights"),
              linear(x, relu(-w_in), "input_spikes", "input_weights"),
              linear(s.z, relu(w_rec), "state.z", "recurrent_weights"),
              linear(s.z, relu(-w_rec), "state.z", "recurrent_weights"))
    check_neuron_shape(p, *drives, s.v, s.g_e, s.g_i)
    return coba_lif_recurrent_update(s, *drives, p, dt)
