"""The local server's shape, read from its source: floors whose imports go one way, no cycle,
pure wire formats, one owner of an invocation's fields, modules of a readable size; and the
runtime and the local server apart, with the Runtime API's definition between them."""

from __future__ import annotations

import ast
from pathlib import Path

from kit.paths import ROOT

PACKAGE = ROOT / "local_server"
SHARED = ROOT / "runtime" / "lambda_runtime_api"
MAX_LINES = 300

# The floors, lowest first: a module may import its own floor's modules and lower ones only.
FLOORS = {
    "wire": 0,  # pure wire formats
    "config": 1, "console": 1, "http_io": 1,  # what every floor above may use
    "reload": 1, "telemetry": 1, "durable": 1,  # rooms of their own, which import no floor
    "environment": 2,  # the execution environment's side
    "front": 3,  # the caller's side
    "server": 4, "cli": 5, "__main__": 6,
}
# "No socket, no thread, no lock" in the wire formats (nor processes, or waiting on descriptors).
NOT_IN_WIRE = {"socket", "threading", "_thread", "queue", "select", "selectors", "subprocess", "asyncio",
               "multiprocessing"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _nodes(tree: ast.AST, when_run: bool) -> list[ast.AST]:
    """Every node of `tree`; with `when_run`, not those under `if TYPE_CHECKING:` (never imported)."""
    found: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        found.append(node)
        if when_run and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def _imports(name: str, path: Path, when_run: bool = False) -> set[str]:
    """Every module `name` imports, as absolute names (TYPE_CHECKING imports too, unless `when_run`)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _nodes(ast.parse(path.read_text()), when_run):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from . import wire_module`
    return found


def _graph(when_run: bool = False) -> dict[str, set[str]]:
    modules = _modules()
    return {name: {imported for imported in _imports(name, path, when_run) if imported in modules and imported != name}
            for name, path in modules.items()}


def _floor(name: str) -> int:
    parts = name.split(".")
    return FLOORS[parts[1]] if len(parts) > 1 else 0  # the package's __init__: a docstring


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of `graph` (the path around it), or [] when there is none."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(name: str) -> list[str]:
        state[name] = "open"
        path.append(name)
        for imported in sorted(graph[name]):
            if state.get(imported) == "open":
                return [*path[path.index(imported):], imported]
            if imported not in state and (found := visit(imported)):
                return found
        path.pop()
        state[name] = "done"
        return []

    for name in sorted(graph):
        if name not in state and (found := visit(name)):
            return found
    return []


def test_no_import_cycle_inside_the_local_server():
    # Imports made when a module runs: one for type checking only (`if TYPE_CHECKING:`) makes no cycle.
    assert _cycle(_graph(when_run=True)) == []


def test_the_cycle_check_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"c"}}) == ["c", "c"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_every_module_sits_on_a_floor_and_imports_go_one_way():
    graph = _graph()
    upward = [f"{name} imports {imported}" for name, imported_set in graph.items() for imported in imported_set
              if _floor(imported) > _floor(name)]
    assert upward == []
    # The rooms of one floor keep to themselves, apart from the shared modules of floor 1.
    across = [f"{name} imports {imported}" for name, imported_set in graph.items() for imported in imported_set
              if _floor(imported) == _floor(name) == 1 and name.split(".")[1] != imported.split(".")[1]]
    assert across == []


def test_the_wire_formats_are_pure():
    for name, path in _modules().items():
        if name.startswith("local_server.wire"):
            imported = _imports(name, path)
            assert {module.split(".")[0] for module in imported} & NOT_IN_WIRE == set(), name
            assert all(module.startswith(("local_server.wire", "lambda_runtime_api")) or "." not in module
                       or module.split(".")[0] != "local_server" for module in imported), name


def test_the_runtime_and_the_local_server_share_only_the_runtime_api_definition():
    for name, path in _modules().items():
        assert not {m for m in _imports(name, path) if m.split(".")[0] == "lambda_runtime"}, name
    for path in sorted((ROOT / "runtime" / "lambda_runtime").rglob("*.py")):
        imported = _imports(_module_name(path).replace("runtime.", "", 1), path)
        assert not {m for m in imported if m.split(".")[0] == "local_server"}, path
    # The shared definition imports nothing: the runtime loads it at start.
    for path in sorted(SHARED.rglob("*.py")):
        assert _imports("lambda_runtime_api", path) == set(), path


def test_only_the_invocation_module_assigns_an_invocations_fields():
    owner = PACKAGE / "environment" / "invocation.py"
    tree = ast.parse(owner.read_text())
    (cls,) = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Invocation"]
    fields = {target.attr for node in ast.walk(cls) if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
              for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
              if isinstance(target, ast.Attribute)}
    assert {"deadline_ms", "status", "connection", "start_line", "init_ms"} <= fields
    found = []
    for name, path in _modules().items():
        if path == owner:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                for part in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if (isinstance(part, ast.Attribute) and part.attr in fields and isinstance(part.value, ast.Name)
                            and part.value.id in ("inv", "invocation", "late", "delivery")):
                        found.append(f"{name}:{node.lineno} assigns {part.value.id}.{part.attr}")
    assert found == []


def test_no_module_is_over_300_lines():
    assert {name: n for name, path in _modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES} \
        == {}
