"""The package's import structure: no cycles, a pure core, and every module importable alone.

The graph is read from the source (the AST of every module, imports inside functions counted
too), so that a cycle hidden by a function-local import is found as well as a plain one. An
edge is an explicit import: ``from yzmedins.commands import adjudicate`` is an edge to
``yzmedins.commands.adjudicate``, ``from yzmedins.io.codec import shown`` one to
``yzmedins.io.codec``. The implicit import of a module's parent packages is not an edge (every
module would otherwise be in a cycle with ``yzmedins/__init__.py``, which imports the API).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SOURCE / "yzmedins"

#: The rules of the measures and the values they work on: they never import the shell.
CORE = (
    "yzmedins.rules",
    "yzmedins.engine",
    "yzmedins.model",
    "yzmedins.money",
    "yzmedins.policy",
    "yzmedins.validation",
    "yzmedins.calendar",
)
#: The shell: the command line, the batch machinery, the files of a run.
SHELL = (
    "yzmedins.cli",
    "yzmedins.commands",
    "yzmedins.batch",
    "yzmedins.io.files",
    "yzmedins.report",
)
#: Libraries for the shell's work alone (a progress bar, processes, the ledger store, the
#: report's workbook).
SHELL_LIBRARIES = ("tqdm", "multiprocessing", "sqlite3", "xlsxwriter")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


MODULES = _modules()


def _imported(module: str, path: Path) -> Iterator[str]:
    """Every name ``module`` imports, anywhere in it (absolute, dotted)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The project modules each module imports, and the other top-level packages it imports."""
    internal: dict[str, set[str]] = {}
    external: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        names = set(_imported(module, path))
        internal[module] = {name for name in names if name in MODULES and name != module}
        external[module] = {
            name.partition(".")[0] for name in names if not name.startswith("yzmedins")
        }
    return internal, external


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` (its modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)) is not None:
            return found
    return None


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(f"{prefix}.") for prefix in prefixes)


def test_the_graph_is_read_from_the_source() -> None:
    internal, external = _graph()
    # A function-local import counts; a submodule imported from its package is that module.
    assert "yzmedins.commands.adjudicate" in internal["yzmedins.cli"]
    assert "yzmedins.io.codec" in internal["yzmedins.io.jsonl"]
    assert "tqdm" in external["yzmedins.commands.adjudicate"]  # imported in _progress only
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle() -> None:
    internal, _ = _graph()
    cycle = _cycle(internal)
    assert cycle is None, " → ".join(cycle or ())


def test_the_core_never_imports_the_shell() -> None:
    internal, external = _graph()
    core = [module for module in MODULES if _within(module, CORE)]
    assert len(core) > len(CORE)  # every rules module, not only the package
    reached = set(core)
    to_visit = list(core)
    while to_visit:  # everything the core imports, directly or not
        for target in internal[to_visit.pop()]:
            if target not in reached:
                reached.add(target)
                to_visit.append(target)
    assert sorted(module for module in reached if _within(module, SHELL)) == []
    libraries = {
        module: sorted(external[module] & set(SHELL_LIBRARIES))
        for module in reached
        if external[module] & set(SHELL_LIBRARIES)
    }
    assert libraries == {}


def test_every_module_imports_on_its_own() -> None:
    """Each module in a fresh interpreter of its own: one that works only when some other
    module was imported first fails here. (``__main__`` runs the program: left out.)"""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SOURCE), *sys.path])}
    running = {
        module: subprocess.Popen(
            [sys.executable, "-c", f"import {module}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=environment,
        )
        for module in MODULES
        if not module.endswith("__main__")
    }
    failures = {}
    for module, process in running.items():
        _, error = process.communicate(timeout=120)
        if process.returncode != 0:
            failures[module] = error.decode(errors="replace").strip().splitlines()[-1:]
    assert failures == {}


def test_no_project_module_is_imported_inside_a_function() -> None:
    """An import inside a function hides a dependency (and can hide a cycle): project modules
    are imported at the top. A library may be imported late for speed (``tqdm``: only a run on
    a terminal draws a bar); the one exception is the service's application, which needs the
    optional ``service`` extra and is imported only when ``yzmedins serve`` runs."""
    optional = {("yzmedins.commands.serve", "yzmedins.service.app")}
    late = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and any(
                    name.startswith("yzmedins") and (module, name) not in optional
                    for name in _names(node)
                ):
                    late.append(f"{module}:{node.lineno}")
    assert late == []


def _names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return ["yzmedins" if node.level else node.module or ""]


#: What the reference implementation must not import: the engine's rules, engine, settlement
#: life and codec (it is the second implementation that the audit holds them to), nor the
#: engine's working-day calendar.
NOT_FOR_THE_REFERENCE = (
    "yzmedins.rules",
    "yzmedins.engine",
    "yzmedins.lifecycle",
    "yzmedins.io",
    "yzmedins.calendar",
    "yzmedins.policy",
    "yzmedins.validation",
    "yzmedins.model",
)


def test_the_reference_implementation_is_independent_of_the_engine() -> None:
    """``yzmedins.reference`` reaches, directly or not, no module of the engine and not the
    engine's calendar library: an error in the engine cannot be repeated by the reference."""
    internal, external = _graph()
    reference = [module for module in MODULES if _within(module, ("yzmedins.reference",))]
    assert len(reference) >= 3
    reached = set(reference)
    to_visit = list(reference)
    while to_visit:
        for target in internal[to_visit.pop()]:
            if target not in reached:
                reached.add(target)
                to_visit.append(target)
    assert sorted(m for m in reached if _within(m, NOT_FOR_THE_REFERENCE)) == []
    assert all(_within(m, ("yzmedins.reference",)) or m == "yzmedins" for m in reached)
    assert not any("chinese_calendar" in external[m] for m in reached)
    assert "holidays" in external["yzmedins.reference.workdays"]
