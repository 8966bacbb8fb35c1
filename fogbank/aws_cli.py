"""``fogbank aws …``: the AWS CLI, pointed at Fogbank, whichever version is installed.

Why a wrapper: the AWS CLI v1 (``pip install awscli``) replaces the endpoint of ``rds``, ``docdb``
and ``neptune`` in us-east-1 (and of sqs, emr and health in other regions) with AWS's own
(``https://rds.amazonaws.com``) unless ``--endpoint-url`` is on the command line
(``awscli/customizations/overridesslcommonname.py``). ``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_RDS``,
a profile's ``endpoint_url`` and a ``[services]`` section all rank below that replacement, so only
the flag helps; and CLI v2 releases before 2.13 read no endpoint setting at all. The wrapper
passes ``--endpoint-url`` itself, taken from the variables the CLI would have read, and fills in
test credentials and a region when none are set, so the README's commands work with any CLI.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Mapping

from fogbank.config import endpoint_of

# Global options of the CLI that take a value: the word after one is not the command's name.
_VALUE_OPTIONS = {
    "--region",
    "--profile",
    "--output",
    "--query",
    "--endpoint-url",
    "--color",
    "--ca-bundle",
    "--cli-read-timeout",
    "--cli-connect-timeout",
    "--cli-binary-format",
}


def fogbank_endpoint(env: Mapping[str, str]) -> str:
    """The URL of the Fogbank that ``fogbank up`` would start with this environment."""
    return endpoint_of(env)


def command_name(args: list[str]) -> str | None:
    """The CLI command (``rds``, ``dynamodb``, …): the first word that is no global option."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("--"):
            skip = arg in _VALUE_OPTIONS
        else:
            return arg
    return None


def _service_env_name(command: str) -> str | None:
    """``AWS_ENDPOINT_URL_<SERVICE_ID>`` for a command, named as botocore names it (``Secrets Manager``
    → ``SECRETS_MANAGER``); None for commands that are not an AWS service (``configure``, ``help``)."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(command)
    except UnknownServiceError:
        return None
    return "AWS_ENDPOINT_URL_" + model.service_id.hyphenize().replace("-", "_").upper()


def environment(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with Fogbank's endpoint and, when nothing names them, test credentials and a region."""
    out = dict(env)
    out.setdefault("AWS_ENDPOINT_URL", fogbank_endpoint(env))
    if not env.get("AWS_PROFILE"):
        if not env.get("AWS_ACCESS_KEY_ID"):
            out["AWS_ACCESS_KEY_ID"] = "test"
            out["AWS_SECRET_ACCESS_KEY"] = env.get("AWS_SECRET_ACCESS_KEY") or "test"
        if not env.get("AWS_REGION") and not env.get("AWS_DEFAULT_REGION"):
            out["AWS_DEFAULT_REGION"] = "us-east-1"
    return out


def arguments(args: list[str], env: Mapping[str, str]) -> list[str]:
    """``args`` with ``--endpoint-url`` in front, unless the user gave one."""
    if any(arg == "--endpoint-url" or arg.startswith("--endpoint-url=") for arg in args):
        return list(args)
    command = command_name(args)
    if command is None:
        return list(args)
    specific = _service_env_name(command)
    if specific is None:  # configure, history, …: no endpoint to point
        return list(args)
    endpoint = env.get(specific) or env["AWS_ENDPOINT_URL"]
    return ["--endpoint-url", endpoint, *args]


def cli_program() -> list[str] | None:
    """How to start the AWS CLI: the ``aws`` on PATH (the one the user runs, v1 or v2), else this
    Python's ``awscli`` package (v1, which ``make setup`` installs in .venv)."""
    found = shutil.which("aws")
    if found:
        return [found]
    if importlib.util.find_spec("awscli") is not None:
        return [sys.executable, "-m", "awscli"]
    return None


def main(args: list[str]) -> int:
    program = cli_program()
    if program is None:
        print("fogbank aws: no AWS CLI found; install one (pip install awscli, or AWS CLI v2).", file=sys.stderr)
        return 127
    env = environment(os.environ)
    command = [*program, *arguments(args, env)]
    sys.stdout.flush()
    os.execvpe(command[0], command, env)
    return 127  # not reached: exec replaces this process
