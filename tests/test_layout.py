"""The layout of the code, checked: who may import whom.

The app's own modules are parsed with ``ast`` (nothing is imported), and the
graph of their imports is checked:

* no import cycle among module-level imports;
* ``domain`` imports nothing of the app outside ``domain``, and neither it
  nor ``reports/model.py`` touches Flask, Werkzeug, storage or the web layer;
* only ``sheets/google/`` imports gspread;
* the project root holds only ``app.py`` and ``settings.py``;
* every setting the code reads is declared in ``settings.SETTINGS``, and the
  README's table is ``settings.markdown_table()``.

Cycles are looked for among *module-level* imports only (including those in
``try``/``if`` blocks and class bodies, excluding ``if TYPE_CHECKING:``).
An import inside a function runs when the function is called, after every
module has loaded, so it cannot make start-up fail; it is the deliberate way
``commands`` reaches ``app.create_app`` and ``sheets.open_store`` reaches the
Google backend. The layering rules below count *every* import, function-level
ones included: a lazy import of Flask in ``domain`` would still be a breach.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("domain", "forms", "sheets", "reports", "views", "state", "commands")
ROOT_MODULES = ("app", "settings")


def _module_files() -> dict[str, Path]:
    """Dotted name -> file, for every module of the app (not sheets_emulator,
    tests, devtools, bench, scripts, demo)."""
    out = {name: ROOT / f"{name}.py" for name in ROOT_MODULES}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _module_files()


@dataclass(frozen=True)
class Import:
    target: str  # the dotted module imported (for "from m import x": m.x when that is a module, else m)
    line: int
    top_level: bool  # runs when the module is imported (not inside a function)


def _is_type_checking(test: ast.expr) -> bool:
    return "TYPE_CHECKING" in ast.unparse(test)


def _imports(name: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[Import] = []

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if node.level:
            base = package[: len(package) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        return [f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names]

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend(Import(t, child.lineno, top) for t in targets(child))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:  # never runs: not an import-time edge
                    visit(ast.Module(body=[stmt], type_ignores=[]), False)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), top)
            else:
                visit(child, top)

    visit(tree, True)
    return found


IMPORTS: dict[str, list[Import]] = {name: _imports(name, path) for name, path in MODULES.items()}


def _is_under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _importers_of(prefixes: tuple[str, ...]) -> dict[str, list[str]]:
    return {name: sorted({i.target for i in imports if _is_under(i.target, prefixes)})
            for name, imports in IMPORTS.items()
            if any(_is_under(i.target, prefixes) for i in imports)}


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := walk(node)):
            return cycle
    return None


def test_the_modules_are_found():
    assert {"app", "settings", "domain.periods", "domain.romanian", "reports.model", "views.auth",
            "state.db", "commands", "sheets.google.store"} <= MODULES.keys()
    assert not any(name.startswith("sheets_emulator") for name in MODULES)


def test_no_import_cycle():
    graph = {name: {i.target for i in imports if i.top_level and i.target in MODULES and i.target != name}
             for name, imports in IMPORTS.items()}
    cycle = _find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_cycle_finder_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_commands_import_app_only_inside_functions():
    """app.py imports commands at module level, so commands may reach app only
    lazily (at call time)."""
    for name, imports in IMPORTS.items():
        if _is_under(name, ("commands", "views")):
            assert not [i for i in imports if i.target == "app" and i.top_level], name


WEB_OR_STORAGE = ("flask", "werkzeug", "wtforms", "sheets", "views", "state", "commands", "app")


def _third_party_or_app(target: str) -> bool:
    return _is_under(target, WEB_OR_STORAGE) or target.startswith("flask_")


def test_domain_is_pure():
    """domain/* imports nothing of the app outside domain, and no web framework."""
    app_packages = PACKAGES + ROOT_MODULES
    for name, imports in IMPORTS.items():
        if not _is_under(name, ("domain",)):
            continue
        bad = sorted({i.target for i in imports
                      if (_is_under(i.target, app_packages) and not _is_under(i.target, ("domain",)))
                      or _third_party_or_app(i.target)})
        assert not bad, f"{name} imports {bad}"


def test_report_model_is_pure():
    """reports/model.py: domain and the catalog only; no Flask, storage or pages."""
    bad = sorted({i.target for i in IMPORTS["reports.model"]
                  if _third_party_or_app(i.target)
                  or (_is_under(i.target, ("forms", "reports")) and i.target != "forms.catalog")})
    assert not bad, f"reports.model imports {bad}"


def test_pure_modules_load_without_flask():
    """The same, as Python sees it: importing them (and the packages around
    them: forms/__init__ for forms.catalog) loads no Flask or Werkzeug."""
    pure = sorted(n for n in MODULES if _is_under(n, ("domain",))) + ["reports.model"]
    code = (f"import sys\nfor m in {pure!r}: __import__(m)\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'flask', 'werkzeug', 'wtforms', 'flask_wtf', 'flask_login', 'gspread', 'sheets', 'views', 'state'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_gspread_only_under_sheets_google():
    importers = _importers_of(("gspread",))
    assert importers, "nothing imports gspread: has the Google backend moved?"
    assert {n for n in importers if not _is_under(n, ("sheets.google",))} == set(), importers


def test_root_holds_only_app_and_settings():
    assert sorted(p.name for p in ROOT.glob("*.py")) == ["app.py", "settings.py"]


# -- settings ------------------------------------------------------------------

_README_TABLE_HEAD = "| key (`FLASK_` + …) |"

#: config["X"], config.get("X"), cfg["X"], cfg.get("X"), app.config[...],
#: and the Google backend's _number(config, "X") helper.
_SETTING_READ = re.compile(
    r"""\b(?:config|cfg)\s*(?:\[|\.get\()\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|\b_number\(\s*(?:config|cfg)\s*,\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def _readme_table() -> str:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(_README_TABLE_HEAD))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return "\n".join(lines[start:end])


def test_readme_settings_table_is_settings_py():
    assert _readme_table() == settings.markdown_table(), "run `python settings.py` and paste its table in README.md"


def settings_read_in_code() -> dict[str, list[str]]:
    """Setting name -> where the app code reads it."""
    found: dict[str, list[str]] = {}
    for name, path in MODULES.items():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in _SETTING_READ.finditer(line):
                found.setdefault(m.group(1) or m.group(2), []).append(f"{path.relative_to(ROOT)}:{n}")
    return found


def test_every_setting_read_is_declared():
    read = settings_read_in_code()
    assert {"LOGIN_WINDOW_SECONDS", "REMEMBER_COOKIE_DURATION", "CATALOG_DIR", "SHEETS_BACKEND",
            "SHEETS_CACHE_TTL"} <= read.keys()  # the scan sees them
    declared = {s.name for s in settings.SETTINGS}
    missing = {k: v for k, v in read.items() if k not in declared}
    assert not missing, f"read but not declared in settings.SETTINGS: {missing}"


@pytest.mark.parametrize("line, name", [
    ('x = current_app.config["NEW_ONE"]', "NEW_ONE"),
    ("cfg.get('NEW_ONE', 3)", "NEW_ONE"),
    ('_number(config, "NEW_ONE", 1, 32)', "NEW_ONE"),
])
def test_setting_scan_sees_reads(line, name):
    m = _SETTING_READ.search(line)
    assert m and (m.group(1) or m.group(2)) == name
