"""The driver: validate once, build the initial state, let a backend run the steps."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from refsnn import _checks, guards, registry
from refsnn.backends import layout
from refsnn.models import Connectivity, get_model

_NO_RECURRENT = "has no recurrent variant; call it without input_weights/recurrent_weights"


def _dtype_of(inputs: np.ndarray, state: Any) -> np.dtype:
    if state is not None:
        return _checks.state_dtype(state)
    return inputs.dtype if inputs.dtype in _checks.FLOAT_DTYPES else _checks.DEFAULT_DTYPE


def _connectivity(model, inputs, dtype, input_weights, recurrent_weights, g_coupling):
    """Validate the matrices; return (recurrent?, Connectivity, neuron shape)."""
    recurrent = input_weights is not None or recurrent_weights is not None
    if recurrent and model.recurrent_step is None:
        raise ValueError(f"model {model.name!r} {_NO_RECURRENT}")
    if not recurrent and model.feed_forward_step is None:
        raise ValueError(
            f"model {model.name!r} is recurrent only: pass input_weights"
            + (" and recurrent_weights" if model.takes_recurrent_weights else "")
        )
    if recurrent_weights is not None and not model.takes_recurrent_weights:
        raise ValueError(f"model {model.name!r} takes input_weights only, not recurrent_weights")
    if recurrent:
        if input_weights is None:
            raise ValueError("recurrent_weights given without input_weights")
        if inputs.ndim < 2:
            raise ValueError(
                f"inputs of a recurrent model must have shape (T, ..., n_in), got {inputs.shape}"
            )
        w_in = _checks.check_matrix(input_weights, None, inputs.shape[-1], dtype, "input_weights")
        n = w_in.shape[0]
        shape = inputs.shape[1:-1] + (n,)
        w_rec = None
        if model.takes_recurrent_weights:
            if recurrent_weights is None:
                raise ValueError(f"model {model.name!r} needs recurrent_weights of shape ({n}, {n})")
            w_rec = _checks.check_matrix(recurrent_weights, n, n, dtype, "recurrent_weights")
    else:
        w_in = w_rec = None
        shape = inputs.shape[1:]
    g = None
    if model.takes_coupling:
        if g_coupling is None:
            raise ValueError(f"model {model.name!r} needs g_coupling (compartment conductances)")
        if len(shape) == 0:
            raise ValueError("g_coupling needs neurons along a last axis; inputs have none")
        g = _checks.check_matrix(g_coupling, shape[-1], shape[-1], dtype, "g_coupling")
    elif g_coupling is not None:
        raise ValueError(f"model {model.name!r} takes no g_coupling")
    return recurrent, Connectivity(w_in, w_rec, g), shape


def _expand(tree, shape):
    """A copy of ``tree`` with every leaf a new array of the full neuron shape."""
    if _checks.is_namedtuple(tree):
        return type(tree)(*(_expand(leaf, shape) for leaf in tree))
    return np.array(np.broadcast_to(tree, shape))


def _check_state(state, model, recurrent, shape, dtype):
    expected = model.recurrent_state if recurrent else model.feed_forward_state
    _checks.check_type(state, expected, "state")
    state = _checks.cast_tree(state, dtype, "state")
    _checks.check_broadcast(state, shape, "state")
    return _expand(state, shape)


def _initial_state_views(model, p, shape, dtype, recurrent):
    """The initial state as read-only views broadcast to ``shape``.

    Built at the parameters' shape (a scalar for shared parameters), so a
    device backend fills the state on the device instead of copying a
    host array of every neuron's initial values.
    """
    p_shape = np.broadcast_shapes(*(np.shape(leaf) for _, leaf in layout.leaves(p)))
    small = model.initial_state(p, p_shape, dtype, recurrent)
    return layout.rebuild(small, (np.broadcast_to(leaf, shape)
                                  for _, leaf in layout.leaves(small)))


def _on_device(runner, *arrays) -> tuple:
    """The arrays as the device arrays of a backend that runs on a CUDA device.

    Device arrays (CuPy, torch CUDA tensors, anything with
    ``__cuda_array_interface__`` or a CUDA DLPack device) are taken without a
    copy; host arrays are copied to the device. A backend that takes host
    arrays only is a TypeError.
    """
    to_device = getattr(runner, "device_array", None)
    if to_device is None:
        found = next(type(a).__name__ for a in arrays if _checks.is_device_array(a))
        raise TypeError(
            f"a {found} on a CUDA device was passed, but backend {runner.name!r} takes host "
            "arrays; use backend='cuda', or copy the arrays to the host first"
        )
    return tuple(None if a is None else to_device(a) for a in arrays)


def _spike_dtype(spike_dtype: Any, model) -> np.dtype | None:
    """``spike_dtype`` checked: ``None``, or bool/uint8 for a spiking family."""
    dtype = _checks.spike_dtype(spike_dtype)
    if dtype is not None and model.output != "spikes":
        raise ValueError(f"spike_dtype applies to spiking families; {model.name!r} "
                         f"outputs voltages")
    return dtype


def simulate(
    model: str,
    inputs: Any,
    *,
    p: Any = None,
    state: NamedTuple | None = None,
    dt: float = 0.001,
    backend: str | None = None,
    record_states: bool = False,
    input_weights: Any = None,
    recurrent_weights: Any = None,
    g_coupling: Any = None,
    spike_dtype: Any = None,
):
    r"""Simulate a population of neurons over time.

    Parameters
    ----------
    model : str
        Family name: ``"lif"``, ``"li"``, ``"li_box"``, ``"iaf"``, ``"lif_box"``,
        ``"lif_ex"``, ``"lif_adex"``, ``"lif_refrac"``, ``"lif_adex_refrac"``,
        ``"coba_lif"``, ``"lif_mc"``, ``"lif_mc_refrac"``, ``"lsnn"``,
        ``"ada_lif"`` or ``"izhikevich"`` (see :data:`refsnn.models.MODELS`).
    inputs : array, shape ``(T, ...)``
        Time on axis 0. Feed-forward: the input current of each neuron,
        shape ``(T, *neurons)``. Recurrent: presynaptic input of shape
        ``(T, ..., n_in)``. Float or bool; never modified. With
        ``backend="cuda"`` it (and the weight matrices) may be a CUDA device
        array — CuPy, a torch CUDA tensor, anything exposing
        ``__cuda_array_interface__`` or DLPack — taken without a copy; the
        outputs and states then stay on the device (CuPy arrays).
    p : Parameters, optional
        The family's parameter tuple (fields may be per-neuron arrays).
        Default: the family's defaults (Izhikevich: ``tonic_spiking``, whose
        behaviour also supplies the initial state).
    state : State, optional
        Initial state; default: Norse's initial state for the input's shape.
        Its dtype governs the arithmetic.
    dt : float
        Integration time step, finite and > 0.
    backend : str, optional
        Registered backend name; default :func:`refsnn.backends.default`.
    record_states : bool or tuple of str
        ``True``: return the state at every step (each field stacked over
        time). A tuple of field names (``("v",)``; leaf names, or dotted
        paths such as ``"lif.v"``) keeps only those fields, the others are
        ``None``.
    input_weights, recurrent_weights : arrays, optional
        Select the recurrent variant: shapes ``(n, n_in)`` and ``(n, n)``.
        Leaky integrators take ``input_weights`` only.
    g_coupling : array, shape ``(n, n)``
        Compartment coupling, required by ``lif_mc`` and ``lif_mc_refrac``.
    spike_dtype : ``np.bool_`` or ``np.uint8``, optional
        Store the spikes compactly (1 byte instead of 4 or 8): a quarter of
        the output memory and bandwidth of float32 spikes. Default ``None``:
        spikes in the state's dtype, Norse's convention. Spiking families only.

    Raises
    ------
    ValueError
        Under the default ``nonfinite="raise"`` policy (:mod:`refsnn.config`):
        a non-finite input, weight, state or parameter (naming it and the
        first offending index), or a state that becomes non-finite during
        the run (naming the step and the neuron). Parameters outside their
        domain (a negative inverse time constant, ...).
    refsnn.InsufficientMemoryError
        The outputs, recorded states and state cannot fit in memory; raised
        before anything is allocated.

    Warns
    -----
    refsnn.config.UnstableStepWarning
        ``dt`` is too large for the forward-Euler step (names the parameter
        and the largest stable ``dt``).

    Returns
    -------
    outputs : array, shape ``(T, *neurons)``
        Spikes (or voltages for leaky integrators) at every step.
    state : State
        The final state, or with ``record_states=True`` the state with every
        field stacked over time (shape ``(T, *neurons)``).
    """
    descriptor = get_model(model)
    record_states, record_names = _record(record_states)
    on_device = any(_checks.is_device_array(a) for a in (inputs, input_weights,
                                                          recurrent_weights, g_coupling))
    if on_device:
        inputs, input_weights, recurrent_weights, g_coupling = _on_device(
            registry.get(backend), inputs, input_weights, recurrent_weights, g_coupling)
    else:
        inputs = _checks.as_array(inputs, "inputs")
    if inputs.ndim < 1:
        raise ValueError(f"inputs must have a time axis 0, got a scalar of shape {inputs.shape}")
    _checks.check_dt(dt)
    spike_dtype = _spike_dtype(spike_dtype, descriptor)
    runner = registry.for_model(registry.get(backend), descriptor.name)
    dtype = _dtype_of(inputs, state)
    # The inputs' finiteness is judged after the run, from the final state (guards);
    # they are cast once the run is known to fit (guards.check_memory counts the copy).
    inputs = _checks.check_input(inputs, "inputs", finite=False)
    recurrent, conn, shape = _connectivity(
        descriptor, inputs, dtype, input_weights, recurrent_weights, g_coupling
    )
    if p is None:
        p = descriptor.make_parameters()
    step_p = descriptor.step_parameters(p)
    _checks.check_type(step_p, descriptor.parameters, "p")
    step_p = _checks.cast_tree(step_p, dtype, "p")
    _checks.check_broadcast(step_p, shape, "p")
    guards.check_memory(descriptor, p, inputs, dtype, shape, recurrent, record_states,
                        spike_dtype)
    inputs = inputs.astype(dtype, copy=False)
    guards.check_step(descriptor, step_p, float(dt))
    if state is None and on_device:
        state = _initial_state_views(descriptor, p, shape, dtype, recurrent)
    elif state is None:
        state = descriptor.initial_state(p, shape, dtype, recurrent)
    else:
        state = _check_state(state, descriptor, recurrent, shape, dtype)

    if record_names is not None:
        _check_record_names(record_names, state)

    def run(x, record):
        return runner.run(descriptor, x, state, step_p, dt, conn, record, shape, spike_dtype)

    outputs, final = run(inputs, record_states)
    guards.check_run(inputs, final, record_states, lambda steps: run(inputs[:steps], False)[1])
    if record_names is not None:
        final = _keep(final, record_names)
    return outputs, final


def _record(record_states: Any) -> tuple[bool, frozenset | None]:
    """``(record?, field names to keep or None for all)`` from ``record_states``."""
    if isinstance(record_states, bool):
        return record_states, None
    if isinstance(record_states, str) or not isinstance(record_states, (tuple, list)) or not all(
            isinstance(name, str) for name in record_states):
        raise TypeError("record_states must be a bool or a tuple of state field names, got "
                        f"{record_states!r}")
    return bool(record_states), frozenset(record_states)


def _check_record_names(names: frozenset, state: NamedTuple) -> None:
    """``record_states`` names fields of ``state`` (leaf or dotted names): checked before
    the run."""
    known = {path for path, _ in guards._leaves(state)}
    unknown = {n for n in names if n not in known and n not in {k.rsplit(".", 1)[-1]
                                                                  for k in known}}
    if unknown:
        raise ValueError(f"record_states names unknown state fields {sorted(unknown)}; "
                         f"{type(state).__name__} has {sorted(known)}")


def _keep(state: NamedTuple, names: frozenset, prefix: str = "") -> NamedTuple:
    """The recorded ``state`` with only the fields ``names`` (leaf or dotted names, checked
    by :func:`_check_record_names`); others None."""
    values = []
    for field, value in zip(state._fields, state):
        path = prefix + field
        if _checks.is_namedtuple(value):
            values.append(_keep(value, names, path + "."))
        else:
            values.append(value if path in names or field in names else None)
    return type(state)(*values)
