r"""The graph executor: a NIR graph's modules run in dependency order, one step at a time.

A node's input is the sum of the outputs of the nodes with an edge into
it, added in the order the graph lists the edges (Norse's importer sums
them the same way). The nodes run in a topological order of the edges, so
on an acyclic graph every node sees this step's outputs of its sources.

Cycles (recurrent connections) are allowed: a depth-first search from the
``Input`` nodes, following each node's edges in the order the graph lists
them, marks every edge that returns to a node still on the search path as
*delayed*. A delayed edge carries its source's output of the previous step
(nothing at the first step) — the one-step delay of Norse's importer — and
the other edges form an acyclic graph that runs as above.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import nir
import numpy as np

from refsnn.module._base import Module
from refsnn.module.containers import is_stateful
from refsnn.nir.export import module_to_nir


class GraphState(NamedTuple):
    """The state of a :class:`GraphNetwork` between calls.

    Attributes
    ----------
    nodes : dict
        Node name -> that node's state (a node missing starts afresh).
    delayed : dict
        Source name of a delayed edge -> its output at the last step.
    """

    nodes: dict
    delayed: dict


def _search(names: list, edges: list, inputs: list) -> tuple[list, set]:
    """``(topological order, delayed edges)`` of the graph (see the module docstring)."""
    successors: dict = {n: [] for n in names}
    for source, target in edges:
        successors[source].append(target)
    status: dict = {}
    delayed = set()
    for root in inputs:
        status[root] = "open"
        stack = [(root, iter(successors[root]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                status[node] = "done"
                stack.pop()
            elif status.get(child) == "open":
                delayed.add((node, child))
            elif child not in status:
                status[child] = "open"
                stack.append((child, iter(successors[child])))
    unreachable = [n for n in names if n not in status]
    if unreachable:
        raise ValueError(f"NIR graph nodes {unreachable} cannot be reached from any Input "
                         f"node (inputs: {inputs})")
    pending = {n: 0 for n in names}
    for edge in edges:
        if edge not in delayed:
            pending[edge[1]] += 1
    order, ready = [], [n for n in names if pending[n] == 0]
    while ready:
        node = ready.pop(0)
        order.append(node)
        for child in successors[node]:
            if (node, child) not in delayed:
                pending[child] -= 1
                if pending[child] == 0:
                    ready.append(child)
    return order, delayed


class GraphNetwork(Module):
    """A runnable NIR graph (built by :func:`refsnn.nir.from_nir`).

    Called like the other stateful modules: ``out, state = net(x, state)``
    runs one step (``state=None`` starts every node afresh);
    ``outs, state = net.sequence(xs, state)`` runs every step of ``xs``
    (time on axis 0) — node by node over the whole sequence, each neuron
    node in one fused call per stage, when the graph has no cycle; step by
    step otherwise. Both give the same numbers. ``Lift(net)`` works too.

    ``x`` is an array when the graph has one ``Input`` node, else a dict
    ``{input name: array}``; the output likewise (one ``Output`` node: an
    array, else a dict). Inputs are cast to ``dtype``. Axes: a node acts on
    its trailing axes (one sample), leading axes (batch, time) are kept.

    Parameters
    ----------
    modules : dict
        Node name -> module, for every node except the ``Input`` and
        ``Output`` nodes.
    edges : list of (str, str)
        The graph's edges, in the graph's order.
    inputs, outputs : dict
        ``Input`` / ``Output`` node name -> the shape of one sample (or None).
    dtype : numpy dtype
        float32 or float64.
    """

    def __init__(self, modules: dict, edges: list, inputs: dict, outputs: dict,
                 dtype: Any = np.float32):
        self.modules = dict(modules)
        self.edges = [(str(a), str(b)) for a, b in edges]
        self.inputs, self.outputs = dict(inputs), dict(outputs)
        self.dtype = np.dtype(dtype)
        names = list(self.inputs) + list(self.modules) + list(self.outputs)
        if not self.inputs or not self.outputs:
            raise ValueError(f"a NIR graph needs at least one Input and one Output node, got "
                             f"inputs {list(self.inputs)} and outputs {list(self.outputs)}")
        if len(set(self.edges)) != len(self.edges):
            raise ValueError("the NIR graph lists an edge twice")
        for source, target in self.edges:
            if source not in names or target not in names:
                raise ValueError(f"NIR edge ({source!r}, {target!r}) names a node that is not "
                                 f"in the graph (nodes: {names})")
            if target in self.inputs or source in self.outputs:
                raise ValueError(f"NIR edge ({source!r}, {target!r}) leads into an Input node "
                                 f"or out of an Output node")
        self.order, delayed = _search(names, self.edges, list(self.inputs))
        self.delayed_sources = sorted({source for source, _ in delayed})
        self.incoming = {n: [(s, (s, n) in delayed) for s, t in self.edges if t == n]
                         for n in names}
        self.stateful = {n: is_stateful(m) for n, m in self.modules.items()}

    def extra_repr(self) -> str:
        return ", ".join(f"{n}: {self.modules[n]!r}" for n in self.order if n in self.modules)

    # ------------------------------------------------------------------ running
    def _inputs(self, x: Any) -> dict:
        names = list(self.inputs)
        if isinstance(x, dict):
            if set(x) != set(names):
                raise ValueError(f"input must give every Input node {names}, got {sorted(x)}")
            return {n: np.asarray(x[n], self.dtype) for n in names}
        if len(names) != 1:
            raise TypeError(f"this graph has Input nodes {names}: pass a dict "
                            f"{{name: array}}, got {type(x).__name__}")
        return {names[0]: np.asarray(x, self.dtype)}

    def _outputs(self, values: dict) -> Any:
        if len(self.outputs) == 1:
            return values[next(iter(self.outputs))]
        return {n: values[n] for n in self.outputs}

    def _gather(self, name: str, values: dict, previous: dict) -> np.ndarray:
        """The sum of ``name``'s inputs, in edge order (delayed edges: last step's output)."""
        terms = [previous.get(s) if late else values[s] for s, late in self.incoming[name]]
        terms = [t for t in terms if t is not None]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    @staticmethod
    def _check_state(state: Any) -> GraphState:
        if state is None:
            return GraphState({}, {})
        if not isinstance(state, GraphState):
            raise TypeError(f"state must be None or a GraphState, got {type(state).__name__}")
        return state

    def forward(self, input_tensor: Any, state: GraphState | None = None):
        """One step: ``out, state = net(x, state)``."""
        return self._run(self._inputs(input_tensor), self._check_state(state), sequence=False)

    def sequence(self, input_tensor: Any, state: GraphState | None = None):
        """Every step of ``input_tensor`` (time on axis 0): ``outs, state``."""
        inputs, state = self._inputs(input_tensor), self._check_state(state)
        if not self.delayed_sources:
            return self._run(inputs, state, sequence=True)
        steps = {len(v) for v in inputs.values()}
        if len(steps) != 1:
            raise ValueError(f"every input must have the same number of steps, got {steps}")
        results = []
        for t in range(steps.pop()):
            out, state = self._run({n: v[t] for n, v in inputs.items()}, state, sequence=False)
            results.append(out)
        if len(self.outputs) == 1:
            return np.stack(results), state
        return {n: np.stack([r[n] for r in results]) for n in self.outputs}, state

    def _run(self, inputs: dict, state: GraphState, sequence: bool):
        states = dict(state.nodes)
        values = dict(inputs)
        for name in self.order:
            if name in self.inputs:
                continue
            x = self._gather(name, values, state.delayed)
            module = self.modules.get(name)
            if module is None:                              # an Output node
                values[name] = x
            elif not self.stateful[name]:
                values[name] = module(x)
            elif sequence:
                values[name], states[name] = module.sequence(x, states.get(name))
            else:
                values[name], states[name] = module(x, states.get(name))
        delayed = {s: values[s] for s in self.delayed_sources}
        return self._outputs(values), GraphState(states, delayed)

    # ------------------------------------------------------------------ export
    def to_nir(self) -> nir.NIRGraph:
        """The graph back as a :class:`nir.NIRGraph` (parameters as read)."""
        nodes = {n: nir.Input(input_type=None if s is None else np.array(s))
                 for n, s in self.inputs.items()}
        nodes.update({n: module_to_nir(m, None) for n, m in self.modules.items()})
        nodes.update({n: nir.Output(output_type=None if s is None else np.array(s))
                      for n, s in self.outputs.items()})
        return nir.NIRGraph(nodes=nodes, edges=list(self.edges), type_check=False)
