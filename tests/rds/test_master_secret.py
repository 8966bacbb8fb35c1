"""RDS-managed master passwords through boto3 and psycopg: ManageMasterUserPassword keeps the password in a
Secrets Manager secret that RDS owns (the login works with what the secret holds, the Data API signs in with
it), RotateMasterUserPassword changes both, turning it off needs a password and deletes the secret, and so
does deleting the instance; AWS's refusals (two recorded from AWS, see fogbank/services/rds/master_secret.py)."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from botocore.exceptions import ClientError

from tests.rds.conftest import wait_status


def _code(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def _login(instance: dict[str, Any], secret: dict[str, Any]) -> psycopg.Connection:
    value = json.loads(secret["SecretString"])
    endpoint = instance["Endpoint"]
    return psycopg.connect(host=endpoint["Address"], port=endpoint["Port"], user=value["username"],
                           password=value["password"], dbname="postgres", connect_timeout=5)  # fmt: skip


def test_the_master_password_lives_in_an_rds_owned_secret(client: Any) -> None:
    rds, sm = client("rds"), client("secretsmanager")
    made = rds.create_db_instance(DBInstanceIdentifier="kept", Engine="postgres", DBInstanceClass="db.t3.micro",
                                  MasterUsername="postgres", AllocatedStorage=20,
                                  ManageMasterUserPassword=True)["DBInstance"]  # fmt: skip
    secret_ref = made["MasterUserSecret"]
    assert secret_ref["SecretStatus"] == "active" and ":secret:rds!db-" in secret_ref["SecretArn"]
    instance = wait_status(rds, "kept", "available")
    assert instance["MasterUserSecret"] == secret_ref
    described = sm.describe_secret(SecretId=secret_ref["SecretArn"])
    assert described["OwningService"] == "rds"
    assert {"Key": "aws:rds:primaryDBInstanceArn", "Value": instance["DBInstanceArn"]} in described["Tags"]
    first = sm.get_secret_value(SecretId=secret_ref["SecretArn"])
    assert json.loads(first["SecretString"])["username"] == "postgres"
    with _login(instance, first) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (7)")
        conn.commit()

    # The RDS Data API signs in with the secret, as with one of the user's own.
    data = client("rds-data")
    answer = data.execute_statement(resourceArn=instance["DBInstanceArn"], secretArn=secret_ref["SecretArn"],
                                    sql="SELECT x FROM t", database="postgres")  # fmt: skip
    assert answer["records"] == [[{"longValue": 7}]]

    rds.modify_db_instance(DBInstanceIdentifier="kept", RotateMasterUserPassword=True, ApplyImmediately=True)
    instance = wait_status(rds, "kept", "available")
    second = sm.get_secret_value(SecretId=secret_ref["SecretArn"])
    assert second["VersionId"] != first["VersionId"]
    assert (
        sm.get_secret_value(SecretId=secret_ref["SecretArn"], VersionStage="AWSPREVIOUS")["VersionId"]
        == first["VersionId"]
    )
    with pytest.raises(psycopg.OperationalError):
        _login(instance, first)  # the old password no longer works
    with _login(instance, second) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(7,)]

    with pytest.raises(ClientError) as refused:
        rds.modify_db_instance(DBInstanceIdentifier="kept", ManageMasterUserPassword=False, ApplyImmediately=True)
    assert _code(refused) == ("InvalidParameterCombination",
                              "MasterUserPassword must be provided when ManageMasterUserPassword is set to false.")  # fmt: skip
    rds.modify_db_instance(DBInstanceIdentifier="kept", ManageMasterUserPassword=False,
                           MasterUserPassword="Plain-pass-123", ApplyImmediately=True)  # fmt: skip
    instance = wait_status(rds, "kept", "available")
    assert "MasterUserSecret" not in instance
    with pytest.raises(ClientError) as gone:
        sm.describe_secret(SecretId=secret_ref["SecretArn"])
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    endpoint = instance["Endpoint"]
    with psycopg.connect(host=endpoint["Address"], port=endpoint["Port"], user="postgres", password="Plain-pass-123",
                         dbname="postgres", connect_timeout=5) as conn:  # fmt: skip
        assert conn.execute("SELECT x FROM t").fetchall() == [(7,)]

    # Managed again, then the instance is deleted: its secret goes with it.
    rds.modify_db_instance(DBInstanceIdentifier="kept", ManageMasterUserPassword=True, ApplyImmediately=True)
    arn = wait_status(rds, "kept", "available")["MasterUserSecret"]["SecretArn"]
    assert json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])["password"] != "Plain-pass-123"
    rds.delete_db_instance(DBInstanceIdentifier="kept", SkipFinalSnapshot=True)
    with pytest.raises(ClientError) as deleted:
        sm.describe_secret(SecretId=arn)
    assert deleted.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_managed_password_refusals(client: Any) -> None:
    rds = client("rds")
    base = {"Engine": "postgres", "DBInstanceClass": "db.t3.micro", "MasterUsername": "postgres",
            "AllocatedStorage": 20}  # fmt: skip
    with pytest.raises(ClientError) as both:
        rds.create_db_instance(DBInstanceIdentifier="both", ManageMasterUserPassword=True,
                               MasterUserPassword="Secret-pass1", **base)  # fmt: skip
    assert _code(both)[0] == "InvalidParameterCombination"
    with pytest.raises(ClientError) as key:
        rds.create_db_instance(DBInstanceIdentifier="key", MasterUserPassword="Secret-pass1",
                               MasterUserSecretKmsKeyId="alias/mine", **base)  # fmt: skip
    assert _code(key)[0] == "InvalidParameterCombination"
    assert client("secretsmanager").list_secrets()["SecretList"] == []  # nothing was made for a refused create
    rds.create_db_instance(DBInstanceIdentifier="plain", MasterUserPassword="Secret-pass1", **base)
    wait_status(rds, "plain", "available")
    for params, message in [
        ({"ManageMasterUserPassword": False, "MasterUserPassword": "Other-pass-1"},
         "You cannot set ManageMasterUserPassword to false because the master user password is not currently "
         "managed by RDS."),
        ({"RotateMasterUserPassword": True}, None),
    ]:  # fmt: skip
        with pytest.raises(ClientError) as refused:
            rds.modify_db_instance(DBInstanceIdentifier="plain", ApplyImmediately=True, **params)
        code, text = _code(refused)
        assert code == "InvalidParameterCombination" and (message is None or text == message)
    rds.modify_db_instance(DBInstanceIdentifier="plain", ManageMasterUserPassword=True, ApplyImmediately=True)
    wait_status(rds, "plain", "available")
    with pytest.raises(ClientError) as later:
        rds.modify_db_instance(DBInstanceIdentifier="plain", RotateMasterUserPassword=True)  # not ApplyImmediately
    assert _code(later)[0] == "InvalidParameterCombination"
