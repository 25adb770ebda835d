"""Norse's module of :mod:`refsnn.functional.coba_lif`.

Conductance-based LIF neurons. Norse's ``CobaLIFCell`` is a *recurrent*
cell (input and recurrent weights) despite its name; its weights start as
standard normal entries over :math:`\\sqrt{\\text{input}}` and
:math:`\\sqrt{\\text{hidden}}`, and it keeps self-connections. See
:mod:`refsnn.module._base` for the calling convention.
"""

from __future__ import annotations

from refsnn.module._base import RecurrentNeuronCell


class CobaLIFCell(RecurrentNeuronCell):
    """One step of a recurrent conductance-based LIF layer (:mod:`refsnn.functional.coba_lif`)."""

    model = "coba_lif"
    input_scale = staticmethod(lambda input_size, hidden_size: float(input_size) ** -0.5)
    recurrent_scale = staticmethod(lambda input_size, hidden_size: float(hidden_size) ** -0.5)
    autapses_default = True
