import json

from transformers import AutoModelForMaskedLM, AutoTokenizer, PhobertTokenizer


def test_tiny_checkpoint_has_the_hub_layout_and_loads_the_same_way(tiny_phobert):
    for name in ("vocab.txt", "bpe.codes", "config.json", "model.safetensors", "tokenizer_config.json"):
        assert (tiny_phobert / name).is_file(), name
    assert not list(tiny_phobert.glob("*.bin"))
    config = json.loads((tiny_phobert / "config.json").read_text())
    assert config["model_type"] == "roberta" and config["max_position_embeddings"] == 258
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_phobert))
    assert isinstance(tokenizer, PhobertTokenizer)
    model = AutoModelForMaskedLM.from_pretrained(str(tiny_phobert), use_safetensors=True)
    assert model.config.vocab_size == len(tokenizer)


def test_tiny_tokenizer_covers_the_corpus(tiny_phobert):
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_phobert))
    tokens = tokenizer.tokenize("Bộ Ngoại_giao tích_cực đổi_mới , tăng_cường ứng_dụng Qzx")
    assert "Ngoại_giao" in tokens  # a segmented word seen in the seeds is one piece
    assert tokenizer.unk_token not in tokens  # unseen words fall back to characters
    assert tokens[-3:] == ["Q@@", "z@@", "x"]
    ids = tokenizer("Xin chào", "Việt_Nam")["input_ids"]
    assert ids[0] == tokenizer.cls_token_id and ids.count(tokenizer.sep_token_id) == 3


def test_make_tiny_learns_its_bpe_from_the_records_given(tmp_path, tiny_phobert):
    """``--corpus RECORDS --max-records N --vocab-size V``: a vocabulary of that text, read
    up to N records a file (the first N, as the dataset reads them)."""
    from vnnews.cli import main

    word = "Zyxwvutsrq_Ponmlk"  # in no seed page: the seeds' BPE spells it in pieces
    records = tmp_path / "recs.jsonl"
    rows = [{"id": f"r{i}", "title": f"{word} số {i}", "lead": f"{word} đã đến .", "body": [f"{word} là một tên lạ ."]} for i in range(30)]
    rows.append({"id": "late", "title": "Quốc_Tử_Giám_Zeta", "lead": "", "body": ["Quốc_Tử_Giám_Zeta"] * 40})
    records.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "tiny"
    assert main(["make-tiny", "classifier", str(out), "--corpus", str(records), "--max-records", "30", "--vocab-size", "400"]) == 0
    learned = AutoTokenizer.from_pretrained(str(out))
    assert learned.tokenize(word) == [word]
    assert len(AutoTokenizer.from_pretrained(str(tiny_phobert)).tokenize(word)) > 1
    assert len(learned.tokenize("Quốc_Tử_Giám_Zeta")) > 1  # record 31 was not read
    assert len(learned) <= 400 + 2 * len({c for r in rows[:30] for t in (r["title"], r["lead"], *r["body"]) for c in t})


def test_make_tiny_refuses_settings_it_cannot_use(tmp_path, capsys):
    from vnnews.cli import main

    assert main(["make-tiny", "classifier", str(tmp_path / "a"), "--vocab-size", "0"]) == 2
    assert "vocab_size and max_records must be at least 1" in capsys.readouterr().err
    assert main(["make-tiny", "summarizer", str(tmp_path / "b"), "--max-records", "5"]) == 2
    assert "for the classifier's BPE" in capsys.readouterr().err
    assert main(["make-tiny", "summarizer", str(tmp_path / "b"), "--vocab-size", "2000"]) == 2  # even the classifier's default
    assert "for the classifier's BPE" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    earlier = tmp_path / "earlier"  # a model made before: a refused call leaves it as it was
    earlier.mkdir()
    (earlier / "vocab.txt").write_text("mine\n", encoding="utf-8")
    assert main(["make-tiny", "classifier", str(earlier), "--max-records", "0"]) == 2
    assert "vocab_size and max_records must be at least 1" in capsys.readouterr().err
    assert [f.name for f in earlier.iterdir()] == ["vocab.txt"] and (earlier / "vocab.txt").read_text(encoding="utf-8") == "mine\n"
