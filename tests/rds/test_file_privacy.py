"""No other local user can read what Fogbank keeps: tables, instances, engine logs, secrets."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from tests.platform import fogproc
from tests.rds.conftest import PASSWORD, wait_status

# Directories the engine user (``fogbank``, when Fogbank runs as root) must pass through to reach
# its own directories below: search (x) only, nothing can be listed or read through them.
TRAVERSED = ("", "rds", "rds/instances", "rds/backups")  # backups/: the engine archives its log there


def exposed(root: Path) -> list[str]:
    found = []
    for path in [root, *root.rglob("*")]:
        if path.is_symlink() or path.is_socket():
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        relative = str(path.relative_to(root)) if path != root else ""
        if path.is_dir():
            allowed = 0o011 if os.geteuid() == 0 and relative in TRAVERSED else 0
            if mode & 0o077 & ~allowed:
                found.append(f"{relative or '.'}/ {oct(mode)}")
        elif mode & 0o077:
            found.append(f"{relative} {oct(mode)}")
    return found


def test_data_dir_is_private(tmp_path: Path) -> None:
    root = Path(tempfile.mkdtemp(prefix="fogbank-privacy-"))
    root.chmod(0o755)  # as a user's home would be; the data dir below it is Fogbank's to make
    data = root / "data"
    server = fogproc.start(tmp_path / "fogbank.log", "--data-dir", str(data), wait=30)
    try:
        dynamodb = fogproc.boto("dynamodb", server.endpoint)
        dynamodb.create_table(TableName="private", AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")  # fmt: skip
        dynamodb.put_item(TableName="private", Item={"k": {"S": "secret"}})
        secrets = fogproc.boto("secretsmanager", server.endpoint)
        secrets.create_secret(Name="private", SecretString="hunter2")
        rds = fogproc.boto("rds", server.endpoint)
        rds.create_db_instance(DBInstanceIdentifier="private", Engine="postgres", DBInstanceClass="db.t3.micro",
                               MasterUsername="postgres", MasterUserPassword=PASSWORD)  # fmt: skip
        wait_status(rds, "private", "available")
        rds.create_db_snapshot(DBInstanceIdentifier="private", DBSnapshotIdentifier="private-snap")
        assert exposed(data) == [], "\n".join(exposed(data))
        rds.delete_db_instance(DBInstanceIdentifier="private", SkipFinalSnapshot=True)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
