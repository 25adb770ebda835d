"""Stateless layers, forward only: the torch.nn pieces Norse networks are built from.

Each class mirrors the ``torch.nn`` layer of the same name: the same
constructor arguments and defaults (less ``device``, ``dtype`` and the
in-place switches), the same attribute names and shapes, the same output
shapes and the same arithmetic. Every ``forward``

* accepts a NumPy array or anything :func:`numpy.asarray` accepts;
* computes in the input's floating dtype: float32 and float64 inputs are
  kept, bool, integer and float16 inputs become float32, and the layer's
  weights are cast to that dtype;
* never modifies its input and never returns a view of it;
* rejects bad input with a ``TypeError`` or ``ValueError`` naming the
  argument, what it got and what it expected.

Weights are initialised as torch initialises them, uniformly in
:math:`[-b, b]` with :math:`b = 1/\\sqrt{\\text{fan\\_in}}` (for ``weight``
and ``bias`` alike), drawn from ``np.random.default_rng(rng)`` (``rng``: a
seed or a ``Generator``) and stored as float32. The weights are plain
attributes: assign an array of the documented shape to replace them.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from refsnn.memory import check_arrays
from refsnn.module._base import Module

__all__ = ["Linear", "Conv2d", "Flatten", "MaxPool2d", "AvgPool2d", "Dropout"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


# --------------------------------------------------------------------------- checks

def _float_input(x: Any, name: str = "input") -> np.ndarray:
    """``x`` as an array of float32 or float64 (see the module docstring); may be ``x`` itself."""
    arr = np.asarray(x)
    if arr.dtype in _FLOATS:
        return arr
    if arr.dtype.kind in "biu" or arr.dtype == np.float16:
        check_arrays(f"{name} as float32", {"a float32 copy": (arr.shape, 4)})
        return arr.astype(np.float32)
    raise TypeError(f"{name} must hold real numbers (bool, integer, float32 or float64), "
                    f"got dtype {arr.dtype}")


def _int(value: Any, name: str, minimum: int) -> int:
    """An integer argument (bools rejected), at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def _pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints (height, width), each at least ``minimum``."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                              for v in items):
        raise TypeError(f"{name} must be an int or a pair of ints (height, width), "
                        f"got {value!r}")
    if min(items) < minimum:
        raise ValueError(f"{name} must be >= {minimum} (in each dimension), got {value!r}")
    return int(items[0]), int(items[1])


def _uniform(generator: np.random.Generator, shape: tuple, fan_in: int) -> np.ndarray:
    """torch's default init: uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``, as float32."""
    bound = 1.0 / np.sqrt(fan_in)
    return generator.uniform(-bound, bound, size=shape).astype(np.float32)


def _parameter(value: Any, shape: tuple, dtype: np.dtype, name: str) -> np.ndarray:
    """A weight attribute checked against ``shape`` and cast to the input's dtype."""
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real-valued array, got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    return arr.astype(dtype, copy=False)


def _image_input(x: Any, name: str = "input") -> tuple[np.ndarray, bool]:
    """A 3-D ``(C, H, W)`` or 4-D ``(N, C, H, W)`` input as 4-D, and whether it was 3-D."""
    arr = _float_input(x, name)
    if arr.ndim not in (3, 4):
        raise ValueError(f"{name} must be 3-D (C, H, W) or 4-D (N, C, H, W), "
                         f"got {arr.ndim}-D with shape {arr.shape}")
    return (arr[None], True) if arr.ndim == 3 else (arr, False)


# --------------------------------------------------------------------------- shared kernels

def _conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
            stride: tuple[int, int], padding: tuple[int, int, int, int],
            dilation: tuple[int, int], groups: int) -> np.ndarray:
    """Cross-correlate ``x`` ``(N, C, H, W)`` with ``weight`` ``(O, C/groups, kH, kW)``.

    ``padding`` is ``(top, bottom, left, right)`` zeros; ``x``, ``weight`` and
    ``bias`` share one float dtype and the caller has checked the shapes
    (the padded input holds at least one dilated kernel). im2col: the
    input's kernel-sized windows are gathered into one matrix per group
    and multiplied by that group's kernels in a single batched matmul.
    """
    n = x.shape[0]
    out_channels, group_channels, kh, kw = weight.shape
    top, bottom, left, right = padding
    if any(padding):
        x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    (sh, sw), (dh, dw) = stride, dilation
    windows = sliding_window_view(x, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw]             # (N, C, Ho, Wo, kH, kW)
    ho, wo = windows.shape[2:4]
    per_group = out_channels // groups
    columns = (windows.reshape(n, groups, group_channels, ho, wo, kh, kw)
               .transpose(1, 0, 3, 4, 2, 5, 6)
               .reshape(groups, n * ho * wo, group_channels * kh * kw))
    kernels = weight.reshape(groups, per_group, group_channels * kh * kw).transpose(0, 2, 1)
    out = np.matmul(columns, kernels)                           # (G, N*Ho*Wo, O/G)
    out = np.ascontiguousarray(
        out.reshape(groups, n, ho, wo, per_group).transpose(1, 0, 4, 2, 3)
    ).reshape(n, out_channels, ho, wo)
    if bias is not None:
        out += bias[:, None, None]
    return out


def _pool_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
               ceil_mode: bool) -> int:
    """torch's pooled length: the formula of :class:`MaxPool2d`, ``ceil_mode`` included."""
    span = dilation * (kernel - 1) + 1
    numerator = size + 2 * padding - span + (stride - 1 if ceil_mode else 0)
    out = numerator // stride + 1
    # With ceil_mode the last window must start inside the input or its left padding.
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _pool_windows(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
                  padding: tuple[int, int], dilation: tuple[int, int], ceil_mode: bool,
                  fill: float, name: str) -> np.ndarray:
    """The pooling windows of ``x`` ``(N, C, H, W)``: a view ``(N, C, Ho, Wo, kH, kW)``.

    The input is padded with ``fill``: ``padding`` on the top and left, and
    on the bottom and right as much as the output needs (``ceil_mode`` can
    need more than ``padding``).
    """
    h, w = x.shape[2:]
    sizes = [_pool_size(n, k, s, p, d, ceil_mode)
             for n, k, s, p, d in zip((h, w), kernel, stride, padding, dilation)]
    if min(sizes) < 1:
        raise ValueError(f"{name}: input of spatial size {(h, w)} gives output size "
                         f"{tuple(sizes)}, which is too small: the input must hold at "
                         f"least one (dilated, padded) window of kernel_size={kernel}")
    pads = []
    for n, out, k, s, p, d in zip((h, w), sizes, kernel, stride, padding, dilation):
        needed = (out - 1) * s + d * (k - 1) + 1
        pads.append((p, max(p, needed - n - p)))
    padded = tuple(n + before + after for n, (before, after) in zip((h, w), pads))
    check_arrays(f"pooling {name}", {"the padded input": (x.shape[:2] + padded, x.itemsize),
                                     "the outputs": (x.shape[:2] + tuple(sizes), x.itemsize)})
    x = np.pad(x, ((0, 0), (0, 0), *pads), constant_values=fill)
    (kh, kw), (dh, dw) = kernel, dilation
    windows = sliding_window_view(x, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    return windows[:, :, ::stride[0], ::stride[1], ::dh, ::dw][:, :, :sizes[0], :sizes[1]]


def _check_pool_padding(padding: tuple[int, int], kernel: tuple[int, int]) -> None:
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"padding must be at most half of kernel_size (padding <= "
                         f"kernel_size // 2 in each dimension), got padding={padding} "
                         f"and kernel_size={kernel}")


# --------------------------------------------------------------------------- layers

class Linear(Module):
    """A fully connected layer: :math:`y = x W^\\top + b`, like ``torch.nn.Linear``.

    Parameters
    ----------
    in_features : int
        Size of the last axis of the input (>= 1).
    out_features : int
        Size of the last axis of the output (>= 1).
    bias : bool, optional
        Whether to add a bias (default True).
    rng : int, numpy.random.Generator or None, keyword-only
        Seed or generator for the initial weights.

    Attributes
    ----------
    weight : numpy.ndarray
        ``(out_features, in_features)``, float32, uniform in
        :math:`[-1/\\sqrt{\\text{in\\_features}}, 1/\\sqrt{\\text{in\\_features}}]`.
    bias : numpy.ndarray or None
        ``(out_features,)``, float32, drawn from the same interval (after
        ``weight``); None when ``bias=False``.

    Notes
    -----
    The input has shape :math:`(*, \\text{in\\_features})` (any number of
    leading axes, possibly none) and the output
    :math:`(*, \\text{out\\_features})`, with
    :math:`y_{\\ldots, o} = \\sum_i x_{\\ldots, i} W_{o i} + b_o`.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 rng: Any = None):
        self.in_features = _int(in_features, "in_features", 1)
        self.out_features = _int(out_features, "out_features", 1)
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be a bool, got {type(bias).__name__}")
        generator = np.random.default_rng(rng)
        self.weight = _uniform(generator, (self.out_features, self.in_features),
                               self.in_features)
        self.bias = (_uniform(generator, (self.out_features,), self.in_features)
                     if bias else None)

    def forward(self, input: Any) -> np.ndarray:  # noqa: A002 - torch's name
        """Apply the layer to ``input`` of shape ``(..., in_features)``."""
        x = _float_input(input)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"input must have in_features={self.in_features} on its last "
                             f"axis, got shape {x.shape}")
        weight = _parameter(self.weight, (self.out_features, self.in_features), x.dtype,
                            "weight")
        check_arrays("Linear", {"outputs": (x.shape[:-1] + (self.out_features,), x.itemsize)})
        out = np.matmul(x, weight.T)
        if self.bias is not None:
            out += _parameter(self.bias, (self.out_features,), x.dtype, "bias")
        return out

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class _Conv2dBase(Module):
    """Arguments, weights and the convolution shared by :class:`Conv2d` and ``LConv2d``."""

    #: Whether ``padding`` may be ``"valid"`` or ``"same"``.
    _string_padding = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, rng: Any):
        self.in_channels = _int(in_channels, "in_channels", 1)
        self.out_channels = _int(out_channels, "out_channels", 1)
        self.groups = _int(groups, "groups", 1)
        if self.in_channels % self.groups:
            raise ValueError(f"in_channels must be divisible by groups, got "
                             f"in_channels={self.in_channels} and groups={self.groups}")
        if self.out_channels % self.groups:
            raise ValueError(f"out_channels must be divisible by groups, got "
                             f"out_channels={self.out_channels} and groups={self.groups}")
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = _pair(stride, "stride", 1)
        self.dilation = _pair(dilation, "dilation", 1)
        if isinstance(padding, str):
            if not self._string_padding:
                raise ValueError(f"padding must be an int or a pair of ints for "
                                 f"{type(self).__name__}, got {padding!r}")
            if padding not in ("valid", "same"):
                raise ValueError(f"padding must be an int, a pair of ints, 'valid' or "
                                 f"'same', got {padding!r}")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError(f"padding='same' is not supported for strided "
                                 f"convolutions, got stride={self.stride}")
            self.padding = padding
            pads = [0, 0, 0, 0]
            if padding == "same":
                for axis, (k, d) in enumerate(zip(self.kernel_size, self.dilation)):
                    total = d * (k - 1)
                    pads[2 * axis:2 * axis + 2] = [total // 2, total - total // 2]
            self._pads = tuple(pads)
        else:
            self.padding = _pair(padding, "padding", 0)
            ph, pw = self.padding
            self._pads = (ph, ph, pw, pw)
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be a bool, got {type(bias).__name__}")
        kh, kw = self.kernel_size
        fan_in = self.in_channels // self.groups * kh * kw
        generator = np.random.default_rng(rng)
        self.weight = _uniform(generator, self._weight_shape(), fan_in)
        self.bias = _uniform(generator, (self.out_channels,), fan_in) if bias else None

    def _weight_shape(self) -> tuple:
        return (self.out_channels, self.in_channels // self.groups, *self.kernel_size)

    def _check_channels(self, shape: tuple, axis: int, layout: str,
                        name: str = "input") -> None:
        if shape[axis] != self.in_channels:
            raise ValueError(f"{name} must have in_channels={self.in_channels} channels on "
                             f"axis {axis} of {layout}, got shape {shape}")

    def _convolve(self, x: np.ndarray, use_bias: bool = True,
                  name: str = "input") -> np.ndarray:
        """The convolution of a checked 4-D input ``(N, C, H, W)``."""
        weight = _parameter(self.weight, self._weight_shape(), x.dtype, "weight")
        bias = None
        if use_bias and self.bias is not None:
            bias = _parameter(self.bias, (self.out_channels,), x.dtype, "bias")
        top, bottom, left, right = self._pads
        padded = (x.shape[2] + top + bottom, x.shape[3] + left + right)
        span = tuple(d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.dilation))
        if padded[0] < span[0] or padded[1] < span[1]:
            raise ValueError(f"{name} spatial size {x.shape[2:]} (padded: {padded}) is "
                             f"smaller than the dilated kernel {span} "
                             f"(kernel_size={self.kernel_size}, dilation={self.dilation})")
        return _conv2d(x, weight, bias, self.stride, self._pads, self.dilation, self.groups)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_Conv2dBase):
    """A 2-d convolution (cross-correlation), like ``torch.nn.Conv2d``.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and output (>= 1, both divisible by ``groups``).
    kernel_size : int or (int, int)
        Kernel height and width (>= 1).
    stride : int or (int, int), optional
        Step between output positions (>= 1, default 1).
    padding : int, (int, int), "valid" or "same", optional
        Zeros added on both sides of the height and width (>= 0, default 0).
        ``"valid"`` is no padding; ``"same"`` (only with stride 1) pads
        :math:`d(k - 1)` in total per dimension, :math:`\\lfloor d(k-1)/2
        \\rfloor` before and the rest after, so the output keeps the input's
        size.
    dilation : int or (int, int), optional
        Spacing between kernel elements (>= 1, default 1).
    groups : int, optional
        Number of blocked connections (default 1): input channels and
        output channels are split in ``groups`` equal blocks and block
        :math:`g` of the output sees only block :math:`g` of the input.
    bias : bool, optional
        Whether to add a bias (default True).
    padding_mode : str, optional
        Only ``"zeros"`` (the default) is supported.
    rng : int, numpy.random.Generator or None, keyword-only
        Seed or generator for the initial weights.

    Attributes
    ----------
    weight : numpy.ndarray
        ``(out_channels, in_channels / groups, kH, kW)``, float32, uniform in
        :math:`[-b, b]`, :math:`b = 1/\\sqrt{(\\text{in\\_channels}/\\text{groups})
        \\, k_H k_W}`.
    bias : numpy.ndarray or None
        ``(out_channels,)``, float32, from the same interval (drawn after
        ``weight``); None when ``bias=False``.
    kernel_size, stride, dilation : (int, int)
    padding : (int, int) or str

    Notes
    -----
    Input :math:`(N, C_{in}, H, W)` or unbatched :math:`(C_{in}, H, W)`;
    output :math:`(N, C_{out}, H_{out}, W_{out})` (or unbatched), with

    .. math::

        y_{n, o, i, j} = b_o + \\sum_{c \\in \\text{group}(o)} \\sum_{p, q}
            W_{o, c, p, q} \\, \\tilde x_{n, c, s_H i + d_H p, s_W j + d_W q}

    where :math:`\\tilde x` is the zero-padded input and

    .. math::

        H_{out} = \\left\\lfloor \\frac{H + P_{top} + P_{bottom}
            - d_H (k_H - 1) - 1}{s_H} \\right\\rfloor + 1

    (likewise :math:`W_{out}`; :math:`P_{top} = P_{bottom} = \\text{padding}`
    for integer padding).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", *, rng: Any = None):
        if padding_mode != "zeros":
            raise ValueError(f"padding_mode must be 'zeros' (the only mode supported), "
                             f"got {padding_mode!r}")
        self.padding_mode = padding_mode
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, rng)

    def forward(self, input: Any) -> np.ndarray:  # noqa: A002 - torch's name
        """Convolve ``input`` ``(N, C_in, H, W)`` or ``(C_in, H, W)``."""
        x, unbatched = _image_input(input)
        if unbatched:
            self._check_channels(x.shape[1:], 0, "(C, H, W)")
        else:
            self._check_channels(x.shape, 1, "(N, C, H, W)")
        out = self._convolve(x)
        return out[0] if unbatched else out


class Flatten(Module):
    """Merge the axes ``start_dim`` to ``end_dim`` (inclusive) into one, like ``torch.nn.Flatten``.

    Parameters
    ----------
    start_dim, end_dim : int, optional
        First and last axis to merge (default 1 and -1; negative values
        count from the end).

    Notes
    -----
    An input of shape :math:`(d_0, \\ldots, d_{n-1})` gives
    :math:`(d_0, \\ldots, d_{s-1}, \\prod_{k=s}^{e} d_k, d_{e+1}, \\ldots,
    d_{n-1})`; a 0-d input counts as 1-d. The output is a new array, never
    a view of the input.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        self.start_dim = int(start_dim)
        self.end_dim = int(end_dim)

    def forward(self, input: Any) -> np.ndarray:  # noqa: A002 - torch's name
        """``input`` with axes ``start_dim..end_dim`` merged."""
        x = _float_input(input)
        ndim = max(x.ndim, 1)
        dims = []
        for name, dim in (("start_dim", self.start_dim), ("end_dim", self.end_dim)):
            if not -ndim <= dim < ndim:
                raise ValueError(f"{name}={dim} is out of range for an input with "
                                 f"{x.ndim} dimensions (expected {-ndim} to {ndim - 1})")
            dims.append(dim % ndim)
        start, end = dims
        if start > end:
            raise ValueError(f"start_dim must not come after end_dim, got start_dim="
                             f"{self.start_dim} and end_dim={self.end_dim} for an input "
                             f"with {x.ndim} dimensions")
        shape = x.shape if x.ndim else (1,)
        merged = int(np.prod(shape[start:end + 1], dtype=np.int64))
        return np.array(x.reshape(shape[:start] + (merged,) + shape[end + 1:]), copy=True)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class _Pool2d(Module):
    """Arguments shared by the pooling layers (stored as given, as torch does)."""

    def __init__(self, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool):
        self._kernel = _pair(kernel_size, "kernel_size", 1)
        self._stride = self._kernel if stride is None else _pair(stride, "stride", 1)
        self._padding = _pair(padding, "padding", 0)
        _check_pool_padding(self._padding, self._kernel)
        if not isinstance(ceil_mode, (bool, np.bool_)):
            raise TypeError(f"ceil_mode must be a bool, got {type(ceil_mode).__name__}")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = bool(ceil_mode)


class MaxPool2d(_Pool2d):
    """2-d max pooling, like ``torch.nn.MaxPool2d`` (without ``return_indices``).

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window height and width (>= 1).
    stride : int, (int, int) or None, optional
        Step between windows (>= 1); None (the default) means ``kernel_size``.
    padding : int or (int, int), optional
        :math:`-\\infty` added on both sides (>= 0, at most
        ``kernel_size // 2``; default 0).
    dilation : int or (int, int), optional
        Spacing between window elements (>= 1, default 1).
    ceil_mode : bool, optional
        Round the output size up instead of down (default False); a window
        must still start inside the input or its left/top padding.

    Notes
    -----
    Input :math:`(N, C, H, W)` or :math:`(C, H, W)`;
    :math:`y_{n,c,i,j} = \\max_{p,q} \\tilde x_{n,c,s_H i + d_H p, s_W j + d_W q}`
    over the :math:`-\\infty`-padded input :math:`\\tilde x` (NaN propagates), with

    .. math::

        H_{out} = \\left\\lfloor \\frac{H + 2 P_H - d_H (k_H - 1) - 1}{s_H}
            \\right\\rfloor + 1

    (:math:`\\lceil\\cdot\\rceil` with ``ceil_mode``, less one if the last
    window would start at or past :math:`H + P_H`); likewise :math:`W_{out}`.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, ceil_mode: bool = False):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self._dilation = _pair(dilation, "dilation", 1)
        self.dilation = dilation

    def forward(self, input: Any) -> np.ndarray:  # noqa: A002 - torch's name
        """Max-pool ``input`` ``(N, C, H, W)`` or ``(C, H, W)``."""
        x, unbatched = _image_input(input)
        windows = _pool_windows(x, self._kernel, self._stride, self._padding, self._dilation,
                                self.ceil_mode, -np.inf, "input")
        out = windows.max(axis=(4, 5))
        return out[0] if unbatched else out

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, "
                f"ceil_mode={self.ceil_mode}")


class AvgPool2d(_Pool2d):
    """2-d average pooling, like ``torch.nn.AvgPool2d``.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window height and width (>= 1).
    stride : int, (int, int) or None, optional
        Step between windows (>= 1); None (the default) means ``kernel_size``.
    padding : int or (int, int), optional
        Zeros added on both sides (>= 0, at most ``kernel_size // 2``;
        default 0).
    ceil_mode : bool, optional
        Round the output size up instead of down (default False), as in
        :class:`MaxPool2d`.
    count_include_pad : bool, optional
        Whether the zero padding counts in the divisor (default True).
    divisor_override : int or None, optional
        A fixed divisor (a non-zero int) instead of the window size.

    Notes
    -----
    Input :math:`(N, C, H, W)` or :math:`(C, H, W)`; the output size is
    :class:`MaxPool2d`'s with dilation 1. Each output is the sum of its
    window's input values divided by :math:`D`: ``divisor_override`` if
    given; else with ``count_include_pad`` the number of window positions
    inside the padded input (positions past the padding, which ``ceil_mode``
    can create, do not count); else the number inside the input itself.
    For window rows :math:`[h_0, h_0 + k_H)` with :math:`h_0 = s_H i - P_H`,

    .. math::

        D = (\\min(h_0 + k_H, H + P_H) - h_0)\\,(\\min(w_0 + k_W, W + P_W) - w_0)
        \\quad\\text{or}\\quad
        (\\min(h_0 + k_H, H) - \\max(h_0, 0))\\,(\\min(w_0 + k_W, W) - \\max(w_0, 0)).
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        if not isinstance(count_include_pad, (bool, np.bool_)):
            raise TypeError(f"count_include_pad must be a bool, got "
                            f"{type(count_include_pad).__name__}")
        self.count_include_pad = bool(count_include_pad)
        if divisor_override is not None:
            if (isinstance(divisor_override, bool)
                    or not isinstance(divisor_override, (int, np.integer))):
                raise TypeError(f"divisor_override must be an int or None, got "
                                f"{type(divisor_override).__name__}")
            if divisor_override == 0:
                raise ValueError("divisor_override must not be zero, got 0")
            divisor_override = int(divisor_override)
        self.divisor_override = divisor_override

    def _divisor(self, size: tuple[int, int], out: tuple[int, int], dtype) -> Any:
        """The divisor of every output position, ``(Ho, Wo)`` (or a scalar)."""
        if self.divisor_override is not None:
            return dtype.type(self.divisor_override)
        factors = []
        for n, m, k, s, p in zip(size, out, self._kernel, self._stride, self._padding):
            start = np.arange(m) * s - p
            if self.count_include_pad:
                factors.append(np.minimum(start + k, n + p) - start)
            else:
                factors.append(np.minimum(start + k, n) - np.maximum(start, 0))
        return np.multiply.outer(*factors)

    def forward(self, input: Any) -> np.ndarray:  # noqa: A002 - torch's name
        """Average-pool ``input`` ``(N, C, H, W)`` or ``(C, H, W)``."""
        x, unbatched = _image_input(input)
        windows = _pool_windows(x, self._kernel, self._stride, self._padding, (1, 1),
                                self.ceil_mode, 0.0, "input")
        sums = windows.sum(axis=(4, 5))
        divisor = self._divisor(x.shape[2:], sums.shape[2:], x.dtype)
        if np.ndim(divisor) and not divisor.all():
            # A window with no input element: torch writes 0 there.
            out = np.divide(sums, divisor.astype(x.dtype), out=np.zeros_like(sums),
                            where=divisor != 0)
        else:
            out = sums / np.asarray(divisor).astype(x.dtype)
        return out[0] if unbatched else out

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Dropout(Module):
    """Dropout at inference time: the identity, like ``torch.nn.Dropout`` in eval mode.

    The module layer is forward-only (inference), so nothing is dropped and
    nothing is rescaled: :math:`y = x` (a new array in the input's float
    dtype).

    Parameters
    ----------
    p : float, optional
        The training-time drop probability, kept for reference
        (:math:`0 \\le p \\le 1`, default 0.5).
    """

    def __init__(self, p: float = 0.5):
        if isinstance(p, bool) or not isinstance(p, numbers.Real):
            raise TypeError(f"p must be a real number, got {type(p).__name__}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p (the dropout probability) must be between 0 and 1, "
                             f"got {p!r}")
        self.p = p

    def forward(self, input: Any) -> np.ndarray:  # noqa: A002 - torch's name
        """A copy of ``input`` (float32 or float64)."""
        return np.array(_float_input(input), copy=True)

    def extra_repr(self) -> str:
        return f"p={self.p}"
