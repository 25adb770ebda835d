"""Python side of the numba backend: flatten, call one compiled loop, rebuild.

The driver has already validated and cast everything. Here the state is
copied once into a ``(leaves, N)`` array, per-neuron parameters into a
``(leaves, N)`` array (scalar parameters stay a NamedTuple of scalars), the input projections of recurrent layers are
computed for all steps at once (one BLAS call, written straight into the
output buffer), and a single compiled loop runs every step. Outputs and
recorded states are preallocated; nothing is allocated per step.

Parallelism: the loops take a neuron range and release the GIL; large
problems are split into ``NUMBA_NUM_THREADS`` ranges (multiples of the
kernel's block for elementwise models, whole batch rows for models with
matrix products, since batch rows never interact) run on a small thread
pool. This replaces the ``prange`` of DESIGN.md: a parallel region costs
~12 ms per launch with Numba's OpenMP layer on a loaded machine (measured),
which a recurrent loop would pay every step; the threading layer is
process-global (not ours to choose); and ``parallel=True`` adds compile time
to every kernel. With a single batch row, a recurrent layer runs on one
thread, BLAS products excepted (they are threaded by BLAS).
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import numba
import numpy as np
from numba import typeof, types

from refsnn.backends import layout
from refsnn.backends.numba_ import kernels
from refsnn.models import Connectivity, NeuronModel
from refsnn.numerics import relu


def _scalars(tree: NamedTuple, dtype, values=None) -> NamedTuple:
    """``tree`` with its leaves as scalars of ``dtype`` (from ``values``, else 0), callables None."""
    return layout.rebuild(tree, values if values is not None else itertools.repeat(dtype.type(0)))



def _parameters(p: NamedTuple, shape: tuple, n: int, dtype) -> tuple:
    """``(P, p_like)``: per-neuron rows and a template, or empty rows and the scalars."""
    leaves = layout.leaves(p)
    arrays = [np.asarray(leaf, dtype) for _, leaf in leaves]
    if all(a.size == 1 for a in arrays):
        scalars = (dtype.type(a.reshape(-1)[0]) for a in arrays)
        return layout.readonly(np.empty((len(leaves), 0), dtype)), _scalars(p, dtype, scalars)
    return layout.readonly(layout.rows(leaves, shape, n, dtype)), _scalars(p, dtype)


def _type_key(value: Any):
    """A cheap key that determines Numba's type of ``value`` (equal keys, equal types).

    Arrays: dtype, dimensions and the layout flags; tuples: their type and
    their items' keys; anything else (NumPy and Python scalars): its type.
    """
    if isinstance(value, np.ndarray):
        flags = value.flags
        return (value.dtype, value.ndim, flags.c_contiguous, flags.f_contiguous,
                flags.writeable, flags.aligned)
    if isinstance(value, tuple):
        return (type(value),) + tuple(map(_type_key, value))
    return type(value)


#: ``(loop, kind, type keys of the other arguments)`` -> compiled entry point.
_ENTRY_POINTS: dict = {}


def compiled(loop, args: tuple):
    """The compiled entry point of ``loop`` for ``args = (kind, ...)``.

    ``kind`` is typed as a string literal: compiling (or loading from the
    on-disk cache) with the literal signature directly, then calling the
    entry point, spares every call the dispatcher's detour through the
    non-literal signature (~10 ms). Entry points are remembered by a cheap
    key of the argument types (:func:`_type_key`): Numba's own typing of the
    arguments costs more than a small simulation.
    """
    cache_key = (loop, args[0]) + tuple(_type_key(a) for a in args[1:])
    found = _ENTRY_POINTS.get(cache_key)
    if found is None:
        signature = (types.literal(args[0]),) + tuple(typeof(a) for a in args[1:])
        if signature not in loop.overloads:
            loop.compile(signature)
        found = _ENTRY_POINTS[cache_key] = loop.overloads[signature].entry_point
    return found


#: Smallest number of neuron-steps worth a second thread.
_MIN_WORK = 1 << 16
_POOL: ThreadPoolExecutor | None = None
_POOL_PID = 0
_POOL_LOCK = threading.Lock()


def _threads() -> int:
    """Worker threads: Numba's thread count (``NUMBA_NUM_THREADS``)."""
    return max(1, int(numba.config.NUMBA_NUM_THREADS))


def _pool() -> ThreadPoolExecutor:
    """The worker pool, created on first use (and again in a forked child)."""
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        if _POOL is None or _POOL_PID != os.getpid():
            _POOL = ThreadPoolExecutor(_threads(), thread_name_prefix="refsnn-numba")
            _POOL_PID = os.getpid()
        return _POOL


def _run_chunks(fn, args: tuple, n: int, unit: int, work: int) -> None:
    """Call ``fn(*args, lo, hi)`` on ``[0, n)`` split into multiples of ``unit``.

    The kernels release the GIL, so the chunks run in parallel on the pool
    (the first in the calling thread). Small problems run in one call.
    """
    units = -(-n // unit)
    chunks = min(_threads(), units, max(1, work // _MIN_WORK))
    if chunks <= 1:
        fn(*args, 0, n)
        return
    per = -(-units // chunks) * unit
    bounds = [(lo, min(lo + per, n)) for lo in range(0, n, per)]
    futures = [_pool().submit(fn, *args, lo, hi) for lo, hi in bounds[1:]]
    fn(*args, *bounds[0])
    for f in futures:
        f.result()


def run(model: NeuronModel, inputs: np.ndarray, state: NamedTuple, p: NamedTuple, dt: Any,
        connectivity: Connectivity, record_states: bool, neuron_shape: tuple,
        spike_dtype: np.dtype | None = None):
    """Same contract as :meth:`refsnn.backends.numpy_.NumpyBackend.run`."""
    recurrent = connectivity.input_weights is not None
    kind = model.update_name(p, recurrent)
    dtype = inputs.dtype
    shape = tuple(neuron_shape)
    steps = inputs.shape[0]
    n = math.prod(shape)
    state_leaves = layout.leaves(state)

    outputs = np.empty((steps, n), dtype if spike_dtype is None else spike_dtype)
    if steps == 0:
        if record_states:
            empty = (np.empty((0,) + shape, dtype) for _ in state_leaves)
            return outputs.reshape((0,) + shape), layout.rebuild(state, empty)
        return outputs.reshape((0,) + shape), state

    s = layout.rows(state_leaves, shape, n, dtype)
    s_like = _scalars(state, dtype)
    params, p_like = _parameters(p, shape, n, dtype)
    rec = (np.empty((len(state_leaves), steps, n), dtype) if record_states
           else np.empty((0, 0, 0), dtype))
    dt = dtype.type(dt)

    batch = math.prod(shape[:-1]) if shape else 1
    if recurrent:
        # x @ W_in.T for every step at once (two halves for sign-split families),
        # written into the outputs where they can hold it: step t's drive is
        # read before step t's output overwrites it.
        x = np.ascontiguousarray(inputs).reshape(steps * batch, inputs.shape[-1])
        w_in = connectivity.input_weights
        halves = [relu(w_in), relu(-w_in)] if model.sign_split else [w_in]
        if len(halves) == 1 and outputs.dtype == dtype:
            drive = outputs.reshape(1, steps, n)
        else:
            drive = np.empty((len(halves), steps, n), dtype)
        for row, w in zip(drive, halves):
            np.matmul(x, w.T, out=row.reshape(steps * batch, w.shape[0]))  # (0 rows: explicit)
    else:
        drive = np.ascontiguousarray(inputs).reshape(1, steps, n)
    drive = layout.readonly(drive)
    base = (kind, drive)
    tail = (s, s_like, params, p_like, dt, outputs, rec, record_states)

    w_rec = connectivity.recurrent_weights if recurrent and model.takes_recurrent_weights else None
    g = connectivity.g_coupling
    if n == 0:
        pass
    elif w_rec is not None or g is not None:
        names = [name.rsplit(".", 1)[-1] for name, _ in state_leaves]
        if w_rec is None:
            wt = np.empty((0, 0, 0), dtype)
        elif model.sign_split:
            wt = np.ascontiguousarray(np.stack([relu(w_rec).T, relu(-w_rec).T]))
        else:
            wt = np.ascontiguousarray(w_rec.T)[None]
        gt = np.ascontiguousarray(g.T) if g is not None else np.empty((0, 0), dtype)
        products = np.empty((len(wt) + (g is not None), n), dtype)
        args = (base + (products,) + tail
                + (layout.readonly(wt), names.index("z") if "z" in names else 0,
                   bool(np.isfinite(wt).all()), layout.readonly(gt), names.index("v"), shape[-1]))
        loop = compiled(kernels.matrix_loop, args + (0, n))
        _run_chunks(loop, args, n, shape[-1], steps * n)
    else:
        args = base + (np.empty((0, n), dtype),) + tail
        loop = compiled(kernels.elementwise_loop, args + (0, n))
        _run_chunks(loop, args, n, kernels.BLOCK, steps * n)

    out = outputs.reshape((steps,) + shape)
    if record_states:
        return out, layout.rebuild(state, (r.reshape((steps,) + shape) for r in rec))
    return out, layout.rebuild(state, (row.reshape(shape) for row in s))
