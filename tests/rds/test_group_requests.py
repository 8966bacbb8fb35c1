"""Parameter, subnet and option groups, engine versions, certificates and tags by ARN, as the RDS
API reference describes them (no DB instance needed, so these run in milliseconds)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.provenance("aws-docs")  # the RDS API reference

ARN = "arn:aws:rds:us-east-1:000000000000:"


def error(excinfo: Any) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


def test_parameter_group_rules(rds: Any) -> None:
    families = {g["DBParameterGroupFamily"] for g in rds.describe_db_parameter_groups()["DBParameterGroups"]}
    assert {"postgres16", "mariadb10.11", "mysql8.0"} <= families
    group = rds.create_db_parameter_group(
        DBParameterGroupName="Conf-Group", DBParameterGroupFamily="postgres16", Description="conformance"
    )["DBParameterGroup"]
    assert group == {
        "DBParameterGroupName": "conf-group",
        "DBParameterGroupFamily": "postgres16",
        "Description": "conformance",
        "DBParameterGroupArn": ARN + "pg:conf-group",
    }
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_parameter_group(
            DBParameterGroupName="conf-group", DBParameterGroupFamily="postgres16", Description="again"
        )
    assert error(excinfo) == ("DBParameterGroupAlreadyExists", "Parameter group conf-group already exists")
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_parameter_group(DBParameterGroupName="empty", DBParameterGroupFamily="postgres16", Description="")
    assert error(excinfo)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_parameter_group(DBParameterGroupName="fam", DBParameterGroupFamily="postgres99", Description="d")
    assert error(excinfo)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_parameter_groups(DBParameterGroupName="missing")
    assert error(excinfo) == ("DBParameterGroupNotFound", "DBParameterGroup not found: missing")
    with pytest.raises(ClientError) as excinfo:
        rds.delete_db_parameter_group(DBParameterGroupName="default.postgres16")
    assert error(excinfo)[0] == "InvalidDBParameterGroupState"

    # Names are case-insensitive, as on RDS.
    assert rds.describe_db_parameter_groups(DBParameterGroupName="CONF-GROUP")["DBParameterGroups"][0] == group
    rds.modify_db_parameter_group(
        DBParameterGroupName="Conf-Group",
        Parameters=[{"ParameterName": "work_mem", "ParameterValue": "8192", "ApplyMethod": "immediate"}],
    )
    user = rds.describe_db_parameters(DBParameterGroupName="conf-group", Source="user")["Parameters"]
    assert [(p["ParameterName"], p["ParameterValue"], p["Source"]) for p in user] == [("work_mem", "8192", "user")]
    engine = rds.describe_db_parameters(DBParameterGroupName="conf-group", Source="engine-default", MaxRecords=100)
    assert engine["Parameters"] and all(p["Source"] == "engine-default" for p in engine["Parameters"])
    assert "work_mem" not in {p["ParameterName"] for p in engine["Parameters"]}
    named = rds.describe_db_parameters(
        DBParameterGroupName="conf-group", Filters=[{"Name": "parameter-name", "Values": ["work_mem"]}]
    )["Parameters"]
    assert [p["ParameterName"] for p in named] == ["work_mem"]
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_parameters(DBParameterGroupName="conf-group", Source="bogus")
    assert error(excinfo)[0] == "InvalidParameterValue"
    rds.reset_db_parameter_group(DBParameterGroupName="conf-group", ResetAllParameters=True)
    assert rds.describe_db_parameters(DBParameterGroupName="conf-group", Source="user")["Parameters"] == []


def test_marker_paging(rds: Any) -> None:
    for index in range(25):
        rds.create_db_parameter_group(
            DBParameterGroupName=f"page-{index:02d}", DBParameterGroupFamily="postgres16", Description="paging"
        )
    seen: list[str] = []
    marker = None
    pages = 0
    while True:
        kwargs = {"MaxRecords": 20, **({"Marker": marker} if marker else {})}
        page = rds.describe_db_parameter_groups(**kwargs)
        assert len(page["DBParameterGroups"]) <= 20
        seen += [g["DBParameterGroupName"] for g in page["DBParameterGroups"]]
        pages += 1
        marker = page.get("Marker")
        if not marker:
            break
    assert pages >= 2 and len(seen) == len(set(seen))
    assert {f"page-{index:02d}" for index in range(25)} <= set(seen)
    paginated = rds.get_paginator("describe_db_parameter_groups").paginate(PaginationConfig={"PageSize": 20})
    assert [g["DBParameterGroupName"] for p in paginated for g in p["DBParameterGroups"]] == seen
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_parameter_groups(MaxRecords=101)
    assert error(excinfo)[0] == "InvalidParameterValue"


def test_engine_versions(rds: Any) -> None:
    default = rds.describe_db_engine_versions(Engine="postgres", DefaultOnly=True)["DBEngineVersions"]
    assert len(default) == 1 and default[0]["DBParameterGroupFamily"].startswith("postgres")
    assert "rds-ca-rsa2048-g1" in default[0]["SupportedCACertificateIdentifiers"]
    family = rds.describe_db_engine_versions(DBParameterGroupFamily="mariadb10.11")["DBEngineVersions"]
    assert family and {v["Engine"] for v in family} == {"mariadb"}
    assert rds.describe_db_engine_versions(Engine="postgres", EngineVersion="99.9")["DBEngineVersions"] == []
    mysql = rds.describe_db_engine_versions(Engine="mysql", DefaultOnly=True)["DBEngineVersions"]
    assert mysql[0]["DBParameterGroupFamily"] == "mysql8.0"


def test_certificates(rds: Any) -> None:
    out = rds.describe_certificates()
    assert out["DefaultCertificateForNewLaunches"] == "rds-ca-rsa2048-g1"
    names = {c["CertificateIdentifier"] for c in out["Certificates"]}
    assert {"rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"} <= names
    one = rds.describe_certificates(CertificateIdentifier="rds-ca-rsa4096-g1")["Certificates"]
    assert [c["CertificateType"] for c in one] == ["CA"]
    assert one[0]["CertificateArn"] == ARN + "cert:rds-ca-rsa4096-g1"
    with pytest.raises(ClientError) as excinfo:
        rds.describe_certificates(CertificateIdentifier="rds-ca-nope")
    assert error(excinfo)[0] == "CertificateNotFound"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_tags_by_arn_for_every_resource_type(rds: Any) -> None:
    rds.create_db_parameter_group(DBParameterGroupName="tg", DBParameterGroupFamily="postgres16", Description="d")
    rds.create_db_subnet_group(
        DBSubnetGroupName="tsub", DBSubnetGroupDescription="d", SubnetIds=["subnet-1234abcd", "subnet-2234abcd"]
    )
    rds.create_option_group(
        OptionGroupName="topt", EngineName="postgres", MajorEngineVersion="16", OptionGroupDescription="d"
    )
    for arn in (ARN + "pg:tg", ARN + "subgrp:tsub", ARN + "og:topt"):
        rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "a", "Value": "3"}])
        assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == [
            {"Key": "a", "Value": "3"},
            {"Key": "b", "Value": "2"},
        ], arn
        rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["a", "absent"])
        assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "b", "Value": "2"}], arn

    for arn, code in [
        (ARN + "db:nope", "DBInstanceNotFound"),
        (ARN + "snapshot:nope", "DBSnapshotNotFound"),
        (ARN + "pg:nope", "DBParameterGroupNotFound"),
        (ARN + "subgrp:nope", "DBSubnetGroupNotFoundFault"),
        (ARN + "og:nope", "OptionGroupNotFoundFault"),
    ]:
        with pytest.raises(ClientError) as excinfo:
            rds.list_tags_for_resource(ResourceName=arn)
        assert error(excinfo)[0] == code, arn
    for bad in ("foo", "arn:aws:s3:::bucket", "arn:aws:rds:us-east-1:000000000000:nocolon"):
        with pytest.raises(ClientError) as excinfo:
            rds.list_tags_for_resource(ResourceName=bad)
        assert error(excinfo) == ("InvalidParameterValue", f"Invalid resource name:  {bad}")
    with pytest.raises(ClientError) as excinfo:
        rds.add_tags_to_resource(ResourceName=ARN + "pg:tg", Tags=[{"Key": "aws:reserved", "Value": "x"}])
    assert error(excinfo)[0] == "InvalidParameterValue"


def test_group_descriptions_are_required(rds: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.create_option_group(
            OptionGroupName="o1", EngineName="postgres", MajorEngineVersion="16", OptionGroupDescription=""
        )
    assert error(excinfo)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_subnet_group(DBSubnetGroupName="s1", DBSubnetGroupDescription="", SubnetIds=["subnet-1234abcd"])
    assert error(excinfo)[0] == "InvalidParameterValue"


def test_subnet_group_rules(rds: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_subnet_group(DBSubnetGroupName="s0", DBSubnetGroupDescription="d", SubnetIds=[])
    assert error(excinfo) == ("InvalidSubnet", "Subnet IDs are required.")
    group = rds.create_db_subnet_group(
        DBSubnetGroupName="S1", DBSubnetGroupDescription="d", SubnetIds=["subnet-1234abcd", "subnet-2234abcd"]
    )["DBSubnetGroup"]
    assert group["DBSubnetGroupName"] == "s1" and group["DBSubnetGroupArn"] == ARN + "subgrp:s1"
    assert group["VpcId"].startswith("vpc-") and group["SubnetGroupStatus"] == "Complete"
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == ["subnet-1234abcd", "subnet-2234abcd"]
    with pytest.raises(ClientError) as excinfo:
        rds.create_db_subnet_group(DBSubnetGroupName="s1", DBSubnetGroupDescription="d", SubnetIds=["subnet-1234abcd"])
    assert error(excinfo) == ("DBSubnetGroupAlreadyExists", "The DB subnet group 's1' already exists.")
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_subnet_groups(DBSubnetGroupName="missing")
    assert error(excinfo)[0] == "DBSubnetGroupNotFoundFault"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
