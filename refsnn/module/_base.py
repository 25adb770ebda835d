"""The base classes of the module layer: one step, a sequence, and their recurrent forms.

Norse builds its neuron modules on four torch classes (``SNNCell``,
``SNN``, ``SNNRecurrentCell``, ``SNNRecurrent``); here each is a small
NumPy class driven by a family's descriptor (:mod:`refsnn.models`):

* a **cell** runs one step: ``out, state = cell(x, state)``;
* a **sequence** layer runs every step of ``x`` (time on axis 0) in one
  call to :func:`refsnn.simulate`, i.e. the backend's fused kernel;
* their **recurrent** forms own ``input_weights`` ``(hidden, input)`` and,
  where the family has them, ``recurrent_weights`` ``(hidden, hidden)``.

``state=None`` gives Norse's initial state for the input's shape. The
arithmetic is the functional layer's (``backend="numpy"``, the default,
is the reference itself), so a module gives the same numbers as the step
functions it wraps.

Weights are initialised like Norse's: independent standard normal entries
times :math:`\\sqrt{2 / \\text{hidden}}` (a few modules scale otherwise, as
Norse's do), drawn from a NumPy ``Generator`` (``rng``: a seed or a
Generator), float32; with ``autapses=False`` the diagonal of the recurrent
weights is zero — also for weights passed in, which are copied first (a
caller's arrays are never modified).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refsnn import _checks
from refsnn.models import get_model
from refsnn.simulate import simulate


class Module:
    """A forward-only layer: calling it calls :meth:`forward`."""

    def forward(self, *args, **kwargs):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


def _dt(dt: Any) -> float:
    _checks.check_dt(dt)
    return float(dt)


class _Neurons(Module):
    """What every neuron module has: its family, parameters, ``dt`` and backend."""

    #: The family name (a key of ``refsnn.MODELS``).
    model = ""

    def __init__(self, p: Any = None, *, dt: float = 0.001, backend: str | None = None):
        descriptor = get_model(self.model)
        self.p = descriptor.make_parameters() if p is None else p
        _checks.check_type(descriptor.step_parameters(self.p), descriptor.parameters, "p")
        self.dt = _dt(dt)
        self.backend = backend

    def extra_repr(self) -> str:
        return f"p={self.p!r}, dt={self.dt}"


class NeuronCell(_Neurons):
    """One feed-forward step of a family: ``out, state = cell(x, state)``."""

    def forward(self, input_tensor: Any, state: Any = None):
        out, state = simulate(self.model, _one_step(input_tensor), p=self.p, state=state,
                              dt=self.dt, backend=self.backend)
        return out[0], state


class NeuronLayer(_Neurons):
    """A feed-forward family over a whole sequence (time on axis 0), in one fused call.

    ``record_states=True`` returns the state after every step (fields
    stacked on a new axis 0) instead of the final one.
    """

    def __init__(self, p: Any = None, *, dt: float = 0.001, record_states: bool = False,
                 backend: str | None = None):
        super().__init__(p, dt=dt, backend=backend)
        _checks.check_type(record_states, bool, "record_states")
        self.record_states = record_states

    def forward(self, input_tensor: Any, state: Any = None):
        return simulate(self.model, input_tensor, p=self.p, state=state, dt=self.dt,
                        record_states=self.record_states, backend=self.backend)


def _size(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def initial_weights(rows: int, cols: int, scale: float, rng: Any) -> np.ndarray:
    """Independent standard normal entries times ``scale``, float32 (Norse's initialisation)."""
    return (np.random.default_rng(rng).standard_normal((rows, cols), dtype=np.float32)
            * np.float32(scale))


def norse_scale(input_size: int, hidden_size: int) -> float:
    """Norse's recurrent modules: :math:`\\sqrt{2 / \\text{hidden}}` for both matrices."""
    return float(np.sqrt(2.0 / hidden_size))


def _weights(value: Any, shape: tuple, name: str, make) -> np.ndarray:
    """A private float copy of ``value`` of ``shape``, or ``make()`` when ``value`` is None."""
    if value is None:
        return make()
    w = np.array(value, copy=True)
    if w.dtype.kind not in "fiu" or w.dtype == np.bool_:
        raise TypeError(f"{name} must be a float array, got dtype {w.dtype}")
    if w.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {w.shape}")
    return w.astype(np.float32) if w.dtype.kind != "f" else w


class _RecurrentNeurons(_Neurons):
    """Neurons with input (and recurrent) weights; see the module docstring.

    Subclasses whose Norse module initialises differently override the
    class attributes: ``input_scale``/``recurrent_scale`` (functions of
    ``(input_size, hidden_size)``) and ``autapses_default``.
    """

    input_scale = staticmethod(norse_scale)
    recurrent_scale = staticmethod(norse_scale)
    autapses_default = False

    def __init__(self, input_size: int, hidden_size: int, p: Any = None, *,
                 input_weights: Any = None, recurrent_weights: Any = None,
                 autapses: bool | None = None, dt: float = 0.001,
                 backend: str | None = None, rng: Any = None):
        super().__init__(p, dt=dt, backend=backend)
        self.input_size = n_in = _size(input_size, "input_size")
        self.hidden_size = n = _size(hidden_size, "hidden_size")
        autapses = self.autapses_default if autapses is None else autapses
        _checks.check_type(autapses, bool, "autapses")
        self.autapses = autapses
        self.rng = np.random.default_rng(rng)
        self.input_weights = _weights(
            input_weights, (n, n_in), "input_weights",
            lambda: initial_weights(n, n_in, self.input_scale(n_in, n), self.rng))
        self.recurrent_weights = None
        if get_model(self.model).takes_recurrent_weights:
            self.recurrent_weights = _weights(
                recurrent_weights, (n, n), "recurrent_weights",
                lambda: initial_weights(n, n, self.recurrent_scale(n_in, n), self.rng))
            if not autapses:
                np.fill_diagonal(self.recurrent_weights, 0)
        elif recurrent_weights is not None:
            raise ValueError(f"{type(self).__name__} has no recurrent weights")

    def extra_repr(self) -> str:
        return (f"input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"p={self.p!r}, autapses={self.autapses}, dt={self.dt}")

    def _weight_arguments(self) -> dict:
        kwargs = {"input_weights": self.input_weights}
        if self.recurrent_weights is not None:
            kwargs["recurrent_weights"] = self.recurrent_weights
        if getattr(self, "g_coupling", None) is not None:
            kwargs["g_coupling"] = self.g_coupling
        return kwargs


class RecurrentNeuronCell(_RecurrentNeurons):
    """One recurrent step: ``out, state = cell(x, state)``, ``x`` shaped ``(..., input_size)``."""

    def forward(self, input_tensor: Any, state: Any = None):
        out, state = simulate(self.model, _one_step(input_tensor), p=self.p, state=state,
                              dt=self.dt, backend=self.backend, **self._weight_arguments())
        return out[0], state


class RecurrentNeuronLayer(_RecurrentNeurons):
    """A recurrent family over a whole sequence ``(T, ..., input_size)`` in one call."""

    def __init__(self, input_size: int, hidden_size: int, p: Any = None, *,
                 record_states: bool = False, **kwargs):
        super().__init__(input_size, hidden_size, p, **kwargs)
        _checks.check_type(record_states, bool, "record_states")
        self.record_states = record_states

    def forward(self, input_tensor: Any, state: Any = None):
        return simulate(self.model, input_tensor, p=self.p, state=state, dt=self.dt,
                        record_states=self.record_states, backend=self.backend,
                        **self._weight_arguments())


def _one_step(x: Any):
    """``x`` with a time axis of length 1 (a view; the caller's array is not copied)."""
    if _checks.is_device_array(x):
        return x[None]
    return np.asarray(x)[None]
