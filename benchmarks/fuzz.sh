#!/usr/bin/env bash
# Full-size fuzzing of the scenario loader (the test suite runs 300 examples per test).
#   bash benchmarks/fuzz.sh [EXAMPLES]    # default 5000 per test
set -euo pipefail
cd "$(dirname "$0")/.."
TALENTSIM_FUZZ_EXAMPLES="${1:-5000}" python -m pytest -q tests/test_fuzz.py -p no:cacheprovider
