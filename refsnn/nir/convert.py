""":func:`from_nir` and :func:`to_nir`: NIR graphs to refsnn networks and back."""

from __future__ import annotations

import os
from typing import Any

import nir
import numpy as np

from refsnn import _checks
from refsnn.module.containers import SequentialState, is_stateful
from refsnn.nir.export import module_to_nir
from refsnn.nir.graph import GraphNetwork
from refsnn.nir.nodes import METHODS, node_module

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _shape(node: Any, key: str, field: str) -> tuple | None:
    shape = (getattr(node, field) or {}).get(key)
    return None if shape is None else tuple(int(s) for s in np.atleast_1d(shape))


def from_nir(graph_or_path: Any, *, dt: float, method: str = "euler",
             backend: str | None = None, dtype: Any = np.float32) -> GraphNetwork:
    r"""Build a runnable refsnn network from a NIR graph.

    Parameters
    ----------
    graph_or_path : nir.NIRGraph, str or os.PathLike
        The graph, or a ``.nir`` file (read with :func:`nir.read`).
    dt : float
        The integration time step, in the graph's time unit (NIR's time
        constants are in seconds).
    method : {"euler", "exact"}
        The discretisation of the neuron ODEs: ``"euler"`` is Norse's
        forward Euler (bit-identical to Norse 1.1.0's ``from_nir`` where Norse
        reads the same parameters); ``"exact"`` integrates each linear ODE
        exactly with the input held over the step (for ``CubaLIF``/``CubaLI``
        each of the two ODEs separately). See :mod:`refsnn.nir.nodes`.
    backend : str, optional
        The backend of the neuron modules (any registered backend).
    dtype : numpy dtype
        float32 (default, Norse's) or float64: parameters and weights are
        rounded to it once, and inputs are cast to it.

    Returns
    -------
    GraphNetwork
        ``out, state = net(x, state)`` for one step,
        ``outs, state = net.sequence(xs, state)`` for a sequence.

    Raises
    ------
    ValueError
        A node type refsnn does not support (naming the node and its type),
        a malformed graph (an edge to a missing node, a node no ``Input``
        reaches, no ``Input`` or ``Output`` node), a bad ``method`` or ``dt``.
    TypeError
        ``graph_or_path`` is neither a graph nor a path; a bad ``dtype``.

    Notes
    -----
    Nodes run in a topological order; an edge that closes a cycle carries
    the previous step's output (see :mod:`refsnn.nir.graph`). A nested
    ``NIRGraph`` node becomes a nested :class:`GraphNetwork`.
    """
    _checks.check_dt(dt)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    try:
        dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from error
    if dtype not in _DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    if isinstance(graph_or_path, (str, os.PathLike)):
        graph_or_path = nir.read(graph_or_path)
    if not isinstance(graph_or_path, nir.NIRGraph):
        raise TypeError(f"graph_or_path must be a nir.NIRGraph or the path of a .nir file, "
                        f"got {type(graph_or_path).__name__}")
    return _build(graph_or_path, float(dt), method, backend, dtype)


def _build(graph: nir.NIRGraph, dt: float, method: str, backend: str | None,
           dtype: np.dtype) -> GraphNetwork:
    modules, inputs, outputs = {}, {}, {}
    for name, node in graph.nodes.items():
        name = str(name)
        if isinstance(node, nir.Input):
            inputs[name] = _shape(node, "input", "input_type")
        elif isinstance(node, nir.Output):
            outputs[name] = _shape(node, "output", "output_type")
        elif isinstance(node, nir.NIRGraph):
            sub = _build(node, dt, method, backend, dtype)
            if len(sub.inputs) != 1 or len(sub.outputs) != 1:
                raise ValueError(f"NIR subgraph {name!r} must have one Input and one Output "
                                 f"node, got {list(sub.inputs)} and {list(sub.outputs)}")
            modules[name] = sub
        else:
            modules[name] = node_module(name, node, dt, method, backend, dtype)
    return GraphNetwork(modules, list(graph.edges), inputs, outputs, dtype)


def to_nir(network: Any, *, input_shape: Any = None) -> nir.NIRGraph:
    """Export a refsnn network to a :class:`nir.NIRGraph`.

    Parameters
    ----------
    network : GraphNetwork, SequentialState or module
        A network read by :func:`from_nir` (written back with the
        parameters it was read with), or a chain of supported modules
        (:mod:`refsnn.nir.export`): nested ``SequentialState`` containers are
        flattened into one chain ``input -> "0" -> "1" -> ... -> output``.
    input_shape : tuple of int, optional
        The shape of one input sample (no batch axis). With it the graph
        carries every node's shape (needed by ``Flatten``, and to write the
        graph to a file) and NIR checks the types; without it neuron
        parameters keep their own shapes.

    Returns
    -------
    nir.NIRGraph

    Raises
    ------
    ValueError
        A module without a NIR counterpart (naming it), or a
        ``SequentialState`` with ``return_hidden=True``.
    """
    if isinstance(network, GraphNetwork):
        if input_shape is not None:
            raise ValueError("input_shape is for chains of modules; a GraphNetwork carries "
                             "the shapes of the graph it was read from")
        return network.to_nir()
    chain = _chain(network)
    shapes = _shapes(chain, input_shape)
    nodes = {"input": nir.Input(input_type=None if shapes[0] is None
                                else np.array(shapes[0]))}
    for k, module in enumerate(chain):
        nodes[str(k)] = module_to_nir(module, shapes[k])
    nodes["output"] = nir.Output(output_type=None if shapes[-1] is None
                                 else np.array(shapes[-1]))
    names = list(nodes)
    edges = list(zip(names[:-1], names[1:]))
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=input_shape is not None)


def _chain(network: Any) -> list:
    if isinstance(network, SequentialState):
        if network.return_hidden:
            raise ValueError("a SequentialState with return_hidden=True has no NIR graph "
                             "(its output is every module's output)")
        return [m for module in network for m in _chain(module)]
    return [network]


def _shapes(chain: list, input_shape: Any) -> list:
    """The shape of one sample before each module and after the last (Nones without one)."""
    if input_shape is None:
        return [None] * (len(chain) + 1)
    shape = tuple(int(s) for s in np.atleast_1d(input_shape))
    x = np.zeros((1,) + shape, np.float32)
    shapes = [shape]
    for module in chain:
        x = module(x, None)[0] if is_stateful(module) else module(x)
        shapes.append(tuple(np.shape(x)[1:]))
    return shapes
