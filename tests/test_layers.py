"""The page imports only the dashboard, cedash and Streamlit, and nothing imports the page.

import-linter checks every layer inside the packages (pyproject.toml, run by scripts/test.sh); app.py is a
plain module, which it cannot take as a root, so its place at the top is checked here.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_FROM_APP = {"cedash", "dashboard", "streamlit", "logging", "numpy", "__future__"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_page_imports_only_the_layers_below_it():
    assert imported_roots(ROOT / "app.py") <= ALLOWED_FROM_APP


def test_no_module_of_the_project_imports_the_page():
    sources = [*ROOT.glob("cedash/**/*.py"), *ROOT.glob("dashboard/**/*.py")]
    assert sources, "found no package sources to check"
    importers = [str(p.relative_to(ROOT)) for p in sources if "app" in imported_roots(p)]
    assert importers == []
