"""`evaluate` metric modules shipped with vnnews, loaded by local path (never from the Hub)."""

from pathlib import Path

ROUGE_VI = str(Path(__file__).resolve().parent / "rouge_vi")
