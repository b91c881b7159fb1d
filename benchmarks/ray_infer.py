"""Benchmark: `vnnews infer` on the local engine against the Ray engine, same articles,
same models, one machine.

    python benchmarks/ray_infer.py --articles 1000                 # tiny models (make-tiny shape)
    python benchmarks/ray_infer.py --articles 1000 --shape base --device cuda   # where a GPU is

Pages are VietNews validation articles wrapped in page boilerplate (as in
benchmarks/infer_speed.py), written once as a JSONL of page texts. Models have random
weights in the named shape, saved by the model classes. Each run is a fresh process:
`run_inference` with the local engine, then the Ray engine with 1 and with 2 workers
(actors) per model stage, each starting its own Ray on this machine (all its CPUs).
Articles/s counts the whole job (model loading and Ray's start included, as a user
sees it). Peak RSS is the largest sum of the resident memory of the run's process tree
(the driver, Ray's own processes and its workers), sampled every 0.2 s: pages shared
between processes (libraries) are counted once per process, so it overstates.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402
from _models import save_models  # noqa: E402
from infer_speed import write_pages  # noqa: E402


def child(work: str, engine: str, workers: int, args: list[str]) -> None:
    from vnnews.inference import InferenceConfig, RaySettings, read_records, run_inference

    opts = json.loads(args[0])
    ray = RaySettings(classify_actors=workers, summarize_actors=workers, object_store_memory=opts["object_store"]) if engine == "ray" else RaySettings()
    config = InferenceConfig(
        classifier=str(Path(work) / "classifier"),
        summarizer=str(Path(work) / "summarizer"),
        chunk_size=opts["chunk_size"],
        generation={"num_beams": opts["num_beams"], "max_new_tokens": opts["max_new_tokens"]},
        device=opts["device"],
        progress=False,
        engine=engine,
        ray=ray,
    )
    out = Path(work) / f"out-{engine}-{workers}.jsonl"
    t0 = time.perf_counter()
    result = run_inference([Path(work) / "pages.jsonl"], out, config)
    seconds = time.perf_counter() - t0
    print(json.dumps({"done": result.done, "failed": result.failed, "seconds": seconds, "records": sum(1 for _ in read_records(out))}))


def tree_rss_mib(pid: int) -> float:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def run(work: Path, engine: str, workers: int, opts: dict) -> dict:
    proc = subprocess.Popen(
        [sys.executable, __file__, "_child", str(work), engine, str(workers), json.dumps(opts)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss_mib(proc.pid))
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(f"{engine} x{workers} failed:\n{err[-3000:]}")
    row = json.loads(out.strip().splitlines()[-1])
    return {**row, "peak_rss_mib": peak[0]}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--shape", choices=["tiny", "base"], default="tiny")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (the Ray actors then take one GPU each)")
    parser.add_argument("--chunk-size", type=int, default=64, help="articles per batch and part file (both engines)")
    parser.add_argument("--num-beams", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--object-store-mib", type=int, default=512)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Ray actors per model stage, one run each")
    args = parser.parse_args()
    opts = {
        "chunk_size": args.chunk_size,
        "num_beams": args.num_beams,
        "max_new_tokens": args.max_new_tokens,
        "device": None if args.device == "cuda" else args.device,
        "object_store": args.object_store_mib * 2**20,
    }
    with tempfile.TemporaryDirectory(prefix="vnnews-ray-bench-") as tmp:
        work = Path(tmp)
        save_models(args.shape, work)
        n_lines = write_pages(args.articles, work / "pages.jsonl")
        rows = [("local engine (1 process)", run(work, "local", 1, opts))]
        rows += [(f"Ray, {w} worker{'s' if w > 1 else ''} per stage", run(work, "ray", w, opts)) for w in args.workers]
    print(f"machine: {describe()}")
    print(f"{args.articles} pages ({n_lines} lines), {args.shape} models (random weights), beam {args.num_beams}, {args.max_new_tokens} new tokens, chunk {args.chunk_size}\n")
    print("| run | articles/s | seconds | peak RSS MiB (process tree) |\n|---|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['done'] / r['seconds']:.2f} | {r['seconds']:.1f} | {r['peak_rss_mib']:,.0f} |")
    same = len({r["records"] for _, r in rows}) == 1
    print(f"\nevery run wrote the same number of records: {same} ({rows[0][1]['records']} records, {rows[0][1]['failed']} failed)")


if __name__ == "__main__":
    main()
