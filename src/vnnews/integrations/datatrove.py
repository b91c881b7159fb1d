"""vnnews as a datatrove step: the page labeller (and the summarizer) over datatrove documents.

datatrove runs large text pipelines as lists of steps over ``Document(text, id, metadata)``
on local, Slurm or Ray executors, resumable per task. Its Trafilatura step keeps the text
and drops every metadata field; this step keeps what vnnews reads off a page::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from vnnews.integrations.datatrove import VnnewsExtractor

    LocalPipelineExecutor(pipeline=[
        WarcReader("s3://commoncrawl/crawl-data/CC-NEWS/2026/07/", glob_pattern="*.warc.gz"),
        VnnewsExtractor(classifier="ORG/vnnews-classifier"),
        JsonlWriter("out/"),
    ], tasks=64).run()

Each document's ``text`` (the page's HTML, or a text dump) becomes the article's text
(title, lead, body: the record's ``text``); ``metadata`` gains ``title``, ``lead``,
``date_published``, ``date_modified``, ``authors``, ``url``, ``site_name``, ``section``,
``tags``, ``language``, ``image``, the ``summary`` with a summarizer, and with
``keep_labels`` every line's label, and ``detected_language`` with its
``detected_language_score``. Only pages written in ``languages`` (default Vietnamese;
None: every page) reach the models, the others are dropped and counted as
``skipped_language``; a page with no article text left is dropped (counted as
``dropped``). Models are loaded once per task, pages labelled in batches of ``batch_size``.
With a page labeller, an HTML page is also read by trafilatura, and the body lines the model
is unsure of that trafilatura leaves out are boilerplate (``second_opinion``, default True;
docs/inference.md); False: the model alone, without trafilatura's cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from vnnews.extras import require

require("datatrove", "datatrove", "vnnews.integrations.datatrove (vnnews as a datatrove step)")

from datatrove.data import Document, DocumentsPipeline  # noqa: E402
from datatrove.pipeline.base import PipelineStep  # noqa: E402

METADATA_KEYS = (
    "title", "lead", "date_published", "date_modified", "authors", "url", "site_name", "section", "tags", "language", "image",
    "detected_language", "detected_language_score",
)


class VnnewsExtractor(PipelineStep):
    """Label every line of each page with vnnews's page labeller (``classifier``: a model
    directory or Hub id, or "weak" for the rules), optionally summarize it, and keep the
    article's text and metadata."""

    name = "📰 vnnews"
    type = "🛢 - EXTRAC"

    def __init__(
        self, classifier: str = "weak", summarizer: str | None = None, batch_size: int = 64, keep_labels: bool = False, device: str | None = None,
        languages: tuple[str, ...] | list[str] | None = ("vi",), second_opinion: bool = True,
    ) -> None:
        from vnnews.language import check_languages

        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.classifier, self.summarizer, self.batch_size, self.keep_labels, self.device = classifier, summarizer, batch_size, keep_labels, device
        self.languages = check_languages(languages)
        self.second_opinion = second_opinion
        self._models: Any = None

    def _load(self) -> Any:
        if self._models is None:
            from vnnews.inference import InferenceConfig
            from vnnews.inference.stages import load_models

            config = InferenceConfig(classifier=self.classifier, summarizer=self.summarizer, progress=False)
            self._models = load_models(config, self.device)
        return self._models

    def _batch(self, docs: list[Document]) -> Iterator[Document]:
        from vnnews.extraction import article_records, page_article, page_options
        from vnnews.ingest import IngestError
        from vnnews.language import mark, refusal

        models = self._load()
        kept, articles = [], []
        for doc in docs:
            try:
                article = page_article(doc.text, str(doc.id), "datatrove", url=doc.metadata.get("url"), options=page_options(models.classifier if self.second_opinion else None))
            except (IngestError, ValueError):
                self.stat_update("no_text")
                continue
            if refusal(mark(article), self.languages) is not None:
                self.stat_update("skipped_language")
                continue
            articles.append(article)
            kept.append(doc)
        if not articles:
            return
        for doc, record in zip(kept, article_records(articles, models.classifier, models.summarizer), strict=True):
            if not (record.get("text") or "").strip():
                self.stat_update("dropped")
                continue
            doc.text = record["text"]
            doc.metadata.update({k: record[k] for k in METADATA_KEYS if record.get(k) not in (None, "", [])})
            if record.get("summary"):
                doc.metadata["summary"] = record["summary"]
            if self.keep_labels:
                doc.metadata["labels"] = [line["label"] for line in record["lines"]]
            self.stat_update("extracted")
            self.update_doc_stats(doc)
            yield doc

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        batch: list[Document] = []
        for doc in data or []:
            self.stat_update("total")
            batch.append(doc)
            if len(batch) == self.batch_size:
                with self.track_time(unit="batch"):
                    yield from self._batch(batch)
                batch = []
        if batch:
            with self.track_time(unit="batch"):
                yield from self._batch(batch)


__all__ = ["METADATA_KEYS", "VnnewsExtractor"]
