"""The NumPy reference: one module per neuron family, mirroring ``norse.torch.functional``.

As in Norse, names live in their family's module:
``from refsnn.functional.lif import lif_feed_forward_step, LIFParameters``
is the counterpart of ``from norse.torch.functional.lif import ...``.
"""

from refsnn.functional import (  # noqa: F401
    adex,
    coba_lif,
    correlation_sensor,
    decode,
    encode,
    filter,
    iaf,
    izhikevich,
    li,
    li_box,
    lif,
    lif_adex,
    lif_adex_refrac,
    lif_box,
    lif_correlation,
    lif_ex,
    lif_mc,
    lif_mc_refrac,
    lif_refrac,
    lift,
    logical,
    lsnn,
    regularization,
    reset,
    scan,
    stdp,
    stdp_sensor,
    threshold,
    tsodyks_makram,
)
