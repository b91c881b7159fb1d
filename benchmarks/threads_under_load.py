"""The demo's classifier training, on a quiet machine and beside CPU-bound processes.

Issue 37: with other work on the two cores, `make demo` took 52 minutes and 31 minutes of
user CPU against 6.5 on a quiet machine: threads spun against each other. This runs the
same training (the demo's classifier config, on a dataset and tiny PhoBERT built here, or
the demo's own with --demo-dir) three times: quiet, then beside ``--hogs`` busy processes
(default: one per core), and prints wall and CPU seconds of the training process each time
(``wait4``'s rusage: the training's own CPU, not the hogs'). Target: loaded CPU at most 1.5x
quiet CPU.

    python benchmarks/threads_under_load.py [--steps 40] [--hogs N] [--threads auto|N] [--demo-dir build/demo]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import describe  # noqa: E402

HOG = "import os\nos.nice(0)\nwhile True:\n    pass\n"


def prepare(work: Path, demo_dir: Path | None) -> tuple[Path, Path]:
    """(dataset, base model): the demo's when given and present, else built here as the demo builds them."""
    if demo_dir is not None and (demo_dir / "dataset" / "pages").is_dir() and (demo_dir / "tiny-phobert").is_dir():
        return demo_dir / "dataset", demo_dir / "tiny-phobert"
    vietnews = ROOT.parent / "shared" / "corpora" / "vietnews" / "train.jsonl.gz"
    inputs = [str(ROOT / "data" / "raw")] + ([str(vietnews)] if vietnews.is_file() else [])
    dataset = work / "dataset"
    subprocess.run(
        [sys.executable, "-m", "vnnews", "-q", "build-dataset", *inputs, "-o", str(dataset), "--config", "classifier-pages", "max_records_per_file=300", "num_proc=1"],
        check=True, cwd=ROOT,
    )
    subprocess.run([sys.executable, "-m", "vnnews", "-q", "make-tiny", "classifier", str(work / "tiny-phobert")], check=True, cwd=ROOT)
    return dataset, work / "tiny-phobert"


def train_once(dataset: Path, base: Path, out: Path, steps: int, threads: str, hogs: int) -> tuple[float, float, float]:
    """(wall s, user s, system s) of one training process, beside ``hogs`` busy processes."""
    busy = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(hogs)]
    try:
        time.sleep(0.5 if hogs else 0)
        cmd = [
            sys.executable, "-m", "vnnews", "-q", "train", "classifier", "--config", "tiny", "--overwrite",
            f"base_model={base}", f"dataset_dir={dataset}", f"output_dir={out}", f"training.max_steps={steps}",
            "max_eval_examples=16", f"training.threads={threads}", "training.logging_steps=1000",
        ]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"training failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        return wall, usage.ru_utime, usage.ru_stime
    finally:
        for hog in busy:
            hog.kill()
            hog.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="training steps per run (default 40)")
    parser.add_argument("--hogs", type=int, default=os.cpu_count() or 1, help="busy processes beside the loaded run (default: one per core)")
    parser.add_argument("--threads", default="auto", help="training.threads (default auto, what the demo uses)")
    parser.add_argument("--demo-dir", type=Path, default=None, help="reuse the dataset and tiny PhoBERT of a `make demo` work dir")
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory(prefix="vnnews-threads-") as tmp:
        work = Path(tmp)
        dataset, base = prepare(work, args.demo_dir)
        rows = []
        for label, hogs in (("quiet", 0), (f"beside {args.hogs} busy process(es)", args.hogs), ("quiet again", 0)):
            wall, user, system = train_once(dataset, base, work / "run", args.steps, args.threads, hogs)
            rows.append((label, wall, user, system))
            print(f"{label:>30}: wall {wall:7.1f} s   CPU {user + system:7.1f} s (user {user:.1f}, sys {system:.1f})", flush=True)
    quiet = min(r[2] + r[3] for r in rows if r[0].startswith("quiet"))
    loaded = rows[1][2] + rows[1][3]
    print(f"\nthreads={args.threads}, {args.steps} steps: loaded CPU / quiet CPU = {loaded / quiet:.2f} (target <= 1.5); "
          f"loaded wall / quiet wall = {rows[1][1] / min(r[1] for r in rows if r[0].startswith('quiet')):.2f}")


if __name__ == "__main__":
    main()
