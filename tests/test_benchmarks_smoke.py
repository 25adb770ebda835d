"""Smoke test of the benchmark suite (``python -m benchmarks``): tiny sizes, schema only.

Timings and targets are not checked (they are not tests); the point is that
the code path runs end to end, with or without numba and Norse, and that the
JSON it writes has the documented structure.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IMPLEMENTATIONS = ("numpy", "numba", "norse")
CASES = ("lif_ff_large", "lif_ff_large_compact", "lif_ff_small", "adex_ff_large",
         "lif_recurrent", "poisson")


def _run(tmp_path, *args, env_extra=None):
    out = tmp_path / "results.json"
    env = dict(os.environ)
    env.update(env_extra or {})
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--repeat", "1", "--threads", "1",
         "--json", str(out), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, json.loads(out.read_text())


def _check_schema(results, cases):
    from benchmarks import report

    assert report.validate(results) == []
    assert results["settings"]["quick"] is True
    assert results["settings"]["threads"] == 1
    assert results["machine"]["threads"] == 1
    assert results["machine"]["cpu_model"]
    assert results["bandwidth"]["reference_bytes_per_s"] > 0
    assert [c["key"] for c in results["cases"]] == list(cases)
    for case in results["cases"]:
        assert set(case["results"]) == set(IMPLEMENTATIONS)
        for name, entry in case["results"].items():
            assert entry["status"] in ("ok", "n/a", "error"), (case["key"], name, entry)
            if entry["status"] == "ok":
                assert len(entry["times_s"]) == 1
                assert entry["median_s"] > 0 and entry["per_second"] > 0
                assert 0.0 <= entry["rate"] <= 1.0
                assert "peak_traced_bytes" in entry["memory"]
            else:
                assert entry["reason"]
        for t in case["targets"]:
            assert t["met"] in (True, False, None)
            assert (t["ratio"] is None) == (t["met"] is None)
        if case["key"] != "poisson":  # the reference itself always runs
            assert case["results"]["numpy"]["status"] == "ok"
            assert case["results"]["numpy"]["memory"]["ok"] is True


@pytest.mark.long  # every benchmark case end to end
def test_benchmarks_quick_run_writes_valid_json(tmp_path):
    stdout, results = _run(tmp_path)
    assert "machine:" in stdout and "numba >= 8x norse" in stdout
    _check_schema(results, CASES)
    lif = results["cases"][0]
    assert lif["bandwidth"]["per_neuron_step_bytes"] == 8
    for case in results["cases"]:
        for name in ("numba", "norse"):
            entry = case["results"][name]
            assert entry["status"] != "error", (case["key"], name, entry.get("reason"))
            if entry["status"] == "ok" and entry.get("same_as_numpy") is not None \
                    and name in ("numba",):
                assert entry["same_as_numpy"] == 1.0, (case["key"], name)


def test_benchmarks_without_numba_and_norse(tmp_path):
    """numba, torch and Norse hidden: their columns read n/a with the reason."""
    stub = tmp_path / "stub"
    for name in ("numba", "torch", "norse"):
        (stub / name).mkdir(parents=True)
        (stub / name / "__init__.py").write_text(f"raise ImportError('{name} hidden by test')\n")
    path = os.pathsep.join([str(stub), str(ROOT), os.environ.get("PYTHONPATH", "")])
    _, results = _run(tmp_path, "--cases", "lif_ff_small,poisson",
                      env_extra={"PYTHONPATH": path})
    _check_schema(results, ("lif_ff_small", "poisson"))
    for case in results["cases"]:
        norse = case["results"]["norse"]
        assert norse["status"] == "n/a" and "pip install" in norse["reason"]
        assert case["results"]["numba"]["status"] == "n/a"
        assert case["results"]["numba"]["reason"]
        for t in case["targets"]:
            assert t["met"] is None  # every target involves numba


def test_validate_reports_missing_fields():
    pytest.importorskip("numpy")
    from benchmarks import report

    assert report.validate({}) != []
    assert any("schema" in p for p in report.validate({"schema": "other"}))


@pytest.mark.long  # every GPU case on the host build
def test_gpu_benchmarks_run_end_to_end_on_the_host_build(tmp_path):
    """``python -m benchmarks.gpu`` (the GPU check's benchmarks) on ``cuda-host``, tiny sizes."""
    from benchmarks import gpu

    if "cuda-host" not in __import__("refsnn").backends.available():
        pytest.skip("no C++ compiler for cuda-host")
    out = tmp_path / "gpu.json"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.gpu", "--backend", "cuda-host",
                           "--quick", "--repeat", "1", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(out.read_text())
    assert set(results["cases"]) == set(gpu.SIZES)
    assert results["copy_bandwidth_bytes_per_s"] > 0
    for case in results["cases"].values():
        row = case["implementations"]["refsnn"]
        assert row["neuron_steps_per_s"] > 0 and 0 < row["bandwidth_share"]
    assert [(t["case"], t["measure"]) for t in results["targets"]] == \
        [(c, m) for c, m, _ in gpu.TARGETS]
