"""Write operations with well-formed but nonsensical input, never a 500.

test_fuzz.py sends well-formed requests only to read operations (it must not create resources in a shared
server). Here each test has its own server, so DynamoDB's and Secrets Manager's writes get seeded, model-shaped
requests whose values are plausible names, expressions, nulls, empty and wrong-typed members: the shapes that
found 500s before (null list entries, tags without keys, deep nesting). Every answer must be a 2xx, a 4xx or
the honest 501.
"""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from typing import Any

import botocore.session
import pytest

WORDS = ["things", "pk", "sk", "#a", ":v", "", "x" * 300, "pk = :v", "SET #a = :v", "attribute_exists(pk)"]
WORDS += ["REMOVE a", "ADD n :v", "a IN (:v, :v)", "size(a) > :v", "arn:aws:dynamodb:us-east-1:000000000000:table/t"]
VALUES = [{"S": "x"}, {"N": "1"}, {"N": "1e400"}, {"B": "AA=="}, {"SS": []}, {"NS": ["1", "1"]}, {"M": {}}]
VALUES += [{"L": []}, {"NULL": True}, {"BOOL": False}, {}, {"S": "x", "N": "1"}, {"N": "abc"}]
ODD = [None, 1, -1, 0.5, "x", "", True, [], {}]


def value(shape: Any, chance: random.Random, depth: int = 0) -> Any:
    if chance.random() < 0.08:
        return chance.choice(ODD)
    kind = shape.type_name
    if shape.name == "AttributeValue":
        return chance.choice(VALUES) if chance.random() < 0.7 else {"M": {"a": chance.choice(VALUES)}}
    if kind == "structure":
        members = shape.members.items()
        return {
            name: value(member, chance, depth + 1)
            for name, member in members
            if depth < 4 and (name in shape.required_members or chance.random() < 0.5)
        }
    if kind == "list":
        return [value(shape.member, chance, depth + 1) for _ in range(chance.choice([0, 1, 2, 3]))]
    if kind == "map":
        return {chance.choice(["things", ":v", "#a", ""]): value(shape.value, chance, depth + 1) for _ in range(2)}
    if kind == "string":
        return chance.choice(list(shape.enum) + ["bogus"]) if shape.enum else chance.choice(WORDS)
    if kind in ("integer", "long"):
        return chance.choice([0, 1, -1, 100, 2**40])
    if kind == "boolean":
        return chance.choice([True, False])
    if kind == "blob":
        return chance.choice(["AA==", "!!"])
    return chance.choice([0, "x"])


@pytest.mark.parametrize(
    ("service", "target", "content_type", "name_member"),
    [
        ("dynamodb", "DynamoDB_20120810", "application/x-amz-json-1.0", "TableName"),
        ("secretsmanager", "secretsmanager", "application/x-amz-json-1.1", "SecretId"),
    ],
)
def test_writes_with_odd_input_never_fail_inside(
    client: Any, fogbank_endpoint: str, service: str, target: str, content_type: str, name_member: str
) -> None:
    if service == "dynamodb":
        client("dynamodb").create_table(
            TableName="things",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    else:
        client("secretsmanager").create_secret(Name="things", SecretString="x")
    model = botocore.session.get_session().get_service_model(service)
    chance = random.Random(20261127)
    failures = []
    for _ in range(3000):
        operation = chance.choice(model.operation_names)
        body = value(model.operation_model(operation).input_shape, chance)
        if isinstance(body, dict) and chance.random() < 0.8:
            body[name_member] = "things"
        request = urllib.request.Request(
            fogbank_endpoint.rstrip("/") + "/",
            data=json.dumps(body).encode(),
            headers={
                "X-Amz-Target": f"{target}.{operation}",
                "Content-Type": content_type,
                "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/{service}/aws4_request, "
                "SignedHeaders=host, Signature=00",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if error.code >= 500 and error.code != 501:
                failures.append((operation, error.code, error.read()[:200], json.dumps(body)[:300]))
    assert not failures, failures
