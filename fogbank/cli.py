"""``fogbank up | status | reset``."""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path

from fogbank.config import Config, split_names


def _config(args: argparse.Namespace) -> Config:
    config = Config()
    if args.host:
        config.host = args.host
    if args.port is not None:
        config.port = args.port
    if getattr(args, "data_dir", None):
        config.data_dir = Path(args.data_dir)
    if getattr(args, "ephemeral", False):
        config.ephemeral = True
    if getattr(args, "workers", None):
        config.workers = args.workers
    if getattr(args, "quiet", False):
        config.log_requests = False
    if getattr(args, "cors_origins", None) is not None:
        config.cors_origins = split_names(args.cors_origins)
    if getattr(args, "allowed_hosts", None) is not None:
        config.allowed_hosts = split_names(args.allowed_hosts)
    if getattr(args, "allow_remote", False):
        config.allow_remote = True
    return config


def _url(config: Config, path: str) -> str:
    host = "127.0.0.1" if config.host in ("0.0.0.0", "") else config.host
    return f"http://{host}:{config.port}{path}"


def cmd_up(args: argparse.Namespace) -> int:
    from fogbank.server import serve_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    config = _config(args)
    problem = config.listen_problem()
    if problem:
        print(f"fogbank: refusing to listen on {config.host}. {problem}", file=sys.stderr)
        return 2
    if not _loopback(config.host):
        logging.getLogger("fogbank").warning(
            "WARNING: serving %s to the network WITHOUT authentication (--allow-remote): anyone who reaches this "
            "port can read and change every database.",
            config.host,
        )
    serve_forever(config)
    return 0


def _loopback(host: str) -> bool:
    from fogbank.core.addresses import is_loopback

    return is_loopback(host)


def cmd_worker(args: argparse.Namespace) -> int:
    from fogbank.workers import serve_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    config = Config()
    config.log_requests = not args.quiet
    serve_worker(config, args.internal_port, args.handoff_fd)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    config = _config(args)
    try:
        with urllib.request.urlopen(_url(config, "/_fogbank/health"), timeout=3) as response:
            print(json.dumps(json.load(response), indent=2))
            return 0
    except (urllib.error.URLError, OSError):
        print(f"Fogbank is not running on {_url(config, '')}", file=sys.stderr)
        return 1


def cmd_reset(args: argparse.Namespace) -> int:
    config = _config(args)
    request = urllib.request.Request(_url(config, "/_fogbank/reset"), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30):
            print("Fogbank state wiped (running server).")
            return 0
    except (urllib.error.URLError, OSError):
        pass
    if config.data_dir.exists():
        shutil.rmtree(config.data_dir)
    print(f"Fogbank state wiped ({config.data_dir}).")
    return 0


def main(argv: list[str] | None = None) -> int:
    from fogbank.engines.supervisor import restore_default_signals

    restore_default_signals()  # a background job starts with SIGINT ignored: Ctrl-C/SIGTERM must still stop us
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["aws"]:  # every later word is the AWS CLI's, --help included: no argparse here
        from fogbank.aws_cli import main as aws_main

        return aws_main(argv[1:])
    parser = argparse.ArgumentParser(prog="fogbank", description="AWS database services on your machine.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{up,status,reset,aws}")
    commands.add_parser("aws", help="the AWS CLI pointed at Fogbank: fogbank aws rds describe-db-instances")
    for name, func, help_text in (
        ("up", cmd_up, "serve the AWS endpoint in the foreground"),
        ("status", cmd_status, "show a running Fogbank's services"),
        ("reset", cmd_reset, "wipe all state"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--host", help="listen address (FOGBANK_HOST, default 127.0.0.1)")
        command.add_argument("--port", type=int, help="port (FOGBANK_PORT, default 4566)")
        command.add_argument("--data-dir", help="state directory (FOGBANK_DATA_DIR)")
        if name == "up":
            command.add_argument("--ephemeral", action="store_true", help="keep state in a temporary directory")
            command.add_argument(
                "--workers",
                type=int,
                help="processes serving DynamoDB item operations (FOGBANK_WORKERS, default: one per core, up to 4)",
            )
            command.add_argument("--quiet", action="store_true", help="no line per request (FOGBANK_LOG_REQUESTS=0)")
            command.add_argument(
                "--cors-origins",
                metavar="ORIGINS",
                help="origins whose web pages may call Fogbank, comma-separated, e.g. http://localhost:3000; "
                "'*' allows every page on the web (FOGBANK_CORS_ORIGINS, default: none but the console)",
            )
            command.add_argument(
                "--allowed-hosts",
                metavar="NAMES",
                help="host names Fogbank answers besides IP addresses and localhost, comma-separated "
                "(FOGBANK_ALLOWED_HOSTS)",
            )
            command.add_argument(
                "--allow-remote",
                action="store_true",
                help="allow --host to be a non-loopback address (FOGBANK_ALLOW_REMOTE=1); credentials are not checked",
            )
        command.set_defaults(func=func)
    # Started by ``fogbank up`` itself (fogbank/workers.py), not by people.
    worker = commands.add_parser("worker")
    worker.add_argument("--internal-port", type=int, required=True)
    worker.add_argument("--handoff-fd", type=int, required=True)
    worker.add_argument("--quiet", action="store_true")
    worker.set_defaults(func=cmd_worker)
    args = parser.parse_args(argv)
    return args.func(args)
