"""The NIR paper's single-LIF experiment, run from its NIR graph by :func:`refsnn.nir.from_nir`.

Pedersen et al., "Neuromorphic intermediate representation: a unified
instruction set for interoperable brain-inspired computing" (Nature
Communications 15, 8122, 2024) drive one LIF neuron, described once as a NIR
graph, on every simulator and chip they compare. The published materials
(repository ``neuromorphs/NIR``, folder ``paper/01_lif``) give:

* the graph ``lif_norse.nir``, exported from Norse: ``input -> "0" -> "1" ->
  output`` with ``"0"`` an ``Affine`` 1x1 (weight 1, bias 0) and ``"1"`` a
  ``LIF`` with :math:`\\tau = 0.0025` s, :math:`R = 1`,
  :math:`v_{\\text{leak}} = 0`, :math:`v_{\\text{th}} = 0.1`,
  :math:`v_{\\text{reset}} = 0` (the values of ``lif.ipynb``: Norse's
  ``LIFBoxCell`` with ``tau_mem_inv=400``, ``v_th=0.1``);
* the input (``lif.ipynb``): a pattern of 100 zeros and ones, each followed
  by nine zero steps — 1000 steps of ``dt = 1e-4`` s;
* Norse's recorded trace ``lif_norse.csv``, which spikes at steps 460,
  510, 710 and 760.

The graph is rebuilt here from those values (the file is not shipped).
``python validation/nir_paper.py`` prints the spike steps of both
discretisations; :func:`paper_spikes` is what the tests call.
"""

from __future__ import annotations

import numpy as np

#: The integration time step of the experiment (seconds).
DT = 1e-4
#: The published input pattern; each entry is followed by nine zero steps.
PATTERN = (0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
           0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1,
           1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
           1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
#: The LIF node of ``lif_norse.nir``.
LIF = {"tau": 0.0025, "r": 1.0, "v_leak": 0.0, "v_threshold": 0.1, "v_reset": 0.0}
#: The steps at which Norse's recorded trace (``lif_norse.csv``) spikes.
NORSE_SPIKE_STEPS = (460, 510, 710, 760)


def paper_input() -> np.ndarray:
    """The published input, shape ``(1000, 1)`` (time, neurons), float32."""
    x = np.zeros((10 * len(PATTERN), 1), np.float32)
    x[::10, 0] = PATTERN
    return x


def paper_graph():
    """The NIR graph of ``lif_norse.nir``, rebuilt from its published values."""
    import nir

    one = lambda value: np.array([value], np.float32)  # noqa: E731
    nodes = {"input": nir.Input(input_type=np.array([1])),
             "0": nir.Affine(weight=np.ones((1, 1), np.float32), bias=one(0.0)),
             "1": nir.LIF(**{k: one(v) for k, v in LIF.items()}),
             "output": nir.Output(output_type=np.array([1]))}
    return nir.NIRGraph(nodes=nodes, edges=[("input", "0"), ("0", "1"), ("1", "output")])


def paper_run(method: str = "euler", backend: str = "numpy"):
    """``(spikes, voltages)`` of the experiment, each of shape ``(1000,)``.

    The graph is read by :func:`refsnn.nir.from_nir` with ``dt = 1e-4`` and
    run step by step; ``voltages`` is the LIF node's voltage after each step
    (after the reset), as ``lif_norse.csv`` records it.
    """
    from refsnn.nir import from_nir

    net = from_nir(paper_graph(), dt=DT, method=method, backend=backend)
    spikes, voltages, state = [], [], None
    for x in paper_input():
        z, state = net(x, state)
        spikes.append(z[0])
        voltages.append(state.nodes["1"][0].v[0])
    return np.array(spikes), np.array(voltages)


def paper_spikes(method: str = "euler", backend: str = "numpy") -> tuple:
    """The steps at which the neuron spikes (one fused sequence call)."""
    from refsnn.nir import from_nir

    net = from_nir(paper_graph(), dt=DT, method=method, backend=backend)
    out, _ = net.sequence(paper_input())
    return tuple(int(t) for t in np.flatnonzero(out[:, 0]))


def main() -> None:
    print(f"NIR paper single-LIF experiment: 1000 steps of dt = {DT} s")
    print(f"Norse's recorded spikes (lif_norse.csv): {list(NORSE_SPIKE_STEPS)}")
    for method in ("euler", "exact"):
        steps = paper_spikes(method)
        verdict = "match" if steps == NORSE_SPIKE_STEPS else "DIFFER"
        print(f"refsnn.nir, method={method!r}: {list(steps)}  ({verdict})")


if __name__ == "__main__":
    main()
