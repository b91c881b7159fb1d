"""Hostile inputs under a memory cap: each bomb beside a normal page, peak RSS of each.

    python benchmarks/hostile_memory.py [--cap-gib 3] [--json OUT]

Every case is one ``vnnews`` command in a process of its own with its address space
capped (``RLIMIT_AS``; a bomb that got through would die of MemoryError there instead
of taking the machine), and its peak resident memory read from the kernel when it ends
(``wait4``). The cases (issue 34 and the first round, issue 21):
- a normal page (a bundled seed dump) and a normal Parquet file, for scale;
- the 2.7 KB Parquet file of 200 rows of one dictionary-encoded 50 MB string (zstd);
- a Parquet file of 20 uncompressed 40 MB rows (no ratio to give it away), a data page
  per row, and the same rows in one 800 MB page (a page is decoded whole: its memory is
  the file's own size; compressed, such a page is refused by the ratio rule);
- a gzip bomb (a 64 MiB page in about 64 KB);
- a text page of 1.5 million lines;
- 200 KB of random bytes named .jsonl;
- a 1 KB YAML config of nested aliases, given to ``vnnews infer --config``.
Each line says the exit status, the peak RSS, the seconds and vnnews' first error
line; the inputs are written in a temporary folder and removed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "000_40151c7d04a83f24.txt"


def write_inputs(folder: Path) -> dict[str, list[str]]:
    """The cases: name -> the vnnews arguments that read it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    page = folder / "normal.txt"
    page.write_bytes(SEED.read_bytes())
    normal_pq = folder / "normal.parquet"
    pq.write_table(pa.table({"id": [f"n{i}" for i in range(200)], "text": [SEED.read_text(encoding="utf-8")] * 200}), normal_pq, compression="zstd")
    bomb = folder / "dictionary-bomb.parquet"
    big = "a" * (50 << 20)
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(200)], "text": pa.array([big] * 200).dictionary_encode()}), bomb, compression="zstd")
    plain = folder / "plain-rows.parquet"
    big = "b" * (40 << 20)
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(20)], "text": [big] * 20}), plain, compression="none", use_dictionary=False, write_batch_size=1)
    one_page = folder / "one-page.parquet"  # the same rows in one 800 MB data page: a page is decoded whole
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(20)], "text": [big] * 20}), one_page, compression="none", use_dictionary=False)
    del big
    gz = folder / "bomb.txt.gz"
    with gzip.open(gz, "wb", compresslevel=9) as f:
        for _ in range(64):
            f.write(b"A" * (1 << 20))
    lines = folder / "lines.txt"
    lines.write_text("dòng\n" * 1_500_000, encoding="utf-8")
    noise = folder / "noise.jsonl"
    noise.write_bytes(random.Random(7).randbytes(200_000))
    yaml_bomb = folder / "aliases.yaml"
    rows = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    rows += [f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(10)) + "}" for i in range(1, 10)]
    yaml_bomb.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = folder / "out"
    out.mkdir(exist_ok=True)

    def ingest(path: Path) -> list[str]:
        return ["ingest", str(path), "-o", str(out / f"{path.name}.jsonl")]

    return {
        f"normal page ({page.stat().st_size:,} B)": ingest(page),
        f"normal Parquet, 200 pages ({normal_pq.stat().st_size:,} B)": ingest(normal_pq),
        f"Parquet dictionary bomb ({bomb.stat().st_size:,} B, 10 GB decoded)": ingest(bomb),
        f"Parquet, 20 plain 40 MB rows, a page each ({plain.stat().st_size / 2**20:,.0f} MiB)": ingest(plain),
        f"Parquet, 20 plain 40 MB rows in one page ({one_page.stat().st_size / 2**20:,.0f} MiB)": ingest(one_page),
        f"gzip bomb ({gz.stat().st_size:,} B, 64 MiB)": ingest(gz),
        f"1.5M-line page ({lines.stat().st_size / 2**20:.0f} MiB)": ingest(lines),
        "random bytes named .jsonl (200 KB)": ingest(noise),
        f"YAML alias bomb ({yaml_bomb.stat().st_size:,} B)": ["infer", str(page), "-o", str(out / "x.jsonl"), "--classifier", "weak", "--config", str(yaml_bomb)],
    }


def run_capped(args: list[str], cap_bytes: int) -> dict[str, object]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "vnnews", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    proc.stdout and proc.stdout.close()
    proc.stderr and proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    message = next((line for line in stderr.splitlines() if line.startswith(("vnnews: error", "WARNING vnnews")) or "Error" in line), "")
    return {"exit": proc.returncode, "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "seconds": round(seconds, 2), "message": message[:160]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cap-gib", type=float, default=3.0, help="address-space cap of each command (RLIMIT_AS)")
    parser.add_argument("--json", help="also write the rows here")
    parser.add_argument("--write-inputs", metavar="DIR", help=argparse.SUPPRESS)  # the child that writes the inputs
    args = parser.parse_args()
    if args.write_inputs:
        print(json.dumps(write_inputs(Path(args.write_inputs))))
        return
    cap = int(args.cap_gib * 2**30)
    print(f"machine: {describe()}")
    print(f"cap: {args.cap_gib:g} GiB of address space per command (RLIMIT_AS)\n")
    rows = []
    with tempfile.TemporaryDirectory(prefix="vnnews-hostile-") as tmp:
        # written by a child process: this one stays small, and a forked command's peak
        # resident memory (which counts from the fork) is its own
        made = subprocess.run([sys.executable, __file__, "--write-inputs", tmp], capture_output=True, text=True, check=True)
        cases = json.loads(made.stdout)
        print("| case | exit | peak RSS (MiB) | s | first error line |\n|---|---|---|---|---|")
        for name, command in cases.items():
            row = {"case": name, **run_capped(command, cap)}
            rows.append(row)
            print(f"| {name} | {row['exit']} | {row['peak_rss_mib']} | {row['seconds']} | {row['message']} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": describe(), "cap_gib": args.cap_gib, "rows": rows}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
