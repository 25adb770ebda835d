"""The ``numpy`` backend: the reference step functions run in a Python time loop."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from refsnn._checks import is_namedtuple
from refsnn.models import MODELS, Connectivity, NeuronModel


def _stack(states: list, template: NamedTuple, shape: tuple) -> NamedTuple:
    """Stack a list of states along a new time axis 0 (an empty list gives length 0)."""
    if is_namedtuple(template):
        return type(template)(*(
            _stack([s[k] for s in states], leaf, shape) for k, leaf in enumerate(template)
        ))
    if not states:
        return np.empty((0,) + tuple(shape), dtype=np.asarray(template).dtype)
    return np.stack([np.broadcast_to(s, shape) for s in states])


class NumpyBackend:
    """Runs every model with the readable reference of :mod:`refsnn.functional`."""

    name = "numpy"
    models = frozenset(MODELS)
    #: Functional-API functions reachable through ``backend="numpy"``: the reference itself.
    functions = frozenset({
        "poisson_encode", "signed_poisson_encode", "constant_current_lif_encode",
        "spike_latency_lif_encode", "stdp_sensor_scan", "stp_scan", "stdp_linear_scan",
    })

    def unavailable_reason(self) -> None:
        return None

    def function(self, name: str):
        """The reference implementation of ``name`` (its ``backend`` left at ``None``)."""
        from refsnn.functional import encode, scan

        if name not in self.functions:
            raise KeyError(name)
        return getattr(encode if hasattr(encode, name) else scan, name)

    def run(
        self,
        model: NeuronModel,
        inputs: np.ndarray,
        state: NamedTuple,
        p: NamedTuple,
        dt: float,
        connectivity: Connectivity,
        record_states: bool,
        neuron_shape: tuple,
    ):
        """Run ``inputs.shape[0]`` steps; return ``(outputs, final or recorded state)``.

        ``neuron_shape`` is the shape of one time step's state; outputs have
        shape ``(T, *neuron_shape)``.
        """
        recurrent = connectivity.input_weights is not None
        step = model.recurrent_step if recurrent else model.feed_forward_step
        args = model.step_arguments(connectivity, recurrent)
        dtype = inputs.dtype
        outputs = np.empty((inputs.shape[0],) + tuple(neuron_shape), dtype=dtype)
        history = []
        for t in range(inputs.shape[0]):
            out, state = step(inputs[t], state, *args, p, dt)
            outputs[t] = out
            if record_states:
                history.append(state)
        if record_states:
            return outputs, _stack(history, state, neuron_shape)
        return outputs, state
