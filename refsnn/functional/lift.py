r"""Lifting a one-step function to a whole time series.

A step function maps one time step's input and the state to an output and
the next state, :math:`(y_t, s_{t+1}) = f(x_t, s_t)`. Its *lift* runs it
over an input whose first axis is time:

.. math::
    (y_0, s_1) = f(x_0, s_0),\; (y_1, s_2) = f(x_1, s_1),\; \dots,\;
    (y_{T-1}, s_T) = f(x_{T-1}, s_{T-1})

and returns the stacked outputs :math:`[y_0, \dots, y_{T-1}]` (time first)
with the final state :math:`s_T`.

Calling convention (as in Norse): every argument other than the input is
passed to :math:`f` by keyword. If the caller gives no ``state``, the first
call is made without one, letting :math:`f` choose its initial state, and
every later call receives the state returned by the one before. Parameters
``p`` fixed when lifting are used unless the call gives its own ``p``.
"""

from __future__ import annotations

from typing import Any, Callable, Tuple

import numpy as np


class _Lifted:
    """A step function lifted over time (a class, not a closure, so it pickles)."""

    def __init__(self, activation: Callable, p: Any = None):
        self.activation = activation
        self.p = p

    def __repr__(self) -> str:
        name = getattr(self.activation, "__name__", repr(self.activation))
        return f"lift({name}, p={self.p!r})"

    def __call__(self, input_tensor: Any, **kwargs: Any) -> Tuple[np.ndarray, Any]:
        """Run the step function over axis 0 of ``input_tensor``.

        Parameters
        ----------
        input_tensor : array_like, shape ``(T, ...)`` with ``T >= 1``
            One input per time step along the first axis.
        **kwargs
            Passed to every step (``state`` only to the first; later steps
            get the previous step's state).

        Returns
        -------
        outputs : ndarray, shape ``(T, ...)``
            The step outputs stacked along a new first axis.
        state : any
            The state after the last step.
        """
        xs = np.asarray(input_tensor)
        if xs.ndim == 0 or xs.shape[0] == 0:
            raise ValueError(
                "input_tensor must have a time axis (axis 0) with at least one step, "
                f"got shape {xs.shape}"
            )
        if self.p is not None and "p" not in kwargs:
            kwargs["p"] = self.p
        state = kwargs.pop("state", None)
        outputs = []
        for x in xs:
            if state is None:
                out, state = self.activation(x, **kwargs)
            else:
                out, state = self.activation(x, state=state, **kwargs)
            outputs.append(out)
        return np.stack(outputs), state


def lift(activation: Callable, p: Any = None) -> _Lifted:
    r"""Turn a one-step function into one that runs over the time axis 0.

    Parameters
    ----------
    activation : callable
        ``activation(x_t, state=..., **kwargs) -> (y_t, new_state)``, for
        example :func:`refsnn.functional.lif.lif_feed_forward_step`.
    p : any, optional
        Parameters passed as ``p=`` to every step, unless the call of the
        lifted function gives its own ``p``.

    Returns
    -------
    callable
        ``lifted(input_tensor, **kwargs) -> (outputs, state)``: evaluates
        ``activation`` once per step of ``input_tensor``'s first axis and
        returns the outputs stacked along a new first axis (shape
        ``(T, ...)``) and the final state. The caller's input and state are
        not modified (as long as ``activation`` does not modify them).
    """
    if not callable(activation):
        raise TypeError(
            f"activation must be a callable step function, got {type(activation).__name__}"
        )
    return _Lifted(activation, p)
