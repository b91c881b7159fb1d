"""One-way data flow in the code too: no two vnnews modules import each other (at any
level, lazy imports included; imports for type checking only do not count)."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _imports() -> dict[str, set[str]]:
    modules: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("vnnews"):
                found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("vnnews")}
        modules[name] = found
    return modules


def test_no_two_modules_import_each_other():
    modules = _imports()
    assert "vnnews.models.page_labeler" in modules and "vnnews.models.runtimes" in modules
    pairs = {tuple(sorted((a, b))) for a, deps in modules.items() for b in deps if b in modules and b != a and a in modules[b]}
    assert not pairs, f"modules importing each other: {sorted(pairs)}"


def test_no_circle_of_imports_at_all():
    """Nor any longer circle (a imports b imports c imports a): the last one,
    extraction -> inference.stages -> models -> page_labeler -> extraction, went when reading
    a raw page moved to ``vnnews.ingest.content``."""
    modules = _imports()
    graph = {a: sorted(b for b in deps if b in modules and b != a) for a, deps in modules.items()}
    circles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                circles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert not circles, f"circles of imports: {circles[:3]}"
