import pytest

from vnnews.models.loading import load_kwargs
from vnnews.recipes.common import TrainingConfig, choose_precision, training_arguments


def test_precision_choice_on_this_cpu_machine():
    assert choose_precision("auto") == {"bf16": False, "fp16": False}
    assert choose_precision("fp32") == {"bf16": False, "fp16": False}
    with pytest.raises(ValueError, match="bf16 needs a GPU"):
        choose_precision("bf16")
    with pytest.raises(ValueError, match="fp16 needs a CUDA GPU"):
        choose_precision("fp16", "roberta")


def test_fp16_is_refused_for_t5_whatever_the_machine():
    with pytest.raises(ValueError, match="T5 activations overflow in fp16"):
        choose_precision("fp16", "t5")


def test_trainer_arguments_keep_the_best_checkpoint_each_epoch(tmp_path):
    args = training_arguments(TrainingConfig(epochs=2, seed=7), tmp_path, "macro_f1")
    assert args.load_best_model_at_end and args.metric_for_best_model == "macro_f1" and args.greater_is_better
    assert args.eval_strategy.value == "epoch" and args.save_strategy.value == "epoch"
    assert args.seed == 7 and args.use_cpu and not args.bf16
    assert args.train_sampling_strategy == "random"
    assert training_arguments(TrainingConfig(sampling="group_by_length"), tmp_path, "m").train_sampling_strategy == "group_by_length"


def test_loading_never_trusts_remote_code_and_takes_safetensors_only():
    assert load_kwargs() == {"use_safetensors": True, "trust_remote_code": False}
    assert load_kwargs("abc")["revision"] == "abc"


# ---------------------------------------------------------------- every TrainingArguments field
def _load(*overrides, cls=None):
    from vnnews.config import load_config
    from vnnews.recipes.classifier import ClassifierConfig

    return load_config(cls or ClassifierConfig, None, list(overrides))


def test_any_training_arguments_field_is_a_training_key(tmp_path):
    config = _load(
        "training.lr_scheduler_type=cosine", "training.gradient_checkpointing=true", "training.optim=adafactor",
        "training.eval_steps=0.25", "training.torch_compile=false", "training.fsdp=''", "training.learning_rate=3e-5",
    )
    assert config.training.learning_rate == 3e-5
    assert config.training.trainer_args == {
        "lr_scheduler_type": "cosine", "gradient_checkpointing": True, "optim": "adafactor", "eval_steps": 0.25, "torch_compile": False, "fsdp": "",
    }
    args = training_arguments(config.training, tmp_path, "macro_f1")
    assert args.lr_scheduler_type.value == "cosine" and args.gradient_checkpointing and args.optim.value == "adafactor"
    assert args.eval_steps == 0.25 and args.learning_rate == 3e-5 and args.metric_for_best_model == "macro_f1"


@pytest.mark.parametrize(
    "override, message",
    [
        ("training.lr_sheduler_type=cosine", "unknown config key 'training.lr_sheduler_type'.*did you mean lr_scheduler_type"),
        ("training.lr_scheduler_type=cosinus", "training.lr_scheduler_type: 'cosinus' is not one of .*did you mean cosine"),
        ("training.data_seed=2", "sets TrainingArguments.data_seed from training.seed"),
        ("training.fp16=true", "from training.precision"),
        ("training.output_dir=x", "set output_dir at the top of the config"),
        ("training.hub_token=hf_x", "never put a token in a config"),
        ("training.gradient_checkpointing=maybe", "training.gradient_checkpointing: expected bool"),
        ("training.predict_with_generate=true", "not settable"),
    ],
)
def test_bad_training_keys_are_refused_with_the_reason(override, message):
    from vnnews.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        _load(override)


def test_seq2seq_fields_belong_to_the_summarizer_only():
    from vnnews.config import ConfigError
    from vnnews.recipes.summarizer import SummarizerConfig

    assert _load("training.generation_num_beams=2", cls=SummarizerConfig).training.trainer_args == {"generation_num_beams": 2}
    with pytest.raises(ConfigError, match="unknown config key 'training.generation_num_beams'"):
        _load("training.generation_num_beams=2")


def test_push_settings_are_read_by_vnnews_not_passed_to_the_trainer(tmp_path):
    from vnnews.config import ConfigError

    config = _load("training.push_to_hub=true", "training.hub_model_id=org/clf", "training.hub_private_repo=true")
    assert config.training.push == {"repo_id": "org/clf", "private": True, "revision": None}
    args = training_arguments(config.training, tmp_path, "macro_f1")
    assert not args.push_to_hub  # the Trainer would push checkpoints with its own card
    assert _load().training.push is None
    with pytest.raises(ConfigError, match="needs training.hub_model_id"):
        _load("training.push_to_hub=true")  # when the config loads, not after training


def test_report_to_tensorboard_writes_event_files_offline(tiny_phobert, pages_dataset, tmp_path):
    from tests.recipes.test_classifier import tiny_config
    from vnnews.recipes.classifier import train_classifier

    out = tmp_path / "tb"
    train_classifier(tiny_config(tiny_phobert, pages_dataset, out, "training.report_to=tensorboard", "training.max_steps=2"))
    assert list((out / "checkpoints" / "runs").rglob("events.out.tfevents.*"))  # tensorboard --logdir OUTPUT/checkpoints/runs
    assert (out / "model.safetensors").exists()


def test_a_missing_tensorboard_names_the_extra(monkeypatch, tmp_path):
    import sys

    from vnnews.extras import MissingExtra

    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(MissingExtra, match=r"pip install 'vnnews\[tensorboard\]'"):
        training_arguments(_load("training.report_to=tensorboard").training, tmp_path, "macro_f1")


def _run_config(out, *overrides):
    from vnnews.config import load_config
    from vnnews.recipes.summarizer import SummarizerConfig

    return load_config(SummarizerConfig, None, [f"output_dir={out}", "base_model=x", "dataset_dir=y", *overrides])


def test_an_output_claim_writes_nothing_until_training_starts(tmp_path):
    from vnnews.recipes.common import RUN_RECORD, claim_output

    out = tmp_path / "run"
    claim = claim_output(_run_config(out))
    assert claim.checkpoint is None and not out.exists()  # a config error found later leaves no directory
    claim.commit()
    assert (out / RUN_RECORD).is_file()


def test_an_earlier_run_is_refused_resumed_or_replaced_only_as_asked(tmp_path):
    from vnnews.outputs import OutputRefused
    from vnnews.recipes.common import claim_output

    out = tmp_path / "run"
    claim_output(_run_config(out)).commit()
    (out / "checkpoints" / "checkpoint-3").mkdir(parents=True)
    (out / "checkpoints" / "checkpoint-3" / "trainer_state.json").write_text("{}")
    with pytest.raises(OutputRefused, match="pass --resume to continue it .* or --overwrite"):
        claim_output(_run_config(out))
    assert claim_output(_run_config(out), resume=True).checkpoint.endswith("checkpoint-3")
    assert claim_output(_run_config(out, "training.resume_from_checkpoint=true")).checkpoint.endswith("checkpoint-3")
    assert claim_output(_run_config(out, "training.epochs=9"), resume=True).checkpoint  # running longer is a resume
    with pytest.raises(OutputRefused, match=r"another config .*training.learning_rate"):
        claim_output(_run_config(out, "training.learning_rate=0.5"), resume=True)
    with pytest.raises(ValueError, match="give one of them"):
        claim_output(_run_config(out), resume=True, overwrite=True)
    claim = claim_output(_run_config(out, "training.learning_rate=0.5"), overwrite=True)
    assert (out / "checkpoints").is_dir()  # nothing removed before training starts
    claim.commit()
    assert not (out / "checkpoints").exists() and (out / "vnnews-run.json").is_file()
    other = tmp_path / "theirs"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(OutputRefused, match="not written by vnnews"):
        claim_output(_run_config(other), overwrite=True)
    assert (other / "notes.txt").read_text() == "mine"
    explicit = claim_output(_run_config(tmp_path / "new", f"training.resume_from_checkpoint={out}"))
    assert explicit.checkpoint == str(out)


def test_training_sets_torch_threads_from_the_config(tmp_path):
    import torch

    before = torch.get_num_threads()
    try:
        training_arguments(TrainingConfig(threads=1), tmp_path, "m")
        assert torch.get_num_threads() == 1
        with pytest.raises(Exception, match="threads"):
            from vnnews.config import load_config
            from vnnews.recipes.summarizer import SummarizerConfig

            load_config(SummarizerConfig, None, ["training.threads=many"])
    finally:
        torch.set_num_threads(before)


def test_hf_script_flags_map_to_vnnews_knobs(capsys):
    """`--num_train_epochs` and friends, as HF's example scripts take them (issue 37)."""
    import yaml

    from vnnews.cli import main

    flags = ["--num_train_epochs", "3", "--per_device_train_batch_size", "8", "--per_device_eval_batch_size", "16",
             "--gradient_accumulation_steps", "2", "--warmup_ratio", "0.1", "--learning_rate", "1e-4"]
    for recipe in ("classifier", "summarizer"):
        assert main(["train", recipe, "--config", "tiny", "--print-config", *flags]) == 0
        training = yaml.safe_load(capsys.readouterr().out)["training"]
        assert (training["epochs"], training["batch_size"], training["eval_batch_size"], training["gradient_accumulation_steps"], training["warmup"], training["learning_rate"]) == (3, 8, 16, 2, 0.1, 1e-4)
    assert main(["train", "classifier", "--config", "tiny", "--print-config", "--warmup_steps", "5", "--warmup_ratio", "0.1"]) == 2
    assert "both set training.warmup" in capsys.readouterr().err
