"""Hub-identical replicas: config values, tokenizer size and special tokens of the published models."""

import json
import os
import sys
from pathlib import Path

import pytest

from vnnews.cli import main
from vnnews.replicas import REPLICAS, replica_problems

ROOT = Path(__file__).resolve().parents[1]


def test_the_documented_values_of_the_published_models():
    base, large = REPLICAS["phobert-base-v2"].config, REPLICAS["phobert-large"].config
    assert (base["hidden_size"], base["num_hidden_layers"], base["vocab_size"], base["max_position_embeddings"]) == (768, 12, 64001, 258)
    assert (large["hidden_size"], large["num_hidden_layers"], large["num_attention_heads"], large["intermediate_size"]) == (1024, 24, 16, 4096)
    vit5b, vit5l = REPLICAS["vit5-base"].config, REPLICAS["vit5-large"].config
    assert (vit5b["d_model"], vit5b["d_ff"], vit5b["feed_forward_proj"], vit5b["vocab_size"]) == (768, 3072, "relu", 36096)
    assert (vit5l["d_model"], vit5l["d_ff"], vit5l["feed_forward_proj"], vit5l["num_layers"], vit5l["vocab_size"]) == (1024, 2816, "gated-gelu", 24, 36100)
    assert all(r.source and r.hub_id for r in REPLICAS.values())


@pytest.mark.parametrize("name", ["phobert-base-v2", "vit5-base"])
def test_a_replica_matches_the_published_format(name, tmp_path, capsys):
    from transformers import AutoConfig, AutoTokenizer

    out = tmp_path / name
    assert main(["make-replica", name, str(out)]) == 0
    assert f"use it where the Hub id goes: base_model={out}" in capsys.readouterr().out
    assert replica_problems(name, out) == []
    from vnnews.models.licences import base_licence

    assert base_licence(str(out)) == {"phobert-base-v2": "agpl-3.0", "vit5-base": "mit"}[name]  # the published model's, inherited by what trains from it
    config = json.loads((out / "config.json").read_text())
    assert config["architectures"] == REPLICAS[name].config["architectures"]
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    assert len(tokenizer) == REPLICAS[name].tokenizer_size
    if name.startswith("phobert"):
        assert {"vocab.txt", "bpe.codes"} <= {p.name for p in out.iterdir()} and type(tokenizer).__name__ == "PhobertTokenizer"
        assert tokenizer.mask_token_id == 64000 and tokenizer.pad_token_id == 1
    else:
        assert tokenizer.convert_tokens_to_ids("<extra_id_0>") == 36095 and tokenizer.eos_token_id == 1 and tokenizer.pad_token_id == 0
        assert AutoConfig.from_pretrained(str(out)).feed_forward_proj == "relu"
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert main(["make-replica", name, str(out)]) == 2  # never written over
    assert f"{out} is not empty; give a new or empty directory" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("VNNEWS_SMOKE"), reason="the base-size smoke run takes minutes: VNNEWS_SMOKE=1 pytest -m slow")
def test_the_real_pipeline_runs_end_to_end_on_the_base_replicas(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from replica_smoke import run

    seconds = run(tmp_path)
    assert {"train_classifier", "train_summarizer", "evaluate_extraction", "infer", "report"} <= set(seconds)
    config = json.loads((tmp_path / "run" / "classifier" / "config.json").read_text())
    assert config["encoder"]["hidden_size"] == 768 and config["encoder"]["vocab_size"] == 64001
    assert (tmp_path / "run" / "articles.jsonl").read_text().count("\n") == 5
