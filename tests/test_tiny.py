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
