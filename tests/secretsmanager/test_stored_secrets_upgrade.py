"""A Fogbank upgraded in place keeps its secrets: a state document written before Secrets
Manager used the shared store (``{"secrets": [...]}``) loads, answers every read as before,
and is written in the shared store's form at the next change, which a restart reads back."""

from __future__ import annotations

import base64
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from fogbank.server import Fogbank

ACCOUNT, REGION = "000000000000", "us-east-1"
ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:app/db-AbC123"


def _old_document(now: float) -> dict[str, Any]:
    """What the Secrets Manager store wrote before fogbank.managed (recorded from that code)."""
    versions = {
        "v-old": {"string": '{"username": "a", "password": "1"}', "binary": None, "stages": ["AWSPREVIOUS"],
                  "created": now - 60},
        "v-new": {"string": '{"username": "a", "password": "2"}', "binary": None, "stages": ["AWSCURRENT"],
                  "created": now - 30},
    }  # fmt: skip
    app = {
        "name": "app/db", "arn": ARN, "description": "the app's login", "kms_key_id": None,
        "tags": [{"Key": "team", "Value": "data"}], "created": now - 120, "last_changed": now - 30,
        "last_accessed": None, "deleted": None, "deletion_date": None, "versions": versions,
    }  # fmt: skip
    blob = {
        "name": "blob", "arn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:blob-XyZ789", "description": None,
        "kms_key_id": None, "tags": [], "created": now - 100, "last_changed": now - 100, "last_accessed": None,
        "deleted": now - 10, "deletion_date": now + 7 * 86400,
        "versions": {"v-b": {"string": None, "binary": base64.b64encode(b"\x00\x01").decode(),
                             "stages": ["AWSCURRENT"], "created": now - 100}},
    }  # fmt: skip
    return {"secrets": [app, blob]}


def _client(fb: Fogbank) -> Any:
    return boto3.client("secretsmanager", endpoint_url=fb.endpoint, region_name=REGION,
                        aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip


def test_an_old_state_document_still_loads() -> None:
    root = Path(tempfile.mkdtemp(prefix="fogbank-sm-upgrade-"))
    state = root / "secretsmanager" / ACCOUNT / f"{REGION}.json"
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps(_old_document(time.time())))
    with Fogbank(port=0, data_dir=root) as fb:
        sm = _client(fb)
        assert sm.get_secret_value(SecretId="app/db")["SecretString"] == '{"username": "a", "password": "2"}'
        assert sm.get_secret_value(SecretId=ARN, VersionStage="AWSPREVIOUS")["VersionId"] == "v-old"
        described = sm.describe_secret(SecretId=ARN[:-7])  # a partial ARN finds it too
        assert described["Description"] == "the app's login" and described["Tags"] == [{"Key": "team", "Value": "data"}]
        assert described["VersionIdsToStages"] == {"v-old": ["AWSPREVIOUS"], "v-new": ["AWSCURRENT"]}
        listed = sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]
        assert sorted(s["Name"] for s in listed) == ["app/db", "blob"]
        assert "DeletedDate" in sm.describe_secret(SecretId="blob")
        sm.restore_secret(SecretId="blob")  # a change: the document is written in the new form
        assert sm.get_secret_value(SecretId="blob")["SecretBinary"] == b"\x00\x01"
    saved = json.loads(state.read_text())
    assert saved["format"] == 1 and sorted(r["identifier"] for r in saved["records"]["secret"]) == ["app/db", "blob"]
    with Fogbank(port=0, data_dir=root) as fb:  # the new form reads back
        sm = _client(fb)
        assert sm.get_secret_value(SecretId="app/db")["VersionId"] == "v-new"
        assert "DeletedDate" not in sm.describe_secret(SecretId="blob")
        assert sm.describe_secret(SecretId="app/db")["Tags"] == [{"Key": "team", "Value": "data"}]
