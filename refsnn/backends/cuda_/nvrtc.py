"""NVRTC, called directly (ctypes), with the options refsnn's numerics need.

CuPy's ``RawModule(code=...)``/``RawKernel`` compile with NVRTC too, but
append ``-ftz=true`` to every compile, which flushes float32 subnormals to
zero (measured on an H200: 266,343 of 4,000,006 float32 ``exp`` results).
Here the program is compiled with :data:`OPTIONS` only, and the CUBIN (or
PTX) is written to a file that ``cupy.RawModule(path=...)`` loads.

NVRTC needs neither a GPU nor a driver: CI compiles every kernel for
:data:`CI_ARCHITECTURES` with the ``nvidia-cuda-nvrtc-cu12`` wheel.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import sys
from functools import cache
from pathlib import Path

#: The compile options: IEEE results, no fused multiply-add, subnormals kept.
OPTIONS = ("--fmad=false", "--ftz=false", "--prec-div=true", "--prec-sqrt=true",
           "-std=c++17")

#: Architectures the test suite compiles for (A100, H100/H200).
CI_ARCHITECTURES = ("sm_80", "sm_90")

INSTALL_HINT = 'pip install "refsnn[cuda]" (or pip install nvidia-cuda-nvrtc-cu12)'


class NvrtcUnavailable(RuntimeError):
    """libnvrtc could not be found or loaded."""


class CompileError(RuntimeError):
    """NVRTC rejected a program; the message holds its log."""


def _candidates() -> list[str]:
    """Paths and names under which libnvrtc may be found, most specific first."""
    found = []
    if os.environ.get("REFSNN_NVRTC"):
        found.append(os.environ["REFSNN_NVRTC"])
    for entry in sys.path:
        for pattern in ("nvidia/cuda_nvrtc/lib/libnvrtc.so*", "nvidia/cu13/lib/libnvrtc.so*"):
            found += sorted(p for p in glob.glob(os.path.join(entry, pattern))
                            if "builtins" not in p and ".alt." not in p)
    for root in (os.environ.get("CUDA_PATH"), os.environ.get("CUDA_HOME"), "/usr/local/cuda"):
        if root:
            found += sorted(glob.glob(os.path.join(root, "lib64", "libnvrtc.so*")))
    name = ctypes.util.find_library("nvrtc")
    if name:
        found.append(name)
    return found


@cache
def library() -> ctypes.CDLL:
    """libnvrtc, loaded (an :class:`NvrtcUnavailable` saying how to install it if absent)."""
    errors = []
    for candidate in _candidates():
        try:
            lib = ctypes.CDLL(candidate)
        except OSError as exc:
            errors.append(f"{candidate}: {exc}")
            continue
        _declare(lib)
        return lib
    tried = "; ".join(errors) if errors else "no libnvrtc found"
    raise NvrtcUnavailable(f"NVRTC is not available ({tried}); install it with {INSTALL_HINT}")


def _declare(lib: ctypes.CDLL) -> None:
    p, size = ctypes.c_void_p, ctypes.c_size_t
    lib.nvrtcGetErrorString.restype = ctypes.c_char_p
    lib.nvrtcCreateProgram.argtypes = [ctypes.POINTER(p), ctypes.c_char_p, ctypes.c_char_p,
                                       ctypes.c_int, p, p]
    lib.nvrtcCompileProgram.argtypes = [p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
    lib.nvrtcDestroyProgram.argtypes = [ctypes.POINTER(p)]
    for name in ("nvrtcGetProgramLogSize", "nvrtcGetPTXSize", "nvrtcGetCUBINSize"):
        getattr(lib, name).argtypes = [p, ctypes.POINTER(size)]
    for name in ("nvrtcGetProgramLog", "nvrtcGetPTX", "nvrtcGetCUBIN"):
        getattr(lib, name).argtypes = [p, ctypes.c_char_p]


def version() -> tuple[int, int]:
    """NVRTC's ``(major, minor)``."""
    major, minor = ctypes.c_int(), ctypes.c_int()
    _check(library().nvrtcVersion(ctypes.byref(major), ctypes.byref(minor)), "nvrtcVersion")
    return major.value, minor.value


def _check(status: int, what: str) -> None:
    if status != 0:
        message = library().nvrtcGetErrorString(status).decode()
        raise CompileError(f"{what} failed: {message}")


def _read(lib, program, size_fn, get_fn) -> bytes:
    size = ctypes.c_size_t()
    _check(size_fn(program, ctypes.byref(size)), size_fn.__name__)
    buffer = ctypes.create_string_buffer(size.value)
    _check(get_fn(program, buffer), get_fn.__name__)
    return buffer.raw[: size.value]


def compile_program(source: str, architecture: str, *, cubin: bool = True,
                    name: str = "refsnn.cu") -> bytes:
    """Compile ``source`` for ``architecture`` (e.g. ``"sm_90"``) with :data:`OPTIONS`.

    Returns the CUBIN (``cubin=True``, for that exact architecture) or the
    PTX text (for ``compute_XX``, which the driver compiles further).
    """
    lib = library()
    target = architecture if cubin else architecture.replace("sm_", "compute_")
    options = [f"--gpu-architecture={target}", *OPTIONS]
    program = ctypes.c_void_p()
    _check(lib.nvrtcCreateProgram(ctypes.byref(program), source.encode(), name.encode(),
                                  0, None, None), "nvrtcCreateProgram")
    try:
        argv = (ctypes.c_char_p * len(options))(*(o.encode() for o in options))
        status = lib.nvrtcCompileProgram(program, len(options), argv)
        log = _read(lib, program, lib.nvrtcGetProgramLogSize, lib.nvrtcGetProgramLog)
        if status != 0:
            raise CompileError(
                f"NVRTC could not compile {name} for {target} "
                f"({lib.nvrtcGetErrorString(status).decode()}):\n"
                + log.decode(errors="replace").rstrip("\0"))
        if cubin:
            return _read(lib, program, lib.nvrtcGetCUBINSize, lib.nvrtcGetCUBIN)
        return _read(lib, program, lib.nvrtcGetPTXSize, lib.nvrtcGetPTX).rstrip(b"\0")
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(program))


def cache_directory() -> Path:
    """Where compiled kernels are kept: ``$REFSNN_CACHE_DIR`` or ``~/.cache/refsnn``."""
    root = os.environ.get("REFSNN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "refsnn")
    return Path(root)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file (safe for concurrent builds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
