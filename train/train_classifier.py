#!/usr/bin/env python
"""Train the vnnews classifier: the page labeller that labels every line of a news page.

    python train/train_classifier.py --config configs/classifier/tiny.yaml [KEY=VALUE ...]
    accelerate launch --config_file train/accelerate/one_gpu.yaml train/train_classifier.py --config configs/classifier/phobert-base-v2.yaml
    accelerate launch --config_file train/accelerate/multi_gpu.yaml train/train_classifier.py --config configs/classifier/phobert-base-v2.yaml

Every knob is in the YAML config; KEY=VALUE overrides it (dotted keys, e.g.
training.learning_rate=3e-5). Any transformers.TrainingArguments field is a
training.KEY (training.lr_scheduler_type=cosine, training.gradient_checkpointing=true,
training.report_to=tensorboard, training.deepspeed=ds.json...). Push the finished model
with training.push_to_hub=true training.hub_model_id=ORG/NAME.

These are the steps `vnnews train classifier` runs (vnnews.recipes.classifier.train_classifier),
written out to read and to adapt: one implementation, the library's.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from vnnews.config import load_config
from vnnews.recipes import classifier as recipe
from vnnews.recipes.common import claim_output, train_resumable


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="configs/classifier/*.yaml")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides")
    parser.add_argument("--resume", action="store_true", help="continue the run in output_dir from its newest checkpoint (same config)")
    parser.add_argument("--overwrite", action="store_true", help="start over: remove the earlier run in output_dir (only one vnnews wrote)")
    cli = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    # 1. Config: the YAML file, then the overrides; unknown keys and bad values fail here.
    config = load_config(recipe.ClassifierConfig, cli.config, cli.overrides)

    # 1b. The output directory: a fresh run, or --resume (same config) / --overwrite an earlier one.
    claim = claim_output(config, cli.resume, cli.overwrite)

    # 2. Model: a new page labeller whose line encoder is config.base_model
    #    (vinai/phobert-base-v2, a replica from `vnnews make-replica`, or a tiny checkpoint).
    model = recipe.load_model(config)
    args = recipe.training_args(config, model)

    # 3. Data: the dataset's `pages`, each line segmented and tokenized once, layout
    #    features computed, pages cut into windows. The main process goes first.
    with args.main_process_first(desc="encoding pages"):
        data = recipe.prepare_data(config, model)

    # 4. Train: Hugging Face Trainer, class-weighted loss, best checkpoint by macro-F1,
    #    from the checkpoint step 1b chose (--resume), else from the start.
    trainer = recipe.build_trainer(config, model, args, data)
    output = train_resumable(trainer, claim, f"{len(data.train)} windows, evaluating on {len(data.eval)}")

    # 5. Optional self-training on unlabelled real pages (config.self_training.pages).
    kept = 0
    if config.self_training.pages:
        trainer, output, kept = recipe.self_train(config, model, data, trainer, output, resume=claim.checkpoint is not None)

    # 6. Evaluate line by line, save OUTPUT through the model class (weights, tokenizer,
    #    settings, training config, metrics, card), push when the config asks.
    metrics = recipe.finish(config, trainer, model, data, output, kept)
    if trainer.is_world_process_zero():
        ev = metrics["eval"]
        print(f"macro-F1 {ev['macro_f1']:.3f}, accuracy {ev['accuracy']:.3f} on {metrics['eval_split']} ({metrics['eval_pages']} pages); model in {config.output_dir}")
    return metrics


if __name__ == "__main__":
    main()
