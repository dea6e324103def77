"""The shape of the package, read from its source: imports run one way (no module imports, at any depth and
lazily or not, a module that imports it back) and no module is past about 400 lines."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "spheredemo"
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_main_block(node: ast.AST) -> bool:
    """``if __name__ == "__main__":``: what runs as a command is not an import of the module."""
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__")


def _imported_names(tree: ast.AST, module: str, is_package: bool, modules) -> set[str]:
    """Every spheredemo module named by an import anywhere in ``tree`` (inside functions too), but for the
    ``__main__`` block; ``from spheredemo.x import y`` names the module ``spheredemo.x.y`` where there is one,
    else ``spheredemo.x``."""
    names, pending = set(), [tree]
    while pending:
        node = pending.pop()
        if _is_main_block(node):
            continue
        pending.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # a relative import
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {n for n in names if n == "spheredemo" or n.startswith("spheredemo.")}


def import_graph() -> dict[str, set[str]]:
    """module -> the package's modules it imports (a package is its ``__init__``)."""
    paths = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    graph = {}
    for module, path in paths.items():
        named = _imported_names(ast.parse(path.read_text(encoding="utf-8")), module, path.name == "__init__.py",
                                paths)
        graph[module] = {n for n in named if n in paths and n != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_sees_lazy_imports_and_skips_the_main_block():
    source = ("def f():\n    from spheredemo import margins\n"
              "if __name__ == '__main__':\n    from spheredemo import retrain\n")
    modules = {"spheredemo.margins", "spheredemo.retrain"}
    assert _imported_names(ast.parse(source), "spheredemo.x", False, modules) == {"spheredemo.margins"}
    graph = import_graph()
    assert "spheredemo.face_map" in graph["spheredemo.results"]  # imported inside faces_table
    # pretrained's __main__ block names the retraining command in words only; retrain imports pretrained
    assert "spheredemo.pretrained" in graph["spheredemo.retrain"]
    assert "spheredemo.retrain" not in graph["spheredemo.pretrained"]


def test_no_import_circle():
    """Imports go one way: a module that imports another is never imported back by it, however indirectly or
    lazily (a function-level import that closes a loop is still a loop)."""
    graph = import_graph()
    assert len(graph) > 60  # every module was read
    circles = cycles(graph)
    assert circles == [], "modules that import each other: " + "; ".join(" <-> ".join(c) for c in circles)


def test_no_module_past_400_lines():
    long = {path.relative_to(PACKAGE.parent).as_posix(): n for path in sorted(PACKAGE.rglob("*.py"))
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def _readme_picture() -> list[str]:
    """The modules and packages of the README's architecture picture, top to bottom, as dotted names."""
    text = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    block = text.split("## Architecture", 1)[1].split("```", 2)[1]
    return ["spheredemo." + entry.rstrip("/").removesuffix(".py").replace("/", ".")
            for entry in re.findall(r"^spheredemo/(\S+)", block, re.M)]


def test_the_readme_picture_lists_every_module_below_what_it_imports():
    """"Each module imports only the ones above it": every module belongs to an entry of the picture (a file or a
    package), and no entry imports one listed below it; a package's own modules import each other freely, and a
    command's __main__.py may hand over to anything."""
    picture = _readme_picture()
    position = {entry: i for i, entry in enumerate(picture)}

    def entry_of(module):
        if module == "spheredemo":
            return "spheredemo.__init__"
        owners = [e for e in picture if module == e or module.startswith(e + ".")]
        return max(owners, key=len) if owners else None

    graph = import_graph()
    assert [e for e in picture if e not in graph and e != "spheredemo.__init__"] == []  # no entry names a ghost
    assert [m for m in graph if entry_of(m) is None] == []
    upward = sorted(f"{module} imports {dep}" for module, deps in graph.items() if not module.endswith("__main__")
                    for dep in deps if entry_of(dep) != entry_of(module)
                    and position[entry_of(dep)] > position[entry_of(module)])
    assert upward == [], "the README's architecture picture lists these below their importers: " + "; ".join(upward)
