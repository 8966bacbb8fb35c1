"""Every service Fogbank answers, with the botocore models each one serves."""

from __future__ import annotations

from fogbank.services.base import Service


class ModelledOnly(Service):
    """A service whose operations all answer NotImplemented until it is built."""

    def __init__(self, name: str, *models: str) -> None:
        super().__init__()
        self.name = name
        self.models = models or (name,)

    def status(self) -> dict[str, object]:
        return {"state": "not implemented", "operations": 0}


def all_services() -> list[Service]:
    from fogbank.services.dynamodb.service import service as dynamodb
    from fogbank.services.dynamodbstreams.service import service as dynamodbstreams
    from fogbank.services.elasticache.service import service as elasticache
    from fogbank.services.rds.service import service as rds
    from fogbank.services.rdsdata.service import service as rdsdata
    from fogbank.services.secretsmanager.service import service as secretsmanager
    from fogbank.services.sts.api import service as sts

    return [
        dynamodb,
        dynamodbstreams,  # after dynamodb: it reads DynamoDB's store
        rds,
        elasticache,
        ModelledOnly("iam"),
        sts,
        ModelledOnly("backup"),
        ModelledOnly("neptunedata"),
        rdsdata,
        ModelledOnly("kms"),
        ModelledOnly("cloudwatch"),
        secretsmanager,
    ]
