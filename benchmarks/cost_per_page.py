"""What one page costs, side by side in one process on one thread: trafilatura, the rules,
the page labeller `make demo` trains, and a PhoBERT-base-shaped labeller (torch and its
ONNX int8 export), on the real pages of data/real (issue 35).

    python benchmarks/cost_per_page.py [--pages 12] [--rounds 3] [--demo build/demo/classifier] [--base] [--in-a-job] [--profile]

Each round visits every page once per system, in turn (a busy moment of the shared machine
falls on all of them alike); a page's time is its best of the rounds, and a system's cost
the mean of its pages. Every system starts cold on each page: the labellers' per-line
caches are emptied before each call (word segmentation and tokenization included, as for a
page a job has not seen), trafilatura has none. With ``--in-a-job``, a second column: the
labellers' cost of a page read after the run's other pages, its own lines still unseen (the
per-line caches emptied) but the word segmenter's sums per token, pair and triple holding
what the other pages filled, as in a job over many pages (the rules and trafilatura keep no
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


def _cold(model: object, vocabulary: bool = True) -> None:
    """Forget the token ids and line vectors a labeller remembers between pages (its caches)
    and, with ``vocabulary``, the word segmenter's sums per token, pair and triple."""
    if getattr(model, "line_cache", None) is not None:
        model.cache_lines(None)  # type: ignore[attr-defined]
    line = getattr(model, "_line_tokenizer", None)
    if line is not None:
        from vnnews.cache import TextCache
        from vnnews.models.line_tokens import TOKEN_CACHE_BYTES

        line._ids = TextCache(line._encode, TOKEN_CACHE_BYTES)
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
        help="also each page's cost in a job: the segmenter's sums per token, pair and triple hold what the run's other pages filled (its own lines' caches still emptied)",
    )
    parser.add_argument("--base", action="store_true", help="also a PhoBERT-base-shaped labeller (replica, random weights) in torch and as ONNX int8 (minutes)")
    parser.add_argument("--profile", action="store_true", help="also where the demo labeller's cold page goes: its stages' share of a cProfile of every page (profiling slows the calls it counts)")
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
                    vnnews.extract(text, model=model)
                spent = time.perf_counter() - t0
                best[name][page_id] = min(spent, best[name].get(page_id, float("inf")))
                if args.in_a_job and name in in_job:
                    _cold(model)
                    for other_id, other in html:  # the job's other pages, read first
                        if other_id != page_id:
                            vnnews.extract(other, model=model)
                    _cold(model, vocabulary=False)
                    t0 = time.perf_counter()
                    vnnews.extract(text, model=model)
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
    if args.profile and demo is not None:
        profile_stages(html, demo)
    tmp.cleanup()


# Where a labelled page's time goes: (stage, module file, function), each counted once with
# its callees (cProfile's cumulative time), as a share of the whole `vnnews.extract` call.
STAGES = (
    ("reading the HTML", "vnnews/ingest/readers.py", "_lines_from_html"),
    ("word segmentation", "vnnews/text/segment.py", "segment"),
    ("layout features", "vnnews/layout.py", "page_features"),
    ("the model (forward)", "vnnews/models/page_labeler.py", "forward"),
    ("the record (metadata, text)", "vnnews/inference/records.py", "article_record"),
)


def profile_stages(html: list[tuple[str, str]], model: object) -> None:
    """Each stage's share of the demo labeller's cold pages, under cProfile."""
    import cProfile
    import pstats

    import vnnews

    profiler = cProfile.Profile()
    for _page_id, text in html:
        _cold(model)
        profiler.enable()
        vnnews.extract(text, model=model)
        profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(ct for (path, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items() if name == "extract" and path.endswith("vnnews/extraction.py"))
    print(f"\nthe demo labeller's {len(html)} cold pages under cProfile: {total / len(html) * 1000:,.0f} ms a page (profiled)\n")
    print("| stage | share of the page |\n|---|---:|")
    for stage, module, function in STAGES:
        spent = sum(ct for (path, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items() if name == function and path.endswith(module))
        print(f"| {stage} | {spent / total:.0%} |")


if __name__ == "__main__":
    main()
