"""The prepared GPU run (issue 20): every row of the GPU table, with plain-code anchors
measured beside vnnews in the same run, in one call of at most 8 minutes.

    python benchmarks/gpu_suite.py                                   # on a GPU: base shapes, bf16
    python benchmarks/gpu_suite.py --device cpu --shape tiny         # the same code on a CPU, about a minute
    bash benchmarks/gpu_suite.sh                                     # on a bare GPU machine (docs/benchmarks.md)

Models have random weights in the named shape (base: the Hub-identical replicas of
PhoBERT-base-v2 and ViT5-base, `vnnews make-replica`); speed does not depend on the
weights. Pages are VietNews validation articles (--vietnews) composed into pages. Rows:

1. page labeller inference, warm (segmentation cached) and model only; anchor: a plain
   RoBERTa loop (SDPA, bf16, length-sorted batches of 512 lines) over the same lines' ids;
2. page labeller inference, cold: word segmentation in `segment_workers: auto` worker
   processes, then the model;
3. page labeller training through the recipe (`recipes.classifier.build_trainer`, the
   Trainer users run), warm-up steps excluded, tokens/s and MFU; anchor: a plain RoBERTa
   bf16 training loop, 128 x 128 tokens;
4. ViT5 generation, beam 4, source up to 1,024, 128 new tokens, batches by token budget
   (and with the static cache, which transformers compiles on a GPU); anchors: HF generate
   in fixed batches of 32 (beam 4) and 64 (greedy);
5. ViT5 training through the recipe, warm-up excluded, tokens/s and MFU; anchor: a plain
   bf16 loop, batch 16, 1,024 + 128 tokens;
6. `vnnews infer` end to end, both stages (the library's `run_inference`);
7. the replica pipeline end to end (`benchmarks/replica_smoke.py --device cuda`), on a GPU.

MFU counts 6 x non-embedding parameters per token (encoder and decoder apart for ViT5) over
the card's dense bf16 peak (`--peak-tflops` where the card is not in the table). Each row is
timed on its own and a failing row is recorded with its error, never stopping the others;
rows that would not fit the --budget-s left are skipped, saying so. The table is printed
last and written with every detail as JSON (--json, default $OUT/gpu_suite.json or
./gpu_suite.json).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402
from _models import encoder_checkpoint, leaning_to_body, page_labeler_of_shape, summarizer_checkpoint  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VIETNEWS_PLACES = (ROOT.parent / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz", ROOT / ".gpu-data" / "validation.jsonl.gz")
# Dense bf16 peak of a card, TFLOP/s (vendor data sheets), by a piece of its name; checked in order.
PEAK_BF16_TFLOPS = (("H100 PCIe", 756.0), ("H100 NVL", 835.0), ("GH200", 989.4), ("H200", 989.4), ("H100", 989.4), ("A100", 312.0), ("L40S", 362.0), ("A10", 125.0), ("L4", 121.0))
# Targets of issue 20 on an H100 or H200 (shown beside the figures; not checked here).
TARGETS = {
    "labeller_warm": 25_000, "labeller_cold": 12_000, "labeller_train": 250_000, "generation": 40, "vit5_train": 100_000, "infer": 25,
}
SIZES = {  # per --size: counts small enough for the whole suite to fit its budget
    "full": dict(lines=50_000, cold_lines=20_000, train_warmup=5, train_steps=25, train_windows=16, gen_articles=256, gen_anchor=128,
                 vit5_warmup=3, vit5_steps=15, vit5_batch=16, infer_articles=400, source=1024, new_tokens=128, beams=4, line_tokens=64),
    "quick": dict(lines=1_200, cold_lines=600, train_warmup=1, train_steps=3, train_windows=2, gen_articles=12, gen_anchor=8,
                  vit5_warmup=1, vit5_steps=2, vit5_batch=2, infer_articles=16, source=256, new_tokens=12, beams=2, line_tokens=32),
}


# ---------------------------------------------------------------- helpers
class Context:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        import torch

        self.args, self.work, self.torch = args, work, torch
        self.device = args.device
        self.cuda = self.device.startswith("cuda")
        self.dtype = torch.bfloat16 if self.cuda and torch.cuda.is_bf16_supported() else torch.float32
        self.dtype_name = "bf16" if self.dtype == torch.bfloat16 else "fp32"
        self.size = SIZES[args.size]
        if getattr(args, "profile", None):  # a profiled step is slow and its events many: a few steps say where time goes
            self.size = {**self.size, "train_warmup": 1, "train_steps": 3, "vit5_warmup": 1, "vit5_steps": 3}
        self.peak = args.peak_tflops or peak_tflops(torch.cuda.get_device_name(0) if self.cuda else "")
        self._records: list[dict[str, Any]] | None = None

    def sync(self) -> None:
        if self.cuda:
            self.torch.cuda.synchronize()

    def records(self, n: int) -> list[dict[str, Any]]:
        """The first ``n`` VietNews validation records."""
        if self._records is None or len(self._records) < n:
            path = next((p for p in ([Path(self.args.vietnews)] if self.args.vietnews else VIETNEWS_PLACES) if p.is_file()), None)
            if path is None:
                raise FileNotFoundError("no VietNews validation file: give --vietnews PATH (docs/benchmarks.md says where it goes on a GPU machine)")
            with gzip.open(path, "rt", encoding="utf-8") as f:
                self._records = [json.loads(line) for _, line in zip(range(max(n, 64)), f, strict=False)]
        return self._records[:n]

    def pages(self, n_lines: int) -> list[Any]:
        """Composed pages (the classifier's training layouts) holding about ``n_lines`` lines."""
        from vnnews.dataset.compose import compose_page
        from vnnews.ingest import Article
        from vnnews.ingest.readers import IngestOptions, structured_lines

        out, others, total, i = [], [], 0, 0
        while total < n_lines:
            records = self.records(i + 64)
            for record in records[i:]:
                article = Article(str(record["id"]), "vietnews", structured_lines(record, IngestOptions()), {}, "structured")
                out.append(compose_page(article, others))
                others.append((article.texts[0], article.texts[1] if len(article.texts) > 1 else ""))
                total += len(out[-1].lines)
                i += 1
                if total >= n_lines:
                    break
            if i >= len(self._records or []) and total < n_lines:
                self._records = None
                self.records(len(out) * 2 + 64)
        return out

    def bodies(self, n: int) -> list[str]:
        return ["\n".join(r["body"]) for r in self.records(n)]


def peak_tflops(name: str) -> float | None:
    return next((peak for key, peak in PEAK_BF16_TFLOPS if key in name), None)


def non_embedding_params(module: Any) -> int:
    import torch

    embedded = {id(m.weight) for m in module.modules() if isinstance(m, torch.nn.Embedding)}
    return sum(p.numel() for p in module.parameters() if id(p) not in embedded)


def mfu(flops_per_s: float, peak: float | None) -> float | None:
    return flops_per_s / (peak * 1e12) if peak else None


class StepClock:
    """Trainer callback: the time of each optimizer step's end (device synchronised), so
    the rate leaves out the warm-up steps (compilation, allocator growth, first batches)."""

    def __init__(self, ctx: Context) -> None:
        from transformers import TrainerCallback

        clock = self
        self.ends: list[float] = []

        class _Callback(TrainerCallback):
            def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
                ctx.sync()
                clock.ends.append(time.perf_counter())

        self.callback = _Callback()


def count_tokens(model: Any, keys: tuple[str, ...]) -> list[list[Any]]:
    """A forward pre-hook counting, per forward, the real tokens of ``keys`` (attention
    masks sum, labels != -100); kept as tensors (no sync per step). Returns the list."""
    counted: list[list[Any]] = []

    def hook(module: Any, args: Any, kwargs: dict[str, Any]) -> None:
        row = []
        for key in keys:
            value = kwargs.get(key)
            if value is None:
                row.append(0)
            elif key == "labels":
                row.append((value != -100).sum())
            else:
                row.append(value.sum())
        counted.append(row)

    model.register_forward_pre_hook(hook, with_kwargs=True)
    return counted


def after_warmup(clock: StepClock, counted: list[list[Any]], warmup: int) -> tuple[float, list[float]]:
    """(seconds, token totals per key) of the steps after ``warmup`` (one forward per step)."""
    seconds = clock.ends[-1] - clock.ends[warmup - 1] if warmup else clock.ends[-1] - clock.ends[0]
    rows = counted[warmup:] if warmup else counted[1:]
    totals = [float(sum(float(r[k]) for r in rows)) for k in range(len(rows[0]))] if rows else []
    return seconds, totals


@contextlib.contextmanager
def profiled(ctx: Context, name: str) -> Iterator[None]:
    """With --profile DIR: the torch profiler around the block (CPU and CUDA), its op table
    (by CUDA time and by CPU time, 30 rows each) written to DIR/profile-NAME.txt. The rates
    of a profiled run are lower than plain runs: read the tables, not the rates."""
    if not ctx.args.profile:
        yield
        return
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if ctx.cuda else [])
    with profile(activities=activities) as prof:
        yield
    averages = prof.key_averages()
    by_device = averages.table(sort_by="self_cuda_time_total" if ctx.cuda else "self_cpu_time_total", row_limit=30, max_name_column_width=70)
    by_cpu = averages.table(sort_by="cpu_time_total", row_limit=30, max_name_column_width=70)
    ctx.args.profile.mkdir(parents=True, exist_ok=True)
    (ctx.args.profile / f"profile-{name}.txt").write_text(f"{name}\n\n{by_device}\n\nby CPU time (inclusive)\n\n{by_cpu}\n", encoding="utf-8")


class Phases:
    """Seconds per named phase, each timed between device synchronisations: where a
    step's time goes, without the profiler's overhead (the syncs themselves cost a
    little and stop CPU work overlapping GPU work: read the shares, not the rates)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.reset()

    def reset(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.counts: defaultdict[str, float] = defaultdict(float)  # NAME_calls, NAME_tokens of watched modules

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.ctx.sync()
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.ctx.sync()
            self.seconds[name] += time.perf_counter() - t0

    def watch(self, module: Any, name: str) -> Callable[[], None]:
        """Time every forward of ``module`` as phase ``name`` and count the tokens it is
        given (``name_calls``, ``name_tokens``: input ids with their padding); returns
        what removes the hooks."""
        started: list[float] = []

        def before(mod: Any, args: Any, kwargs: dict[str, Any]) -> None:
            self.ctx.sync()
            started.append(time.perf_counter())
            ids = kwargs.get("input_ids", args[0] if args else None)
            self.counts[f"{name}_calls"] += 1
            if hasattr(ids, "numel"):  # a tensor of ids (an LSTM's packed sequence is not counted)
                self.counts[f"{name}_tokens"] += ids.numel()

        def after(mod: Any, args: Any, kwargs: dict[str, Any], output: Any) -> None:
            self.ctx.sync()
            self.seconds[name] += time.perf_counter() - started.pop()

        handles = [module.register_forward_pre_hook(before, with_kwargs=True), module.register_forward_hook(after, with_kwargs=True)]

        def remove() -> None:
            for handle in handles:
                handle.remove()

        return remove

    def per(self, n: int, unit: str, scale: float) -> dict[str, float]:
        """Every phase as ``NAME`` + ``unit`` (seconds times ``scale``) and every count,
        each divided by ``n`` (steps or passes)."""
        return {**{f"{k}{unit}": v * scale / n for k, v in self.seconds.items()}, **{k: v / n for k, v in self.counts.items()}}


def step_anatomy(ctx: Context, trainer: Any, model: Any, steps: int, inner: dict[str, Any], counts: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, float]:
    """Where a training step of ``trainer`` goes: ``steps`` steps (after one warm-up) of
    its own dataloader, model, precision and optimizer, timed phase by phase (data,
    forward, backward, clip and optimizer step) with the ``inner`` modules' forwards
    timed and their tokens counted inside the forward. Per step, in ms, and the batch's
    ``counts`` (real tokens, lines...) beside the padded tokens each inner module was given."""
    torch = ctx.torch
    loader = trainer.get_train_dataloader()
    optimizer = trainer.optimizer
    autocast = torch.autocast(device_type="cuda" if ctx.cuda else "cpu", dtype=torch.bfloat16, enabled=bool(trainer.args.bf16))
    model.train()
    batches = iter(loader)
    phases, tallies = Phases(ctx), defaultdict(float)
    removers = [phases.watch(module, name) for name, module in inner.items()]
    try:
        for i in range(1 + steps):
            if i == 1:  # the warm-up step left out
                phases.reset()
                tallies.clear()
            with phases("data"):
                try:
                    batch = next(batches)
                except StopIteration:
                    batches = iter(loader)
                    batch = next(batches)
                batch = {k: v.to(ctx.device, non_blocking=True) if hasattr(v, "to") else v for k, v in batch.items()}
            with phases("forward"), autocast:
                loss = model(**batch).loss
            with phases("backward"):
                loss.backward()
            with phases("optimizer"):
                torch.nn.utils.clip_grad_norm_(model.parameters(), trainer.args.max_grad_norm)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
            for key, value in counts(batch).items():
                tallies[key] += float(value)
    finally:
        for remove in removers:
            remove()
    out = phases.per(steps, "_ms", 1000.0)
    out["step_ms"] = sum(out[f"{k}_ms"] for k in ("data", "forward", "backward", "optimizer"))
    out.update({k: v / steps for k, v in tallies.items()})
    return {k: round(v, 2) for k, v in out.items()}


def predict_anatomy(ctx: Context, model: Any, pages: list[Any], encoded: list[Any]) -> dict[str, float]:
    """Where a model-only ``predict`` goes (one call, phases between syncs): its forward
    passes, within them the line encoder (calls, padded tokens), and the rest (windows,
    batches, probabilities, decoding); beside the lines' real tokens."""
    phases = Phases(ctx)
    removers = [phases.watch(model, "forward"), phases.watch(model.encoder, "encoder")]
    try:
        with phases("predict"):
            model.predict(pages, encoded=encoded)
    finally:
        for remove in removers:
            remove()
    out = phases.per(1, "_s", 1.0)
    del out["forward_tokens"]  # the page model's padded ids, counted by the encoder's own entry
    out["outside_forward_s"] = out["predict_s"] - out["forward_s"]
    out["real_tokens"] = float(sum(len(line) for page in encoded for line in page.ids))
    out["lines"] = float(sum(len(page.ids) for page in encoded))
    return {k: round(v, 3) for k, v in out.items()}


def anatomy_line(name: str, anatomy: dict[str, float]) -> str:
    return f"   anatomy of {name} (per step or pass): " + ", ".join(f"{k} {v:,.1f}" for k, v in anatomy.items())


def timed(ctx: Context, fn: Callable[[], Any]) -> tuple[float, Any]:
    ctx.sync()
    t0 = time.perf_counter()
    out = fn()
    ctx.sync()
    return time.perf_counter() - t0, out


# ---------------------------------------------------------------- 1, 2: page labeller inference
def labeller_inference(ctx: Context) -> list[dict[str, Any]]:
    torch = ctx.torch
    from vnnews.machine import resolve_workers
    from vnnews.models.page_labeler import PageLabeler

    encoder = encoder_checkpoint(ctx.args.shape, ctx.work)
    model = PageLabeler.from_encoder(str(encoder), max_line_tokens=ctx.size["line_tokens"]).to(ctx.dtype).eval().to(ctx.device)
    pages = ctx.pages(ctx.size["lines"])
    n = sum(len(p.lines) for p in pages)
    workers = resolve_workers("auto")
    with torch.inference_mode():
        model.encode(pages)  # segmentation cached from here on
        model.predict(pages[:4])  # kernels and allocator warmed
        in_process = min(timed(ctx, lambda: model.predict(pages))[0] for _ in range(2))
        encoded = model.encode(pages)
        model_only, _ = timed(ctx, lambda: model.predict(pages, encoded=encoded))
        # the encoder groups' cost model (ENCODER_CALL_TOKENS): a call's cost in tokens, against the default
        by_call_tokens = {}
        for call_tokens in (1024, 16384, 10**12):  # 10**12: the fewest calls, each filled to the budget (before 2026-11-28)
            model.encoder_call_tokens = call_tokens
            by_call_tokens[str(call_tokens)] = n / timed(ctx, lambda: model.predict(pages, encoded=encoded))[0]
        model.encoder_call_tokens = None
        print("   model-only lines/s by the encoder call's cost in tokens: default " + f"{n / model_only:,.0f}, "
              + ", ".join(f"{k} {v:,.0f}" for k, v in by_call_tokens.items()), flush=True)
        anatomy = predict_anatomy(ctx, model, pages, encoded)
        print(anatomy_line("model-only predict over every page", anatomy), flush=True)
        # as `vnnews infer` runs it: the worker pool started (timed apart: once per job), layout features in it
        pool_start_s, _ = timed(ctx, lambda: model.start_workers(workers))
        warm = min(timed(ctx, lambda: model.predict(pages))[0] for _ in range(2)) if workers else in_process
    peak_mem = torch.cuda.max_memory_allocated() / 2**30 if ctx.cuda else None

    # the anchor: a plain RoBERTa loop over the same lines' ids
    from transformers import AutoModel

    anchor_model = AutoModel.from_pretrained(str(encoder), add_pooling_layer=False, attn_implementation="sdpa", torch_dtype=ctx.dtype).eval().to(ctx.device)
    ids = sorted((model.line_tokenizer(t) for p in pages for t in p.texts), key=len)
    pad = model.tokenizer.pad_token_id

    batch_lines = 512
    batches = [ids[start : start + batch_lines] for start in range(0, len(ids), batch_lines)]

    def anchor() -> None:
        for rows in batches:
            width = max(len(r) for r in rows)
            x = torch.full((len(rows), width), pad, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for i, r in enumerate(rows):
                x[i, : len(r)] = torch.tensor(r)
                mask[i, : len(r)] = 1
            x, mask = x.to(ctx.device), mask.to(ctx.device)
            hidden = anchor_model(input_ids=x, attention_mask=mask).last_hidden_state
            (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)

    with torch.inference_mode():
        anchor()  # warm
        anchor_s, _ = timed(ctx, anchor)
    anchor_padded = sum(len(rows) * max(len(r) for r in rows) for rows in batches)

    # cold: a fresh line tokenizer, segmentation in worker processes, then the model
    cold_pages = ctx.pages(ctx.size["cold_lines"])
    cold_n = sum(len(p.lines) for p in cold_pages)
    with torch.inference_mode():
        model._line_tokenizer = None
        cold_s, _ = timed(ctx, lambda: model.predict(cold_pages))  # segmentation and features in the pool (when workers)
        model.close()
        model._line_tokenizer = None
        cold_alone_s, _ = timed(ctx, lambda: model.predict(cold_pages[: max(1, len(cold_pages) // 4)]))
    alone_n = sum(len(p.lines) for p in cold_pages[: max(1, len(cold_pages) // 4)])
    model.close()
    return [
        {"row": "labeller_warm", "work": f"page labeller inference, segmentation cached ({n} lines, {ctx.size['line_tokens']} tokens a line, layout features in {workers} worker process{'es' if workers != 1 else ''})",
         "vnnews": n / warm, "unit": "lines/s", "anchor": n / anchor_s, "anchor_what": f"plain RoBERTa loop, SDPA, {ctx.dtype_name}, length-sorted batches of {batch_lines} lines",
         "details": {"model_only_lines_s": n / model_only, "model_only_lines_s_by_call_tokens": by_call_tokens, "in_process_lines_s": n / in_process, "workers": workers, "pool_start_s": pool_start_s, "peak_gpu_gib": peak_mem,
                     "anatomy": {**anatomy, "anchor_padded_tokens": anchor_padded}}},
        {"row": "labeller_cold", "work": f"page labeller inference, cold ({cold_n} lines, segmentation in {workers} worker process{'es' if workers != 1 else ''})",
         "vnnews": cold_n / cold_s, "unit": "lines/s", "anchor": alone_n / cold_alone_s, "anchor_what": "vnnews segmenting in its own process (no workers)",
         "details": {"workers": workers}},
    ]


# ---------------------------------------------------------------- 3: page labeller training
def labeller_training(ctx: Context) -> list[dict[str, Any]]:
    torch = ctx.torch
    from vnnews.labels import LABELS
    from vnnews.recipes.classifier import (
        ClassifierConfig,
        ClassifierSettings,
        PreparedPages,
        WindowDataset,
        build_trainer,
        load_model,
        page_windows,
        training_args,
    )
    from vnnews.recipes.common import TrainingConfig

    s = ctx.size
    steps = s["train_warmup"] + s["train_steps"]
    config = ClassifierConfig(
        base_model=str(encoder_checkpoint(ctx.args.shape, ctx.work)),
        output_dir=str(ctx.work / "labeller-train"),
        settings=ClassifierSettings(max_line_tokens=s["line_tokens"]),
        encoder_learning_rate=3e-5,
        training=TrainingConfig(batch_size=s["train_windows"], max_steps=steps, logging_steps=10_000, warmup=0,
                                trainer_args={"eval_strategy": "no", "save_strategy": "no", "load_best_model_at_end": False, "disable_tqdm": True}),
    )
    model = load_model(config)
    pages = ctx.pages(s["train_windows"] * steps * 60)
    labels = [[LABELS.index(line.label or "other") for line in p.lines] for p in pages]
    items = page_windows(model, pages, labels)
    while len(items) < s["train_windows"] * steps:
        items = items + items
    data = PreparedPages(WindowDataset(items), WindowDataset(items[:2]), pages, pages[:2])
    args = training_args(config, model, ctx.work / "labeller-ckpt")
    trainer = build_trainer(config, model, args, data)
    clock = StepClock(ctx)
    trainer.add_callback(clock.callback)
    counted = count_tokens(model, ("attention_mask",))
    with profiled(ctx, "labeller-training"):
        trainer.train()
    seconds, (tokens,) = after_warmup(clock, counted, s["train_warmup"])
    rate = tokens / seconds
    n = non_embedding_params(model.encoder)
    flops = 6 * n * rate
    anatomy = step_anatomy(ctx, trainer, model, min(5, s["train_steps"]), {"encoder": model.encoder, "lstm": model.sequence},
                           lambda b: {"real_tokens": b["attention_mask"].sum(), "lines": b["line_mask"].sum()})
    print(anatomy_line("a labeller training step", anatomy), flush=True)

    # the anchor: plain RoBERTa training, 128 lines x 128 tokens, bf16 autocast, AdamW
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(config.base_model, add_pooling_layer=False, attn_implementation="sdpa").to(ctx.device).train()
    head = torch.nn.Linear(encoder.config.hidden_size, len(LABELS)).to(ctx.device)
    params = list(encoder.parameters()) + list(head.parameters())
    optimizer = torch.optim.AdamW(params, lr=3e-5, **({"fused": True} if ctx.cuda else {}))
    rows, width = (128, 128) if ctx.args.size == "full" else (8, 32)
    vocab = encoder.config.vocab_size
    x = torch.randint(5, vocab - 1, (rows, width), device=ctx.device)
    y = torch.randint(0, len(LABELS), (rows,), device=ctx.device)
    times = []
    for _ in range(s["train_warmup"] + s["train_steps"]):
        with torch.autocast(device_type="cuda" if ctx.cuda else "cpu", dtype=ctx.dtype, enabled=ctx.dtype != torch.float32):
            pooled = encoder(input_ids=x).last_hidden_state.mean(1)
            loss = torch.nn.functional.cross_entropy(head(pooled).float(), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        ctx.sync()
        times.append(time.perf_counter())
    anchor_rate = rows * width * s["train_steps"] / (times[-1] - times[s["train_warmup"] - 1])
    return [{
        "row": "labeller_train", "work": f"page labeller training through the recipe's Trainer ({s['train_windows']} windows a step, {s['train_steps']} steps after {s['train_warmup']} warm-up)",
        "vnnews": rate, "unit": "tokens/s", "anchor": anchor_rate, "anchor_what": f"plain RoBERTa {ctx.dtype_name} training loop, {rows} x {width} tokens",
        "details": {"mfu": mfu(flops, ctx.peak), "anchor_mfu": mfu(6 * n * anchor_rate, ctx.peak), "tflops": flops / 1e12, "non_embedding_params": n,
                    "anatomy": anatomy},
    }]


# ---------------------------------------------------------------- 4: ViT5 generation
def _summarizer(ctx: Context) -> Any:
    from vnnews.models.summarizer import GenerationSettings, Summarizer

    out = ctx.work / "summarizer"
    if not (out / "config.json").exists():
        base = summarizer_checkpoint(ctx.args.shape, ctx.work)
        Summarizer.from_base(str(base), "vietnews: ", ctx.size["source"], GenerationSettings(num_beams=ctx.size["beams"], max_new_tokens=ctx.size["new_tokens"])).save_pretrained(out)
    return Summarizer.from_pretrained(str(out), device=ctx.device)


def generation(ctx: Context) -> list[dict[str, Any]]:
    torch = ctx.torch
    s = ctx.size
    summarizer = _summarizer(ctx)
    docs = ctx.bodies(s["gen_articles"])
    gen = {"num_beams": s["beams"], "max_new_tokens": s["new_tokens"], "min_new_tokens": s["new_tokens"]}  # every summary full length
    summarizer.summarize(docs[:4], **gen)  # warm
    budget_s, _ = timed(ctx, lambda: summarizer.summarize(docs, **gen))
    rows = [{
        "row": "generation", "work": f"ViT5 generation, beam {s['beams']}, source up to {s['source']}, {s['new_tokens']} new tokens, batches by token budget ({len(docs)} articles)",
        "vnnews": len(docs) / budget_s, "unit": "articles/s", "anchor": None, "anchor_what": "", "details": {},
    }]
    if ctx.cuda:  # the default budget against larger ones: what the card takes before per-step overhead stops mattering
        from vnnews.models.summarizer import SUMMARIZE_BATCH

        default_tokens = SUMMARIZE_BATCH["cuda"][1]
        for factor in (2, 4):
            try:
                t, _ = timed(ctx, lambda f=factor: summarizer.summarize(docs, batch_tokens=default_tokens * f, **gen))
                rows[0]["details"][f"batch_tokens_x{factor}_articles_s"] = len(docs) / t
                rows[0]["details"][f"batch_tokens_x{factor}_peak_gib"] = torch.cuda.max_memory_allocated() / 2**30
            except Exception as exc:  # noqa: BLE001 - out of memory is an answer too
                rows[0]["details"][f"batch_tokens_x{factor}_error"] = f"{type(exc).__name__}: {str(exc)[:120]}"
                torch.cuda.empty_cache()

    # the anchors: HF generate on fixed batches in input order
    model, tokenizer = summarizer.model, summarizer.tokenizer
    anchor_docs = docs[: s["gen_anchor"]]

    def fixed(batch: int, beams: int) -> None:
        with torch.inference_mode():
            for start in range(0, len(anchor_docs), batch):
                enc = tokenizer(["vietnews: " + d for d in anchor_docs[start : start + batch]], max_length=s["source"], truncation=True, padding=True, return_tensors="pt").to(ctx.device)
                model.generate(**enc, num_beams=beams, max_new_tokens=s["new_tokens"], min_new_tokens=s["new_tokens"])

    beam_s, _ = timed(ctx, lambda: fixed(32, s["beams"]))
    greedy_s, _ = timed(ctx, lambda: fixed(64, 1))
    rows[0]["anchor"] = len(anchor_docs) / beam_s
    rows[0]["anchor_what"] = f"HF generate, fixed batches of 32, beam {s['beams']}"
    rows[0]["details"]["anchor_greedy_batch64_articles_s"] = len(anchor_docs) / greedy_s
    greedy_vnnews_s, _ = timed(ctx, lambda: summarizer.summarize(anchor_docs, num_beams=1, max_new_tokens=s["new_tokens"], min_new_tokens=s["new_tokens"]))
    rows[0]["details"]["greedy_articles_s"] = len(anchor_docs) / greedy_vnnews_s
    try:
        import ctranslate2  # noqa: F401 - optional: vnnews[ct2]

        from vnnews.models.export import export_model

        export_model(ctx.work / "summarizer", ctx.work / "summarizer-ct2", "ct2", "int8")
        from vnnews.models.summarizer import Summarizer

        ct2 = Summarizer.from_pretrained(str(ctx.work / "summarizer-ct2"), device=ctx.device)
        ct2.summarize(docs[:4], **gen)
        ct2_s, _ = timed(ctx, lambda: ct2.summarize(docs, **gen))
        rows[0]["details"][f"ctranslate2_{ct2.model.compute_type}_articles_s"] = len(docs) / ct2_s
    except ImportError:
        rows[0]["details"]["ctranslate2"] = "not installed (pip install 'vnnews[ct2]')"
    except Exception as exc:  # noqa: BLE001 - reported, the row stands
        rows[0]["details"]["ctranslate2_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return rows


def generation_static_cache(ctx: Context) -> list[dict[str, Any]]:
    """Row 4 again with transformers' static cache (compiled on a GPU at the first call).
    Its own section, run last: compilation can take minutes and must not starve the others."""
    s = ctx.size
    summarizer = _summarizer(ctx)
    docs = ctx.bodies(s["gen_articles"])
    gen = {"num_beams": s["beams"], "max_new_tokens": s["new_tokens"], "min_new_tokens": s["new_tokens"]}
    warm_s, _ = timed(ctx, lambda: summarizer.summarize(docs[:8], cache_implementation="static", **gen))
    static_s, _ = timed(ctx, lambda: summarizer.summarize(docs, cache_implementation="static", **gen))
    return [{
        "row": "generation_static", "work": f"ViT5 generation as row 4, static cache ({len(docs)} articles; first call {warm_s:.0f}s, not counted)",
        "vnnews": len(docs) / static_s, "unit": "articles/s", "anchor": None, "anchor_what": "", "details": {"first_call_s": warm_s},
    }]


# ---------------------------------------------------------------- 5: ViT5 training
def vit5_training(ctx: Context) -> list[dict[str, Any]]:
    torch = ctx.torch
    from vnnews.recipes.common import Seq2SeqTrainingConfig
    from vnnews.recipes.summarizer import SummarizerConfig, _tokenize, build_trainer, load_model, training_args

    s = ctx.size
    steps = s["vit5_warmup"] + s["vit5_steps"]
    config = SummarizerConfig(
        base_model=str(summarizer_checkpoint(ctx.args.shape, ctx.work)),
        output_dir=str(ctx.work / "vit5-train"),
        max_source_length=s["source"],
        max_target_length=s["new_tokens"],
        training=Seq2SeqTrainingConfig(batch_size=s["vit5_batch"], max_steps=steps, logging_steps=10_000, warmup=0, sampling="group_by_length",
                                       trainer_args={"eval_strategy": "no", "save_strategy": "no", "load_best_model_at_end": False, "disable_tqdm": True}),
    )
    summarizer = load_model(config)
    records = ctx.records(s["vit5_batch"] * steps)
    batch = {"document": ["\n".join(r["body"]) for r in records], "summary": [r["lead"] for r in records]}
    encoded = _tokenize(batch, summarizer.tokenizer, config.prefix, config.max_source_length, config.max_target_length)
    rows = [{k: encoded[k][i] for k in ("input_ids", "attention_mask", "labels")} for i in range(len(records))]
    args = training_args(config, summarizer)
    trainer = build_trainer(config, summarizer, args, rows, rows[:2])
    clock = StepClock(ctx)
    trainer.add_callback(clock.callback)
    model = summarizer.model
    counted = count_tokens(model, ("attention_mask", "labels"))
    with profiled(ctx, "vit5-training"):
        trainer.train()
    seconds, (src, tgt) = after_warmup(clock, counted, s["vit5_warmup"])
    n_enc, n_dec = non_embedding_params(model.encoder), non_embedding_params(model.decoder) + model.lm_head.weight.numel()
    rate = (src + tgt) / seconds
    flops = 6 * (n_enc * src + n_dec * tgt) / seconds
    anatomy = step_anatomy(ctx, trainer, model, min(5, s["vit5_steps"]), {"encoder": model.encoder, "decoder": model.decoder},
                           lambda b: {"real_tokens": b["attention_mask"].sum() + (b["labels"] != -100).sum(), "padded_tokens": b["input_ids"].numel() + b["labels"].numel()})
    print(anatomy_line("a ViT5 training step", anatomy), flush=True)

    # the anchor: a plain bf16 loop, fixed 1,024 + 128 tokens
    from transformers import AutoModelForSeq2SeqLM

    plain = AutoModelForSeq2SeqLM.from_pretrained(config.base_model).to(ctx.device).train()
    optimizer = torch.optim.AdamW(plain.parameters(), lr=3e-4, **({"fused": True} if ctx.cuda else {}))
    b, src_len, tgt_len = s["vit5_batch"], s["source"], s["new_tokens"]
    vocab = plain.config.vocab_size
    x = torch.randint(5, vocab - 1, (b, src_len), device=ctx.device)
    y = torch.randint(5, vocab - 1, (b, tgt_len), device=ctx.device)
    times = []
    for _ in range(steps):
        with torch.autocast(device_type="cuda" if ctx.cuda else "cpu", dtype=ctx.dtype, enabled=ctx.dtype != torch.float32):
            loss = plain(input_ids=x, labels=y).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        ctx.sync()
        times.append(time.perf_counter())
    anchor_s = times[-1] - times[s["vit5_warmup"] - 1]
    anchor_rate = b * (src_len + tgt_len) * s["vit5_steps"] / anchor_s
    anchor_flops = 6 * (n_enc * b * src_len + n_dec * b * tgt_len) * s["vit5_steps"] / anchor_s
    return [{
        "row": "vit5_train", "work": f"ViT5 training through the recipe's Seq2SeqTrainer (batch {b}, source up to {src_len}, {s['vit5_steps']} steps after {s['vit5_warmup']} warm-up)",
        "vnnews": rate, "unit": "tokens/s", "anchor": anchor_rate, "anchor_what": f"plain {ctx.dtype_name} loop, batch {b}, {src_len} + {tgt_len} tokens",
        "details": {"mfu": mfu(flops, ctx.peak), "anchor_mfu": mfu(anchor_flops, ctx.peak), "tflops": flops / 1e12, "source_tokens": src, "target_tokens": tgt,
                    "anatomy": anatomy},
    }]


# ---------------------------------------------------------------- 6: vnnews infer
def infer_end_to_end(ctx: Context) -> list[dict[str, Any]]:
    from infer_speed import write_pages
    from vnnews.inference import InferenceConfig, run_inference

    s = ctx.size
    classifier = ctx.work / "classifier"
    if not (classifier / "config.json").exists():
        leaning_to_body(page_labeler_of_shape(ctx.args.shape, ctx.work, max_line_tokens=s["line_tokens"])).save_pretrained(classifier)
    _summarizer(ctx)
    pages = ctx.work / "pages.jsonl"
    n_lines = write_pages(s["infer_articles"], pages, ctx.records(s["infer_articles"]))
    config = InferenceConfig(classifier=str(classifier), summarizer=str(ctx.work / "summarizer"), device=ctx.device, progress=False,
                             generation={"num_beams": s["beams"], "max_new_tokens": s["new_tokens"], "min_new_tokens": s["new_tokens"]})
    result = run_inference([pages], ctx.work / "out.jsonl", config, overwrite=True)
    busy = sum(result.stage_seconds.values()) or 1.0
    return [{
        "row": "infer", "work": f"vnnews infer end to end, both stages, beam {s['beams']}, {s['new_tokens']} new tokens ({result.done} articles, {n_lines} lines, model loading included)",
        "vnnews": result.done / result.seconds, "unit": "articles/s", "anchor": None, "anchor_what": "",
        "details": {"stage_seconds": result.stage_seconds, "stage_share": {k: v / busy for k, v in result.stage_seconds.items()}, "workers": config.workers()},
    }]


# ---------------------------------------------------------------- 7: replica pipeline
def replica_pipeline(ctx: Context) -> list[dict[str, Any]]:
    vietnews = next((p for p in ([Path(ctx.args.vietnews)] if ctx.args.vietnews else VIETNEWS_PLACES) if p.is_file()), None)
    command = [sys.executable, str(ROOT / "benchmarks" / "replica_smoke.py"), "--device", "cuda" if ctx.cuda else "cpu", "--records", str(vietnews)]
    t0 = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, timeout=ctx.args.smoke_timeout_s, cwd=ROOT)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"replica_smoke.py exited {proc.returncode}: {proc.stderr[-800:]}")
    table = [line for line in proc.stdout.splitlines() if line.startswith("|")]
    return [{"row": "replica_pipeline", "work": "configs/pipeline/phobert-vit5-base.yaml on the replicas, end to end (replica_smoke.py)",
             "vnnews": seconds, "unit": "s", "anchor": None, "anchor_what": "", "details": {"stages": table}}]


SECTIONS: list[tuple[str, Callable[[Context], list[dict[str, Any]]], float]] = [  # name, function, seconds it needs at least (full size, GPU)
    ("labeller inference", labeller_inference, 60),
    ("labeller training", labeller_training, 60),
    ("generation", generation, 60),
    ("vit5 training", vit5_training, 60),
    ("infer end to end", infer_end_to_end, 60),
    ("replica pipeline", replica_pipeline, 120),
    ("generation static cache", generation_static_cache, 90),
]


def table(rows: list[dict[str, Any]], ctx: Context) -> str:
    lines = ["| work | vnnews | anchor (same card, same run) | ratio | target | details |", "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['section']} | failed: {r['error'][:160]} | | | | |")
            continue
        anchor = f"{r['anchor']:,.1f} {r['unit']} ({r['anchor_what']})" if r.get("anchor") else ""
        ratio = f"{r['vnnews'] / r['anchor']:.2f}x" if r.get("anchor") else ""
        target = f"{TARGETS[r['row']]:,}" if r["row"] in TARGETS and ctx.cuda else ""
        details = "; ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in r["details"].items() if v is not None and not isinstance(v, (dict, list)))
        lines.append(f"| {r['work']} | {r['vnnews']:,.1f} {r['unit']} | {anchor} | {ratio} | {target} | {details} |")
    return "\n".join(lines)


def write_report(path: Path, args: argparse.Namespace, ctx: Context, card: str, started: float, results: list[dict[str, Any]]) -> dict[str, Any]:
    import torch

    report = {"machine": describe(), "device": args.device, "card": card, "torch": torch.__version__, "shape": args.shape, "size": args.size,
              "peak_bf16_tflops": ctx.peak, "seconds": time.perf_counter() - started, "rows": results}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=None, help="cuda or cpu (default: CUDA where available)")
    parser.add_argument("--shape", choices=["tiny", "base"], default=None, help="default: base on a GPU, tiny on a CPU")
    parser.add_argument("--size", choices=sorted(SIZES), default=None, help="counts of lines, steps and articles (default: full on a GPU, quick on a CPU)")
    parser.add_argument("--vietnews", help="VietNews validation .jsonl.gz (default: ../shared/corpora/vietnews/ or .gpu-data/)")
    parser.add_argument("--only", action="append", help="run only these sections (repeatable), e.g. --only generation")
    parser.add_argument("--budget-s", type=float, default=450.0, help="skip the sections that would not fit in what is left of it")
    parser.add_argument("--smoke-timeout-s", type=float, default=180.0)
    parser.add_argument("--peak-tflops", type=float, help="the card's dense bf16 peak, for MFU where the card is not in the table")
    parser.add_argument("--json", type=Path, help="where to write the results (default: $OUT/gpu_suite.json, else ./gpu_suite.json)")
    parser.add_argument("--profile", type=Path, help="profile the recipes' training steps (torch profiler; 3 steps after 1 warm-up) and write op tables here")
    parser.add_argument("--work", type=Path, help="working directory (default: a temporary one)")
    args = parser.parse_args()

    import torch

    started = time.perf_counter()
    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    cuda = args.device.startswith("cuda")
    args.shape = args.shape or ("base" if cuda else "tiny")
    args.size = args.size or ("full" if cuda else "quick")
    out_json = args.json or Path(os.environ.get("OUT") or ".") / "gpu_suite.json"
    card = torch.cuda.get_device_name(0) if cuda else "none"
    print(f"machine: {describe()}; device: {args.device} ({card}); torch {torch.__version__}", flush=True)
    from vnnews.machine import available_cores, resolve_workers

    print(f"cores available: {available_cores()}, segment workers (auto): {resolve_workers('auto')}; shape {args.shape}, size {args.size}", flush=True)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="vnnews-gpu-suite-") as tmp:
        ctx = Context(args, args.work or Path(tmp))
        ctx.work.mkdir(parents=True, exist_ok=True)
        for name, section, needs in SECTIONS:
            if args.only and name not in args.only:
                continue
            if name == "replica pipeline" and not cuda and not args.only:
                continue  # minutes on a CPU; benchmarks/replica_smoke.py runs it there
            left = args.budget_s - (time.perf_counter() - started)
            scale = needs if cuda else needs / 6
            if left < scale:
                results.append({"section": name, "error": f"skipped: {left:.0f}s of the budget left, it needs about {scale:.0f}s"})
                print(f"== {name}: skipped ({left:.0f}s left)", flush=True)
                continue
            print(f"== {name}", flush=True)
            t0 = time.perf_counter()
            try:
                for row in section(ctx):
                    results.append({"section": name, **row})
                    print(f"   {row['work']}: {row['vnnews']:,.1f} {row['unit']}" + (f" (anchor {row['anchor']:,.1f})" if row.get("anchor") else ""), flush=True)
            except Exception as exc:  # noqa: BLE001 - one failing row never loses the others
                traceback.print_exc()
                results.append({"section": name, "error": f"{type(exc).__name__}: {exc}"})
            print(f"   ({time.perf_counter() - t0:.0f}s)", flush=True)
            if cuda:
                torch.cuda.empty_cache()
            write_report(out_json, args, ctx, card, started, results)  # after every section: a killed run keeps what it measured
        report = write_report(out_json, args, ctx, card, started, results)
    print(f"\ncard: {card}; dtype {ctx.dtype_name}; shape {args.shape}; total {report['seconds']:.0f}s; JSON: {out_json}\n")
    print(table(results, ctx))


if __name__ == "__main__":
    main()
