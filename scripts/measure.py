"""Structure figures for the package: function lengths and import cycles (a dev script).

python scripts/measure.py [package_dir]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def function_lengths(root: Path) -> list[tuple[int, str]]:
    """Lines of every function and method (decorators excluded), with its location."""
    lengths = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                lengths.append(
                    (lines, f"{path.relative_to(root.parent)}:{node.lineno} {node.name}")
                )
    return sorted(lengths)


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return hidden


def import_graph(root: Path, *, runtime_only: bool = False) -> dict[str, set[str]]:
    """Edges between the package's own modules, TYPE_CHECKING imports included unless
    ``runtime_only``."""
    modules = {module_name(root, p): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text())
        hidden = _type_checking_only(tree) if runtime_only else set()
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "proxyorders_async").resolve()
    lengths = function_lengths(root)
    values = [n for n, _ in lengths]
    p90 = values[int(0.9 * (len(values) - 1))]
    print(f"functions: {len(values)}  p90: {p90} lines  max: {values[-1]} ({lengths[-1][1]})")
    for n, where in lengths[-5:]:
        print(f"  {n:4d} {where}")
    # Package __init__ re-exports everything: edges into it are not cycles of the design.
    for runtime_only, label in ((False, "all imports"), (True, "runtime imports")):
        graph = import_graph(root, runtime_only=runtime_only)
        for deps in graph.values():
            deps.discard(root.name)
        found = cycles(graph)
        print(f"import cycles, {label} (strongly connected groups): {len(found)}")
        for group in found:
            print("  " + " <-> ".join(group))


if __name__ == "__main__":
    main()
