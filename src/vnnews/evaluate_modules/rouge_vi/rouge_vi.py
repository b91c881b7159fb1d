"""ROUGE for Vietnamese, as an `evaluate` module loaded by local path.

`evaluate.load("rouge")` fetches its script from the Hub (unreachable offline, and a
run-time download in production), and rouge_score's default tokenizer keeps only
[a-z0-9]: every Vietnamese letter with a diacritic is deleted, so "văn hóa Việt Nam"
against "đất nước Việt Nam" scores ROUGE-1 0.62 instead of 0.50.

This module tokenizes into lower-case syllables with their diacritics, after vnnews'
normalisation (NFC, one tone-mark style, so "hoá" and "hóa" match). It also reports
the `compat` tokenization (rouge_score's default) for comparison with published
figures (e.g. the ViT5 paper's VietNews ROUGE), which used it.

    import evaluate
    from vnnews.evaluate_modules import ROUGE_VI
    rouge = evaluate.load(ROUGE_VI)
    rouge.compute(predictions=[...], references=[...])  # rouge1, ..., compat_rouge1, ...
"""

import re

import datasets
import evaluate
from rouge_score import rouge_scorer

_DESCRIPTION = "ROUGE-1/2/L/Lsum with Vietnamese syllable tokenization (diacritics kept) and rouge_score's default tokenization (compat_*)."
_KWARGS = """
predictions: list of generated summaries.
references: list of reference summaries.
rouge_types: default ["rouge1", "rouge2", "rougeL", "rougeLsum"].
tokenization: "both" (default), "vietnamese" or "compat".
Returns: mean F-measure per type; Vietnamese-tokenized under the type's name, compat under compat_<type>.
"""
_SYLLABLE = re.compile(r"[^\W_]+")


class VietnameseTokenizer:
    """Lower-case syllables with diacritics, after vnnews normalisation."""

    def tokenize(self, text):
        from vnnews.text import normalize

        return _SYLLABLE.findall(normalize(text, keep_newlines=False).lower())


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class RougeVi(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Lin, C.-Y. (2004). ROUGE: A Package for Automatic Evaluation of Summaries.",
            inputs_description=_KWARGS,
            features=datasets.Features({"predictions": datasets.Value("string"), "references": datasets.Value("string")}),
        )

    def _compute(self, predictions, references, rouge_types=None, tokenization="both"):
        rouge_types = rouge_types or ["rouge1", "rouge2", "rougeL", "rougeLsum"]
        if tokenization not in ("both", "vietnamese", "compat"):
            raise ValueError(f"tokenization must be both, vietnamese or compat, got {tokenization!r}")
        scorers = {}
        if tokenization in ("both", "vietnamese"):
            scorers[""] = rouge_scorer.RougeScorer(rouge_types, tokenizer=VietnameseTokenizer())
        if tokenization in ("both", "compat"):
            scorers["compat_"] = rouge_scorer.RougeScorer(rouge_types)
        result = {}
        for prefix, scorer in scorers.items():
            totals = dict.fromkeys(rouge_types, 0.0)
            for prediction, reference in zip(predictions, references, strict=True):
                # rougeLsum splits summaries at newlines: one sentence per line
                scores = scorer.score(reference, prediction)
                for t in rouge_types:
                    totals[t] += scores[t].fmeasure
            n = max(len(predictions), 1)
            result.update({f"{prefix}{t}": totals[t] / n for t in rouge_types})
        return result
