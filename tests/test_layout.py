"""The package's shape: no import circle among slant's modules, and the analysis path never reaches
into the shared-task or training code.

Imports are read from the source with ``ast``, including those inside functions (slant defers
heavy imports into the functions that need them, and a circle hidden there still ties two modules
together), so these checks need nothing installed beyond slant itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import slant

ROOT = Path(slant.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = ["slant", *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """slant modules that ``name`` imports anywhere in its source (a package's own submodules and
    parents it merely passes through are not counted)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name and not name.startswith(t + "."))
    return found


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_among_slant_modules():
    graph = _graph()
    assert "slant.tasks.evaluation" in graph and "slant.tasks.llm" in graph["slant.tasks.evaluation"]
    assert _cycles(graph) == []


def test_the_analysis_path_never_imports_task_or_training_code():
    """Reading an article (readers, analysers, sinks, the store, the server, the LLM reader) must not
    need the shared-task plumbing or the training stack."""
    graph = _graph()
    runtime = [m for m in graph if m.count(".") and m.split(".")[1] in {"analysers", "readers", "sinks", "store", "web", "llm"}]
    assert len(runtime) > 20
    for m in runtime:
        bad = {t for t in graph[m] if t.startswith(("slant.tasks", "slant.train."))}
        assert not bad, f"{m} imports {sorted(bad)}"


def test_shared_task_code_lives_in_one_package():
    flat = {p.stem for p in ROOT.glob("*.py")}
    assert not flat & {"formats", "evaluation", "scoring", "corpora", "doclabels_tasks", "actors_eval", "training"}
    for name in ("corpora", "scoring", "evaluation", "formats", "techniques", "doclabels", "subjectivity",
                 "roles", "quotes", "llm"):
        assert (ROOT / "tasks" / f"{name}.py").is_file()
