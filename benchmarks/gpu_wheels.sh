#!/usr/bin/env bash
# Download the wheels the GPU check carries to a machine without a package
# registry (pure-Python packages the GPU image lacks) into .whl/ (git-ignored).
# (.whl/ is listed in .git/info/exclude so it travels only where carried.)
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
# Norse 1.1.0 is published as a source distribution only: pip wheel builds it.
python3 -m pip wheel -q --no-deps -w .whl \
    norse==1.1.0 nir nirtorch spikingjelly==2.0.0 loguru
ls .whl
