"""Item operations through boto3: Put/Get/Update/Delete, conditions, return values, capacity, legacy params."""

from __future__ import annotations

import pytest

from tests.dynamodb.conftest import error_of, make_table

KEY = {"pk": {"S": "a"}, "sk": {"S": "b"}}


def item(**attributes):
    return {**KEY, **attributes}


def test_put_get_round_trip_every_type(ddb, table):
    value = item(
        s={"S": ""},
        n={"N": "-0012.500"},
        b={"B": b"\x00\xff"},
        ss={"SS": ["x", "y"]},
        ns={"NS": ["1", "2.50"]},
        bs={"BS": [b"a", b"b"]},
        m={"M": {"inner": {"L": [{"NULL": True}, {"BOOL": False}]}}},
        big={"N": "12345678901234567890123456789012345678"},
        tiny={"N": "1E-130"},
    )
    ddb.put_item(TableName=table, Item=value)
    got = ddb.get_item(TableName=table, Key=KEY, ConsistentRead=True)["Item"]
    assert got["n"] == {"N": "-12.5"}
    assert got["b"] == {"B": b"\x00\xff"}
    assert sorted(got["ns"]["NS"]) == ["1", "2.5"]
    assert got["m"] == value["m"]
    assert got["s"] == {"S": ""}
    assert got["big"] == {"N": "12345678901234567890123456789012345678"}
    assert got["tiny"]["N"] == "0." + "0" * 129 + "1"


def test_get_missing_and_projection(ddb, table):
    assert "Item" not in ddb.get_item(TableName=table, Key=KEY)
    ddb.put_item(
        TableName=table, Item=item(a={"M": {"b": {"S": "x"}, "c": {"S": "y"}}}, l={"L": [{"N": "1"}, {"N": "2"}]})
    )
    got = ddb.get_item(
        TableName=table, Key=KEY, ProjectionExpression="#a.b, l[1]", ExpressionAttributeNames={"#a": "a"}
    )
    assert got["Item"] == {"a": {"M": {"b": {"S": "x"}}}, "l": {"L": [{"N": "2"}]}}
    got = ddb.get_item(TableName=table, Key=KEY, AttributesToGet=["pk"])
    assert got["Item"] == {"pk": {"S": "a"}}


def test_key_errors(ddb, table, hash_table):
    assert error_of(ddb.get_item, TableName=table, Key={"pk": {"S": "a"}}) == (
        "ValidationException",
        "The provided key element does not match the schema",
    )
    assert error_of(ddb.get_item, TableName=table, Key={"pk": {"N": "1"}, "sk": {"S": "b"}})[1] == (
        "The provided key element does not match the schema"
    )
    assert error_of(ddb.put_item, TableName=table, Item={"pk": {"S": "a"}}) == (
        "ValidationException",
        "One or more parameter values were invalid: Missing the key sk in the item",
    )
    assert error_of(ddb.put_item, TableName=table, Item={"pk": {"S": "a"}, "sk": {"N": "1"}})[1] == (
        "One or more parameter values were invalid: Type mismatch for key sk expected: S actual: N"
    )
    assert "empty string value" in error_of(ddb.put_item, TableName=hash_table, Item={"pk": {"S": ""}})[1]
    assert error_of(ddb.put_item, TableName="missing", Item={"pk": {"S": "a"}}) == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )


def test_attribute_value_errors(ddb, table):
    # PutItem words a bad number or a duplicated set member inside the validation envelope (AWS, 2026-10).
    assert error_of(ddb.put_item, TableName=table, Item=item(x={"SS": ["a", "a"]}))[1] == (
        '1 validation error detected: One or more parameter values were invalid: Input collection ["a", "a"] '
        "contains duplicates."
    )
    assert error_of(ddb.put_item, TableName=table, Item=item(x={"N": "abc"}))[1] == (
        "1 validation error detected: The parameter cannot be converted to a numeric value: abc"
    )
    assert error_of(ddb.put_item, TableName=table, Item=item(x={"N": "1" * 39}))[1] == (
        "1 validation error detected: Attempting to store more than 38 significant digits in a Number"
    )
    assert error_of(ddb.put_item, TableName=table, Item=item(x={}))[1].startswith("Supplied AttributeValue is empty")
    assert "may not be empty" in error_of(ddb.put_item, TableName=table, Item=item(x={"SS": []}))[1]


def test_item_size_limit(ddb, table):
    ddb.put_item(TableName=table, Item=item(d={"S": "x" * (400 * 1024 - 10)}))
    assert error_of(ddb.put_item, TableName=table, Item=item(d={"S": "x" * (400 * 1024)})) == (
        "ValidationException",
        "Item size has exceeded the maximum allowed size",
    )


def test_conditions_and_return_values(ddb, table):
    assert "Attributes" not in ddb.put_item(TableName=table, Item=item(v={"N": "1"}), ReturnValues="ALL_OLD")
    old = ddb.put_item(TableName=table, Item=item(v={"N": "2"}), ReturnValues="ALL_OLD")["Attributes"]
    assert old["v"] == {"N": "1"}
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as caught:
        ddb.put_item(
            TableName=table,
            Item=item(v={"N": "3"}),
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert caught.value.response["Error"]["Message"] == "The conditional request failed"
    assert caught.value.response["Item"]["v"] == {"N": "2"}
    ddb.put_item(
        TableName=table,
        Item=item(v={"N": "3"}),
        ConditionExpression="v = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    assert error_of(ddb.put_item, TableName=table, Item=item(), ReturnValues="ALL_NEW") == (
        "ValidationException",
        "ReturnValues can only be ALL_OLD or NONE",
    )
    deleted = ddb.delete_item(TableName=table, Key=KEY, ReturnValues="ALL_OLD")["Attributes"]
    assert deleted["v"] == {"N": "3"}
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.delete_item(TableName=table, Key=KEY, ConditionExpression="attribute_exists(pk)")


def test_placeholder_rules(ddb, table):
    code, message = error_of(
        ddb.put_item,
        TableName=table,
        Item=item(),
        ConditionExpression="attribute_not_exists(pk)",
        ExpressionAttributeValues={":unused": {"S": "x"}},
    )
    # PutItem words input faults inside the validation envelope (AWS, 2026-10).
    assert message == (
        "1 validation error detected: Value provided in ExpressionAttributeValues unused in expressions: keys: "
        "{:unused}"
    )
    code, message = error_of(ddb.put_item, TableName=table, Item=item(), ExpressionAttributeNames={"#n": "x"})
    assert message == "ExpressionAttributeNames can only be specified when using expressions"
    code, message = error_of(
        ddb.put_item,
        TableName=table,
        Item=item(),
        ConditionExpression="#n = :v",
        ExpressionAttributeValues={":v": {"S": "x"}},
    )
    assert message.startswith(
        "1 validation error detected: Invalid ConditionExpression: An expression attribute name used in the "
        "document path is not defined"
    )
    code, message = error_of(
        ddb.put_item,
        TableName=table,
        Item=item(),
        ConditionExpression="attribute_exists(pk)",
        Expected={"pk": {"Exists": False}},
    )
    assert message == (
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"
    )
    code, message = error_of(
        ddb.put_item,
        TableName=table,
        Item=item(),
        ConditionExpression="size = :v",
        ExpressionAttributeValues={":v": {"N": "1"}},
    )
    # As PutItem answers in us-east-1 (a user's recorded error of 2026, with "status").
    assert message == (
        "1 validation error detected: Invalid ConditionExpression: Attribute name is a reserved keyword; "
        "reserved keyword: size"
    )


def test_update_expression(ddb, table):
    result = ddb.update_item(
        TableName=table,
        Key=KEY,
        UpdateExpression="SET n = :one, l = :l, m = :m ADD s :s",
        ExpressionAttributeValues={
            ":one": {"N": "1"},
            ":l": {"L": [{"S": "a"}]},
            ":m": {"M": {"x": {"N": "0.1"}}},
            ":s": {"SS": ["p"]},
        },
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert result["n"] == {"N": "1"} and result["pk"] == {"S": "a"}
    result = ddb.update_item(
        TableName=table,
        Key=KEY,
        UpdateExpression="SET n = n + :d, l = list_append(l, :more), m.x = m.x + :d, c = if_not_exists(c, :zero) "
        "REMOVE gone DELETE s :s ADD t :t",
        ExpressionAttributeValues={
            ":d": {"N": "0.2"},
            ":more": {"L": [{"S": "b"}]},
            ":zero": {"N": "0"},
            ":s": {"SS": ["p"]},
            ":t": {"SS": ["q"]},
        },
        ReturnValues="UPDATED_NEW",
    )["Attributes"]
    assert result["n"] == {"N": "1.2"}
    assert result["m"] == {"M": {"x": {"N": "0.3"}}}
    assert result["l"] == {"L": [{"S": "a"}, {"S": "b"}]}
    old = ddb.update_item(TableName=table, Key=KEY, UpdateExpression="REMOVE l[0]", ReturnValues="UPDATED_OLD")[
        "Attributes"
    ]
    assert old == {"l": {"L": [{"S": "a"}]}}
    assert error_of(
        ddb.update_item,
        TableName=table,
        Key=KEY,
        UpdateExpression="SET pk = :v",
        ExpressionAttributeValues={":v": {"S": "z"}},
    ) == (
        "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
    )
    code, message = error_of(
        ddb.update_item,
        TableName=table,
        Key=KEY,
        UpdateExpression="SET n = n + :s",
        ExpressionAttributeValues={":s": {"S": "x"}},
    )
    assert message.startswith(
        "1 validation error detected: Invalid UpdateExpression: Incorrect operand type for operator or function"
    )


def test_update_creates_item_and_exact_decimals(ddb, table):
    ddb.update_item(TableName=table, Key=KEY)
    assert ddb.get_item(TableName=table, Key=KEY)["Item"] == KEY
    ddb.update_item(
        TableName=table,
        Key=KEY,
        UpdateExpression="ADD c :big",
        ExpressionAttributeValues={":big": {"N": "99999999999999999999999999999999999999"}},
    )
    ddb.update_item(
        TableName=table, Key=KEY, UpdateExpression="ADD c :one", ExpressionAttributeValues={":one": {"N": "1"}}
    )
    assert ddb.get_item(TableName=table, Key=KEY)["Item"]["c"] == {"N": "1" + "0" * 38}
    code, message = error_of(
        ddb.update_item,
        TableName=table,
        Key=KEY,
        UpdateExpression="ADD c :tenth",
        ExpressionAttributeValues={":tenth": {"N": "0.1"}},
    )
    assert message == "Number overflow. Attempting to store a number with magnitude larger than supported range"


def test_legacy_parameters(ddb, table):
    ddb.put_item(TableName=table, Item=item(v={"N": "1"}), Expected={"pk": {"Exists": False}})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(
            TableName=table,
            Item=item(),
            Expected={"v": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "5"}]}},
        )
    result = ddb.update_item(
        TableName=table,
        Key=KEY,
        AttributeUpdates={"v": {"Action": "ADD", "Value": {"N": "2"}}, "w": {"Action": "PUT", "Value": {"S": "x"}}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert result["v"] == {"N": "3"} and result["w"] == {"S": "x"}
    ddb.update_item(TableName=table, Key=KEY, AttributeUpdates={"w": {"Action": "DELETE"}})
    assert "w" not in ddb.get_item(TableName=table, Key=KEY)["Item"]


def test_consumed_capacity_units(ddb):
    make_table(
        ddb,
        "cap",
        definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    big = item(g={"S": "x"}, d={"S": "x" * 5000})  # ~5 KB: 5 write units, 2 read units (4 KB each)
    put = ddb.put_item(TableName="cap", Item=big, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert put["Table"]["CapacityUnits"] == 5.0
    assert put["GlobalSecondaryIndexes"]["byg"]["CapacityUnits"] == 5.0
    assert put["CapacityUnits"] == 10.0
    read = ddb.get_item(TableName="cap", Key=KEY, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    # No ReadCapacityUnits/WriteCapacityUnits split outside transactions, as on AWS.
    assert read == {"TableName": "cap", "CapacityUnits": 1.0}
    strong = ddb.get_item(TableName="cap", Key=KEY, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")[
        "ConsumedCapacity"
    ]
    assert strong["CapacityUnits"] == 2.0
    small = ddb.put_item(TableName="cap", Item=item(), ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert small["CapacityUnits"] == 5.0 + 5.0  # the overwritten item's size counts, and its index entry is deleted
    assert "ConsumedCapacity" not in ddb.get_item(TableName="cap", Key=KEY)


def test_index_key_type_checked(ddb):
    make_table(
        ddb,
        "idx",
        definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    assert error_of(ddb.put_item, TableName="idx", Item=item(g={"N": "1"}))[1] == (
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: byg"
    )


def test_item_collection_metrics_for_lsi_tables(ddb):
    make_table(
        ddb,
        "lsi",
        definitions=[{"AttributeName": "l", "AttributeType": "S"}],
        LocalSecondaryIndexes=[
            {
                "IndexName": "byl",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    metrics = ddb.put_item(TableName="lsi", Item=item(l={"S": "x"}), ReturnItemCollectionMetrics="SIZE")[
        "ItemCollectionMetrics"
    ]
    assert metrics["ItemCollectionKey"] == {"pk": {"S": "a"}}


def test_number_keys_are_values_not_text(ddb):
    make_table(ddb, "numkeys", sort=None)
    ddb.delete_table(TableName="numkeys")
    ddb.create_table(
        TableName="numkeys",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="numkeys", Item={"id": {"N": "1.0"}, "v": {"S": "first"}})
    ddb.put_item(TableName="numkeys", Item={"id": {"N": "1"}, "v": {"S": "second"}})
    assert ddb.get_item(TableName="numkeys", Key={"id": {"N": "01.00"}})["Item"] == {
        "id": {"N": "1"},
        "v": {"S": "second"},
    }
    assert ddb.scan(TableName="numkeys")["Count"] == 1


def test_update_and_delete_condition_failures(ddb, table):
    ddb.put_item(TableName=table, Item=item(v={"N": "1"}))
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as caught:
        ddb.update_item(
            TableName=table,
            Key=KEY,
            UpdateExpression="SET v = :two",
            ConditionExpression="v = :zero",
            ExpressionAttributeValues={":two": {"N": "2"}, ":zero": {"N": "0"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert caught.value.response["Item"]["v"] == {"N": "1"}
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as caught:
        ddb.delete_item(TableName=table, Key=KEY, Expected={"v": {"Value": {"N": "5"}}})
    assert "Item" not in caught.value.response
    assert (
        error_of(ddb.delete_item, TableName=table, Key=KEY, ReturnValues="UPDATED_NEW")[1]
        == "ReturnValues can only be ALL_OLD or NONE"
    )
    assert ddb.get_item(TableName=table, Key=KEY)["Item"]["v"] == {"N": "1"}


def test_update_item_size_and_index_checks(ddb, table):
    ddb.put_item(TableName=table, Item=item(d={"S": "x" * 300_000}))
    assert error_of(
        ddb.update_item,
        TableName=table,
        Key=KEY,
        UpdateExpression="SET e = :big",
        ExpressionAttributeValues={":big": {"S": "y" * 200_000}},
    ) == ("ValidationException", "Item size to update has exceeded the maximum allowed size")
