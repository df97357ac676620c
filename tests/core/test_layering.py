"""The core never imports streamlit (pages only render), and the store's modules import
each other one way only."""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import simulator

ROOT = Path(simulator.__file__).parent


def core_modules() -> list[str]:
    """Every module of the package outside `simulator.app`, found by walking it (a new
    module is checked without anyone adding it here)."""
    names = [m.name for m in pkgutil.walk_packages([str(ROOT)], prefix="simulator.")]
    return sorted(n for n in names if n != "simulator.app" and not n.startswith("simulator.app."))


def test_the_walk_finds_the_core():
    modules = core_modules()
    assert {"simulator.session", "simulator.score_of_record", "simulator.judge.coaching",
            "simulator.llm.langchain_backend", "simulator.store.labels"} <= set(modules)
    assert not any(m.startswith("simulator.app") for m in modules)


def test_no_core_module_imports_streamlit():
    code = ("import importlib, sys\n"
            f"for name in {core_modules()!r}:\n"
            "    importlib.import_module(name)\n"
            "    if 'streamlit' in sys.modules:\n"
            "        print(name); break\n"
            "else:\n"
            "    print('none')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "none", f"{out.strip()} imports streamlit"


def imports_of(module: str) -> set[str]:
    """The simulator modules `module` imports at run time anywhere in its source (top level
    or inside a function); imports for type checking only are no dependency."""
    path = ROOT.joinpath(*module.split(".")[1:]).with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and ast.unparse(block.test).endswith("TYPE_CHECKING") for n in ast.walk(block)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("simulator"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("simulator")}
    return found


def test_no_two_store_modules_import_each_other():
    store = [m for m in core_modules() if m.startswith("simulator.store.")]
    graph = {m: {i for i in imports_of(m) if i in store} for m in store}
    cycles = sorted((a, b) for a in graph for b in graph[a] if a < b and a in graph.get(b, set()))
    assert cycles == []


def test_the_score_of_record_needs_no_store():
    assert not any(i.startswith("simulator.store") for i in imports_of("simulator.score_of_record"))
