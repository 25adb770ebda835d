"""Norse's ``LConv2d``: a 2-d convolution applied at every time step.

Norse builds it as a ``torch.nn.Conv3d`` without bias whose kernel is
``(kH, kW, 1)``, run on the input with time moved to the last axis: a
kernel one step deep that moves one step at a time sees each time step
alone, so the layer is the same 2-d convolution applied pointwise in
time. Here it is exactly that, with the convolution of
:class:`refsnn.module.layers.Conv2d`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refsnn.module.layers import _Conv2dBase, _float_input

__all__ = ["LConv2d"]


class LConv2d(_Conv2dBase):
    """A 2-d convolution applied pointwise in time, like ``norse.torch.LConv2d``.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and output (>= 1, both divisible by ``groups``).
    kernel_size : int or (int, int)
        Kernel height and width (>= 1).
    stride : int or (int, int), optional
        Step between output positions (>= 1, default 1).
    padding : int or (int, int), optional
        Zeros added on both sides of the height and width (>= 0, default 0).
        The strings ``"valid"`` and ``"same"`` are rejected: Norse turns
        them into a malformed padding tuple and its forward pass fails.
    dilation : int or (int, int), optional
        Spacing between kernel elements (>= 1, default 1).
    groups : int, optional
        Number of blocked connections (default 1), as in
        :class:`~refsnn.module.layers.Conv2d`.
    rng : int, numpy.random.Generator or None, keyword-only
        Seed or generator for the initial weights.

    Attributes
    ----------
    weight : numpy.ndarray
        ``(out_channels, in_channels / groups, kH, kW)``, float32. Norse's
        weight is the Conv3d weight ``(out_channels, in_channels / groups,
        kH, kW, 1)``; this is it without the trailing axis of length 1
        (``norse_weight[..., 0]``). Initialised as torch's Conv3d
        initialises it: uniform in :math:`[-b, b]` with
        :math:`b = 1/\\sqrt{(\\text{in\\_channels}/\\text{groups})\\, k_H k_W \\cdot 1}`.
    bias : None
        Always None: Norse's LConv2d has no bias.
    kernel_size, stride, padding, dilation : (int, int)
        The 2-d values (Norse stores them with a third entry for time:
        ``(kH, kW, 1)``, ``(sH, sW, 1)``, ``(pH, pW, 0)``, ``(dH, dW, 1)``).

    Notes
    -----
    Input :math:`(T, N, C_{in}, H, W)`; output
    :math:`(T, N, C_{out}, H_{out}, W_{out})` with
    :math:`y_t = \\operatorname{conv2d}(x_t)` for every time step :math:`t`
    (no bias) and the output size of :class:`~refsnn.module.layers.Conv2d`:

    .. math::

        H_{out} = \\left\\lfloor \\frac{H + 2 P_H - d_H (k_H - 1) - 1}{s_H}
            \\right\\rfloor + 1.

    As in Norse the input must be 5-d (no unbatched form).
    """

    _string_padding = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, *, rng: Any = None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, False, rng)

    def forward(self, input_tensor: Any) -> np.ndarray:
        """Convolve every time step of ``input_tensor`` ``(T, N, C_in, H, W)``."""
        x = _float_input(input_tensor, "input_tensor")
        if x.ndim != 5:
            raise ValueError(f"input_tensor must be 5-D (T, N, C, H, W), got {x.ndim}-D "
                             f"with shape {x.shape}")
        self._check_channels(x.shape, 2, "(T, N, C, H, W)", "input_tensor")
        steps, batch = x.shape[:2]
        out = self._convolve(x.reshape(steps * batch, *x.shape[2:]), use_bias=False,
                             name="input_tensor")
        return out.reshape(steps, batch, *out.shape[1:])
