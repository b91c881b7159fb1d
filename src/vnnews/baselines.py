"""Baselines the models are compared against, in the same tables.

Line labelling: ``all_content`` (every line is article text: the floor any
extractor must beat), ``justext_labels`` (jusText, the classic boilerplate
remover, with its Vietnamese stoplist), and the weak labeller's rules.
"""

from __future__ import annotations

import html
from functools import lru_cache

from vnnews.extras import require
from vnnews.ingest import Article
from vnnews.labels import weak_label


def all_content(article: Article) -> list[str]:
    """Every line labelled ``body``."""
    return ["body"] * len(article.lines)


@lru_cache(maxsize=1)
def _vietnamese_stoplist() -> frozenset[str]:
    justext = require("justext", "eval", "the jusText baseline")

    return frozenset(justext.get_stoplist("Vietnamese"))


def justext_labels(article: Article) -> list[str]:
    """jusText over the page rebuilt as one <p> per line: ``body`` for paragraphs it
    keeps (good), ``other`` for those it drops. jusText only knows content vs
    boilerplate, so compare it on the coarse content columns."""
    justext = require("justext", "eval", "the jusText baseline")

    page = "<html><body>" + "".join(f"<p>{html.escape(t)}</p>" for t in article.texts) + "</body></html>"
    paragraphs = justext.justext(page.encode("utf-8"), _vietnamese_stoplist(), encoding="utf-8")
    if len(paragraphs) != len(article.lines):  # defensive: jusText merged or dropped a block
        kept = {p.text.strip() for p in paragraphs if not p.is_boilerplate}
        return ["body" if t.strip() in kept else "other" for t in article.texts]
    return ["other" if p.is_boilerplate else "body" for p in paragraphs]


def weak_labels(article: Article) -> list[str]:
    return weak_label(article)  # type: ignore[return-value]


LINE_BASELINES = {"all-content": all_content, "jusText": justext_labels, "weak labeller": weak_labels}


# ---------------------------------------------------------------- summarization
def lead_n(document: str, n: int) -> str:
    """The first ``n`` sentences of ``document`` (sentences split the Vietnamese way)."""
    from vnnews.text import split_sentences

    return " ".join(split_sentences(document)[:n])


def textrank(document: str, n: int = 3) -> str:
    """TextRank (Mihalcea & Tarau, 2004): PageRank over sentences linked by syllable
    overlap normalised by log lengths; the ``n`` best sentences, in document order."""
    import math
    import re

    nx = require("networkx", "eval", "the TextRank baseline")

    from vnnews.text import split_sentences

    sentences = split_sentences(document)
    if len(sentences) <= n:
        return " ".join(sentences)
    words = [set(re.findall(r"[^\W_]+", s.lower())) for s in sentences]
    graph = nx.Graph()
    graph.add_nodes_from(range(len(sentences)))
    for i in range(len(sentences)):
        for j in range(i + 1, len(sentences)):
            overlap = len(words[i] & words[j])
            if overlap and len(words[i]) > 1 and len(words[j]) > 1:
                graph.add_edge(i, j, weight=overlap / (math.log(len(words[i])) + math.log(len(words[j]))))
    scores = nx.pagerank(graph, weight="weight")
    best = sorted(sorted(scores, key=lambda i: (-scores[i], i))[:n])
    return " ".join(sentences[i] for i in best)


SUMMARY_BASELINES = {
    "lead-1": lambda doc: lead_n(doc, 1),
    "lead-3": lambda doc: lead_n(doc, 3),
    "TextRank-3": lambda doc: textrank(doc, 3),
}
