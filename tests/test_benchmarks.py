"""The GPU suite is known to work before a GPU is used: the same code on the CPU with
tiny models (issue 20)."""

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_the_gpu_suite_runs_on_the_cpu_and_writes_every_row(tmp_path):
    out = tmp_path / "suite.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu_suite.py"), "--device", "cpu", "--shape", "tiny", "--json", str(out), "--profile", str(tmp_path / "prof")],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    rows = {r["row"]: r for r in report["rows"] if "row" in r}
    assert not [r for r in report["rows"] if "error" in r], report["rows"]
    assert set(rows) == {"labeller_warm", "labeller_cold", "labeller_train", "generation", "vit5_train", "infer", "generation_static"}
    for name in ("labeller_warm", "labeller_cold", "labeller_train", "generation", "vit5_train"):
        assert rows[name]["vnnews"] > 0 and rows[name]["anchor"] > 0, name  # every row beside its anchor, same run
    assert rows["infer"]["details"]["stage_seconds"]["summarize"] > 0
    # each training row says where a step goes (phases between syncs) and how padded its batches are
    for name, inner in (("labeller_train", "encoder"), ("vit5_train", "decoder")):
        anatomy = rows[name]["details"]["anatomy"]
        assert anatomy[f"{inner}_ms"] > 0 and anatomy[f"{inner}_tokens"] > 0 and anatomy["real_tokens"] > 0, anatomy
        assert anatomy["forward_ms"] >= anatomy["encoder_ms"] and anatomy["step_ms"] + 0.05 >= anatomy["forward_ms"] + anatomy["backward_ms"]
    assert rows["vit5_train"]["details"]["anatomy"]["padded_tokens"] >= rows["vit5_train"]["details"]["anatomy"]["real_tokens"]
    predict = rows["labeller_warm"]["details"]["anatomy"]
    assert predict["predict_s"] >= predict["forward_s"] >= predict["encoder_s"] > 0 and predict["lines"] > 0 and predict["anchor_padded_tokens"] > 0
    by_cost = rows["labeller_warm"]["details"]["model_only_lines_s_by_call_tokens"]  # the encoder groups' cost model, side by side
    assert set(by_cost) == {"1024", "16384", str(10**12)} and all(v > 0 for v in by_cost.values())
    assert "| work | vnnews | anchor (same card, same run) |" in proc.stdout  # the table, printed last
    assert rows["generation_static"]["vnnews"] > 0
    for name in ("labeller-training", "vit5-training"):  # --profile: op tables of the recipes' steps, both orders
        table = (tmp_path / "prof" / f"profile-{name}.txt").read_text(encoding="utf-8")
        assert "aten::" in table and "by CPU time" in table, name
    assert "3 steps after 1 warm-up" in rows["labeller_train"]["work"]
    assert proc.stdout.rstrip().splitlines()[-1].startswith("| ViT5 generation as row 4, static cache")


def test_the_throughput_benchmark_runs_both_sides_on_the_same_pages(tmp_path):
    import pytest

    from tests.conftest import VIETNEWS_DIR

    if not (VIETNEWS_DIR / "validation.jsonl.gz").exists():
        pytest.skip("needs ../shared/corpora/vietnews")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "throughput.py"), "--pages", "6", "--workers", "1", "--demo", str(tmp_path / "none")],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ") and "pages/s" not in line]
    assert [row.split(" | ")[0] for row in rows] == ["| trafilatura, a process pool (1 workers)", "| vnnews infer --classifier weak (the rules)"]
    assert all(row.split(" | ")[1] == "6" for row in rows)  # every page gave a result on both sides


def test_the_held_out_chrome_shares_no_wording_with_the_composer():
    """benchmarks/unseen_chrome.py measures chrome the model never saw: none of its held-out
    sentences may share five words in a row with what the composer draws from."""
    import re

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from unseen_chrome import HELD_OUT
    from vnnews.dataset import compose

    def grams(text):
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}

    drawn = set()
    for name in dir(compose):
        value = getattr(compose, name)
        if name.isupper() and isinstance(value, (tuple, dict)):
            stack = [value]
            while stack:
                item = stack.pop()
                if isinstance(item, str):
                    drawn |= grams(item)
                elif isinstance(item, dict):
                    stack += list(item.values()) + list(item.keys())
                elif isinstance(item, (tuple, list)):
                    stack += list(item)
    for options in compose.CHROME_PARTS.values():  # and what the first three parts of a chrome sentence make together
        for a in options[0]:
            for b in options[1]:
                for c in options[2]:
                    drawn |= grams(f"{a} {b} {c}")
    drawn -= {("thông", "tin", "và", "truyền", "thông")}  # the ministry's name (Bộ Thông tin và Truyền thông), in LICENCE before the benchmark
    shared = {s: grams(s) & drawn for s in HELD_OUT if grams(s) & drawn}
    assert not shared, shared
