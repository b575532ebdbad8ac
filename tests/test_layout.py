"""The package layout stays true: layers import only layers below them, no module imports
itself back through a chain (function-level imports included), modules stay small.

Imports are read with `ast` from the source, so nothing is executed."""
import ast
from pathlib import Path

import eos_symbolic

PACKAGE = Path(eos_symbolic.__file__).parent
#: Bottom-up; a module may import its own layer's modules and those of lower layers only.
LAYERS = ("errors", "saving", "cluster", "symbolic", "local", "numeric", "rigorous", "dynamics",
          "claims", "cli")
#: The public facade re-exports from every layer; nothing in the package imports it.
FACADE = ("eos_symbolic", "eos_symbolic.__main__")
MAX_LINES = 400


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules():
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name, path, known):
    """Package modules imported anywhere in `path` (module `name`), as absolute names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "eos_symbolic"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "eos_symbolic":
                continue
            subs = {f"{target}.{a.name}" for a in node.names} & set(known)
            out |= subs or {target}
    return {m for m in out if m in known}


def import_graph():
    mods = modules()
    return {name: imports(name, path, mods) for name, path in mods.items()}


def layer(name):
    if name in FACADE:
        return len(LAYERS)
    return LAYERS.index(name.split(".")[1])


def layer_violations(graph):
    """Edges (a, b) where module a imports module b of a higher layer (or the facade)."""
    return sorted((a, b) for a, targets in graph.items() for b in targets
                  if layer(b) > layer(a))


def cycles(graph):
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_belongs_to_a_layer():
    for name in modules():
        assert name in FACADE or name.split(".")[1] in LAYERS, name


def test_lower_layers_never_import_higher_ones():
    assert layer_violations(import_graph()) == []


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_modules_stay_small():
    big = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in modules().items()}
    assert {n: k for n, k in big.items() if k > MAX_LINES} == {}


def test_the_checks_catch_a_planted_violation_and_cycle():
    graph = import_graph()
    planted = {**graph, "eos_symbolic.dynamics.sweep": graph["eos_symbolic.dynamics.sweep"]
               | {"eos_symbolic.claims.verify"}}
    assert ("eos_symbolic.dynamics.sweep", "eos_symbolic.claims.verify") in \
        layer_violations(planted)
    looped = {**graph, "eos_symbolic.symbolic.symbols":
              graph["eos_symbolic.symbolic.symbols"] | {"eos_symbolic.symbolic.model"}}
    assert any("eos_symbolic.symbolic.symbols" in c for c in cycles(looped))


def test_relative_imports_are_resolved():
    graph = import_graph()
    assert "eos_symbolic.symbolic.model" in graph["eos_symbolic.symbolic.models"]
    assert "eos_symbolic.claims.checks.lemmas" in graph["eos_symbolic.claims.checks"]
