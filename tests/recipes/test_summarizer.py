import json
import logging

import pytest
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, DataCollatorForSeq2Seq

from vnnews.cli import main
from vnnews.config import load_config
from vnnews.dataset import load_subset
from vnnews.models.summarizer import Summarizer
from vnnews.outputs import OutputRefused
from vnnews.recipes.summarizer import SummarizerConfig, _tokenize, train_summarizer


def tiny_config(tiny_vit5, pages_dataset, out, *overrides):
    return load_config(
        SummarizerConfig,
        None,
        [
            f"base_model={tiny_vit5}",
            f"dataset_dir={pages_dataset}",
            f"output_dir={out}",
            "max_source_length=128",
            "max_target_length=32",
            "generation.num_beams=2",
            "generation.max_new_tokens=16",
            "training.max_steps=4",
            "training.batch_size=4",
            "training.eval_batch_size=8",
            "training.learning_rate=0.001",
            "max_train_examples=24",
            "max_eval_examples=6",
            *overrides,
        ],
    )


@pytest.fixture
def trained(trained_summarizer):
    return trained_summarizer


def test_tiny_checkpoint_has_the_vit5_layout(tiny_vit5):
    assert (tiny_vit5 / "spiece.model").is_file() and (tiny_vit5 / "model.safetensors").is_file()
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_vit5))
    assert type(tokenizer).__name__ == "T5Tokenizer"
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id) == (0, 1)
    text = "Văn hoá Việt Nam"
    assert tokenizer.decode(tokenizer(text).input_ids, skip_special_tokens=True) == text  # diacritics survive
    assert AutoModelForSeq2SeqLM.from_pretrained(str(tiny_vit5), use_safetensors=True).config.model_type == "t5"


def test_inputs_get_the_prefix_explicit_truncation_and_minus_100_label_padding(tiny_vit5):
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_vit5))
    batch = {"document": ["Hà Nội " * 300, "Huế"], "summary": ["Thủ đô " * 100, "Cố đô"]}
    enc = _tokenize(batch, tokenizer, "vietnews: ", 50, 10)
    assert [len(x) for x in enc["input_ids"]][0] == 50 and len(enc["labels"][0]) == 10
    prefix_ids = tokenizer("vietnews: ", add_special_tokens=False).input_ids
    assert enc["input_ids"][1][: len(prefix_ids)] == prefix_ids
    model = AutoModelForSeq2SeqLM.from_pretrained(str(tiny_vit5))
    collated = DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100)(
        [{"input_ids": enc["input_ids"][i], "attention_mask": enc["attention_mask"][i], "labels": enc["labels"][i]} for i in range(2)]
    )
    assert (collated["labels"][1] == -100).sum() == 10 - len(enc["labels"][1])


def test_training_writes_model_generation_config_and_card(trained):
    out, metrics = trained
    for name in ("model.safetensors", "config.json", "generation_config.json", "tokenizer_config.json", "training_config.yaml", "metrics.json", "README.md"):
        assert (out / name).is_file(), name
    generation = json.loads((out / "generation_config.json").read_text())
    assert generation["num_beams"] == 2 and generation["max_new_tokens"] == 16 and generation["no_repeat_ngram_size"] == 3
    assert {"rouge1", "rougeL", "compat_rouge1"} <= set(metrics["eval"])
    card = (out / "README.md").read_text()
    assert "| compat (rouge_score default) |" in card and "## Limitations" in card


def test_a_finished_run_is_never_silently_resumed_or_replaced(trained, tiny_vit5, pages_dataset):
    out, _ = trained
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(OutputRefused, match=r"holds an earlier run: pass --resume .* or --overwrite"):
        train_summarizer(tiny_config(tiny_vit5, pages_dataset, out))
    with pytest.raises(OutputRefused, match=r"another config .*max_source_length: 128 -> 96"):
        train_summarizer(tiny_config(tiny_vit5, pages_dataset, out, "max_source_length=96"), resume=True)
    assert sorted(p.name for p in out.iterdir()) == before


def test_interrupted_training_resumes(trained, tiny_vit5, pages_dataset, caplog, capfd):
    out, _ = trained
    with caplog.at_level(logging.WARNING, logger="vnnews.recipes.common"):
        train_summarizer(tiny_config(tiny_vit5, pages_dataset, out, "training.max_steps=6"), resume=True)
    assert any("resuming the run in" in r.getMessage() and "checkpoint-4" in r.getMessage() for r in caplog.records)
    # evaluation after a checkpoint was saved: transformers' default max_length must not come back beside max_new_tokens
    assert "seem to have been set" not in capfd.readouterr().err


def test_summarize_batches_and_takes_generation_overrides(trained):
    summarizer = Summarizer.from_pretrained(str(trained[0]))
    assert summarizer.prefix == "vietnews: " and summarizer.max_source_length == 128
    docs = ["Hà Nội là thủ đô của Việt Nam.", "Sáng 17/12, Bộ Ngoại giao tổ chức hội nghị " * 5]
    together = summarizer.summarize(docs, num_beams=1, max_new_tokens=6)
    assert together == [summarizer.summarize(d, num_beams=1, max_new_tokens=6) for d in docs]
    tokenizer = summarizer.tokenizer
    assert all(len(tokenizer(s, add_special_tokens=False).input_ids) <= 6 for s in together)


def test_fp16_is_refused_for_t5(tiny_vit5, pages_dataset, tmp_path):
    with pytest.raises(ValueError, match="T5 activations overflow in fp16"):
        train_summarizer(tiny_config(tiny_vit5, pages_dataset, tmp_path / "x", "training.precision=fp16"))


def test_evaluate_summarizer_cli_reports_model_and_baselines(trained, pages_dataset, tmp_path, capsys):
    out = tmp_path / "ev"
    assert main(["evaluate", "summarizer", "--model", str(trained[0]), "--dataset", str(pages_dataset), "--split", "validation", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for system in ("| model |", "| lead-1 |", "| lead-3 |", "| TextRank-3 |"):
        assert system in text
    n = len(load_subset(pages_dataset, "summarization")["validation"])
    assert len((out / "predictions.jsonl").read_text().splitlines()) == n
    assert "## Examples" in (out / "evaluation.md").read_text()
    data = json.loads((out / "evaluation.json").read_text())
    assert data["systems"]["lead-1"]["rouge1"] > 0


def test_cli_make_tiny_and_train_summarizer(tmp_path, pages_dataset, capsys):
    base = tmp_path / "tiny"
    assert main(["make-tiny", "summarizer", str(base)]) == 0
    args = ["train", "summarizer", "--config", "configs/summarizer/tiny.yaml", f"base_model={base}", f"dataset_dir={pages_dataset}", f"output_dir={tmp_path / 'run'}", "training.max_steps=2", "max_train_examples=8", "max_eval_examples=4", "generation.max_new_tokens=8"]
    assert main(args) == 0
    assert "ROUGE-1/2/L" in capsys.readouterr().out


def test_unknown_eval_split_is_named_before_any_training(tiny_vit5, pages_dataset, tmp_path):
    with pytest.raises(ValueError, match=r"split 'dev' not in .* \(has \['train', 'validation', 'test'\]\)"):
        train_summarizer(tiny_config(tiny_vit5, pages_dataset, tmp_path / "x", "eval_split=dev"))
    assert not (tmp_path / "x").exists()


def test_training_compiles_with_torch_compile(tiny_vit5, pages_dataset, tmp_path):
    """training.torch_compile (a TrainingArguments field, passed through) traces the model
    with TorchDynamo; aot_eager keeps the CPU test short (a GPU run uses inductor)."""
    out = tmp_path / "compiled"
    metrics = train_summarizer(tiny_config(tiny_vit5, pages_dataset, out, "training.torch_compile=true", "training.torch_compile_backend=aot_eager",
                                           "training.max_steps=2", "max_eval_examples=2"))
    assert metrics["train_runtime_s"] >= 0 and (out / "model.safetensors").is_file()
    assert Summarizer.from_pretrained(str(out), device="cpu").summarize("Hà Nội hôm nay có mưa.", num_beams=1, max_new_tokens=4) is not None
