"""The import boundaries: no module of bot imports itself back, no top-level package of
bot imports itself back through another, and the import-linter contracts in
pyproject.toml hold (CI also runs `lint-imports`; this makes the test command fail on a
broken contract too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """One shortest cycle through each direct import that is part of a cycle."""
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycles.append([importer, *back])
    return cycles


def package_cycles(graph: grimp.ImportGraph, root: str) -> list[list[str]]:
    """One shortest cycle through each import between two of root's top-level packages
    (or modules) that is part of a cycle between them: the modules' imports, collapsed
    onto the packages that hold them."""
    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    packages = grimp.ImportGraph()
    for module in graph.modules:
        if module != root:
            packages.add_module(package(module))
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            if importer != root and imported != root and package(importer) != package(
                    imported):
                packages.add_import(importer=package(importer), imported=package(imported))
    return import_cycles(packages)


def test_no_package_of_bot_imports_itself_back() -> None:
    """Kills: a ritual's flows reaching up into bot.core again (core iterates the
    rituals), the Slack gateway importing the processes' metrics, config.base importing
    back from a ritual: any loop between bot's top-level packages, even one made of
    modules that are each acyclic."""
    graph = grimp.build_graph("bot", cache_dir=None)
    assert package_cycles(graph, "bot") == []


def test_package_cycles_are_found() -> None:
    """The check above can fail: two packages whose modules import each other's, with no
    module-level cycle, are reported."""
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.a.x", "pkg.a.y", "pkg.b", "pkg.b.z"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a.x", imported="pkg.b.z")
    graph.add_import(importer="pkg.b.z", imported="pkg.a.y")
    assert import_cycles(graph) == []
    assert package_cycles(graph, "pkg") == [["pkg.a", "pkg.b", "pkg.a"],
                                            ["pkg.b", "pkg.a", "pkg.b"]]


def test_no_module_of_bot_imports_itself_back() -> None:
    """Kills: bot/storage/models.py and bot/storage/slack_oauth.py importing each other
    again (the cycle that let the OAuth tables join the metadata), or any new cycle
    between modules anywhere in bot, across packages too."""
    graph = grimp.build_graph("bot", cache_dir=None)
    assert import_cycles(graph) == []


def test_import_cycles_are_found() -> None:
    """The check above can fail: a two-module loop is reported, from each side."""
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.a"], ["pkg.b", "pkg.a", "pkg.b"]]


def test_import_linter_contracts_hold() -> None:
    """Kills: a handler importing bot.storage, product code importing the stand-in or the
    demo, a pure ritual module importing storage or Slack, a cycle anywhere in bot, a
    package importing one above it in the layers (storage importing a ritual)."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache", "--no-logo"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
