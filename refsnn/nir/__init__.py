r"""NIR graphs <-> refsnn module networks.

The `Neuromorphic Intermediate Representation <https://neuroir.org>`_ (NIR)
describes a spiking network as a graph of continuous-time nodes (neuron
ODEs, affine maps, convolutions, pools). This package reads such a graph
into a runnable network built from :mod:`refsnn.module` (any backend) and
writes refsnn module networks back:

* :func:`from_nir` — a :class:`nir.NIRGraph` (or a ``.nir`` file) to a
  :class:`GraphNetwork`, discretised with step ``dt`` by ``method="euler"``
  (Norse's forward Euler) or ``method="exact"`` (exact integration of each
  linear ODE with its input held over the step);
* :func:`to_nir` — a :class:`GraphNetwork`, a
  :class:`~refsnn.module.SequentialState` or a single supported module to a
  :class:`nir.NIRGraph`.

``import refsnn`` does not import this package; importing it needs the
``nir`` package (``pip install nir``). See the NIR page of the documentation
for the node table and the discretisations.
"""

try:
    import nir  # noqa: F401
except ImportError as error:  # pragma: no cover - nir is installed wherever the tests run
    raise ImportError("refsnn.nir needs the 'nir' package (NIR graph definitions and files): "
                      "pip install nir") from error

from refsnn.nir.convert import from_nir, to_nir
from refsnn.nir.graph import GraphNetwork, GraphState

__all__ = ["GraphNetwork", "GraphState", "from_nir", "to_nir"]
