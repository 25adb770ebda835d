#!/usr/bin/env bash
# One GPU window (about 15 minutes, start-up included): the cuda backend's tests
# on the real device, then the GPU benchmarks. Run from the repository root on
# the GPU machine; results go to $OUT (default /tmp/refsnn-gpu):
#   device.txt  nvidia-smi and versions      tests.log   the pytest run
#   gpu.json    benchmark results            bench.log   the benchmark table
# Packages the GPU machine lacks travel as wheels in .whl/ (benchmarks/gpu_wheels.sh
# downloads them here): Norse 1.1.0 with nir/nirtorch, SpikingJelly 2.0, loguru.
# Budget: tests <= 180 s, benchmarks <= 210 s, so a rerun fits in the window.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/refsnn-gpu}
mkdir -p "$OUT"
if compgen -G ".whl/*.whl" > /dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
export PYTHONUNBUFFERED=1 REFSNN_REQUIRE_CUDA=1 REFSNN_REQUIRE_NVRTC=1
export REFSNN_CACHE_DIR=${REFSNN_CACHE_DIR:-/tmp/refsnn-cache}

{ date -u; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv;
  python3 -c "import cupy, numpy, torch; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'torch', torch.__version__)"
  python3 -c "from refsnn.backends.cuda_ import nvrtc; print('nvrtc', nvrtc.version())"
  python3 -c "import refsnn; print('available', refsnn.backends.available())"
} > "$OUT/device.txt" 2>&1
cat "$OUT/device.txt"

# Compile (and cache) the kernels once, before the test workers start.
python3 -c "from refsnn.backends.cuda_ import device; device.module(device.architecture()); print('kernels built')"

status=0
# Every test that runs the cuda backend (the shared agreement suites included);
# the CPU-only ones already ran in CI.
timeout 180 python3 -m pytest -q -n 8 -p no:cacheprovider -k "gpu or (cuda and not host)" \
    tests/test_cuda_backend.py tests/test_backend_agreement.py tests/test_function_agreement.py \
    tests/test_encode.py tests/test_simulate.py 2>&1 | tee "$OUT/tests.log" || status=1
timeout 210 python3 -m benchmarks.gpu --json "$OUT/gpu.json" 2>&1 | tee "$OUT/bench.log" || status=1
exit $status
