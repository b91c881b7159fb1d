#!/usr/bin/env bash
# The offline classifier figures in docs/benchmarks.md: tiny model with and without
# context on composed VietNews pages, and leave-one-page-out on the gold seeds.
# Needs build/classifier-pages (see configs/dataset/classifier-pages.yaml) and build/tiny-phobert.
set -euo pipefail
cd "$(dirname "$0")/.."
vnnews -q train classifier --config configs/classifier/tiny.yaml output_dir=runs/tiny-context num_proc=2
vnnews -q train classifier --config configs/classifier/tiny.yaml output_dir=runs/tiny-nocontext settings.use_context=false num_proc=2
for run in tiny-context tiny-nocontext; do
  vnnews -q evaluate classifier --model runs/$run --dataset build/classifier-pages --split test --max-articles 200
done
vnnews -q evaluate classifier --leave-one-page-out --config configs/classifier/tiny.yaml \
  --out runs/tiny-lopo output_dir=runs/tiny-lopo-models training.epochs=1 max_train_examples=10000 num_proc=2
