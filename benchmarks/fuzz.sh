#!/usr/bin/env bash
# The long fuzz run of issue #18: >= 10,000 generated cases through tests/test_fuzz.py (random and
# malformed YAML, structural and numeric mutations of every field kind of the baseline, with_values
# against the YAML loader, CLI runs). Passes when no case ends in a traceback, a hang, or a written
# result holding NaN, infinity or a negative stock; prints the number of cases tried.
#
#   benchmarks/fuzz.sh              # 2,000 examples per property (~12,000 cases; 30-60 min on one core)
#   benchmarks/fuzz.sh 5000         # more per property
#
# Hypothesis picks fresh random cases each run (database off); a failure prints the minimal case.
set -euo pipefail
cd "$(dirname "$0")/.."
PER_PROPERTY="${1:-2000}"
PY="${PYTHON:-.venv/bin/python}"
start=$(date +%s)
export TALENTSIM_FUZZ_PROGRESS="${TALENTSIM_FUZZ_PROGRESS:-$(mktemp -t talentsim-fuzz.XXXXXX)}"
echo "fuzz.sh: progress in $TALENTSIM_FUZZ_PROGRESS"
TALENTSIM_FUZZ_EXAMPLES="$PER_PROPERTY" timeout 6h "$PY" -m pytest -q -p no:cacheprovider tests/test_fuzz.py -p no:dash \
  -o addopts="" 2>&1 | tail -n 25
echo "fuzz.sh: ${PER_PROPERTY} examples per property, $(( $(date +%s) - start )) s"
