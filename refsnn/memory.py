"""Sizing a request before allocating it.

:func:`check_fits` compares the bytes a run needs with what the machine can
give and raises :class:`InsufficientMemoryError` (a ``MemoryError``) naming
both, *before* anything is allocated, so a request that cannot fit fails
with a readable error instead of a raw allocation failure or the operating
system's out-of-memory killer.
"""

from __future__ import annotations

import math
import os


class InsufficientMemoryError(MemoryError):
    """A request needs more memory than the machine has available."""


def available_bytes() -> int | None:
    """Memory available to a new allocation: ``MemAvailable`` (Linux), else physical memory."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def describe(n: int) -> str:
    """``n`` bytes in a readable unit (``"3.55 PiB"``)."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if value < 1024 or unit == "EiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


#: Below this many bytes a request is not sized (reading the free memory costs more
#: than such an allocation risks).
SMALL_REQUEST = 1 << 26

#: What :func:`check_fits` suggests by default (to a caller of :func:`refsnn.simulate`).
SIMULATE_HINT = ("use fewer neurons or steps, compact spikes (spike_dtype=np.bool_), "
                 "or record fewer states")


def check_fits(parts: dict[str, int], available: int | None = None, where: str = "memory",
               what: str = "this request", hint: str = SIMULATE_HINT) -> None:
    """Raise :class:`InsufficientMemoryError` if the ``parts`` (name -> bytes) exceed ``available``.

    ``available=None`` asks :func:`available_bytes` for requests of at least
    :data:`SMALL_REQUEST` bytes (smaller ones pass unasked); when that is
    unknown, nothing is checked. ``hint`` ends the message (what to do instead).
    """
    needed = sum(parts.values())
    if available is None and needed < SMALL_REQUEST:
        return
    available = available_bytes() if available is None else available
    if available is None or needed <= available:
        return
    detail = ", ".join(f"{name} {describe(size)}" for name, size in parts.items() if size)
    raise InsufficientMemoryError(
        f"{what} needs {describe(needed)} ({detail}) but only {describe(available)} of {where} "
        f"is available; {hint}")


#: What :func:`check_arrays` suggests by default (to a caller of a function or layer).
ARRAYS_HINT = "pass smaller arrays (fewer steps, neurons or batch entries)"


def check_arrays(what: str, parts: dict[str, tuple[tuple, int]], hint: str = ARRAYS_HINT) -> None:
    """:func:`check_fits` of arrays given by ``name -> (shape, itemsize)``: O(1), from the
    shapes only (Python integers: no overflow), before any of them is allocated.

    Requests under :data:`SMALL_REQUEST` bytes are let through without asking the
    machine.
    """
    sizes = {name: math.prod(shape) * itemsize for name, (shape, itemsize) in parts.items()}
    check_fits(sizes, what=what, hint=hint)
