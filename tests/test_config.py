from dataclasses import dataclass, field
from typing import Literal

import pytest

from vnnews.config import ConfigError, load_config, parse_overrides
from vnnews.dataset import DatasetConfig


@dataclass
class Inner:
    rate: float = 0.1
    names: list[str] = field(default_factory=lambda: ["a"])


@dataclass
class Outer:
    inner: Inner = field(default_factory=Inner)
    mode: Literal["fast", "slow"] = "fast"
    limit: int | None = None


def test_overrides_are_parsed_as_yaml_with_dotted_keys():
    assert parse_overrides(["a.b=1", "c=null", "d=[x, y]", "e=hoá", "f=0.5"]) == {
        "a": {"b": 1}, "c": None, "d": ["x", "y"], "e": "hoá", "f": 0.5,
    }  # fmt: skip


def test_file_then_overrides(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("inner:\n  rate: 2\n  names: [p, q]\nmode: slow\n")
    config = load_config(Outer, path, ["inner.rate=0.25", "limit=3"])
    assert config == Outer(Inner(0.25, ["p", "q"]), "slow", 3)
    assert isinstance(load_config(Outer, path).inner.rate, float)  # YAML int accepted for a float


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["speed=1"], "unknown config key 'speed'; known keys: inner, limit, mode"),
        (["inner.rte=1"], "unknown config key 'inner.rte'"),
        (["mode=medium"], "mode: 'medium' is not one of"),
        (["limit=many"], "limit: expected int"),
        (["novalue"], "is not key=value"),
    ],
)
def test_bad_keys_and_values_are_named(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(Outer, None, overrides)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(Outer, tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_config(Outer, bad)


def test_shipped_dataset_configs_load(tmp_path):
    from tests.conftest import ROOT

    default = load_config(DatasetConfig, ROOT / "configs" / "dataset" / "default.yaml")
    assert default == DatasetConfig()
    assert load_config(DatasetConfig, ROOT / "configs" / "dataset" / "vietnews.yaml").split_ratios.train == 0.9
    with pytest.raises(ValueError, match="sum to 1"):
        load_config(DatasetConfig, None, ["split_ratios.train=0.5"])


def test_floats_in_exponent_form_and_values_with_hashes_are_read_as_written(tmp_path):
    from vnnews.config import load_config, parse_overrides
    from vnnews.recipes.classifier import ClassifierConfig

    config = load_config(ClassifierConfig, None, ["training.learning_rate=3e-5", "output_dir=runs/exp #3"])
    assert config.training.learning_rate == 3e-5 and config.output_dir == "runs/exp #3"
    assert parse_overrides(["a=[1, 2]", "b=x y"]) == {"a": [1, 2], "b": "x y"}
    with pytest.raises(ConfigError, match="learning_rate: expected float"):
        load_config(ClassifierConfig, None, ["training.learning_rate=fast"])


def test_include_is_relative_to_the_including_file(tmp_path, monkeypatch):
    from vnnews.config import load_config
    from vnnews.recipes.classifier import ClassifierConfig

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "base.yaml").write_text("output_dir: from-base\ntraining: {epochs: 7}\n", encoding="utf-8")
    (tmp_path / "a" / "run.yaml").write_text("include: base.yaml\ntraining: {seed: 3}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # not the config's folder
    config = load_config(ClassifierConfig, tmp_path / "a" / "run.yaml")
    assert config.output_dir == "from-base" and config.training.epochs == 7 and config.training.seed == 3


def test_every_config_under_configs_loads():
    """Each YAML file under configs/ loads into its stage's config (includes resolved)."""
    from pathlib import Path

    from vnnews.inference import InferenceConfig
    from vnnews.pipeline import PipelineConfig
    from vnnews.recipes.classifier import ClassifierConfig
    from vnnews.recipes.summarizer import SummarizerConfig
    from vnnews.serving import ServeConfig

    root = Path(__file__).resolve().parents[1] / "configs"
    classes = {"dataset": DatasetConfig, "classifier": ClassifierConfig, "summarizer": SummarizerConfig, "inference": InferenceConfig, "serve": ServeConfig, "pipeline": PipelineConfig}
    files = sorted(root.rglob("*.yaml"))
    assert {p.parent.name for p in files} == set(classes)
    for path in files:
        overrides = ["classifier=weak"] if path.parent.name == "serve" else []  # the service is told its model on the command line
        config = load_config(classes[path.parent.name], path, overrides)
        assert config is not None, path
    large = load_config(ClassifierConfig, root / "classifier" / "phobert-large.yaml")
    assert large.base_model == "vinai/phobert-large" and large.settings.hidden_size == 256  # the base's settings, included
    assert large.training.trainer_args == {"gradient_checkpointing": True}
    assert load_config(SummarizerConfig, root / "summarizer" / "vit5-large.yaml").max_source_length == 1024


def test_includes_and_configs_that_are_not_regular_files_are_refused(tmp_path):
    import os

    from vnnews.inference import InferenceConfig

    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    for target, kind in (("/dev/zero", "a device or socket"), (str(fifo), "a FIFO"), (str(tmp_path), "a directory")):
        config = tmp_path / "c.yaml"
        config.write_text(f"include: {target}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=f"config file {target} is not a regular file \\({kind}\\): give a YAML file"):
            load_config(InferenceConfig, config)
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (2 << 20) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="a config is at most"):
        load_config(InferenceConfig, big)


def test_overriding_one_training_key_keeps_the_recipes_own_defaults():
    from vnnews.recipes.summarizer import SummarizerConfig

    plain = load_config(SummarizerConfig, None, [])
    one = load_config(SummarizerConfig, None, ["training.epochs=9"])
    assert one.training.epochs == 9
    assert (one.training.learning_rate, one.training.batch_size) == (plain.training.learning_rate, plain.training.batch_size) == (3e-4, 8)


# ---------------------------------------------------------------- hostile configs (issue 34)
def _laughs(levels: int = 10) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(10)) + "}")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_in_one_line_wherever_yaml_is_read(tmp_path, capsys):
    import tracemalloc

    from vnnews.cli import main
    from vnnews.config import ConfigError, load_config
    from vnnews.inference import InferenceConfig

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_laughs(), encoding="utf-8")
    assert bomb.stat().st_size < 1500
    tracemalloc.start()
    with pytest.raises(ConfigError, match=r"bomb.yaml: YAML expands to more than 100,000 values through its aliases"):
        load_config(InferenceConfig, bomb)
    with pytest.raises(ConfigError, match=r"override 'classifier=.*': YAML expands"):
        load_config(InferenceConfig, None, ["classifier=" + _laughs()])
    (tmp_path / "incl.yaml").write_text("include: bomb.yaml\nclassifier: weak\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config file .*bomb.yaml: YAML expands"):
        load_config(InferenceConfig, tmp_path / "incl.yaml")
    assert tracemalloc.get_traced_memory()[1] < 50 << 20
    tracemalloc.stop()
    assert main(["infer", str(tmp_path), "-o", str(tmp_path / "o.jsonl"), "--config", str(bomb)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bomb.yaml: YAML expands" in err[0]
    assert main(["serve", "--classifier", "weak", "--config", str(bomb)]) == 2  # refused before a port is opened
    assert "bomb.yaml: YAML expands" in capsys.readouterr().err


def test_merge_keys_and_small_aliases_still_load_and_deep_nesting_is_one_error(tmp_path):
    from vnnews.config import ConfigError, load_yaml

    assert load_yaml("base: &b {lr: 1, bs: 2}\nrun:\n  <<: *b\n  bs: 4\n", "x") == {"base": {"lr": 1, "bs": 2}, "run": {"lr": 1, "bs": 4}}
    with pytest.raises(ConfigError, match="deep.yaml: YAML nested too deeply"):
        load_yaml("[" * 100_000 + "]" * 100_000, "deep.yaml")


def test_a_recursive_alias_is_refused():
    from vnnews.config import ConfigError, load_yaml

    with pytest.raises(ConfigError, match=r"rec.yaml: YAML alias inside the node it names \(line 1\)"):
        load_yaml("a: &a [*a, *a]\n", "rec.yaml")
