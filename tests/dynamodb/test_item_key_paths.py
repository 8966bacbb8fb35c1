"""Document paths into key attributes on single-item operations, checked against real DynamoDB's messages.

Key attributes are scalars, so DynamoDB refuses a path that looks inside one (``pk.x``, ``g[1]``) before it
reads the item. For UpdateItem it first refuses a write to a table key attribute, then a write that gives an
index key a value of the wrong type, then any path into a key attribute (written or read).

Provenance of each test's expected answers: its ``provenance`` marker (registered in pyproject.toml)."""

from __future__ import annotations

import pytest

from tests.dynamodb.conftest import error_of, make_table

SCALAR = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
INVALID = "One or more parameter values were invalid: "
KEY = {"pk": {"S": "a"}, "sk": {"S": "b"}}


@pytest.fixture
def indexed(ddb):
    """A table keyed by pk/sk with a GSI keyed on g (S) and h (N)."""
    return make_table(
        ddb,
        "indexed",
        definitions=[{"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "h", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "h", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


def update_error(ddb, table, expression, values=None, **extra):
    params = {"TableName": table, "Key": KEY, "UpdateExpression": expression, **extra}
    if values:
        params["ExpressionAttributeValues"] = values
    return error_of(ddb.update_item, **params)


# -- GetItem ----------------------------------------------------------------------------------------


@pytest.mark.provenance("aws")
def test_get_item_projection_into_a_table_key(ddb, indexed):
    ddb.put_item(TableName=indexed, Item={**KEY, "m": {"M": {"b": {"S": "x"}}}})
    for projection, names in (("#a.b", {"#a": "pk"}), ("m, sk[0]", None)):
        params = {"TableName": indexed, "Key": KEY, "ProjectionExpression": projection}
        if names:
            params["ExpressionAttributeNames"] = names
        name = "pk" if names else "sk"
        assert error_of(ddb.get_item, **params) == ("ValidationException", SCALAR + f"Key: {name}")


@pytest.mark.provenance("aws")
def test_get_item_projection_into_an_index_key(ddb, indexed):
    assert error_of(ddb.get_item, TableName=indexed, Key=KEY, ProjectionExpression="g.x") == (
        "ValidationException",
        SCALAR + "IndexKey: g",
    )


@pytest.mark.provenance("aws")
def test_get_item_projection_of_whole_keys_and_nested_others_still_works(ddb, indexed):
    ddb.put_item(TableName=indexed, Item={**KEY, "g": {"S": "G"}, "m": {"M": {"b": {"S": "x"}}}})
    item = ddb.get_item(TableName=indexed, Key=KEY, ProjectionExpression="pk, g, m.b")["Item"]
    assert item == {"pk": {"S": "a"}, "g": {"S": "G"}, "m": {"M": {"b": {"S": "x"}}}}
    # AttributesToGet names only top-level attributes: a dotted name is an attribute of its own.
    assert ddb.get_item(TableName=indexed, Key=KEY, AttributesToGet=["pk.x"]).get("Item", {}) == {}


# -- UpdateItem -------------------------------------------------------------------------------------


@pytest.mark.provenance("aws")
@pytest.mark.parametrize(
    ("expression", "values"),
    [
        ("SET g[1] = :v", {":v": {"S": "x"}}),
        ("SET e = g.x", None),
        ("SET e = list_append(pk_list, g[0])", None),
        ("ADD g.n :n", {":n": {"N": "1"}}),
        ("REMOVE g.x", None),
        ("DELETE g.s :s", {":s": {"SS": ["x"]}}),
        ("SET e = if_not_exists(g.x, :v)", {":v": {"S": "x"}}),
    ],
)
def test_update_path_into_an_index_key(ddb, indexed, expression, values):
    # On an absent item, so the refusal comes before anything reads the item.
    assert update_error(ddb, indexed, expression, values) == ("ValidationException", SCALAR + "IndexKey: g")


@pytest.mark.provenance("aws")
def test_update_path_into_an_index_key_of_an_existing_item(ddb, indexed):
    ddb.put_item(TableName=indexed, Item={**KEY, "g": {"S": "G"}, "e": {"S": "E"}})
    assert update_error(ddb, indexed, "SET e = h[0]") == ("ValidationException", SCALAR + "IndexKey: h")
    assert ddb.get_item(TableName=indexed, Key=KEY)["Item"]["e"] == {"S": "E"}


@pytest.mark.provenance("aws")
def test_update_reading_a_path_into_a_table_key(ddb, indexed):
    assert update_error(ddb, indexed, "SET e = pk.x") == ("ValidationException", SCALAR + "Key: pk")


@pytest.mark.provenance("aws")
def test_update_of_a_table_key_is_refused_first(ddb, indexed):
    # Writing a table key attribute (even inside it) is refused before any path into a key is looked at.
    assert update_error(ddb, indexed, "SET e = g.x, sk.y = :v", {":v": {"S": "x"}}) == (
        "ValidationException",
        INVALID + "Cannot update attribute sk. This attribute is part of the key",
    )


@pytest.mark.provenance("aws")
@pytest.mark.parametrize(
    ("expression", "values", "message"),
    [
        ("SET e = g[1], h = :s", {":s": {"S": "x"}}, "h Expected: N Actual: S"),
        ("SET g.a = :s ADD h :ss", {":s": {"S": "x"}, ":ss": {"SS": ["x"]}}, "h Expected: N Actual: SS"),
        ("SET e = h.x, g = e + :n", {":n": {"N": "1"}}, "g Expected: S Actual: N"),
    ],
)
def test_update_mistyped_index_key_is_refused_before_paths_into_keys(ddb, indexed, expression, values, message):
    assert update_error(ddb, indexed, expression, values) == (
        "ValidationException",
        INVALID + f"Type mismatch for Index Key {message} IndexName: byg",
    )


@pytest.mark.provenance("aws")
def test_update_mistyped_index_key_is_refused_before_the_condition(ddb, indexed):
    # A statically known wrong type is refused before the item is read, so before the condition fails.
    for expression, values in (
        ("SET g = :n", {":n": {"N": "1"}}),
        ("SET g = list_append(e, :l)", {":l": {"L": []}}),
        ("SET g = if_not_exists(g, :n)", {":n": {"N": "1"}}),
    ):
        actual = "L" if "list_append" in expression else "N"
        assert update_error(ddb, indexed, expression, values, ConditionExpression="attribute_exists(pk)") == (
            "ValidationException",
            INVALID + f"Type mismatch for Index Key g Expected: S Actual: {actual} IndexName: byg",
        )


@pytest.mark.provenance("aws")
def test_update_legacy_attribute_updates_mistyped_index_key(ddb, indexed):
    assert error_of(
        ddb.update_item,
        TableName=indexed,
        Key=KEY,
        AttributeUpdates={"h": {"Action": "PUT", "Value": {"S": "x"}}},
        Expected={"pk": {"Exists": True, "Value": {"S": "a"}}},
    ) == ("ValidationException", INVALID + "Type mismatch for Index Key h Expected: N Actual: S IndexName: byg")


@pytest.mark.provenance("aws")
def test_update_whole_index_keys_and_nested_others_still_work(ddb, indexed):
    ddb.update_item(
        TableName=indexed,
        Key=KEY,
        UpdateExpression="SET g = :g, h = :h, m = :m",
        ExpressionAttributeValues={":g": {"S": "G"}, ":h": {"N": "1"}, ":m": {"M": {"x": {"S": "y"}}}},
    )
    new = ddb.update_item(
        TableName=indexed,
        Key=KEY,
        UpdateExpression="SET m.x = g, e = if_not_exists(e, pk) ADD h :n",
        ExpressionAttributeValues={":n": {"N": "2"}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert new["m"] == {"M": {"x": {"S": "G"}}}
    assert new["h"] == {"N": "3"}
    assert new["e"] == {"S": "a"}


@pytest.mark.provenance("aws")
def test_transaction_update_into_an_index_key_is_refused_like_update_item(ddb):
    make_table(
        ddb,
        "txpaths",
        sort=None,
        definitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byg",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    update = {
        "TableName": "txpaths",
        "Key": {"pk": {"S": "a"}},
        "UpdateExpression": "SET e = g.x",
    }
    alone = error_of(ddb.update_item, **update)
    in_transaction = error_of(ddb.transact_write_items, TransactItems=[{"Update": update}])
    assert alone[0] == in_transaction[0] == "ValidationException"
    assert alone[1].endswith("IndexKey: g") and in_transaction[1] == alone[1]
