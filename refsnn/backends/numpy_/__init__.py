"""The ``numpy`` backend: the reference step functions run in a Python time loop."""

from __future__ import annotations

import functools
import inspect
from typing import NamedTuple

import numpy as np

from refsnn import config
from refsnn._checks import is_namedtuple
from refsnn.functional import encode, scan
from refsnn.models import MODELS, Connectivity, NeuronModel


@functools.cache
def _sequence_functions() -> dict:
    """The reference functions that take ``backend=``: the functions a backend may fuse."""
    return {
        name: fn
        for module in (encode, scan)
        for name in module.__all__
        if "backend" in inspect.signature(fn := getattr(module, name)).parameters
    }


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
    #: Every reference function that takes ``backend=`` (derived, not listed by hand).
    functions = frozenset(_sequence_functions())

    def unavailable_reason(self) -> None:
        return None

    def function(self, name: str):
        """The reference implementation of ``name`` (its ``backend`` left at ``None``)."""
        return _sequence_functions()[name]

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
        spike_dtype: np.dtype | None = None,
    ):
        """Run ``inputs.shape[0]`` steps; return ``(outputs, final or recorded state)``.

        ``neuron_shape`` is the shape of one time step's state; outputs have
        shape ``(T, *neuron_shape)`` and the dtype ``spike_dtype`` (``None``:
        the state's dtype). The driver has validated everything.
        """
        recurrent = connectivity.input_weights is not None
        step = model.recurrent_step if recurrent else model.feed_forward_step
        args = model.step_arguments(connectivity, recurrent)
        dtype = inputs.dtype if spike_dtype is None else spike_dtype
        outputs = np.empty((inputs.shape[0],) + tuple(neuron_shape), dtype=dtype)
        history = []
        with config.options(nonfinite="ignore"):  # the driver applies the policy (guards)
            for t in range(inputs.shape[0]):
                out, state = step(inputs[t], state, *args, p, dt)
                outputs[t] = out
                if record_states:
                    history.append(state)
        if record_states:
            return outputs, _stack(history, state, neuron_shape)
        return outputs, state
