"""Norse's modules of :mod:`refsnn.functional.iaf`.

Integrate-and-fire neurons. See :mod:`refsnn.module._base` for the calling
convention, the initial state and the weights.
"""

from __future__ import annotations

from refsnn.module._base import NeuronCell, NeuronLayer


class IAFCell(NeuronCell):
    """One integrate-and-fire step (:mod:`refsnn.functional.iaf`)."""

    model = "iaf"


class IAF(NeuronLayer):
    """Integrate-and-fire neurons over a sequence (:mod:`refsnn.functional.iaf`)."""

    model = "iaf"
