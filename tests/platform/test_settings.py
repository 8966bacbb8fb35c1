"""Every setting is read in one place: config.py. A FOGBANK_* variable read anywhere else would be a
setting the flags, ``Config.environment()`` (what workers inherit) and the docs do not know about."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import fogbank
from fogbank.config import Config

ROOT = Path(fogbank.__file__).parent
NAME = re.compile(r"FOGBANK_[A-Z0-9_]+")


def reads_of_settings(source: str) -> list[tuple[int, str]]:
    """(line, variable) where a FOGBANK_* name is looked up: ``environ.get("FOGBANK_X")``,
    ``os.getenv(…)``, ``environ["FOGBANK_X"]`` read, ``"FOGBANK_X" in environ``. Writing one into a
    child's environment (a dict display, an assignment) is no read."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[ast.expr] = []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if called in ("get", "getenv", "pop", "setdefault", "environ"):
                names = node.args[:1]
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            names = [node.slice]
        elif isinstance(node, ast.Compare) and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            names = [node.left]
        for name in names:
            if isinstance(name, ast.Constant) and isinstance(name.value, str) and NAME.fullmatch(name.value):
                found.append((node.lineno, name.value))
    return found


def test_only_config_reads_fogbank_variables() -> None:
    problems = [
        f"{path.relative_to(ROOT.parent)}:{line}: reads {name}"
        for path in sorted(ROOT.rglob("*.py"))
        if path != ROOT / "config.py"
        for line, name in reads_of_settings(path.read_text())
    ]
    assert not problems, "settings read outside fogbank/config.py:\n" + "\n".join(problems)


def test_the_check_sees_each_way_of_reading() -> None:
    source = (
        "import os\n"
        "a = os.environ.get('FOGBANK_A')\n"
        "b = os.getenv('FOGBANK_B', '1')\n"
        "c = os.environ['FOGBANK_C']\n"
        "d = 'FOGBANK_D' in os.environ\n"
        "env = {'FOGBANK_E': '0'}\n"  # a child's environment: written, not read
        "os.environ['FOGBANK_F'] = '1'\n"
    )
    assert reads_of_settings(source) == [(2, "FOGBANK_A"), (3, "FOGBANK_B"), (4, "FOGBANK_C"), (5, "FOGBANK_D")]


def test_config_reads_the_rds_and_console_settings(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("FOGBANK_RDS_MEMORY_SCALE", "8")
    monkeypatch.setenv("FOGBANK_RDS_MAX_CONNECTIONS", "50")
    monkeypatch.setenv("FOGBANK_RDS_SNAPSHOT_QUOTA", "3")
    monkeypatch.setenv("FOGBANK_CONSOLE_DIR", str(tmp_path))
    config = Config()
    assert (config.rds_memory_scale, config.rds_max_connections, config.rds_snapshot_quota) == (8, 50, 3)
    assert config.console_dir == tmp_path
    # ... and hands them on to worker processes.
    assert {"FOGBANK_RDS_MEMORY_SCALE": "8", "FOGBANK_RDS_SNAPSHOT_QUOTA": "3"}.items() <= config.environment().items()
    monkeypatch.setenv("FOGBANK_RDS_MEMORY_SCALE", "0")
    assert Config().rds_memory_scale == 1  # a scale below 1 would divide by zero
