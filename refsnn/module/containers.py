"""Norse's containers: :class:`Lift`, :class:`SequentialState`, :class:`RegularizationCell`.

A module is *stateful* when its ``forward`` takes a ``state`` argument
(every neuron module); it is then called as ``out, state = m(x, state)``,
a stateless one as ``out = m(x)`` — Norse's rule, so Norse-style user
modules work too.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from refsnn import _checks
from refsnn.functional.regularization import regularize_step, spike_accumulator
from refsnn.module._base import Module, NeuronCell, RecurrentNeuronCell
from refsnn.simulate import simulate


def is_stateful(module: Any) -> bool:
    """Whether ``module`` is called with a state (its ``forward`` has a ``state`` parameter)."""
    forward = getattr(module, "forward", module)
    try:
        return "state" in inspect.signature(forward).parameters
    except (TypeError, ValueError):
        return False


def _check_module(module: Any, name: str) -> None:
    if not callable(module):
        raise TypeError(f"{name} must be a callable module, got {type(module).__name__}")


class Lift(Module):
    """Apply a module at every step of a sequence (time on axis 0).

    ``Lift(module)(x)`` stacks ``module(x[t])``; for a stateful module the
    state is carried from step to step and returned:
    ``out, state = Lift(cell)(x)`` (or ``Lift(cell)((x, state))``, Norse's
    tuple form). A lifted neuron cell runs as one fused call of
    :func:`refsnn.simulate` (the same arithmetic, step for step).
    """

    def __init__(self, module: Any):
        _check_module(module, "module")
        self.lifted_module = module
        self.is_stateful = is_stateful(module)

    def extra_repr(self) -> str:
        return repr(self.lifted_module)

    def forward(self, x: Any):
        state = None
        if isinstance(x, tuple):
            x, state = x
        if isinstance(self.lifted_module, (NeuronCell, RecurrentNeuronCell)):
            return self._fused(x, state)
        x = x if _checks.is_device_array(x) else np.asarray(x)
        outputs = []
        for t in range(x.shape[0]):
            if self.is_stateful:
                out, state = self.lifted_module(x[t], state)
            else:
                out = self.lifted_module(x[t])
            outputs.append(np.asarray(out))
        stacked = np.stack(outputs) if outputs else np.empty((0,) + x.shape[1:], np.float32)
        return (stacked, state) if self.is_stateful else stacked

    def _fused(self, x: Any, state: Any):
        cell = self.lifted_module
        weights = cell._weight_arguments() if isinstance(cell, RecurrentNeuronCell) else {}
        return simulate(cell.model, x, p=cell.p, state=state, dt=cell.dt,
                        backend=cell.backend, **weights)


class SequentialState(Module):
    """Modules applied in order, each stateful one with its own state.

    ``out, states = seq(x, states)``: ``states`` is a list with one entry
    per module (``None`` for stateless ones, or to start from a module's
    initial state); ``states=None`` starts every module afresh. The list
    passed in is not modified. ``return_hidden=True`` returns the list of
    every module's output instead of the last one.
    """

    def __init__(self, *modules: Any, return_hidden: bool = False):
        for k, module in enumerate(modules):
            _check_module(module, f"module {k}")
        _checks.check_type(return_hidden, bool, "return_hidden")
        self.modules = list(modules)
        self.stateful_layers = [is_stateful(m) for m in modules]
        self.return_hidden = return_hidden

    def __len__(self) -> int:
        return len(self.modules)

    def __getitem__(self, index: int) -> Any:
        return self.modules[index]

    def __iter__(self):
        return iter(self.modules)

    def extra_repr(self) -> str:
        return ", ".join(repr(m) for m in self.modules)

    def forward(self, input_tensor: Any, state: list | None = None):
        if state is None:
            state = [None] * len(self.modules)
        elif not isinstance(state, (list, tuple)) or len(state) != len(self.modules):
            raise ValueError(f"state must be None or a list of {len(self.modules)} states "
                             f"(one per module), got {type(state).__name__}"
                             + (f" of length {len(state)}" if isinstance(state, (list, tuple))
                                else ""))
        state = list(state)
        hidden = []
        x = input_tensor
        for k, module in enumerate(self.modules):
            if self.stateful_layers[k]:
                x, state[k] = module(x, state[k])
            else:
                x = module(x)
            hidden.append(x)
        return (hidden if self.return_hidden else x), state


class RegularizationCell(Module):
    """Accumulate a regularisation term over the steps of a network (Norse's cell).

    ``z, term = cell(z, s)`` passes the spikes on and updates the cell's
    ``state`` with ``accumulator(z, s, state)``
    (:func:`refsnn.functional.regularization.regularize_step`); the default
    counts spikes.
    """

    def __init__(self, accumulator: Callable = spike_accumulator, state: Any = None):
        _check_module(accumulator, "accumulator")
        self.accumulator = accumulator
        self.state = state

    def forward(self, z: Any, s: Any):
        z, self.state = regularize_step(z, s, self.accumulator, self.state)
        return z, self.state
