"""Norse's module layer in NumPy: cells, sequences, recurrent layers, containers, encoders.

Every class is importable from here, as from ``norse.torch``, and from its
family's submodule (``refsnn.module.lif.LIFCell`` …). Forward only; the
calling convention is Norse's::

    cell = LIFCell()
    out, state = cell(x, state)            # state=None: Norse's initial state
    layer = LIFRecurrent(input_size=10, hidden_size=20, rng=0)
    spikes, final = layer(x_sequence)      # time on axis 0, one fused call

Neuron modules take ``dt``, ``backend`` (any registered backend) and, for
sequences, ``record_states``; see :mod:`refsnn.module._base`.
"""

from refsnn.functional.adex import AdExFeedForwardState, AdExParameters, AdExState
from refsnn.functional.coba_lif import CobaLIFFeedForwardState, CobaLIFParameters, CobaLIFState
from refsnn.functional.iaf import IAFFeedForwardState, IAFParameters, IAFState
from refsnn.functional.izhikevich import (IzhikevichParameters, IzhikevichRecurrentState,
                                          IzhikevichSpikingBehavior, IzhikevichState)
from refsnn.functional.li import LIParameters, LIState
from refsnn.functional.li_box import LIBoxParameters, LIBoxState
from refsnn.functional.lif import LIFFeedForwardState, LIFParameters, LIFState
from refsnn.functional.lif_adex import (LIFAdExFeedForwardState, LIFAdExParameters,
                                        LIFAdExState)
from refsnn.functional.lif_adex_refrac import (LIFAdExRefracFeedForwardState,
                                               LIFAdExRefracParameters, LIFAdExRefracState)
from refsnn.functional.lif_box import LIFBoxFeedForwardState, LIFBoxParameters
from refsnn.functional.lif_ex import LIFExFeedForwardState, LIFExParameters, LIFExState
from refsnn.functional.lif_refrac import (LIFRefracFeedForwardState, LIFRefracParameters,
                                          LIFRefracState)
from refsnn.functional.lsnn import LSNNFeedForwardState, LSNNParameters, LSNNState
from refsnn.module._base import Module
from refsnn.module.adex import AdEx, AdExCell, AdExRecurrent, AdExRecurrentCell
from refsnn.module.coba_lif import CobaLIFCell
from refsnn.module.iaf import IAF, IAFCell
from refsnn.module.izhikevich import (Izhikevich, IzhikevichCell, IzhikevichRecurrent,
                                      IzhikevichRecurrentCell)
from refsnn.module.leaky_integrator import LI, LICell, LILinearCell
from refsnn.module.leaky_integrator_box import LIBoxCell
from refsnn.module.lif import LIF, LIFCell, LIFRecurrent, LIFRecurrentCell
from refsnn.module.lif_adex import LIFAdEx, LIFAdExCell, LIFAdExRecurrent, LIFAdExRecurrentCell
from refsnn.module.lif_adex_refrac import (LIFAdExRefracCell, LIFAdExRefracRecurrent,
                                           LIFAdExRefracRecurrentCell)
from refsnn.module.lif_box import LIFBoxCell
from refsnn.module.lif_ex import LIFEx, LIFExCell, LIFExRecurrent, LIFExRecurrentCell
from refsnn.module.lif_mc import LIFMCRecurrentCell, LIFMCRefracRecurrentCell
from refsnn.module.lif_refrac import LIFRefracCell, LIFRefracRecurrent, LIFRefracRecurrentCell
from refsnn.module.lsnn import LSNN, LSNNCell, LSNNRecurrent, LSNNRecurrentCell
from refsnn.module.containers import Lift, RegularizationCell, SequentialState
from refsnn.module.encode import (ConstantCurrentLIFEncoder, PoissonEncoder, PoissonEncoderStep,
                                  PopulationEncoder, SignedPoissonEncoder, SpikeLatencyEncoder,
                                  SpikeLatencyLIFEncoder)
from refsnn.module.conv import LConv2d
from refsnn.module.layers import AvgPool2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d
