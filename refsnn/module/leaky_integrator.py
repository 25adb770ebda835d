"""Norse's modules of :mod:`refsnn.functional.li`.

Leaky integrators (non-spiking; the output is the voltage). See
:mod:`refsnn.module._base` for the calling convention, the initial state and
the weights.
"""

from __future__ import annotations

from refsnn.module._base import NeuronCell, NeuronLayer, RecurrentNeuronCell


class LICell(NeuronCell):
    """One leaky-integrator step (:mod:`refsnn.functional.li`)."""

    model = "li"


class LI(NeuronLayer):
    """Leaky integrators over a sequence (:mod:`refsnn.functional.li`)."""

    model = "li"


class LILinearCell(RecurrentNeuronCell):
    r"""One leaky-integrator step behind a linear map: :math:`i \mathrel{+}= W_{\text{in}} x`.

    ``LILinearCell(input_size, hidden_size, p=None, *, input_weights=None,
    dt=0.001, backend=None, rng=None)``; the initial weights are standard
    normal over :math:`\sqrt{\text{input}}`, as Norse's.
    """

    model = "li"
    input_scale = staticmethod(lambda input_size, hidden_size: float(input_size) ** -0.5)
