import evaluate
import pytest

from vnnews.evaluate_modules import ROUGE_VI


@pytest.fixture(scope="module")
def rouge():
    return evaluate.load(ROUGE_VI)  # a local path: no Hub access


def test_vietnamese_syllables_keep_their_diacritics(rouge):
    scores = rouge.compute(predictions=["văn hóa Việt Nam"], references=["đất nước Việt Nam"])
    assert scores["rouge1"] == pytest.approx(0.50)  # {việt, nam} of four syllables each side
    assert scores["compat_rouge1"] == pytest.approx(0.6154, abs=1e-4)  # rouge_score's default drops diacritic letters


def test_normalisation_makes_tone_styles_and_case_match(rouge):
    scores = rouge.compute(predictions=["VĂN HÓA  Việt\u00a0Nam"], references=["văn hoá việt nam"], tokenization="vietnamese")
    assert scores == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0, "rougeLsum": 1.0}


def test_scores_are_means_over_examples(rouge):
    scores = rouge.compute(predictions=["Hà Nội", "Huế"], references=["Hà Nội", "Đà Nẵng"], rouge_types=["rouge1"], tokenization="vietnamese")
    assert scores == {"rouge1": pytest.approx(0.5)}
    with pytest.raises(ValueError, match="tokenization"):
        rouge.compute(predictions=["a"], references=["a"], tokenization="spaces")
