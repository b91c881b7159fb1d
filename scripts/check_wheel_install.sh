#!/usr/bin/env bash
# Install vnnews the way a user does: build the wheel, install it with its `eval` extra
# into a fresh virtual environment made by Python 3.11 (whose bundled pip is 23.2: it
# does not resolve jusText's lxml[html_clean] extra, so vnnews depends on
# lxml_html_clean directly), then, outside the checkout, import jusText and run
# make-tiny, make-replica and a batch job. Needs a package index (PyPI or a mirror);
# downloads no model. Usage: bash scripts/check_wheel_install.sh [PYTHON]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-python3.11}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
pip="$work/venv/bin/pip"
echo "pip: $("$pip" --version)"
"$pip" install --quiet torch==2.13.0   # the CPU build (the README's first step)
"$pip" wheel --quiet --no-deps --wheel-dir "$work/dist" "$root"
wheel="$(ls "$work"/dist/vnnews-*.whl)"
"$pip" install --quiet "${wheel}[eval]"
cd "$work"
venv/bin/python -c "import justext, trafilatura, vnnews; print('imports ok: jusText', justext.__name__, '| vnnews', vnnews.__version__)"
venv/bin/vnnews make-tiny classifier tiny-phobert
venv/bin/vnnews make-replica vit5-base vit5-replica
mkdir pages && cp "$root"/data/raw/*.txt pages/
venv/bin/vnnews infer pages --classifier weak --output out.jsonl --no-progress
test "$(wc -l < out.jsonl)" -eq 5
# the serve extra is not installed: the command names it instead of a traceback
if venv/bin/vnnews serve --classifier weak 2> serve.err; then echo "serve ran without its extra"; exit 1; fi
grep -q "needs the \`serve\` extra" serve.err
echo "wheel install with $("$pip" --version | cut -d' ' -f1-2): jusText imports; make-tiny, make-replica, infer run; serve names its extra"
