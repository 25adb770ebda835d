"""Adapters: callables that run a conformance case in another simulator.

Each submodule defines ``adapter(case) -> {name: array}`` and a ``name``
(:mod:`refsnn.conformance.runner` states the protocol). Importing a
submodule imports no optional dependency; the adapter imports its simulator
on its first call.

* :mod:`~refsnn.conformance.adapters.norse`: Norse 1.1.0, every family;
* :mod:`~refsnn.conformance.adapters.spikingjelly`: SpikingJelly 2.0 on the
  CPU, the families whose equations coincide (``iaf``, ``lif_box``,
  ``li_box``, under conditions);
* :mod:`~refsnn.conformance.adapters.wrong`: a deliberately wrong
  implementation (each step's input applied one step late), which must fail.
"""
