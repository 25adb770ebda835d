#!/usr/bin/env bash
# Download the wheels the GPU check carries to a machine without a package
# registry (pure-Python packages the GPU image lacks) into .whl/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
python3 -m pip download -q --no-deps --only-binary=:all: -d .whl \
    norse==1.1.0 nir nirtorch spikingjelly==2.0.0 loguru
ls .whl
