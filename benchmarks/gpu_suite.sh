#!/usr/bin/env bash
# The GPU suite on a bare GPU machine whose python3 has torch, transformers and accelerate
# (docs/benchmarks.md, "The GPU suite"). Bring, beside the checkout, in git-ignored folders:
#   .whl/       bash ../shared/gpu/wheels.sh .whl all   (datasets, evaluate, underthesea, rouge-score,
#               the eval and serve extras: 28 MB)
#   .gpu-data/  validation.jsonl.gz                      (cp ../shared/corpora/vietnews/validation.jsonl.gz .gpu-data/)
# and run: bash benchmarks/gpu_suite.sh [gpu_suite.py options]. Results: $OUT/gpu_suite.json (or ./).
set -u
cd "$(dirname "$0")/.." || exit 2
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 2
  export PYTHONPATH="/tmp/site:$PWD/src"
else
  export PYTHONPATH="$PWD/src"
fi
export PYTHONUNBUFFERED=1
exec python3 benchmarks/gpu_suite.py --vietnews .gpu-data/validation.jsonl.gz "$@"
