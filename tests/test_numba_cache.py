"""The numba backend's on-disk cache cannot serve code compiled from an older reference.

Rule (refsnn.backends.numba_.compiling): every cached function of refsnn is
keyed on a digest of all of refsnn's source files, because a compiled loop
inlines the reference's update functions from other files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import types

import pytest

pytest.importorskip("numba")

from refsnn.backends.numba_ import compiling, function_kernels, kernels, philox  # noqa: E402


def _cached_dispatchers():
    for module in (kernels, function_kernels, philox):
        for value in vars(module).values():
            if hasattr(value, "_cache") and getattr(value, "py_func", None) is not None:
                if isinstance(value.py_func, types.FunctionType) and value._cache.__class__.__name__ == "FunctionCache":
                    yield value


def test_every_cached_function_is_keyed_on_the_whole_package():
    found = list(_cached_dispatchers())
    assert kernels.elementwise_loop in found and kernels.matrix_loop in found
    for dispatcher in found:
        locator = dispatcher._cache._impl.locator
        assert isinstance(locator, compiling._PackageStamp), dispatcher
        assert locator.get_source_stamp() == compiling.package_stamp()


def test_functions_outside_refsnn_keep_numbas_own_locator():
    import numba

    def outside(x):  # pragma: no cover - never called
        return x

    outside.__module__ = "somewhere_else"
    dispatcher = numba.njit(cache=True)(outside)
    assert not isinstance(dispatcher._cache._impl.locator, compiling._PackageStamp)


_RUN = textwrap.dedent("""
    import numpy as np, refsnn
    x = np.full((100, 8), 0.5, np.float32)
    spikes = refsnn.simulate("lif", x, dt=1e-3, backend="numba")[0].sum()
    reference = refsnn.simulate("lif", x, dt=1e-3, backend="numpy")[0].sum()
    print(int(spikes), int(reference))
""")


def test_editing_a_reference_update_recompiles_the_cached_loop(tmp_path):
    """The regression: a cached loop kept running the update from before an edit."""
    package = tmp_path / "src" / "refsnn"
    shutil.copytree(compiling.PACKAGE_ROOT, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PYTHONPATH": str(package.parent), "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
           "PATH": "/usr/bin:/bin", "NUMBA_NUM_THREADS": "1"}

    def run():
        out = subprocess.run([sys.executable, "-c", _RUN], env=env, check=True,
                             capture_output=True, text=True, cwd=tmp_path).stdout
        return tuple(int(v) for v in out.split())

    first = run()
    assert first[0] == first[1] > 0
    lif = package / "functional" / "lif.py"
    source = lif.read_text()
    edited = source.replace("z_new = heaviside(v_decayed - p.v_th)",
                            "z_new = heaviside(v_decayed - p.v_th - p.v_th)")
    assert edited != source
    lif.write_text(edited)
    second = run()
    assert second[0] == second[1] < first[0], (first, second)
