#!/usr/bin/env bash
# Install vnnews the way a user does: build the wheel, install it with its `eval` extra
# into a fresh virtual environment made by Python 3.11 (whose bundled pip is 23.2: it
# does not resolve jusText's lxml[html_clean] extra, so vnnews depends on
# lxml_html_clean directly), then, outside the checkout, import jusText and run
# make-tiny, make-replica and a batch job, and a newcomer's first hour: the shipped
# configs (`vnnews config list`, `--config tiny`), a dataset built from the bundled pages
# and loaded with `datasets.load_dataset`, a tiny training run, `PageLabeler.predict(str)`. Needs a package index (PyPI or a mirror);
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
# the configs ship with the wheel: listed, copied, named by --config
venv/bin/vnnews config list > configs.txt && grep -q "^classifier/tiny " configs.txt   # not a pipe into grep -q: pipefail would see the SIGPIPE
venv/bin/vnnews config cp classifier/tiny my-tiny.yaml && grep -q "^base_model:" my-tiny.yaml
venv/bin/vnnews build-dataset pages -o ds num_proc=1
venv/bin/vnnews train classifier --config tiny base_model=tiny-phobert dataset_dir=ds output_dir=run training.max_steps=2
venv/bin/python - <<'EOF'
import glob

from datasets import load_dataset

from vnnews.models import PageLabeler

for subset in ("segments", "summarization", "pages"):
    assert len(load_dataset("ds", subset)["train"]) > 0, subset
page = open(sorted(glob.glob("pages/*.txt"))[0], encoding="utf-8").read()
lines = PageLabeler.from_pretrained("run").predict(page)
assert lines and lines[0].text and lines[0].label, lines[:1]
print("load_dataset: 3 subsets; PageLabeler.predict(str):", len(lines), "lines")
EOF
echo "wheel install with $("$pip" --version | cut -d' ' -f1-2): jusText imports; make-tiny, make-replica, infer run; serve names its extra; configs listed and copied; build-dataset, load_dataset, train --config tiny and predict(str) run"
