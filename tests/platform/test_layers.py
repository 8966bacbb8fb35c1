"""Fogbank's layers import only downwards: core types < protocols < engines < managed < services <
gateway < platform/server/cli. A lower layer that imports a higher one (even inside a function) makes
import-time cycles and lets, say, a protocol grow to know one service; this test names each such import.
Imports under ``if TYPE_CHECKING:`` are exempt: they are annotations only, never run."""

from __future__ import annotations

import ast
from pathlib import Path

import fogbank

ROOT = Path(fogbank.__file__).parent

# Lowest first. Modules not named here are top-level commands and glue (platform, server, cli, workers, …).
LAYERS = [
    ("core", ("fogbank.core", "fogbank.config", "fogbank.arns")),
    # state.py writes documents in the JSON protocols' wire form (protocols.base.json_default).
    ("protocols", ("fogbank.protocols", "fogbank.state")),
    ("engines", ("fogbank.engines",)),
    ("managed", ("fogbank.managed",)),
    ("services", ("fogbank.services",)),
    ("gateway", ("fogbank.gateway", "fogbank.console")),  # the console's assets are served by the gateway
]
TOP = len(LAYERS)


def rank(module: str) -> int:
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return index
    return TOP


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every run-time import of a fogbank module, at any depth."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "fogbank":  # from fogbank import arns
                found.extend((node.lineno, f"fogbank.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, node.module))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return [(line, name) for line, name in found if name == "fogbank" or name.startswith("fogbank.")]


def upward_imports(root: Path) -> list[str]:
    """Each import in the package at ``root`` of a module of a higher layer than the importer's."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        importer = module_name(path, root)
        for line, imported in imports(ast.parse(path.read_text(), str(path))):
            if rank(imported) > rank(importer):
                problems.append(
                    f"{path.relative_to(root.parent)}:{line}: {importer} ({_layer(importer)}) imports "
                    f"{imported} ({_layer(imported)})"
                )
    return problems


def _layer(module: str) -> str:
    index = rank(module)
    return LAYERS[index][0] if index < TOP else "top"


def test_no_layer_imports_a_higher_one() -> None:
    problems = upward_imports(ROOT)
    assert not problems, "imports against the layering:\n" + "\n".join(problems)


def test_the_check_sees_upward_imports(tmp_path: Path) -> None:
    """The checker itself: a protocol importing the gateway, even lazily, is caught; a TYPE_CHECKING
    import and a downward import are not."""
    package = tmp_path / "fogbank" / "protocols"
    package.mkdir(parents=True)
    bad = package / "bad.py"
    bad.write_text(
        "from typing import TYPE_CHECKING\n"
        "from fogbank.core.http import HttpRequest\n"
        "if TYPE_CHECKING:\n"
        "    from fogbank.platform import Platform\n"
        "def f():\n"
        "    from fogbank.gateway import dispatch\n"
        "    from fogbank import services\n"
    )
    problems = upward_imports(tmp_path / "fogbank")
    assert [problem.split(": ", 1)[1] for problem in problems] == [
        "fogbank.protocols.bad (protocols) imports fogbank.gateway (gateway)",
        "fogbank.protocols.bad (protocols) imports fogbank.services (services)",
    ]
