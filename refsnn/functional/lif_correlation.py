r"""Recurrent LIF layer with correlation sensors on its input and recurrent synapses.

Model
-----
A recurrent LIF layer (:mod:`refsnn.functional.lif`) whose synapses carry
the correlation sensors of :mod:`refsnn.functional.correlation_sensor`. One
step, in this order:

1. the LIF step with input :math:`x` and the previous spikes :math:`z_{t-1}`
   gives the new spikes :math:`z_t`
   (:func:`refsnn.functional.lif.lif_step`);
2. the input sensor (synapses ``(batch, n_in, n_hidden)``) steps with
   presynaptic spikes :math:`x` and postsynaptic spikes :math:`z_t`;
3. the recurrent sensor (synapses ``(batch, n_hidden, n_hidden)``) steps
   with presynaptic spikes :math:`z_{t-1}` (the spikes that travelled over
   the recurrent synapses this step) and postsynaptic spikes :math:`z_t`.

The sensors only observe; they do not change the weights. The whole state
runs in one dtype: that of its NumPy arrays (float32 if it has none).

Norse 1.1.0 inherits its correlation sensor's batch broadcasting (see
:mod:`refsnn.functional.correlation_sensor`): it agrees with this module
for a batch of one; :func:`refsnn.compat.norse.lif_correlation_step`
reproduces it for larger batches.
"""

from __future__ import annotations

from typing import NamedTuple, Tuple

import numpy as np

from refsnn import _checks
from refsnn.functional import _plasticity
from refsnn.functional.correlation_sensor import (
    CorrelationSensorParameters,
    CorrelationSensorState,
    correlation_sensor_step,
)
from refsnn.functional.lif import LIFParameters, LIFState, lif_step


class LIFCorrelationState(NamedTuple):
    """State of the layer: the LIF state and both sensors' states."""

    lif_state: LIFState
    input_correlation_state: CorrelationSensorState
    recurrent_correlation_state: CorrelationSensorState


class LIFCorrelationParameters(NamedTuple):
    """Parameters of the LIF neurons and of the two sensors."""

    lif_parameters: LIFParameters = LIFParameters()
    input_correlation_parameters: CorrelationSensorParameters = CorrelationSensorParameters()
    recurrent_correlation_parameters: CorrelationSensorParameters = CorrelationSensorParameters()


def _prepare(state, p, dt):
    _checks.check_type(state, LIFCorrelationState, "state")
    _checks.check_type(p, LIFCorrelationParameters, "p")
    for name, value, kind in (
        ("state.lif_state", state.lif_state, LIFState),
        ("state.input_correlation_state", state.input_correlation_state, CorrelationSensorState),
        ("state.recurrent_correlation_state", state.recurrent_correlation_state,
         CorrelationSensorState),
    ):
        _checks.check_type(value, kind, name)
    _checks.check_dt(dt)
    dtype = _plasticity.governing_dtype(("state", state))
    return _checks.cast_tree(state, dtype, "state"), dtype


def lif_correlation_step(
    input_tensor: np.ndarray,
    state: LIFCorrelationState,
    input_weights: np.ndarray,
    recurrent_weights: np.ndarray,
    p: LIFCorrelationParameters = LIFCorrelationParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, LIFCorrelationState]:
    r"""One step of a recurrent LIF layer and its input and recurrent correlation sensors.

    Parameters
    ----------
    input_tensor : array, shape ``(batch, n_in)``
        Input spikes.
    state : LIFCorrelationState
        LIF fields ``(batch, n_hidden)``; input sensor ``(batch, n_in, n_hidden)``;
        recurrent sensor ``(batch, n_hidden, n_hidden)``.
    input_weights : array, shape ``(n_hidden, n_in)``
    recurrent_weights : array, shape ``(n_hidden, n_hidden)``
    p : LIFCorrelationParameters
    dt : float

    Returns
    -------
    z : array
        Spikes of the layer.
    state : LIFCorrelationState
        LIF state and both sensor states after the step.
    """
    return _lif_correlation(input_tensor, state, input_weights, recurrent_weights, p, dt,
                            correlation_sensor_step)


def _lif_correlation(input_tensor, state, input_weights, recurrent_weights, p, dt, sensor_step):
    """Steps 1-3 of the module docstring with the given sensor step function."""
    state, dtype = _prepare(state, p, dt)
    x = _checks.as_input(input_tensor, dtype, "input_tensor")
    z_new, lif_new = lif_step(x, state.lif_state, input_weights, recurrent_weights,
                              p.lif_parameters, dt)
    input_sensor = sensor_step(x, z_new, state.input_correlation_state,
                               p.input_correlation_parameters, dt)
    recurrent_sensor = sensor_step(np.broadcast_to(state.lif_state.z, z_new.shape), z_new,
                                   state.recurrent_correlation_state,
                                   p.recurrent_correlation_parameters, dt)
    return z_new, LIFCorrelationState(lif_new, input_sensor, recurrent_sensor)
