"""train/: the scripts users run with python or accelerate launch are the library's recipes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}


def _common(tiny_phobert, pages_dataset, out):
    return [f"base_model={tiny_phobert}", f"dataset_dir={pages_dataset}", f"output_dir={out}", "training.max_steps=3", "training.batch_size=4", "max_eval_examples=10"]


def test_the_classifier_script_is_the_library_recipe(tiny_phobert, pages_dataset, tmp_path):
    from vnnews.config import load_config
    from vnnews.recipes.classifier import ClassifierConfig, train_classifier

    script = tmp_path / "script"
    done = subprocess.run([sys.executable, "train/train_classifier.py", "--config", "configs/classifier/tiny.yaml", *_common(tiny_phobert, pages_dataset, script)],
                          capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "macro-F1" in done.stdout and f"model in {script}" in done.stdout
    library = train_classifier(load_config(ClassifierConfig, ROOT / "configs" / "classifier" / "tiny.yaml", _common(tiny_phobert, pages_dataset, tmp_path / "lib")))
    from_script = json.loads((script / "metrics.json").read_text())
    assert from_script["eval"] == library["eval"]  # same steps, same seed: the same model
    from safetensors.torch import load_file

    a, b = load_file(str(script / "model.safetensors")), load_file(str(tmp_path / "lib" / "model.safetensors"))
    assert a.keys() == b.keys()
    # equal up to float rounding: the intra-op thread count of the two processes may differ,
    # and with it the order of a sum's terms
    assert max(float((a[k] - b[k]).abs().max()) for k in a) < 1e-5


def test_the_summarizer_script_trains_and_saves(tiny_vit5, pages_dataset, tmp_path):
    out = tmp_path / "summ"
    args = [f"base_model={tiny_vit5}", f"dataset_dir={pages_dataset}", f"output_dir={out}", "training.max_steps=2", "max_eval_examples=4", "generation.max_new_tokens=8"]
    done = subprocess.run([sys.executable, "train/train_summarizer.py", "--config", "configs/summarizer/tiny.yaml", *args],
                          capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ROUGE-1/2/L" in done.stdout
    for name in ("model.safetensors", "generation_config.json", "tokenizer.json", "README.md", "metrics.json", "training_config.yaml"):
        assert (out / name).exists(), name


def test_two_processes_under_accelerate_launch_write_one_model(tiny_phobert, pages_dataset, tmp_path):
    out = tmp_path / "ddp"
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
              "--mixed_precision", "no", "--dynamo_backend", "no", "train/train_classifier.py", "--config", "configs/classifier/tiny.yaml",
              *_common(tiny_phobert, pages_dataset, out)]
    done = subprocess.run(launch, capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("macro-F1") == 1  # the first process reports
    assert json.loads((out / "metrics.json").read_text())["eval"]["macro_f1"] >= 0
    from vnnews.models import PageLabeler

    assert PageLabeler.from_pretrained(out, device="cpu").labels


@pytest.mark.parametrize("script", ["train/train_classifier.py", "train/train_summarizer.py"])
def test_scripts_explain_themselves_and_name_bad_keys(script, tmp_path):
    done = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and "TrainingArguments" in done.stdout and "accelerate launch" in done.stdout
    config = "configs/classifier/tiny.yaml" if "classifier" in script else "configs/summarizer/tiny.yaml"
    done = subprocess.run([sys.executable, script, "--config", config, "training.lr_sheduler_type=cosine"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode != 0 and "did you mean lr_scheduler_type" in done.stderr


def test_the_accelerate_configs_are_valid_yaml_for_accelerate():
    import yaml

    for name in ("cpu.yaml", "one_gpu.yaml", "multi_gpu.yaml"):
        config = yaml.safe_load((ROOT / "train" / "accelerate" / name).read_text())
        assert config["compute_environment"] == "LOCAL_MACHINE" and config["num_machines"] == 1
    from accelerate.commands.config.config_args import ClusterConfig

    assert ClusterConfig.from_yaml_file(str(ROOT / "train" / "accelerate" / "multi_gpu.yaml")).num_processes == 8
