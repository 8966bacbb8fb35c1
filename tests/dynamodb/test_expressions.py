"""Unit tests for DynamoDB expressions: parsing, binding errors, evaluation, updates, projections, keys."""

from __future__ import annotations

import pytest

from fogbank.protocols.errors import AwsError
from fogbank.services.dynamodb.expressions import (
    Placeholders,
    apply_update,
    check_conditions,
    check_expected,
    condition_expression,
    condition_from_legacy,
    evaluate,
    key_condition_expression,
    key_condition_from_expression,
    key_condition_from_legacy,
    parse_condition,
    project,
    projection_expression,
    projection_from_attributes_to_get,
    update_expression,
    update_from_attribute_updates,
)
from fogbank.services.dynamodb.keys import KeySchema

INVALID = "One or more parameter values were invalid: "
VALUES = {
    ":s": {"S": "abc"},
    ":a": {"S": "a"},
    ":b": {"S": "b"},
    ":n": {"N": "5"},
    ":one": {"N": "1"},
    ":bin": {"B": b"\x01\x02"},
    ":ss": {"SS": ["x"]},
    ":ns": {"NS": ["1", "2"]},
    ":l": {"L": [{"N": "9"}]},
    ":m": {"M": {"k": {"S": "v"}}},
    ":t": {"BOOL": True},
    ":null": {"NULL": True},
    ":type": {"S": "N"},
}
ITEM = {
    "pk": {"S": "key"},
    "s": {"S": "abcdef"},
    "n": {"N": "5"},
    "b": {"B": b"\x01\x02\x03"},
    "ss": {"SS": ["x", "y"]},
    "ns": {"NS": ["1", "2", "3"]},
    "l": {"L": [{"N": "1"}, {"S": "two"}, {"M": {"deep": {"N": "3"}}}]},
    "m": {"M": {"k": {"S": "v"}, "n": {"N": "10"}}},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "and": {"N": "7"},
}


def message_of(function, *args, **kwargs) -> str:
    with pytest.raises(AwsError) as caught:
        function(*args, **kwargs)
    assert caught.value.code == "ValidationException"
    return caught.value.message


def condition(expression: str, names=None, values=None):
    return condition_expression(expression, Placeholders(names, values if values is not None else VALUES))


def holds(expression: str, item=ITEM, names=None) -> bool:
    return evaluate(condition(expression, names), item)


def condition_error(expression: str, names=None, values=None) -> str:
    return message_of(condition, expression, names, values)


# --- parsing -------------------------------------------------------------------------------------------


def test_parsing_is_cached_by_text():
    assert parse_condition("a = :s") is parse_condition("a = :s")


@pytest.mark.parametrize(
    "expression, token, near",
    [
        ("a = ", "<EOF>", "= "),
        ("foo", "<EOF>", "foo"),
        ("a == :s", "=", "== :s"),
        ("a = :s and", "<EOF>", "and"),
        ("a = :s b", "b", ":s b"),
        ("a = !b", "!", "= !b"),
        ("a + 1 = :s", "+", "a + 1"),
        ("(size(a))[0] > :n", "[", ")[0"),
        ("a BETWEEN :a :b", ":b", ":a :b"),
        ("a IN ()", ")", "()"),
        ("and = :s", "and", "and ="),
        ("a.1 = :s", "1", ".1 ="),
    ],
)
def test_syntax_errors(expression, token, near):
    assert condition_error(expression) == f'Invalid ConditionExpression: Syntax error; token: "{token}", near: "{near}"'


def test_empty_expression():
    assert condition_error("") == "Invalid ConditionExpression: The expression can not be empty;"


@pytest.mark.parametrize(
    "expression, detail",
    [
        ("((a = :s))", "The expression has redundant parentheses;"),
        ("((a)) = :s", "The expression has redundant parentheses;"),
        ("foo(a) AND ((a = :s))", "The expression has redundant parentheses;"),
        ("foo(a)", "Invalid function name; function: foo"),
        ("BEGINS_WITH(a, :s)", "Invalid function name; function: BEGINS_WITH"),
        ("if_not_exists(a, :s) = :s", "The function is not allowed in a condition expression; function: if_not_exists"),
        ("list_append(a, :l) = :l", "The function is not allowed in a condition expression; function: list_append"),
        ("size(a)", "The function is not allowed to be used this way in an expression; function: size"),
        ("a = :s AND size(a)", "The function is not allowed to be used this way in an expression; function: size"),
        (
            "attribute_exists(a) < :n",
            "The function is not allowed to be used this way in an expression; function: attribute_exists",
        ),
        (
            "begins_with(contains(a, :s), :s)",
            "The function is not allowed to be used this way in an expression; function: contains",
        ),
        ("name = :s", "Attribute name is a reserved keyword; reserved keyword: name"),
        ("a.Size = :s", "Attribute name is a reserved keyword; reserved keyword: Size"),
        ("name = :s AND foo(a)", "Invalid function name; function: foo"),
        ("#undefined = :s AND name = :s", "Attribute name is a reserved keyword; reserved keyword: name"),
    ],
)
def test_structural_errors_in_dynamodb_order(expression, detail):
    assert condition_error(expression) == f"Invalid ConditionExpression: {detail}"


@pytest.mark.parametrize(
    "expression, detail",
    [
        ("#x = :s", "An expression attribute name used in the document path is not defined; attribute name: #x"),
        ("a = :x", "An expression attribute value used in expression is not defined; attribute value: :x"),
        (
            "a = :x AND attribute_exists(a, b)",
            "An expression attribute value used in expression is not defined; attribute value: :x",
        ),
        (
            "attribute_exists(a, b)",
            "Incorrect number of operands for operator or function; operator or function: attribute_exists, "
            "number of operands: 2",
        ),
        (
            "size(a, a) = :n",
            "Incorrect number of operands for operator or function; operator or function: size, number of operands: 2",
        ),
        (
            "a = a",
            "The first operand must be distinct from the remaining operands for this operator or function; "
            "operator: =, first operand: [a]",
        ),
        (
            "contains(a.b[1], a.b[1])",
            "The first operand must be distinct from the remaining operands for this operator or function; "
            "operator: contains, first operand: [a, b, [1]]",
        ),
        (
            "attribute_exists(:s)",
            "Operator or function requires a document path; operator or function: attribute_exists",
        ),
        (
            "begins_with(a, :n)",
            "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        ),
        (
            "begins_with(a, size(b))",
            "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        ),
        (
            "attribute_type(a, :n)",
            "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N",
        ),
        (
            "attribute_type(a, b)",
            "Incorrect operand type for operator or function; operator or function: attribute_type, "
            "operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}",
        ),
        (
            "attribute_type(a, :s)",
            "Invalid attribute type name found; type: abc, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
        ),
        (
            "size(:n) = :n",
            "Incorrect operand type for operator or function; operator or function: size, operand type: N",
        ),
        (
            "a BETWEEN :n AND :s",
            "The BETWEEN operator requires same data type for lower and upper bounds; "
            "lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {S:abc}",
        ),
        (
            "a BETWEEN :b AND :a",
            "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
            "lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}",
        ),
    ],
)
def test_binding_errors(expression, detail):
    assert condition_error(expression) == f"Invalid ConditionExpression: {detail}"


def test_filter_expressions_name_their_parameter():
    message = message_of(condition_expression, "a = ", Placeholders(), "FilterExpression")
    assert message.startswith("Invalid FilterExpression: Syntax error;")


# --- placeholders --------------------------------------------------------------------------------------


def test_placeholder_maps_are_validated():
    assert message_of(Placeholders, {}, None) == "ExpressionAttributeNames must not be empty"
    assert message_of(Placeholders, None, {}) == "ExpressionAttributeValues must not be empty"
    assert (
        message_of(Placeholders, {"a": "a"}) == 'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"'
    )
    assert message_of(Placeholders, None, {"b": {"S": "a"}}) == (
        'ExpressionAttributeValues contains invalid key: Syntax error; key: "b"'
    )
    assert message_of(Placeholders, None, {":b": {}}) == (
        "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain exactly one "
        "of the supported datatypes for key :b"
    )
    assert message_of(Placeholders, None, {":b": {"SS": []}}) == (
        f"ExpressionAttributeValues contains invalid value: {INVALID}An string set  may not be empty for key :b"
    )


def test_unused_placeholders_are_reported_across_expressions():
    placeholders = Placeholders({"#a": "a", "#b": "b", "#c": "c"}, {":a": {"S": "a"}, ":b": {"S": "b"}})
    condition_expression("#a = :a", placeholders)
    update_expression("SET #b = :a", placeholders)
    assert message_of(placeholders.check_unused) == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#c}"
    )
    placeholders = Placeholders(None, {":a": {"S": "a"}, ":b": {"S": "b"}, ":c": {"S": "c"}})
    condition_expression("a = :b", placeholders)
    assert message_of(placeholders.check_unused) == (
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :c}"
    )


# --- evaluation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("s = :s", False),
        ("n = :n", True),
        ("n = :one", False),
        ("n <> :one", True),
        ("absent <> :one", True),
        ("absent = :one", False),
        ("absent < :n", False),
        ("n > :one AND n >= :n AND n <= :n AND n < :s", False),
        ("n > :one AND n >= :n AND n <= :n", True),
        ("s > :a", True),
        ("s < :b", True),
        ("b > :bin", True),
        ("n BETWEEN :one AND :n", True),
        ("s BETWEEN :a AND :b", True),
        ("n BETWEEN :a AND :b", False),
        ("n IN (:one, :n)", True),
        ("absent IN (:one, :n)", False),
        ("attribute_exists(m.k)", True),
        ("attribute_exists(m.nope)", False),
        ("attribute_not_exists(l[5])", True),
        ("attribute_exists(l[2].deep)", True),
        ("attribute_type(n, :type)", True),
        ("attribute_type(s, :type)", False),
        ("begins_with(s, :s)", True),
        ("begins_with(s, :b)", False),
        ("begins_with(n, :s)", False),
        ("contains(s, :s)", True),
        ("contains(ss, :ss)", False),
        ("contains(ns, :one)", True),
        ("contains(l, :one)", True),
        ("contains(b, :bin)", True),
        ("size(s) = :n", False),
        ("size(ns) = :n", False),
        ("size(m) > :one", True),
        ("size(l) >= n", False),
        ("size(n) = :one", False),
        ("size(b) < :n", True),
        ("m.n > n", True),
        ("l[0] = :one AND l[1] <> :one", True),
        ("NOT n = :n", False),
        ("NOT n = :one AND s = :s OR n = :n", True),
        ("n = :one OR n = :n AND s = :a", False),
        ("(n = :one OR n = :n) AND attribute_exists(s)", True),
        ("#and = :n", False),
        ("z = :null AND t = :t", True),
        ("m = :m", False),
    ],
)
def test_evaluation(expression, expected):
    assert holds(expression, names={"#and": "and"} if "#and" in expression else None) is expected


def test_missing_item_fails_every_comparison():
    assert not holds("attribute_exists(pk)", item=None)
    assert holds("attribute_not_exists(pk)", item={})


def test_size_counts_strings_binaries_and_members():
    item = {"s": {"S": "hello"}, "bs": {"BS": [b"a", b"b"]}, "m": {"M": {"x": {"N": "1"}, "y": {"M": {}}}}}
    values = {":five": {"N": "5"}, ":two": {"N": "2"}}
    assert evaluate(condition("size(s) = :five AND size(bs) = :two AND size(m) = :two", values=values), item)


# --- key conditions ------------------------------------------------------------------------------------

TABLE = KeySchema("pk", "S", "sk", "N")
KEY_VALUES = {
    ":p": {"S": "key"},
    ":one": {"N": "1"},
    ":two": {"N": "2"},
    ":s": {"S": "x"},
    ":empty": {"S": ""},
    ":t": {"BOOL": True},
}


def key_condition(expression: str, schema: KeySchema = TABLE):
    node = key_condition_expression(expression, Placeholders(None, KEY_VALUES))
    return key_condition_from_expression(node, schema)


def test_key_condition_structure():
    result = key_condition("pk = :p AND sk BETWEEN :one AND :two")
    assert (result.partition, result.partition_value) == ("pk", {"S": "key"})
    assert (result.sort, result.sort_operator, result.sort_values) == ("sk", "BETWEEN", ({"N": "1"}, {"N": "2"}))
    assert key_condition(":one < sk AND pk = :p").sort_operator == "GT"
    assert key_condition("pk = :p").sort_operator is None
    assert key_condition("(pk = :p) AND (sk <= :two)").sort_operator == "LE"
    assert key_condition("pk = :p and sk = :one").matches({"pk": {"S": "key"}, "sk": {"N": "1.0"}})


@pytest.mark.parametrize(
    "expression, message",
    [
        ("pk = :p OR sk = :one", "Invalid operator used in KeyConditionExpression: OR"),
        ("NOT pk = :p", "Invalid operator used in KeyConditionExpression: NOT"),
        ("pk IN (:p)", "Invalid operator used in KeyConditionExpression: IN"),
        ("pk <> :p", "Invalid operator used in KeyConditionExpression: <>"),
        ("attribute_exists(pk)", "Invalid operator used in KeyConditionExpression: attribute_exists"),
        ("contains(pk, :p)", "Invalid operator used in KeyConditionExpression: contains"),
        ("pk > size(sk)", "KeyConditionExpressions cannot contain nested operations"),
        (
            ":one BETWEEN sk AND :two",
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first "
            "operand",
        ),
        (
            "begins_with(:s, pk)",
            "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its "
            "first operand",
        ),
        ("pk = sk", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
        ("pk.x = :p", "KeyConditionExpressions cannot have conditions on nested attributes"),
        (":p = :p", "Invalid condition in KeyConditionExpression: No key attribute specified"),
        # Recorded from AWS (eu-west-2, 2026-10) by the conformance suites:
        (
            "pk = :p AND pk = :p",
            "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key",
        ),
        (
            "pk = :p AND sk = :one AND x = :one",
            "The number of query conditions (3) exceeds the number of key attributes defined in the schema (2)",
        ),
        (
            "pk = :p AND sk BETWEEN :t AND :t",
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: BETWEEN, operand type: BOOL",
        ),
        ("sk = :one", "Query condition missed key schema element: pk"),
        ("pk = :p AND extra = :one", "Query condition missed key schema element: sk"),
        ("pk > :p", "Query key condition not supported"),
        ("begins_with(pk, :p)", "Query key condition not supported"),
        ("pk = :p AND sk = :s", INVALID + "Condition parameter type does not match schema type"),
        (
            "pk = :p AND begins_with(sk, :one)",
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N",
        ),
        (
            "pk = :empty",
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
            "empty string value. Key: pk",
        ),
    ],
)
def test_key_condition_errors(expression, message):
    assert message_of(key_condition, expression) == message


def test_hash_only_key_condition():
    assert message_of(key_condition, "pk = :p AND sk = :one", KeySchema("pk", "S")) == (
        "Query key condition not supported"
    )


def test_legacy_key_conditions():
    result = key_condition_from_legacy(
        {
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
            "sk": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "3"}]},
        },
        TABLE,
    )
    assert (result.sort_operator, result.sort_values) == ("GE", ({"N": "3"},))
    assert (
        message_of(key_condition_from_legacy, {"pk": {"ComparisonOperator": "NOT_NULL"}}, TABLE)
        == "Attempted conditional constraint is not an indexable operation"
    )


# --- projections ---------------------------------------------------------------------------------------


def projection(expression: str, names=None):
    return projection_expression(expression, Placeholders(names))


def test_projection_of_nested_paths():
    paths = projection("pk, m.k, l[2].deep, l[0], absent, #s", {"#s": "s"}).paths
    assert project(ITEM, paths) == {
        "pk": {"S": "key"},
        "m": {"M": {"k": {"S": "v"}}},
        "l": {"L": [{"N": "1"}, {"M": {"deep": {"N": "3"}}}]},
        "s": {"S": "abcdef"},
    }
    assert project(ITEM, projection("m.nope, l[9], s[0], n.x").paths) == {}


@pytest.mark.parametrize(
    "expression, message",
    [
        ("", "Invalid ProjectionExpression: The expression can not be empty;"),
        ("a, ", 'Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ", "'),
        ("a, :v", 'Invalid ProjectionExpression: Syntax error; token: ":v", near: ", :v"'),
        ("a, name", "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name"),
        (
            "#x",
            "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; "
            "attribute name: #x",
        ),
        (
            "a, a.b",
            "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of "
            "these paths; path one: [a], path two: [a, b]",
        ),
        (
            "a[1], a.b",
            "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of "
            "these paths; path one: [a, [1]], path two: [a, b]",
        ),
    ],
)
def test_projection_errors(expression, message):
    assert message_of(projection, expression) == message


def test_attributes_to_get():
    assert project(ITEM, projection_from_attributes_to_get(["n", "x"]).paths) == {"n": {"N": "5"}}
    assert message_of(projection_from_attributes_to_get, ["a", "a"]) == (
        INVALID + "Duplicate value in attribute name: a"
    )


# --- updates -------------------------------------------------------------------------------------------


def update(expression: str, item=ITEM, names=None, values=None):
    bound = update_expression(expression, Placeholders(names, values if values is not None else VALUES))
    return apply_update(bound, item)


def update_error(expression: str, names=None, values=None) -> str:
    return message_of(update_expression, expression, Placeholders(names, values if values is not None else VALUES))


def test_update_actions():
    new = update("SET a = :s, n = n + :one, m.k = if_not_exists(m.nope, :a) REMOVE s ADD ns :ns, c :n DELETE ss :ss")
    assert new["a"] == {"S": "abc"}
    assert new["n"] == {"N": "6"}
    assert new["m"]["M"]["k"] == {"S": "a"}
    assert "s" not in new
    assert new["ns"] == {"NS": ["1", "2", "3"]}
    assert new["c"] == {"N": "5"}
    assert new["ss"] == {"SS": ["y"]}
    assert ITEM["n"] == {"N": "5"}, "the original item is left alone"


def test_update_reads_operands_from_the_old_item_and_orders_list_writes():
    item = {
        "b": {"M": {"a": {"N": "1"}, "b": {"N": "2"}, "c": {"N": "3"}}},
        "c": {"L": [{"N": "1"}, {"N": "3"}]},
        "k": {"S": "key"},
    }
    values = {":a": {"N": "2"}, ":b": {"SS": ["a"]}}
    new = update(
        "set b.c=((c[1])+(b.a)),b.a = k,c[1] = k, c[4] = b.a - b.b, c[2] = b.c add c[8] :b, c[6] :a",
        item,
        values=values,
    )
    assert new["b"] == {"M": {"a": {"S": "key"}, "b": {"N": "2"}, "c": {"N": "4"}}}
    assert new["c"] == {"L": [{"N": "1"}, {"S": "key"}, {"N": "3"}, {"N": "-1"}, {"N": "2"}, {"SS": ["a"]}]}


def test_list_updates():
    item = {"l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]}}
    assert update("REMOVE l[0], l[2], l[9]", item)["l"] == {"L": [{"N": "1"}, {"N": "3"}]}
    assert update("SET l = list_append(l, :l)", item)["l"]["L"][-1] == {"N": "9"}
    assert update("SET l = list_append(:l, l)", item)["l"]["L"][0] == {"N": "9"}
    assert update("SET l[1] = :s", item)["l"]["L"][1] == {"S": "abc"}


def test_delete_that_empties_a_set_removes_the_attribute():
    assert "ss" not in update("DELETE ss :both", values={":both": {"SS": ["x", "y", "z"]}})
    assert update("DELETE ns :ns")["ns"] == {"NS": ["3"]}
    assert "absent" not in update("DELETE absent :ss")


def test_values_set_twice_do_not_share_nested_objects():
    new = update("SET a = :l, b = :l", item={})
    new["a"]["L"].append({"N": "1"})
    assert new["b"] == {"L": [{"N": "9"}]}


@pytest.mark.parametrize(
    "expression, message",
    [
        ("SET x = nope", "The provided expression refers to an attribute that does not exist in the item"),
        (
            "SET x = list_append(nope, l)",
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        ("SET x = s + :one", "An operand in the update expression has an incorrect data type"),
        ("SET x = list_append(s, :l)", "An operand in the update expression has an incorrect data type"),
        ("ADD s :one", "An operand in the update expression has an incorrect data type"),
        ("ADD ns :ss", "An operand in the update expression has an incorrect data type"),
        ("DELETE n :ns", "An operand in the update expression has an incorrect data type"),
        ("SET nope.a = :s", "The document path provided in the update expression is invalid for update"),
        ("SET s[1] = :s", "The document path provided in the update expression is invalid for update"),
        ("SET m[1] = :s", "The document path provided in the update expression is invalid for update"),
        ("SET l.x = :s", "The document path provided in the update expression is invalid for update"),
        ("REMOVE nope.a", "The document path provided in the update expression is invalid for update"),
        ("ADD nope[1] :one", "The document path provided in the update expression is invalid for update"),
        (
            "SET x = n + :big",
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ),
    ],
)
def test_update_runtime_errors(expression, message):
    values = dict(VALUES, **{":big": {"N": "9.9e125"}})
    assert message_of(update, expression, values=values) == message


def test_update_of_missing_item():
    assert update("SET a = :s ADD n :one REMOVE x", item=None) == {"a": {"S": "abc"}, "n": {"N": "1"}}
    assert message_of(update, "SET a.b = :s", item=None) == (
        "The document path provided in the update expression is invalid for update"
    )


@pytest.mark.parametrize(
    "expression",
    [
        "whatever",
        "set a",
        "add a",
        "set a=set",
        "remove a = b",
        "add a = b",
        "delete a b",
        "add a if_not_exist(b)",
        "set :a = b",
        "remove :a",
        "set a = b / c",
        "set a = b * c",
        'set a[1] = "eight"',
        "set a[1] = 1",
        "SET if_not_exist(a, b) = a",
        "set (a = (b + c))",
        "set a = (b.c).d + e",
        "set a = (b.c)[0] + e",
        "set a = b + c + d",
    ],
)
def test_update_syntax_errors(expression):
    assert update_error(expression).startswith("Invalid UpdateExpression: Syntax error; token: ")


def test_update_syntax_error_wording():
    assert update_error("SET path = VALUE 1") == 'Invalid UpdateExpression: Syntax error; token: "1", near: "VALUE 1"'


@pytest.mark.parametrize(
    "expression, detail",
    [
        (" set #c = :a set abOrt = true ", "Attribute name is a reserved keyword; reserved keyword: abOrt"),
        (" remove Absolute ", "Attribute name is a reserved keyword; reserved keyword: Absolute"),
        ("set #c = if_not_exist(:c) set c = d", "Invalid function name; function: if_not_exist"),
        ("SET x = size(a)", "The function is not allowed in an update expression; function: size"),
        ("set a = #c set c = :d", 'The "SET" section can only be used once in an update expression;'),
        ("remove #d set a = b remove e", 'The "REMOVE" section can only be used once in an update expression;'),
        ("add #d :e set a = b add e :f", 'The "ADD" section can only be used once in an update expression;'),
        (
            "SET #x = if_not_exists(:c)",
            "An expression attribute name used in the document path is not defined; attribute name: #x",
        ),
        (
            "SET #c = if_not_exists(:x)",
            "An expression attribute value used in expression is not defined; attribute value: :x",
        ),
        (
            "set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)",
            "Two document paths overlap with each other; must remove or rewrite one of these paths; "
            "path one: [c, [1], a], path two: [c]",
        ),
        (
            "set a = b remove a, #c",
            "Two document paths overlap with each other; must remove or rewrite one of these paths; "
            "path one: [a], path two: [a]",
        ),
        (
            "set #c[3].#d = a, #c[3] = a",
            "Two document paths overlap with each other; must remove or rewrite one of these paths; "
            "path one: [c, [3], [3]], path two: [c, [3]]",
        ),
        (
            "set #c[3].#d = a, #c.#d[3] = if_not_exists(a)",
            "Two document paths conflict with each other; must remove or rewrite one of these paths; "
            "path one: [c, [3], [3]], path two: [c, [3], [3]]",
        ),
        ("add a.b :s", "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"),
        ("delete a.b :n", "Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"),
        ("add a.b :m", "Incorrect operand type for operator or function; operator: ADD, operand type: MAP"),
        ("delete a.b :l", "Incorrect operand type for operator or function; operator: DELETE, operand type: LIST"),
        ("add a.b :t", "Incorrect operand type for operator or function; operator: ADD, operand type: BOOLEAN"),
        (
            "set a = if_not_exists(c)",
            "Incorrect number of operands for operator or function; operator or function: if_not_exists, "
            "number of operands: 1",
        ),
        (
            "set a = if_not_exists(:a, c)",
            "Operator or function requires a document path; operator or function: if_not_exists",
        ),
        (
            "set a = list_append(:s, a)",
            "Incorrect operand type for operator or function; operator or function: list_append, operand type: S",
        ),
        (
            "set a = :bin + a",
            "Incorrect operand type for operator or function; operator or function: +, operand type: B",
        ),
        ("set a = a - :l", "Incorrect operand type for operator or function; operator or function: -, operand type: L"),
    ],
)
def test_update_expression_errors(expression, detail):
    names = {"#c": "c", "#d": "[3]"}
    values = dict(VALUES, **{":c": {"S": "c"}, ":d": {"S": "d"}, ":e": {"SS": ["e"]}, ":f": {"SS": ["f"]}})
    assert update_error(expression, names, values) == f"Invalid UpdateExpression: {detail}"


def test_updated_paths_for_return_values():
    bound = update_expression("SET m.k = :s, l[1] = :s REMOVE n", Placeholders(None, {":s": {"S": "new"}}))
    new = apply_update(bound, ITEM)
    assert project(new, bound.paths) == {"m": {"M": {"k": {"S": "new"}}}, "l": {"L": [{"S": "new"}]}}
    assert project(ITEM, bound.paths) == {"m": {"M": {"k": {"S": "v"}}}, "l": {"L": [{"S": "two"}]}, "n": {"N": "5"}}


# --- legacy parameters ---------------------------------------------------------------------------------


def test_expected_translates_to_conditions():
    expected = check_expected(
        {
            "n": {"Value": {"N": "5.0"}},
            "gone": {"Exists": False},
            "s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "abc"}]},
            "ns": {"ComparisonOperator": "CONTAINS", "Value": {"N": "2"}},
        }
    )
    assert evaluate(condition_from_legacy(expected, None), ITEM)
    failing = check_expected({"n": {"Value": {"N": "4"}}, "s": {"ComparisonOperator": "NOT_NULL"}})
    assert not evaluate(condition_from_legacy(failing, "AND"), ITEM)
    assert evaluate(condition_from_legacy(failing, "OR"), ITEM)
    assert condition_from_legacy({}, None) is None


@pytest.mark.parametrize(
    "expected, message",
    [
        ({"a": {}}, "Value must be provided when Exists is null for Attribute: a"),
        ({"a": {"Exists": True}}, "Value must be provided when Exists is true for Attribute: a"),
        ({"a": {"Exists": False, "Value": {"S": "a"}}}, "Value cannot be used when Exists is false for Attribute: a"),
        (
            {"a": {"ComparisonOperator": "EQ", "Exists": True}},
            "Exists and ComparisonOperator cannot be used together for Attribute: a",
        ),
        (
            {"a": {"Value": {"S": "a"}, "AttributeValueList": [{"S": "a"}]}},
            "Value and AttributeValueList cannot be used together for Attribute: a",
        ),
        (
            {"a": {"AttributeValueList": [{"S": "a"}]}},
            "AttributeValueList can only be used with a ComparisonOperator for Attribute: a",
        ),
        (
            {"a": {"ComparisonOperator": "EQ"}},
            "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a",
        ),
        (
            {"a": {"ComparisonOperator": "NULL", "Value": {"S": "a"}}},
            "Invalid number of argument(s) for the NULL ComparisonOperator",
        ),
    ],
)
def test_expected_errors(expected, message):
    assert message_of(check_expected, expected) == INVALID + message


@pytest.mark.parametrize(
    "conditions, message",
    [
        ({"a": {"ComparisonOperator": "EQ"}}, INVALID + "Invalid number of argument(s) for the EQ ComparisonOperator"),
        (
            {"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "a"}]}},
            INVALID + "Invalid number of argument(s) for the BETWEEN ComparisonOperator",
        ),
        (
            {"a": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "b"}, {"N": "1"}]}},
            INVALID + "AttributeValues inside AttributeValueList must be of same type",
        ),
        (
            {"a": {"ComparisonOperator": "LT", "AttributeValueList": [{"BOOL": True}]}},
            INVALID + "ComparisonOperator LT is not valid for BOOL AttributeValue type",
        ),
        (
            {"a": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"SS": ["a"]}]}},
            INVALID + "ComparisonOperator CONTAINS is not valid for SS AttributeValue type",
        ),
        (
            {"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "b"}, {"S": "a"}]}},
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
        ),
    ],
)
def test_filter_condition_errors(conditions, message):
    assert message_of(check_conditions, conditions) == message


def test_scan_filter_evaluation():
    conditions = check_conditions(
        {
            "n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "10"}]},
            "ss": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "q"}]},
            "s": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "zzz"}, {"S": "abcdef"}]},
            "absent": {"ComparisonOperator": "NULL"},
            "m": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "x"}]},
        }
    )
    assert evaluate(condition_from_legacy(conditions, "AND"), ITEM)


def test_attribute_updates():
    legacy = update_from_attribute_updates(
        {
            "s": {"Action": "DELETE"},
            "n": {"Action": "ADD", "Value": {"N": "-5"}},
            "l": {"Action": "ADD", "Value": {"L": [{"S": "more"}]}},
            "new": {"Value": {"S": "put"}},
            "ss": {"Action": "DELETE", "Value": {"SS": ["x"]}},
        }
    )
    new = apply_update(legacy, ITEM)
    assert "s" not in new
    assert new["n"] == {"N": "0"}
    assert new["l"]["L"][-1] == {"S": "more"}
    assert new["new"] == {"S": "put"}
    assert new["ss"] == {"SS": ["y"]}
    mismatch = update_from_attribute_updates({"s": {"Action": "ADD", "Value": {"N": "1"}}})
    assert message_of(apply_update, mismatch, ITEM) == "Type mismatch for attribute to update"


@pytest.mark.parametrize(
    "updates, message",
    [
        ({"a": {"Action": "PUT"}}, "Only DELETE action is allowed when no attribute value is specified"),
        ({"a": {"Action": "DELETE", "Value": {"S": "1"}}}, "DELETE action with value is not supported for the type S"),
        ({"a": {"Action": "ADD", "Value": {"B": b"1"}}}, "ADD action is not supported for the type B"),
    ],
)
def test_attribute_updates_errors(updates, message):
    assert message_of(update_from_attribute_updates, updates) == INVALID + message
