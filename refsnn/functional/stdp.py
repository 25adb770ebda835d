r"""Spike-timing-dependent plasticity (STDP) with presynaptic and postsynaptic traces.

Model
-----
Each presynaptic neuron :math:`j` keeps a trace :math:`t^{\text{pre}}_j` and
each postsynaptic neuron :math:`i` a trace :math:`t^{\text{post}}_i`. A trace
relaxes towards :math:`a\,z(t)`, where :math:`z(t)` is 1 during the time step
of a spike and 0 otherwise:

.. math::
    \tau_{\text{pre}}\,\dot t^{\text{pre}} = -t^{\text{pre}} + a_{\text{pre}}\,z_{\text{pre}}, \qquad
    \tau_{\text{post}}\,\dot t^{\text{post}} = -t^{\text{post}} + a_{\text{post}}\,z_{\text{post}} .

When neuron :math:`i` fires, the synapse :math:`w_{ij}` is potentiated in
proportion to the presynaptic trace (pre before post); when neuron :math:`j`
fires, it is depressed in proportion to the postsynaptic trace (post before
pre). Summed over the batch:

.. math::
    \Delta w_{ij} = A_+(w_{ij}) \sum_b z^{\text{post}}_{bi}\, t^{\text{pre}}_{bj}
                  - A_-(w_{ij}) \sum_b t^{\text{post}}_{bi}\, z^{\text{pre}}_{bj} .

The weight dependence ``stdp_algorithm`` chooses :math:`A_\pm`
(:math:`\eta_\pm` are the learning rates, :math:`H` the Heaviside step,
:math:`H(0) = 0`):

=======================  ===========================================  ===========================================
``stdp_algorithm``       :math:`A_+(w)`                               :math:`A_-(w)`
=======================  ===========================================  ===========================================
``additive``             :math:`\eta_+`                               :math:`\eta_-`
``additive_step``        :math:`\eta_+\,H(w_{\max} - w)`              :math:`\eta_-\,H(w - w_{\min})`
``multiplicative_pow``   :math:`\eta_+\,(w_{\max} - w)^{\mu}`         :math:`\eta_-\,(w - w_{\min})^{\mu}`
``multiplicative_relu``  :math:`\eta_+\,\max(w_{\max} - w, 0)`        :math:`\eta_-\,\max(w - w_{\min}, 0)`
=======================  ===========================================  ===========================================

(``mu`` is read only by ``multiplicative_pow``; Norse overwrites it with 0
or 1 for the other rules, which the rules do not use.) With ``hardbound``
the new weights are clipped to :math:`[w_{\min}, w_{\max}]`.

Discretisation (step :math:`\Delta t`), in this order:

1. traces: :math:`t' = t + \Delta t\,\tau^{-1}\,(-t + a\,z)` (a spike adds
   :math:`\Delta t\,\tau^{-1} a`, after which the trace decays by the factor
   :math:`1 - \Delta t\,\tau^{-1}` per step);
2. weight change from this step's spikes and the *updated* traces:
   :math:`w' = w + (A_+(w) \odot C_+ - A_-(w) \odot C_-)` with
   :math:`C_+ = {z^{\text{post}}}^{\mathsf T} t^{\text{pre}\prime}` and
   :math:`C_- = {t^{\text{post}\prime}}^{\mathsf T} z^{\text{pre}}`;
3. bounds: :math:`w'' = \min(\max(w', w_{\min}), w_{\max})` if ``hardbound``.

A single pair, pre spike at step 0 and post spike at step :math:`k > 0`,
therefore changes the weight by :math:`\eta_+ a_{\text{pre}} h_{\text{pre}}
(1 - h_{\text{pre}})^k` with :math:`h = \Delta t\,\tau^{-1}`; the reverse order
by :math:`-\eta_- a_{\text{post}} h_{\text{post}} (1 - h_{\text{post}})^k`:
the exponential STDP window, with decay constant
:math:`-\Delta t / \ln(1 - h) \approx \tau`.

Convolutional layers (:func:`stdp_step_conv2d`) apply the same rule to
every (output channel, input channel, kernel offset) weight, summing over
the batch and over every output position where that weight is used; the
presynaptic receptive fields are gathered with :func:`unfold` (im2col, the
layout of ``torch.nn.functional.unfold``).

Norse implements ``STDPState`` with an in-place ``decay`` method and
``STDPParameters`` as a class whose constructor derives ``A_plus``,
``A_minus`` and ``bounding_func``. Here both are immutable NamedTuples:
``STDPState.decay`` returns a new state and the weight functions are
methods of ``STDPParameters``.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple, Tuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from refsnn import _checks
from refsnn.memory import check_arrays
from refsnn.functional import _plasticity
from refsnn.numerics import heaviside, power, relu, select

#: The weight dependences Norse offers.
STDP_ALGORITHMS = ("additive", "additive_step", "multiplicative_pow", "multiplicative_relu")

_NUMERIC_FIELDS = ("a_pre", "a_post", "tau_pre_inv", "tau_post_inv", "w_min", "w_max",
                   "eta_plus", "eta_minus", "mu")


# --------------------------------------------------------------------------- the arithmetic
# Written once, in the style every backend compiles (refsnn.numerics): the
# NumPy code below calls these on arrays, compiled backends on scalars.
def trace_update(trace, z, a, tau_inv, dt):
    r"""Step 1 of the module docstring, one trace: :math:`t' = t + \Delta t\,\tau^{-1}(-t + a z)`.

    Parameters
    ----------
    trace, z : arrays or scalars
        The trace and this step's spikes of its side.
    a, tau_inv : arrays or scalars
        Jump and inverse time constant of that side (``a_pre``/``tau_pre_inv``
        or ``a_post``/``tau_post_inv``).
    dt : scalar
        Time step, in the trace's dtype.

    Returns
    -------
    trace : array or scalar
        The trace after the step.
    """
    return trace + (dt * tau_inv * (-trace + a * z))


def weight_dependence(rule, eta, distance, mu):
    r"""A factor :math:`A_\pm` of the table in the module docstring.

    Parameters
    ----------
    rule : int
        Index of the weight dependence in :data:`STDP_ALGORITHMS`.
    eta : array or scalar
        The learning rate :math:`\eta_\pm`.
    distance : array or scalar
        :math:`w_{\max} - w` (for :math:`A_+`) or :math:`w - w_{\min}` (for :math:`A_-`).
    mu : array or scalar
        Exponent of ``multiplicative_pow`` (:func:`refsnn.numerics.power`: the
        same bits on every backend); unused by the other rules.

    Returns
    -------
    :math:`\eta`, :math:`\eta\,H(d)`, :math:`\eta\,d^{\mu}` or :math:`\eta \max(d, 0)`.
    """
    if rule == 0:
        return eta
    if rule == 1:
        return eta * heaviside(distance)
    if rule == 2:
        return eta * power(distance, mu)
    return eta * relu(distance)


def _clip(w, w_min, w_max):
    """``w`` limited to ``[w_min, w_max]`` as ``np.clip`` with scalar bounds does it.

    ``w`` is kept where it equals a bound (signed zeros included); a NaN
    ``w`` or a NaN bound gives NaN.
    """
    w = select((w < w_min) | (w_min != w_min), w_min, w)
    return select((w > w_max) | (w_max != w_max), w_max, w)


def weight_update(w, c_plus, c_minus, w_min, w_max, eta_plus, eta_minus, mu, rule, hardbound):
    r"""Steps 2 and 3 of the module docstring, from the correlations :math:`C_\pm`.

    .. math::
        w' = w + (A_+(w)\,C_+ - A_-(w)\,C_-), \qquad
        w'' = \min(\max(w', w_{\min}), w_{\max}) \text{ if hardbound}

    Parameters
    ----------
    w, c_plus, c_minus : arrays or scalars
        Weights and the correlations :math:`C_+`, :math:`C_-` of this step.
    w_min, w_max, eta_plus, eta_minus, mu : arrays or scalars
        The fields of :class:`STDPParameters`, in ``w``'s dtype.
    rule : int
        Index of ``stdp_algorithm`` in :data:`STDP_ALGORITHMS`.
    hardbound : bool

    Returns
    -------
    w : array or scalar
        The new weights.
    """
    a_plus = weight_dependence(rule, eta_plus, w_max - w, mu)
    a_minus = weight_dependence(rule, eta_minus, w - w_min, mu)
    new = w + (a_plus * c_plus - a_minus * c_minus)
    return _clip(new, w_min, w_max) if hardbound else new


class STDPState(NamedTuple):
    """Spike traces of STDP: presynaptic ``t_pre`` and postsynaptic ``t_post``."""

    t_pre: np.ndarray
    t_post: np.ndarray

    def decay(self, z_pre, z_post, tau_pre_inv, tau_post_inv, a_pre, a_post,
              dt: float = 0.001) -> "STDPState":
        r"""The traces one Euler step later, :math:`t' = t + \Delta t\,\tau^{-1}(-t + a z)`.

        Returns a new state (Norse updates its state object in place).
        Arguments are used as given: the step functions pass them already
        cast to the state's dtype.
        """
        return STDPState(
            t_pre=trace_update(self.t_pre, z_pre, a_pre, tau_pre_inv, dt),
            t_post=trace_update(self.t_post, z_post, a_post, tau_post_inv, dt),
        )


class STDPParameters(NamedTuple):
    """Parameters of STDP (numbers or arrays broadcastable to traces and weights).

    Attributes
    ----------
    a_pre : contribution of a presynaptic spike to the presynaptic trace
    a_post : contribution of a postsynaptic spike to the postsynaptic trace
    tau_pre_inv : inverse time constant of the presynaptic trace (1/s), >= 0
    tau_post_inv : inverse time constant of the postsynaptic trace (1/s), >= 0
    w_min : lower weight bound (<= ``w_max``)
    w_max : upper weight bound
    eta_plus : potentiation learning rate, >= 0
    eta_minus : depression learning rate, >= 0
    stdp_algorithm : one of ``"additive"``, ``"additive_step"``,
        ``"multiplicative_pow"``, ``"multiplicative_relu"``
    mu : exponent of ``multiplicative_pow``, >= 0 (Norse suggests [0, 1])
    hardbound : clip the weights to ``[w_min, w_max]`` after each update
    convolutional : informational (Norse reads ``stride``/``padding``/
        ``dilation`` only when it is set; :func:`stdp_step_conv2d` always does)
    stride, padding, dilation : int or pair of ints, geometry of the convolution
    """

    a_pre: float | np.ndarray = 1.0
    a_post: float | np.ndarray = 1.0
    tau_pre_inv: float | np.ndarray = 1.0 / 50e-3
    tau_post_inv: float | np.ndarray = 1.0 / 50e-3
    w_min: float | np.ndarray = 0.0
    w_max: float | np.ndarray = 1.0
    eta_plus: float | np.ndarray = 1e-3
    eta_minus: float | np.ndarray = 1e-3
    stdp_algorithm: str = "additive"
    mu: float | np.ndarray = 0.0
    hardbound: bool = True
    convolutional: bool = False
    stride: int | Tuple[int, int] = 1
    padding: int | Tuple[int, int] = 0
    dilation: int | Tuple[int, int] = 1

    def A_plus(self, w: np.ndarray):
        """Potentiation factor :math:`A_+(w)` of the chosen weight dependence."""
        return weight_dependence(rule_index(self), self.eta_plus, self.w_max - w, self.mu)

    def A_minus(self, w: np.ndarray):
        """Depression factor :math:`A_-(w)` of the chosen weight dependence."""
        return weight_dependence(rule_index(self), self.eta_minus, w - self.w_min, self.mu)

    def bounding_func(self, w: np.ndarray) -> np.ndarray:
        """``w`` clipped to ``[w_min, w_max]`` if ``hardbound``, else ``w``."""
        return _clip(w, self.w_min, self.w_max) if self.hardbound else w


def _check_algorithm(p: STDPParameters) -> str:
    if p.stdp_algorithm not in STDP_ALGORITHMS:
        raise ValueError(
            f"p_stdp.stdp_algorithm must be one of {', '.join(map(repr, STDP_ALGORITHMS))}, "
            f"got {p.stdp_algorithm!r}"
        )
    return p.stdp_algorithm


def rule_index(p: STDPParameters) -> int:
    """The ``rule`` of :func:`weight_update`: the index of ``p.stdp_algorithm``.

    (Its position in :data:`STDP_ALGORITHMS`; an unknown name is a ValueError.)
    """
    return STDP_ALGORITHMS.index(_check_algorithm(p))


def _prepare(z_pre, z_post, w, state_stdp, p_stdp, dt):
    """Validate and cast the arguments shared by both STDP steps."""
    _checks.check_type(state_stdp, STDPState, "state_stdp")
    _checks.check_type(p_stdp, STDPParameters, "p_stdp")
    _checks.check_dt(dt)
    _check_algorithm(p_stdp)
    if not isinstance(p_stdp.hardbound, (bool, np.bool_)):
        raise TypeError(f"p_stdp.hardbound must be a bool, got {p_stdp.hardbound!r}")
    dtype = _plasticity.governing_dtype(("state_stdp", state_stdp), ("w", w))
    state = _checks.cast_tree(state_stdp, dtype, "state_stdp")
    p = _plasticity.cast_fields(p_stdp, _NUMERIC_FIELDS, dtype, "p_stdp")
    _plasticity.check_nonnegative(
        p, ("tau_pre_inv", "tau_post_inv", "eta_plus", "eta_minus", "mu"), "p_stdp")
    _checks.broadcast_shape({"p_stdp.w_min": p.w_min, "p_stdp.w_max": p.w_max},
                            "p_stdp.w_min and p_stdp.w_max")
    if np.any(p.w_min > p.w_max):
        raise ValueError(
            f"p_stdp.w_min must not exceed p_stdp.w_max, got w_min={p_stdp.w_min!r}, "
            f"w_max={p_stdp.w_max!r}"
        )
    w_arr = _checks.as_array(w, "w")
    if w_arr.dtype == np.bool_ or w_arr.dtype.kind not in "fiu":
        raise TypeError(f"w must be a float array, got dtype {w_arr.dtype}")
    _checks.check_finite(w_arr, "w")
    w = w_arr.astype(dtype, copy=False)
    z_pre = _checks.as_input(z_pre, dtype, "z_pre")
    z_post = _checks.as_input(z_post, dtype, "z_post")
    return z_pre, z_post, w, state, p, dtype.type(dt)


def _check_traces(z_pre, z_post, state, p):
    """Traces must fit their spikes, trace parameters must fit the traces."""
    _plasticity.check_same_shape(np.shape(state.t_pre), z_pre.shape, "state_stdp.t_pre", "z_pre")
    _plasticity.check_same_shape(np.shape(state.t_post), z_post.shape, "state_stdp.t_post",
                                 "z_post")
    _plasticity.check_fits(p, ("a_pre", "tau_pre_inv"), z_pre.shape, "z_pre", "p_stdp")
    _plasticity.check_fits(p, ("a_post", "tau_post_inv"), z_post.shape, "z_post", "p_stdp")


def _apply(w, c_plus, c_minus, p):
    """Steps 2 and 3 of the module docstring."""
    _plasticity.check_fits(p, ("w_min", "w_max", "eta_plus", "eta_minus", "mu"), w.shape,
                           "w", "p_stdp")
    return weight_update(w, c_plus, c_minus, p.w_min, p.w_max, p.eta_plus, p.eta_minus, p.mu,
                         rule_index(p), p.hardbound)


def stdp_step_linear(
    z_pre: np.ndarray,
    z_post: np.ndarray,
    w: np.ndarray,
    state_stdp: STDPState,
    p_stdp: STDPParameters = STDPParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, STDPState]:
    r"""One STDP step for a fully connected (linear) layer.

    .. math::
        t' = t + \Delta t\,\tau^{-1}(-t + a z), \qquad
        w' = \operatorname{bound}\bigl(w + A_+(w) \odot {z^{\text{post}}}^{\mathsf T} t^{\text{pre}\prime}
             - A_-(w) \odot {t^{\text{post}\prime}}^{\mathsf T} z^{\text{pre}}\bigr)

    Parameters
    ----------
    z_pre : array, shape ``(batch, n_pre)`` (or ``(n_pre,)``)
        Presynaptic spikes (0/1 or bool).
    z_post : array, shape ``(batch, n_post)`` (or ``(n_post,)``)
        Postsynaptic spikes; the leading (batch) axes must equal ``z_pre``'s.
    w : array, shape ``(n_post, n_pre)``
        Weights, as in ``x @ w.T``.
    state_stdp : STDPState
        ``t_pre`` shaped like ``z_pre``, ``t_post`` like ``z_post`` (or scalars).
    p_stdp : STDPParameters
    dt : float
        Integration time step.

    Returns
    -------
    w : array
        The updated weights (a new array).
    state_stdp : STDPState
        The updated traces.
    """
    z_pre, z_post, w, s, p, dt = _prepare(z_pre, z_post, w, state_stdp, p_stdp, dt)
    if z_pre.ndim == 0 or z_post.ndim == 0:
        raise ValueError(
            f"z_pre and z_post must have a neuron axis, got shapes {z_pre.shape} and "
            f"{z_post.shape}"
        )
    if z_pre.shape[:-1] != z_post.shape[:-1]:
        raise ValueError(
            f"z_pre and z_post must share their batch axes, got shapes {z_pre.shape} "
            f"and {z_post.shape}"
        )
    n_pre, n_post = z_pre.shape[-1], z_post.shape[-1]
    if w.shape != (n_post, n_pre):
        raise ValueError(
            f"w must have shape (n_post, n_pre) = ({n_post}, {n_pre}) for z_pre of shape "
            f"{z_pre.shape} and z_post of shape {z_post.shape}, got {w.shape}"
        )
    _check_traces(z_pre, z_post, s, p)
    check_arrays("stdp_step_linear", {"traces (new and flattened)": (
        (z_pre.size + z_post.size,), 2 * w.itemsize)})

    s = s.decay(z_pre, z_post, p.tau_pre_inv, p.tau_post_inv, p.a_pre, p.a_post, dt)
    rows = int(np.prod(z_pre.shape[:-1]))  # explicit: -1 is ambiguous for empty layers
    t_pre = np.broadcast_to(s.t_pre, z_pre.shape).reshape(rows, n_pre)
    t_post = np.broadcast_to(s.t_post, z_post.shape).reshape(rows, n_post)
    c_plus = z_post.reshape(rows, n_post).T @ t_pre
    c_minus = t_post.T @ z_pre.reshape(rows, n_pre)
    return _apply(w, c_plus, c_minus, p), s


def _pair(value, name: str, minimum: int) -> Tuple[int, int]:
    """An int or a pair of ints, each >= ``minimum``, as a pair."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or not all(
        isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool) for v in pair
    ):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _geometry(shape, kernel_size, dilation, padding, stride):
    """Kernel, dilation, padding, stride as pairs and the output size, checked."""
    kernel = _pair(kernel_size, "kernel_size", 1)
    dil = _pair(dilation, "dilation", 1)
    pad = _pair(padding, "padding", 0)
    step = _pair(stride, "stride", 1)
    padded = (shape[-2] + 2 * pad[0], shape[-1] + 2 * pad[1])
    span = (dil[0] * (kernel[0] - 1) + 1, dil[1] * (kernel[1] - 1) + 1)
    if span[0] > padded[0] or span[1] > padded[1]:
        raise ValueError(
            f"kernel_size {kernel} with dilation {dil} spans {span} pixels, larger than "
            f"the padded input {padded} (input {tuple(shape[-2:])}, padding {pad})"
        )
    out = ((padded[0] - span[0]) // step[0] + 1, (padded[1] - span[1]) // step[1] + 1)
    return kernel, dil, pad, step, out


def unfold(input: np.ndarray, kernel_size, dilation=1, padding=0, stride=1) -> np.ndarray:
    r"""Gather sliding 2-D blocks into columns (im2col), laid out as ``torch.nn.functional.unfold``.

    For an input of shape ``(B, C, H, W)`` and kernel :math:`(k_h, k_w)` the
    result has shape ``(B, C k_h k_w, L)`` with :math:`L = H_o W_o`,

    .. math::
        H_o = \left\lfloor \frac{H + 2 p_h - d_h (k_h - 1) - 1}{s_h} \right\rfloor + 1

    (likewise :math:`W_o`), and entry ``[b, (c k_h + i) k_w + j, y W_o + x]``
    equals the zero-padded input at ``[b, c, y s_h + i d_h, x s_w + j d_w]``.
    A 3-D input ``(C, H, W)`` gives ``(C k_h k_w, L)``.

    Parameters
    ----------
    input : array, shape ``(B, C, H, W)`` or ``(C, H, W)``
    kernel_size, dilation, padding, stride : int or pair of ints
        As in PyTorch (argument order included); kernel, dilation and stride
        >= 1, padding >= 0.

    Returns
    -------
    array
        A new array (never a view of ``input``).
    """
    x = np.asarray(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"input must have shape (B, C, H, W) or (C, H, W), got {x.shape}")
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (oh, ow) = _geometry(
        x.shape, kernel_size, dilation, padding, stride)
    batched = x.ndim == 4
    if not batched:
        x = x[None]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = sliding_window_view(xp, span, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    b, c = x.shape[:2]
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(b, c * kh * kw, oh * ow)
    if np.shares_memory(cols, x):
        cols = cols.copy()
    return cols if batched else cols[0]


def stdp_step_conv2d(
    z_pre: np.ndarray,
    z_post: np.ndarray,
    w: np.ndarray,
    state_stdp: STDPState,
    p_stdp: STDPParameters = STDPParameters(),
    dt: float = 0.001,
) -> Tuple[np.ndarray, STDPState]:
    r"""One STDP step for a 2-D convolutional layer.

    The traces are updated as in :func:`stdp_step_linear`; each kernel weight
    :math:`w_{o,c,i,j}` then collects, over the batch and every output
    position :math:`(y, x)`, the products of the postsynaptic spike (trace)
    at :math:`(o, y, x)` with the presynaptic trace (spike) in its receptive
    field, :math:`(c,\ y s_h + i d_h - p_h,\ x s_w + j d_w - p_w)`:

    .. math::
        C_+[o, (c,i,j)] = \sum_{b,k} z^{\text{post}}_{b,o,k}\, U(t^{\text{pre}\prime})_{b,(c,i,j),k},
        \qquad
        C_-[o, (c,i,j)] = \sum_{b,k} t^{\text{post}\prime}_{b,o,k}\, U(z^{\text{pre}})_{b,(c,i,j),k},

    with :math:`U` = :func:`unfold` (``stride``, ``padding``, ``dilation`` from
    ``p_stdp``), followed by the weight update and bounds of the linear rule.

    Parameters
    ----------
    z_pre : array, shape ``(B, C_in, H, W)``
        Presynaptic spikes.
    z_post : array, shape ``(B, C_out, H_o, W_o)``
        Postsynaptic spikes, ``H_o, W_o`` the output size of the convolution.
    w : array, shape ``(C_out, C_in, k_h, k_w)``
        Convolution kernel.
    state_stdp : STDPState
        ``t_pre`` shaped like ``z_pre``, ``t_post`` like ``z_post``.
    p_stdp : STDPParameters
    dt : float

    Returns
    -------
    w : array
        The updated kernel (a new array).
    state_stdp : STDPState
    """
    z_pre, z_post, w, s, p, dt = _prepare(z_pre, z_post, w, state_stdp, p_stdp, dt)
    if z_pre.ndim != 4:
        raise ValueError(f"z_pre must have shape (batch, C_in, H, W), got {z_pre.shape}")
    if w.ndim != 4 or w.shape[1] != z_pre.shape[1]:
        raise ValueError(
            f"w must have shape (C_out, C_in={z_pre.shape[1]}, k_h, k_w) for z_pre of shape "
            f"{z_pre.shape}, got {w.shape}"
        )
    batch, c_out = z_pre.shape[0], w.shape[0]
    kernel = w.shape[2:]
    *_, out = _geometry(z_pre.shape, kernel, p.dilation, p.padding, p.stride)
    if z_post.shape != (batch, c_out, *out):
        raise ValueError(
            f"z_post must have shape (batch, C_out, H_o, W_o) = {(batch, c_out, *out)} for "
            f"z_pre of shape {z_pre.shape}, w of shape {w.shape}, stride {p.stride!r}, "
            f"padding {p.padding!r}, dilation {p.dilation!r}; got {z_post.shape}"
        )
    _check_traces(z_pre, z_post, s, p)

    s = s.decay(z_pre, z_post, p.tau_pre_inv, p.tau_post_inv, p.a_pre, p.a_post, dt)
    geometry = dict(dilation=p.dilation, padding=p.padding, stride=p.stride)
    t_pre_cols = unfold(np.broadcast_to(s.t_pre, z_pre.shape), kernel, **geometry)
    z_pre_cols = unfold(z_pre, kernel, **geometry)
    z_post_flat = z_post.reshape(batch, c_out, -1)
    t_post_flat = np.broadcast_to(s.t_post, z_post.shape).reshape(batch, c_out, -1)
    c_plus = np.tensordot(z_post_flat, t_pre_cols, axes=([0, 2], [0, 2])).reshape(w.shape)
    c_minus = np.tensordot(t_post_flat, z_pre_cols, axes=([0, 2], [0, 2])).reshape(w.shape)
    return _apply(w, c_plus, c_minus, p), s
