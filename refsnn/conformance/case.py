r"""One conformance case: a family, its parameters, inputs and initial state, and its traces.

A :class:`Case` holds everything a simulator needs to run one population of
one neuron family for ``T`` steps: the family's name, the parameters (each
field a scalar or a per-neuron array), the inputs of every step, the initial
state, the step ``dt`` and, for recurrent and coupled families, the weight
matrices. Its *reference traces* are refsnn's run of the case
(:meth:`Case.reference`); a candidate simulator's traces are compared with
them by :func:`refsnn.conformance.run`.

Traces
------
A run's traces are a dict of arrays of shape ``(T, *neurons)``, one entry
per variable, named as the state's fields (nested fields with dots):

* ``"z"``: the spikes of a spiking family (the output of each step; the
  state field ``z`` of a recurrent state holds the same values and is not
  repeated);
* every state variable after each step: ``"v"``, ``"i"``, ``"a"``, ...,
  ``"lif.v"``, ``"rho"`` for the refractory families. The leaky integrators
  (``li``, ``li_box``) output their voltage, which is ``"v"``.

:func:`trace_names` lists them for a family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, NamedTuple

import numpy as np

from refsnn._checks import is_namedtuple
from refsnn.models import NeuronModel, get_model
from refsnn.simulate import simulate

__all__ = ["Case", "NotApplicable", "flatten", "traces_from", "trace_names", "check_traces"]


class NotApplicable(Exception):
    """Raised by an adapter for a case its simulator cannot run (the message says why).

    The runner lists the case as ``n/a`` with the message; it is neither a
    pass nor a failure.
    """


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """The leaves of a (nested) NamedTuple by dotted name, ``None`` fields skipped."""
    out = {}
    for name, value in zip(tree._fields, tree):
        if is_namedtuple(value):
            out.update(flatten(value, f"{prefix}{name}."))
        elif value is not None:
            out[prefix + name] = value
    return out


def traces_from(model: NeuronModel | str, outputs: Any, states: Mapping[str, Any]) -> dict:
    """A run's traces (module docstring) from its outputs and its flattened state history.

    Parameters
    ----------
    model : NeuronModel or str
        The family.
    outputs : array, shape ``(T, *neurons)``
        What each step returned first (spikes, or the voltage of a leaky
        integrator).
    states : mapping of str to array
        :func:`flatten` of the state after every step, stacked over time.

    Returns
    -------
    dict of str to array
    """
    model = get_model(model) if isinstance(model, str) else model
    traces = {}
    if model.output == "spikes":
        traces["z"] = outputs
    for name, value in states.items():
        if name.rsplit(".", 1)[-1] != "z":
            traces[name] = value
    return traces


def trace_names(family: str, recurrent: bool = False) -> list[str]:
    """The names of a family's traces, in order (module docstring)."""
    model = get_model(family)
    template = model.initial_state(model.make_parameters(), (1,), np.dtype(np.float64),
                                   recurrent)
    return list(traces_from(model, None, flatten(template)))


def _frozen(value: Any) -> Any:
    """A read-only copy of an array (scalars and callables as they are)."""
    if value is None or callable(value) or isinstance(value, (bool, int, float)):
        return value
    array = np.array(value)
    array.setflags(write=False)
    return array


def _frozen_tree(tree: NamedTuple) -> NamedTuple:
    return type(tree)(*(_frozen_tree(v) if is_namedtuple(v) else _frozen(v) for v in tree))


@dataclass(frozen=True, eq=False)
class Case:
    r"""One run of one neuron family, the unit of the conformance suite.

    Attributes
    ----------
    id : str
        ``"<family>/<name>/<dtype>"``; within a :data:`~refsnn.conformance.VERSION`
        of the suite an id always means the same data.
    family : str
        The family (:data:`refsnn.models.MODELS`).
    description : str
        What the case exercises.
    inputs : ndarray, shape ``(T, *neurons)`` or ``(T, n_in)``
        The input of every step: currents (feed-forward) or presynaptic
        spikes (recurrent).
    p : Parameters
        The family's parameter tuple; a field is a scalar or a per-neuron array.
    state : State
        The initial state (every field of shape ``neurons``); its dtype is
        the case's dtype.
    dt : float
        The time step.
    input_weights, recurrent_weights, g_coupling : ndarray or None
        Present for a recurrent run (:math:`W_{\text{in}}`, :math:`W_{\text{rec}}`)
        and for the multi-compartment families (:math:`G`).
    long : bool
        A long run, left out of the default selection.
    expected : dict of str to ndarray, optional
        Traces to compare with instead of refsnn's (a golden file's).

    Every array is a read-only copy: an adapter cannot change a case.
    """

    id: str
    family: str
    description: str
    inputs: np.ndarray
    p: Any
    state: Any
    dt: float
    input_weights: np.ndarray | None = None
    recurrent_weights: np.ndarray | None = None
    g_coupling: np.ndarray | None = None
    long: bool = False
    expected: dict | None = field(default=None, repr=False)

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "inputs", _frozen(self.inputs))
        set_(self, "p", _frozen_tree(self.p))
        set_(self, "state", _frozen_tree(self.state))
        for name in ("input_weights", "recurrent_weights", "g_coupling"):
            set_(self, name, _frozen(getattr(self, name)))
        if self.expected is not None:
            set_(self, "expected", {k: _frozen(v) for k, v in self.expected.items()})

    @property
    def model(self) -> NeuronModel:
        """The family's descriptor."""
        return get_model(self.family)

    @property
    def dtype(self) -> np.dtype:
        """The floating dtype of the state, which governs the arithmetic."""
        return next(iter(flatten(self.state).values())).dtype

    @property
    def steps(self) -> int:
        """``T``, the number of steps."""
        return len(self.inputs)

    @property
    def recurrent(self) -> bool:
        """Whether the case runs the family's recurrent step (it has input weights)."""
        return self.input_weights is not None

    @property
    def neurons(self) -> tuple[int, ...]:
        """The shape of one step of the population."""
        return next(iter(flatten(self.state).values())).shape

    @property
    def step_function(self) -> str:
        """The name of the step function the case runs (Norse's name too)."""
        model = self.model
        step = model.recurrent_step if self.recurrent else model.feed_forward_step
        return step.__name__

    @property
    def matrices(self) -> tuple[np.ndarray, ...]:
        """The matrices the step takes between ``state`` and ``p``, in Norse's order."""
        return tuple(m for m in (self.input_weights, self.recurrent_weights, self.g_coupling)
                     if m is not None)

    def simulate_kwargs(self) -> dict:
        """Keyword arguments of :func:`refsnn.simulate` that run this case."""
        return dict(p=self.p, state=self.state, dt=self.dt, input_weights=self.input_weights,
                    recurrent_weights=self.recurrent_weights, g_coupling=self.g_coupling)

    def reference(self) -> dict[str, np.ndarray]:
        """The traces to compare with: :attr:`expected`, else refsnn's run (read-only arrays)."""
        return self.expected if self.expected is not None else self._refsnn_traces

    @cached_property
    def _refsnn_traces(self) -> dict[str, np.ndarray]:
        outputs, history = simulate(self.family, self.inputs, backend="numpy",
                                    record_states=True, **self.simulate_kwargs())
        return {k: _frozen(v) for k, v in traces_from(self.model, outputs,
                                                      flatten(history)).items()}

    def __repr__(self) -> str:
        return (f"Case({self.id!r}, {self.steps} steps x {self.neurons} neurons, "
                f"dt={self.dt:g})")


def check_traces(case: Case, traces: Any, source: str = "candidate") -> dict[str, np.ndarray]:
    """Validate a simulator's traces for ``case``; return them as NumPy arrays.

    Parameters
    ----------
    case : Case
    traces : mapping of str to array
        ``{"v": (T, *neurons), "z": ..., ...}`` (torch tensors are accepted).
    source : str
        Who produced them, for the messages.

    Raises
    ------
    TypeError
        ``traces`` is not a mapping with string keys, or a value is not an
        array of numbers.
    ValueError
        A variable whose shape is not ``(T, *neurons)`` (the message gives
        the case, the variable, both shapes and the expected names).
    """
    if not isinstance(traces, Mapping):
        raise TypeError(f"{source} for case {case.id!r} must return a dict of traces "
                        f"{{name: array of shape (T, ...)}}, got {type(traces).__name__}")
    expected_shape = (case.steps,) + tuple(case.neurons)
    out = {}
    for name, value in traces.items():
        if not isinstance(name, str):
            raise TypeError(f"{source} for case {case.id!r}: trace names must be strings, got "
                            f"{type(name).__name__} {name!r}")
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{source} for case {case.id!r}: trace {name!r} has dtype "
                            f"{array.dtype}; expected numbers or booleans")
        if array.shape != expected_shape:
            raise ValueError(
                f"{source} for case {case.id!r}: trace {name!r} has shape {array.shape}, "
                f"expected {expected_shape} (steps, *neurons); the case's traces are "
                f"{', '.join(case.reference())}")
        out[name] = array
    return out
