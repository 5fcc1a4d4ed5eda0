"""The package is layered by folder, in the order the data flows (STYLE.md, docs/architecture.md):

    0  version, arrays, metrics no talentsim imports: the package version, row-wise array helpers,
                                the metric registry
    1  scenario/                inputs (number | distribution | path), schema, checks, load
    2  sampling                 scenario -> Draws
    3  results                  Run, summarize, writing; below the engines because they build a Run
    4  engine/                  params (shared by both engines), mechanisms, the yearly loop
    5  microsim/                the SimPy engine, on the engine's public parameter layer
    6  analysis/                compare, sensitivity, observed, calibrate, backtest (numbers only)
    7  plots/, report/          drawing and HTML (the report embeds the plots' figures)
    8  cli/, __init__           parse, call the API, write files; the public API

A module imports only from its own or lower layers (imports under ``if TYPE_CHECKING:`` are
annotations only and exempt); every module belongs to a layer; no module imports a private
(``_``) name from another talentsim module; no module is longer than 450 lines; and nothing loads
matplotlib or seaborn at import time or switches the matplotlib backend.
"""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "talentsim"
MAX_LINES = 450

LAYERS = {
    "version": 0, "arrays": 0, "metrics": 0, "outdir": 0, "startup": 0,
    "scenario": 1,
    "sampling": 2,
    "results": 3, "integrity": 3,
    "engine": 4,
    "microsim": 5,
    "analysis": 6,
    "plots": 7, "report": 7, "explore": 7,
    "cli": 8, "__init__": 8,
}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def layer_of(path: Path) -> str:
    """The layer name of a module: its folder under talentsim/, or its stem at the top."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def package_of(path: Path) -> list[str]:
    """Dotted package of a module, as a list: talentsim/engine/cohort.py -> [talentsim, engine]."""
    return ["talentsim", *path.relative_to(PACKAGE).parent.parts]


def type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def talentsim_imports(path: Path):
    """Yield ``(absolute module, imported names, under TYPE_CHECKING)`` of every talentsim import."""
    tree = ast.parse(path.read_text())
    typing_only = type_checking_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_of(path)[: len(package_of(path)) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "talentsim":
                module = node.module
            else:
                continue
            yield module, [a.name for a in node.names], id(node) in typing_only
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "talentsim":
                    yield a.name, [], id(node) in typing_only


def target_layers(module: str, names: list[str]) -> list[str]:
    """Layers an import reaches: ``talentsim.engine.params`` -> engine; ``from talentsim import
    plots`` -> plots; ``from talentsim import __version__`` -> __init__."""
    parts = module.split(".")
    if len(parts) > 1:
        return [parts[1]]
    return [n if n in LAYERS else "__init__" for n in names]


def external_top_level(path: Path) -> set[str]:
    """Top-level packages imported at module load (not inside functions or TYPE_CHECKING)."""
    out = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
    return out


def test_every_module_has_a_layer():
    unknown = sorted(str(p.relative_to(PACKAGE)) for p in modules() if layer_of(p) not in LAYERS)
    assert unknown == []


def test_imports_point_down_the_layers():
    wrong = []
    for path in modules():
        here = layer_of(path)
        for module, names, typing_only in talentsim_imports(path):
            if typing_only:
                continue
            for target in target_layers(module, names):
                assert target in LAYERS, f"{path.relative_to(PACKAGE)} imports {module} outside any layer"
                if LAYERS[target] > LAYERS[here]:
                    wrong.append(f"{path.relative_to(PACKAGE)} (layer {here}={LAYERS[here]}) imports "
                                 f"{module} (layer {target}={LAYERS[target]})")
    assert wrong == []


def test_no_module_imports_a_private_name():
    def private(name: str) -> bool:
        return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))

    wrong = []
    for path in modules():
        for module, names, _ in talentsim_imports(path):
            bad = [n for n in names if private(n)] + [m for m in module.split(".") if private(m)]
            if bad:
                wrong.append(f"{path.relative_to(PACKAGE)}: from {module} import {', '.join(bad)}")
    assert wrong == []


def test_no_module_is_too_long():
    long = {str(p.relative_to(PACKAGE)): n for p in modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_no_module_loads_matplotlib_at_import():
    for path in modules():
        assert not external_top_level(path) & {"matplotlib", "seaborn"}, path.relative_to(PACKAGE)
    code = "import sys, talentsim, talentsim.cli; print('matplotlib' in sys.modules or 'seaborn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_no_module_switches_the_matplotlib_backend():
    calls = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "use"
                    and getattr(node.func.value, "id", None) == "matplotlib"):
                calls.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert calls == []
