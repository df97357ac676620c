"""The test suite's own layout: no test module imports another test module or a conftest.

What tests share lives in tests/support (helpers and data, imported by name) or in a
conftest.py (fixtures, which pytest hands out by themselves). A test module imported by
another runs its tests' setup twice and ties the two files together; a conftest imported
as a module is a second copy of it beside the one pytest loaded.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
SUPPORT = "tests.support"


def checked_files() -> list[Path]:
    """Every test module, conftest and support module under tests/, and the benchmarks
    (they use the page tests' helpers too)."""
    found = [*TESTS.rglob("test_*.py"), *TESTS.rglob("conftest.py"), *(TESTS / "support").rglob("*.py"),
             *(ROOT / "bench").rglob("*.py")]
    return sorted(set(found))


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def suite_imports(source: str, module: str) -> list[str]:
    """The modules of the test suite outside tests/support that `source` (the text of
    `module`) imports, anywhere in it (top level or inside a function)."""
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package upwards
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            # `from tests.app import test_pages` imports a module by its name
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [t for t in targets if (t == "tests" or t.startswith("tests."))
                  and not (t == SUPPORT or t.startswith(SUPPORT + "."))]
    return found


def test_the_walk_finds_the_suite():
    names = {module_name(path) for path in checked_files()}
    assert {"tests.app.test_pages", "tests.core.test_facts", "tests.conftest", "tests.browser.conftest",
            "tests.support.pages", "bench.page_queries"} <= names


def test_the_check_sees_every_way_to_import_a_test_module():
    bad = ("from tests.app.test_pages import app\n"
           "import tests.core.test_facts\n"
           "from tests.app import conftest\n"
           "def late():\n"
           "    from tests.conftest import RUBRIC\n"
           "from .test_pages import ok\n"
           "from . import conftest as c\n")
    assert sorted(suite_imports(bad, "tests.app.test_x")) == [
        "tests.app.conftest", "tests.app.conftest", "tests.app.test_pages.app", "tests.app.test_pages.ok",
        "tests.conftest.RUBRIC", "tests.core.test_facts"]
    fine = ("from tests.support.pages import app\n"
            "from tests.support import people\n"
            "import tests.support.browser\n"
            "from simulator.app import state\n")
    assert suite_imports(fine, "tests.app.test_x") == []


def test_no_test_module_imports_another_test_module_or_a_conftest():
    found = {}
    for path in checked_files():
        imported = suite_imports(path.read_text(encoding="utf-8"), module_name(path))
        if imported:
            found[str(path.relative_to(ROOT))] = imported
    assert found == {}, "move what is shared to tests/support (helpers, data) or a conftest.py (fixtures)"
