#!/usr/bin/env python
"""Fine-tune the vnnews summarizer: ViT5 writing an article's lead (sapo) from its body.

    python train/train_summarizer.py --config configs/summarizer/tiny.yaml [KEY=VALUE ...]
    accelerate launch --config_file train/accelerate/one_gpu.yaml train/train_summarizer.py --config configs/summarizer/vit5-base.yaml
    accelerate launch --config_file train/accelerate/multi_gpu.yaml train/train_summarizer.py --config configs/summarizer/vit5-base.yaml

Every knob is in the YAML config; KEY=VALUE overrides it (dotted keys, e.g.
training.learning_rate=3e-4). Any transformers.Seq2SeqTrainingArguments field is a
training.KEY (training.lr_scheduler_type=cosine, training.generation_num_beams=4,
training.report_to=tensorboard...). bf16 where the GPU supports it; fp16 is refused
(T5 overflows). Push the finished model with training.push_to_hub=true
training.hub_model_id=ORG/NAME.

These are the steps `vnnews train summarizer` runs (vnnews.recipes.summarizer.train_summarizer),
written out to read and to adapt: one implementation, the library's.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from vnnews.config import load_config
from vnnews.recipes import summarizer as recipe
from vnnews.recipes.common import claim_output, train_resumable


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="configs/summarizer/*.yaml")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides")
    parser.add_argument("--resume", action="store_true", help="continue the run in output_dir from its newest checkpoint (same config)")
    parser.add_argument("--overwrite", action="store_true", help="start over: remove the earlier run in output_dir (only one vnnews wrote)")
    cli = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    # 1. Config: the YAML file, then the overrides; unknown keys and bad values fail here.
    config = load_config(recipe.SummarizerConfig, cli.config, cli.overrides)

    # 1b. The output directory: a fresh run, or --resume (same config) / --overwrite an earlier one.
    claim = claim_output(config, cli.resume, cli.overwrite)

    # 2. Model: config.base_model (VietAI/vit5-base, a replica, or a tiny checkpoint) with
    #    vnnews' prefix, source length and generation config.
    summarizer = recipe.load_model(config)
    args = recipe.training_args(config, summarizer)

    # 3. Data: the dataset's `summarization` subset (document = body, summary = lead),
    #    tokenized with datasets.map; the main process first, the others reuse its cache.
    with args.main_process_first(desc="tokenizing"):
        train_ds, eval_ds = recipe.prepare_data(config, summarizer)

    # 4. Train: Seq2SeqTrainer, best checkpoint by ROUGE-L (Vietnamese syllables),
    #    from the checkpoint step 1b chose (--resume), else from the start.
    trainer = recipe.build_trainer(config, summarizer, args, train_ds, eval_ds)
    output = train_resumable(trainer, claim, f"{len(train_ds)} articles, evaluating on {len(eval_ds)}")

    # 5. Evaluate, save OUTPUT through the model class (weights, tokenizer, generation
    #    config, settings, training config, metrics, card), push when the config asks.
    metrics = recipe.finish(config, trainer, summarizer, output)
    if trainer.is_world_process_zero():
        ev = metrics["eval"]
        print(f"ROUGE-1/2/L {ev['rouge1']:.2f}/{ev['rouge2']:.2f}/{ev['rougeL']:.2f} on {metrics['eval_split']} ({metrics['eval_articles']} articles); model in {config.output_dir}")
    return metrics


if __name__ == "__main__":
    main()
