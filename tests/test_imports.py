"""The package is layered: modules import only from the same or lower layers (STYLE.md), and no
module imports matplotlib or seaborn at load time."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "talentsim"

LAYERS = {
    "arrays": 0, "inputs": 0,
    "sampling": 1, "schema": 1, "scenario": 1,
    "demography": 2, "education": 2, "workforce": 2, "levers": 2, "parallel": 2,
    "results": 3,
    "model": 4, "economics": 4,
    "microsim": 5, "compare": 5, "sensitivity": 5, "streaming": 5, "calibrate": 5, "splits": 5, "optimize": 5,
    "plots": 6, "report": 6, "plots_optimize": 6,
    "cli": 7, "__init__": 7, "cli_optimize": 7,
}


def imports(path: Path, top_level_only: bool = False):
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                yield node.module.split(".")[0]
            else:
                yield from (a.name for a in node.names if a.name in LAYERS)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield "ext:" + node.module.split(".")[0]
        elif isinstance(node, ast.Import):
            yield from ("ext:" + a.name.split(".")[0] for a in node.names)


def test_every_module_has_a_layer():
    assert sorted(p.stem for p in PACKAGE.glob("*.py")) == sorted(LAYERS)


def test_imports_point_down_the_layers():
    wrong = []
    for path in PACKAGE.glob("*.py"):
        for target in imports(path):
            if target in LAYERS and LAYERS[target] > LAYERS[path.stem]:
                wrong.append(f"{path.stem} (layer {LAYERS[path.stem]}) imports {target} (layer {LAYERS[target]})")
    assert wrong == []


def test_no_module_loads_matplotlib_at_import():
    for path in PACKAGE.glob("*.py"):
        top = set(imports(path, top_level_only=True))
        assert not top & {"ext:matplotlib", "ext:seaborn"}, path.name
    code = "import sys, talentsim, talentsim.cli; print('matplotlib' in sys.modules or 'seaborn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
