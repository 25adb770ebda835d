"""refsnn: a forward-only, torch-free reference simulator for Norse's spiking neurons.

* :mod:`refsnn.functional` — the NumPy reference, one module per neuron family,
  mirroring Norse 1.1.0's functional API;
* :func:`refsnn.simulate` — run a family over time on a chosen backend;
* :mod:`refsnn.module` — Norse's module layer (cells, layers, containers);
* :mod:`refsnn.backends` — the backend registry;
* :mod:`refsnn.compat.norse` — Norse-exact variants and converters;
* :func:`refsnn.options` — what to do with NaN and infinity (:mod:`refsnn.config`).
"""

from refsnn import backends, functional
from refsnn.config import NonFiniteWarning, options, set_options
from refsnn.memory import InsufficientMemoryError
from refsnn.models import MODELS
from refsnn.simulate import simulate

__version__ = "0.1.0"

__all__ = ["MODELS", "InsufficientMemoryError", "NonFiniteWarning", "backends", "functional",
           "options", "set_options", "simulate", "__version__"]
