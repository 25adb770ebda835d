"""Norse 1.1.0 compatibility: Norse-exact variants and tuple converters.

Where Norse's code departs from its own documented equations,
:mod:`refsnn.functional` implements the documented model and this package
holds a variant with the same name that reproduces Norse bit for bit (in
float32, up to ``exp``/matrix-product rounding). Each submodule's docstring
states the deviation; ``docs/deviations.rst`` lists them all, and
``validation/norse_parity.py`` shows each one.

:func:`from_norse` and :func:`to_norse` convert parameter and state tuples
between Norse (tensors) and refsnn (arrays), nested tuples included, and
modules and whole networks between ``norse.torch`` and :mod:`refsnn.module`
(:mod:`refsnn.compat.norse.modules`).
"""

from refsnn.compat.norse.coba_lif import coba_lif_step
from refsnn.compat.norse.modules import from_norse, to_norse
from refsnn.compat.norse.correlation_sensor import correlation_sensor_step
from refsnn.compat.norse.encode import (
    constant_current_lif_encode,
    population_encode,
    spike_latency_encode,
)
from refsnn.compat.norse.lif import lif_current_encoder
from refsnn.compat.norse.lif_adex import lif_adex_current_encoder
from refsnn.compat.norse.lif_correlation import lif_correlation_step
from refsnn.compat.norse.lif_adex_refrac import (
    lif_adex_refrac_feed_forward_step,
    lif_adex_refrac_step,
)
from refsnn.compat.norse.lif_ex import lif_ex_current_encoder
from refsnn.compat.norse.lif_mc import lif_mc_step
from refsnn.compat.norse.lif_mc_refrac import (
    lif_mc_refrac_feed_forward_step,
    lif_mc_refrac_step,
)
from refsnn.compat.norse.lsnn import ada_lif_step
from refsnn.compat.norse.stdp_sensor import stdp_sensor_step

__all__ = [
    "ada_lif_step",
    "coba_lif_step",
    "constant_current_lif_encode",
    "correlation_sensor_step",
    "from_norse",
    "lif_adex_current_encoder",
    "lif_adex_refrac_feed_forward_step",
    "lif_adex_refrac_step",
    "lif_correlation_step",
    "lif_current_encoder",
    "lif_ex_current_encoder",
    "lif_mc_refrac_feed_forward_step",
    "lif_mc_refrac_step",
    "lif_mc_step",
    "population_encode",
    "spike_latency_encode",
    "stdp_sensor_step",
    "to_norse",
]
