"""Generation at the hardware's pace (issue 20): length-sorted batches by token budget
and the static cache give the summaries of plain batches (greedy, on the CPU)."""

import pytest

from vnnews.models.runtimes import gpu_compute_type
from vnnews.models.summarizer import SUMMARIZE_BATCH, Summarizer, token_batches

DOCS = [
    "Hà Nội hôm nay có mưa lớn trên diện rộng, nhiều tuyến phố ngập sâu.",
    "Giá vàng tăng mạnh.",
    "Bộ Y tế khuyến cáo người dân tiêm phòng cúm mùa trước khi trời chuyển lạnh, nhất là người cao tuổi và trẻ nhỏ. " * 3,
    "Đội tuyển bóng đá Việt Nam thắng 2-0.",
    "Thủ tướng chủ trì hội nghị trực tuyến với các địa phương về giải ngân vốn đầu tư công.",
]


def test_token_batches_hold_the_budget_and_every_item_once():
    lengths = [5, 100, 7, 60, 60, 3, 200]
    batches = token_batches(lengths, max_items=3, max_tokens=130)
    assert sorted(i for b in batches for i in b) == list(range(7))
    assert batches[0] == [6]  # longer than the budget: a batch of its own
    for batch in batches:
        assert len(batch) <= 3 and (len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= 130)
        assert [lengths[i] for i in batch] == sorted((lengths[i] for i in batch), reverse=True)
    assert token_batches(lengths, max_items=2) == [[6, 1], [3, 4], [2, 0], [5]]


@pytest.fixture(scope="module")
def summarizer(trained_summarizer):
    return Summarizer.from_pretrained(str(trained_summarizer[0]), device="cpu")


def test_batches_by_token_budget_give_the_summaries_of_one_at_a_time(summarizer):
    alone = [summarizer.summarize(d, num_beams=1, max_new_tokens=12) for d in DOCS]
    assert summarizer.summarize(DOCS, batch_size=8, batch_tokens=200, num_beams=1, max_new_tokens=12) == alone
    assert summarizer.summarize(DOCS, batch_size=2, num_beams=1, max_new_tokens=12) == alone
    assert SUMMARIZE_BATCH["cpu"] == (16, None) and SUMMARIZE_BATCH["cuda"][1] > 0


def test_the_static_cache_gives_the_same_summaries(summarizer):
    """The static cache is what lets transformers compile the decoder step on a GPU."""
    dynamic = summarizer.summarize(DOCS, num_beams=1, max_new_tokens=12)
    assert summarizer.summarize(DOCS, num_beams=1, max_new_tokens=12, cache_implementation="static") == dynamic


def test_ctranslate2_on_a_gpu_runs_float16_or_int8_float16():
    assert gpu_compute_type("int8") == "int8_float16" and gpu_compute_type("none") == "float16"


def test_a_model_asking_for_endless_generation_is_capped_by_vnnews_limits(trained_summarizer, tmp_path, caplog):
    """An untrusted generation_config.json (min = max = 10^7 new tokens) cannot make
    summarizing run for ever: the settings are lowered to GENERATION_CAPS at load, said
    once, and per-call overrides past the caps are refused."""
    import json
    import shutil

    from vnnews.models.summarizer import GENERATION_CAPS, Summarizer, check_generation

    target = tmp_path / "s"
    shutil.copytree(trained_summarizer[0], target, ignore=shutil.ignore_patterns("checkpoints"))
    path = target / "generation_config.json"
    generation = json.loads(path.read_text())
    generation.update(min_new_tokens=10**7, max_new_tokens=10**7, num_beams=10**4)
    path.write_text(json.dumps(generation))
    with caplog.at_level("WARNING"):
        model = Summarizer.from_pretrained(str(target), device="cpu")
    g = model.model.generation_config
    assert (g.max_new_tokens, g.min_new_tokens, g.num_beams) == (GENERATION_CAPS["max_new_tokens"], GENERATION_CAPS["max_new_tokens"], GENERATION_CAPS["num_beams"])
    assert "generation setting max_new_tokens = 10000000 lowered to vnnews's limit 1024" in caplog.text
    with pytest.raises(ValueError, match=r"generation.max_new_tokens: must be between 1 and 1024, got 100000"):
        check_generation({"max_new_tokens": 100_000})
