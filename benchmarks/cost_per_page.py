"""What one page costs, side by side in one process on one thread: trafilatura, the rules,
the page labeller `make demo` trains, and a PhoBERT-base-shaped labeller (torch and its
ONNX int8 export), on the real pages of data/real (issue 35).

    python benchmarks/cost_per_page.py [--pages 12] [--rounds 3] [--demo build/demo/classifier] [--base] [--bf16] [--in-a-job] [--profile]

With ``--bf16``, the torch labellers also in bf16 (``classifier_precision: bf16``; native on a
CPU with AMX or AVX512-BF16, emulated and slower elsewhere), and the demo labeller's lines
whose label bf16 changes against fp32 on the same pages are counted (a base-shaped labeller
has random weights here: its labels are no measure).

Each round visits every page once per system, in turn (a busy moment of the shared machine
falls on all of them alike); a page's time is its best of the rounds, and a system's cost
the mean of its pages. Every system starts cold on each page: the labellers' per-line
caches are emptied before each call (word segmentation and tokenization included, as for a
page a job has not seen), trafilatura has none. With ``--in-a-job``, a second column: the
labellers' cost of a page read after the run's other pages, its own lines still unseen (the
per-line caches emptied) but the word segmenter's sums per token, pair and triple and the
BPE's ids per word holding what the other pages filled, as in a job over many pages (the rules and trafilatura keep no
such sums: their column repeats the cold one). Ratios are to trafilatura's time on the
same pages in the same run. torch, ONNX Runtime and the tokenizers get one thread.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import describe  # noqa: E402


def pages(n: int) -> list[tuple[str, str]]:
    """(id, html) of ``n`` real pages, spread over the sites of data/real."""
    found = sorted((ROOT / "data" / "real" / "pages").rglob("*.html"))
    by_site: dict[str, list[Path]] = {}
    for path in found:
        by_site.setdefault(path.relative_to(ROOT / "data" / "real" / "pages").parts[0], []).append(path)
    chosen: list[Path] = []
    while len(chosen) < min(n, len(found)):
        for site in sorted(by_site):
            if by_site[site] and len(chosen) < n:
                chosen.append(by_site[site].pop(0))
    return [(str(p.relative_to(ROOT)), p.read_bytes().decode("utf-8", errors="replace")) for p in chosen]


class Alone:
    """A labeller whose pages are read without trafilatura's second opinion (the model alone
    decides: vnnews.ingest.second_opinion), so its row shows what the opinion costs."""

    def __init__(self, model: object) -> None:
        self.model = model


def _extract(text: str, model: object) -> dict:
    """``vnnews.extract`` of one page, reading included (an :class:`Alone` labeller's page is
    read without the second opinion)."""
    import vnnews

    if isinstance(model, Alone):
        return vnnews.extract(text, model=model.model, second_opinion=False)
    return vnnews.extract(text, model=model)


def _cold(model: object, vocabulary: bool = True) -> None:
    """Forget the token ids and line vectors a labeller remembers between pages (its caches)
    and, with ``vocabulary``, the word segmenter's sums per token, pair and triple and the
    BPE's ids per word."""
    model = model.model if isinstance(model, Alone) else model
    if getattr(model, "line_cache", None) is not None:
        model.cache_lines(None)  # type: ignore[attr-defined]
    line = getattr(model, "_line_tokenizer", None)
    if line is not None:
        from vnnews.cache import TextCache
        from vnnews.models.line_tokens import TOKEN_CACHE_BYTES

        line._ids = TextCache(line._encode, TOKEN_CACHE_BYTES)
        if vocabulary and isinstance(getattr(line.tokenizer, "words", None), dict):
            line.tokenizer.words.clear()  # the Rust BPE's ids per word (fast_bpe): a job's vocabulary, as the sums below
    from vnnews.text.segment import underthesea_scorer

    scorer = underthesea_scorer()
    if scorer is not None and vocabulary:
        scorer.clear()  # the word segmenter's sums of CRF weights per token, pair and triple


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--demo", type=Path, default=ROOT / "build" / "demo" / "classifier", help="the demo's labeller (make demo); left out when absent")
    parser.add_argument(
        "--in-a-job", action="store_true",
        help="also each page's cost in a job: the segmenter's sums per token, pair and triple and the BPE's ids per word hold what the run's other pages filled (its own lines' caches still emptied)",
    )
    parser.add_argument("--base", action="store_true", help="also a PhoBERT-base-shaped labeller (replica, random weights) in torch and as ONNX int8 (minutes)")
    parser.add_argument("--bf16", action="store_true", help="also the torch labellers in bf16 (classifier_precision: bf16), and the demo's labels in bf16 against fp32")
    parser.add_argument("--profile", action="store_true", help="also where the demo labeller's cold page goes: each stage's wall-clock time, its function wrapped by a timer")
    args = parser.parse_args()

    import torch
    import trafilatura

    import vnnews
    from vnnews.models import load_classifier

    torch.set_num_threads(1)
    print(describe())
    html = pages(args.pages)
    systems: dict[str, object] = {"trafilatura (text + metadata)": None, "vnnews, the rules": "weak"}
    if args.demo.is_dir():
        systems["vnnews, the demo's labeller"] = load_classifier(str(args.demo))
        systems["vnnews, the demo's labeller, alone (no second opinion)"] = Alone(systems["vnnews, the demo's labeller"])
        if args.bf16:
            systems["vnnews, the demo's labeller, bf16"] = load_classifier(str(args.demo), precision="bf16")
    else:
        print(f"(no {args.demo}: run `make demo` for the demo labeller's row)")
    tmp = tempfile.TemporaryDirectory(prefix="vnnews-cost-")
    if args.base:
        from _models import page_labeler_of_shape
        from vnnews.models.export import export_model

        work = Path(tmp.name)
        page_labeler_of_shape("base", work, max_line_tokens=64).save_pretrained(work / "torch")
        export_model(work / "torch", work / "int8")
        systems["vnnews, PhoBERT-base-shaped labeller, torch fp32"] = load_classifier(str(work / "torch"))
        if args.bf16:
            systems["vnnews, PhoBERT-base-shaped labeller, torch bf16"] = load_classifier(str(work / "torch"), precision="bf16")
        systems["vnnews, PhoBERT-base-shaped labeller, ONNX int8"] = load_classifier(str(work / "int8"))
    best: dict[str, dict[str, float]] = {name: {} for name in systems}
    in_job: dict[str, dict[str, float]] = {name: {} for name in systems if systems[name] not in (None, "weak")}
    for _ in range(args.rounds):
        for page_id, text in html:
            for name, model in systems.items():
                _cold(model)
                t0 = time.perf_counter()
                if model is None:
                    trafilatura.bare_extraction(text, with_metadata=True)
                else:
                    _extract(text, model)
                spent = time.perf_counter() - t0
                best[name][page_id] = min(spent, best[name].get(page_id, float("inf")))
                if args.in_a_job and name in in_job:
                    _cold(model)
                    for other_id, other in html:  # the job's other pages, read first
                        if other_id != page_id:
                            _extract(other, model)
                    _cold(model, vocabulary=False)
                    t0 = time.perf_counter()
                    _extract(text, model)
                    spent = time.perf_counter() - t0
                    in_job[name][page_id] = min(spent, in_job[name].get(page_id, float("inf")))
    base = sum(best["trafilatura (text + metadata)"].values()) / len(html)
    print(f"\n{len(html)} real pages of data/real, best of {args.rounds} rounds each, one thread\n")
    if args.in_a_job:
        print("| system | ms a page, cold | cost against trafilatura | ms a page in a job | cost against trafilatura |\n|---|---:|---:|---:|---:|")
    else:
        print("| system | ms a page | cost against trafilatura |\n|---|---:|---:|")
    for name in systems:
        ms = sum(best[name].values()) / len(html)
        row = f"| {name} | {ms * 1000:,.0f} | {ms / base:.1f}x |"
        if args.in_a_job:
            job = sum(in_job[name].values()) / len(html) if in_job.get(name) else ms
            row += f" {job * 1000:,.0f} | {job / base:.1f}x |"
        print(row)
    demo = systems.get("vnnews, the demo's labeller")
    fast = systems.get("vnnews, the demo's labeller, bf16")
    if demo is not None and fast is not None:
        from vnnews.models.loading import cpu_has_bf16

        changed = lines = 0
        for _page_id, text in html:
            exact, quick = vnnews.extract(text, model=demo), vnnews.extract(text, model=fast)
            changed += sum(a["label"] != b["label"] for a, b in zip(exact["lines"], quick["lines"], strict=True))
            lines += len(exact["lines"])
        native = "native" if cpu_has_bf16() else "emulated: no AMX or AVX512-BF16"
        print(f"\nthe demo labeller in bf16 ({native} on this CPU): {changed} of {lines} lines labelled otherwise than in fp32")
    if args.profile and demo is not None:
        profile_stages(html, demo, args.rounds)
    tmp.cleanup()


# Where a labelled page's time goes: (stage, module, attribute) wrapped by a wall-clock timer
# where it is looked up from (a function imported by name is wrapped in the importing module)
STAGES = (
    ("reading the HTML", "vnnews.ingest.readers", "_lines_from_html"),  # printed without the second opinion it calls
    ("trafilatura's second opinion", "vnnews.ingest.second_opinion", "second_opinion"),
    ("word segmentation and BPE (a line's ids)", "vnnews.models.line_tokens", "LineTokenizer._encode"),
    ("layout features", "vnnews.models.page_labeler", "page_features"),
    ("the model (forward)", "vnnews.models.page_labeler", "PageLabeler.forward"),
    ("the record (metadata, text)", "vnnews.inference.records", "article_record"),
)


def profile_stages(html: list[tuple[str, str]], model: object, rounds: int = 3) -> None:
    """Each stage's wall-clock time on the demo labeller's cold pages (best round), timed by
    wrapping the stage's function: cProfile's own cost falls on Python calls and inflates the
    Python stages (segmentation) against the ones in C (the model's forward pass)."""
    import importlib

    import vnnews

    spent: dict[str, float] = {}
    originals = []
    for stage, module_name, attribute in STAGES:
        owner: object = importlib.import_module(module_name)
        *outer, name = attribute.split(".")
        for part in outer:
            owner = getattr(owner, part)
        function = getattr(owner, name)

        def timed(*args: object, _f=function, _stage=stage, **kwargs: object) -> object:
            t0 = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_stage] = spent.get(_stage, 0.0) + time.perf_counter() - t0

        originals.append((owner, name, function))
        setattr(owner, name, timed)
    best: dict[str, float] | None = None
    try:
        for _ in range(rounds):
            spent.clear()
            total = 0.0
            for _page_id, text in html:
                _cold(model)
                t0 = time.perf_counter()
                vnnews.extract(text, model=model)
                total += time.perf_counter() - t0
            if best is None or total < best["total"]:
                best = {"total": total, **spent}
    finally:
        for owner, name, function in originals:
            setattr(owner, name, function)
    assert best is not None
    best["reading the HTML"] = best.get("reading the HTML", 0.0) - best.get("trafilatura's second opinion", 0.0)  # timed inside it
    n = len(html)
    print(f"\nwhere the demo labeller's cold page goes (wall clock, best of {rounds} rounds): {best['total'] / n * 1000:,.1f} ms a page\n")
    print("| stage | ms a page | share of the page |\n|---|---:|---:|")
    for stage, _module, _attribute in STAGES:
        print(f"| {stage} | {best.get(stage, 0.0) / n * 1000:,.1f} | {best.get(stage, 0.0) / best['total']:.0%} |")
    rest = best["total"] - sum(best.get(stage, 0.0) for stage, _m, _a in STAGES)
    print(f"| the rest (decoding, tensors, calls between stages) | {rest / n * 1000:,.1f} | {rest / best['total']:.0%} |")


if __name__ == "__main__":
    main()
