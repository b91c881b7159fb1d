import pytest

from vnnews.training import TrainingConfig, choose_precision, load_kwargs, training_arguments


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
