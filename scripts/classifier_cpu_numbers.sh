#!/usr/bin/env bash
# The offline classifier figures in docs/benchmarks.md: tiny model with and without
# context on composed VietNews pages, and leave-one-page-out on the gold seeds.
# Needs build/classifier-pages (see configs/dataset/classifier-pages.yaml) and build/tiny-phobert.
set -euo pipefail
cd "$(dirname "$0")/.."
vnnews -q train classifier --config configs/classifier/tiny.yaml output_dir=runs/tiny-context settings.context_lines=1 num_proc=2
vnnews -q train classifier --config configs/classifier/tiny.yaml output_dir=runs/tiny-position settings.context_lines=0 num_proc=2
vnnews -q train classifier --config configs/classifier/tiny.yaml output_dir=runs/tiny-nocontext settings.use_context=false num_proc=2
for run in tiny-context tiny-position tiny-nocontext; do
  for split in validation test; do
    vnnews -q evaluate classifier --model runs/$run --dataset build/classifier-pages --split $split --max-articles 200 --out runs/$run/eval-$split
  done
done
for k in 1 0; do
  vnnews -q evaluate classifier --leave-one-page-out --config configs/classifier/tiny.yaml settings.context_lines=$k \
    --out runs/tiny-lopo-$k output_dir=runs/tiny-lopo-models-$k training.epochs=1 max_train_examples=10000 num_proc=2
done
