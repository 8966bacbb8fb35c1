"""From a parsed statement to the engine's own terms: the condition, update and projection trees of
expressions/ (bound, values in place) and the key a statement reads or writes.

Nothing here runs anything: ops/partiql.py hands the results to the same evaluator, updater, Query and
Scan code the item operations use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fogbank.services.dynamodb.attributes import AttributeValue, Item, type_of
from fogbank.services.dynamodb.expressions import nodes
from fogbank.services.dynamodb.expressions.paths import overlap_errors
from fogbank.services.dynamodb.keys import KeySchema
from fogbank.services.dynamodb.partiql import errors
from fogbank.services.dynamodb.partiql.errors import invalid
from fogbank.services.dynamodb.partiql.keywords import TYPE_NAMES
from fogbank.services.dynamodb.partiql.syntax import (
    Between,
    Binary,
    Call,
    Exists,
    InList,
    Is,
    Not,
    Path,
    Scalar,
    UpdateAction,
)
from fogbank.services.dynamodb.partiql.values import is_value, to_value

CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
}
SORT_OPERATORS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}
FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
RETURN_VALUES = {
    "ALL OLD": "ALL_OLD",
    "MODIFIED OLD": "UPDATED_OLD",
    "ALL NEW": "ALL_NEW",
    "MODIFIED NEW": "UPDATED_NEW",
}


# -- conditions -------------------------------------------------------------------------------------


def condition(node: Any, params: list[AttributeValue]) -> Any:
    """A WHERE clause as a bound condition tree of expressions/nodes.py."""
    if isinstance(node, Binary) and node.operator in ("AND", "OR"):
        kind = nodes.And if node.operator == "AND" else nodes.Or
        return kind(condition(node.left, params), condition(node.right, params))
    if isinstance(node, Not):
        return nodes.Not(condition(node.operand, params))
    if (
        isinstance(node, Binary)
        and node.operator in SORT_OPERATORS
        or (isinstance(node, Binary) and node.operator == "<>")
    ):
        return nodes.Comparison(node.operator, operand(node.left, params), operand(node.right, params))
    if isinstance(node, Between):
        between = nodes.Between(*(operand(child, params) for child in (node.operand, node.low, node.high)))
        return nodes.Not(between) if node.negated else between
    if isinstance(node, InList):
        if not isinstance(node.operand, Path) or not node.options:
            raise invalid(
                "IN operator must have a left hand argument of type Variable Reference and right hand argument of "
                "type Seq with at least one member"
            )
        found = nodes.In(operand(node.operand, params), tuple(operand(option, params) for option in node.options))
        return nodes.Not(found) if node.negated else found
    if isinstance(node, Is):
        return _is(node, params)
    if isinstance(node, Call):
        return _function(node, params)
    if isinstance(node, Exists):
        raise invalid(errors.EXISTS_OUTSIDE)
    if isinstance(node, Binary):
        raise invalid(f"Unsupported operator in Condition Expression. Operator: {node.operator}")
    raise invalid("WHERE clause must contain an expression that resolves to a boolean")


def operand(node: Any, params: list[AttributeValue]) -> Any:
    if isinstance(node, Path):
        return path(node)
    if isinstance(node, Scalar) and node.kind == "MISSING":
        raise invalid(errors.MISSING_COMPARED)
    if is_value(node):
        return nodes.Value("?", to_value(node, params))
    if isinstance(node, Call) and node.name == "size":
        if len(node.args) != 1:
            raise _operand_count("size", len(node.args))
        return nodes.Function("size", (operand(node.args[0], params),))
    if isinstance(node, Call):
        if node.name in CONDITION_FUNCTIONS:
            raise invalid(f"The function is not allowed to be used this way in an expression; function: {node.name}")
        raise invalid(errors.UNRECOGNIZED_FUNCTION.format(node.name))
    if isinstance(node, Binary):
        raise invalid(f"Unsupported operator in Condition Expression. Operator: {node.operator}")
    raise invalid(errors.UNSUPPORTED_OPERATION.format(type(node).__name__))


def path(node: Path) -> nodes.Path:
    if node.elements[0] == "":
        raise invalid("Path component cannot be an empty string")
    return nodes.Path(node.elements)


def _is(node: Is, params: list[AttributeValue]) -> Any:
    if not isinstance(node.operand, Path):
        raise invalid("The left hand side argument to IS must be a Variable Reference, Literal, or Path")
    target = path(node.operand)
    if node.type_name == "MISSING":
        name = "attribute_exists" if node.negated else "attribute_not_exists"
        return nodes.Function(name, (target,))
    kind = TYPE_NAMES.get(node.type_name)
    if kind is None:
        raise invalid(
            f"Unsupported data type for IS operator: {node.type_name}. Supported data types are [MISSING, NULL, "
            "BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"
        )
    test = nodes.Function("attribute_type", (target, nodes.Value("?", {"S": kind})))
    return nodes.Not(test) if node.negated else test


def _function(node: Call, params: list[AttributeValue]) -> Any:
    expected = CONDITION_FUNCTIONS.get(node.name)
    if expected is None:
        if node.name == "size":
            raise invalid("The function is not allowed to be used this way in an expression; function: size")
        raise invalid(errors.UNRECOGNIZED_FUNCTION.format(node.name))
    if len(node.args) != expected:
        raise _operand_count(node.name, len(node.args))
    args = tuple(operand(arg, params) for arg in node.args)
    if node.name in ("attribute_exists", "attribute_not_exists") and not isinstance(args[0], nodes.Path):
        raise invalid(f"Operator or function requires a document path; operator or function: {node.name}")
    if node.name == "attribute_type":
        kind = args[1].value.get("S") if isinstance(args[1], nodes.Value) else None
        if kind not in ("S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M"):
            raise invalid(
                f"Invalid attribute type name found; type: {kind}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}"
            )
    return nodes.Function(node.name, args)


def _operand_count(name: str, count: int) -> Exception:
    return invalid(
        f"Incorrect number of operands for operator or function; operator or function: {name}, number of operands: "
        f"{count}"
    )


def conjuncts(node: Any) -> list[Any]:
    """The terms of a top-level AND chain (the WHERE itself when it is no AND)."""
    if isinstance(node, Binary) and node.operator == "AND":
        return conjuncts(node.left) + conjuncts(node.right)
    return [node]


def join(terms: list[Any]) -> Any:
    """The AND of syntax terms again (None for none)."""
    if not terms:
        return None
    node = terms[0]
    for term in terms[1:]:
        node = Binary("AND", node, term)
    return node


# -- keys -------------------------------------------------------------------------------------------


def _key_equality(term: Any, names: tuple[str, ...]) -> tuple[str, Any] | None:
    """(key name, value node) when a term is ``key = value`` (either way round)."""
    if not isinstance(term, Binary) or term.operator != "=":
        return None
    for side, other in ((term.left, term.right), (term.right, term.left)):
        if isinstance(side, Path) and len(side.elements) == 1 and side.elements[0] in names and is_value(other):
            return str(side.elements[0]), other
    return None


def check_key_type(name: str, value: AttributeValue, kind: str | None) -> None:
    if type_of(value) != kind:
        raise invalid(errors.KEY_TYPE.format(name))


def item_key(where: Any, schema: KeySchema, params: list[AttributeValue]) -> tuple[Item, Any]:
    """The whole primary key a write (or a single-item read) names with equalities in its WHERE, and what
    is left of the WHERE as a condition (None when nothing is)."""
    if where is None:
        raise invalid(errors.INCOMPLETE_KEY)
    key: Item = {}
    rest = []
    for term in conjuncts(where):
        found = _key_equality(term, schema.names)
        if found is None:
            rest.append(term)
            continue
        name, node = found
        value = to_value(node, params)
        if name in key and key[name] != value:
            raise invalid(errors.MULTIPLE_CONDITIONS.format(name))
        key[name] = value
    if set(key) != set(schema.names):
        raise invalid(errors.INCOMPLETE_KEY)
    for name, kind, _ in schema.elements():
        check_key_type(name, key[name], kind)
    return {name: key[name] for name in schema.names}, join(rest)


@dataclass(frozen=True)
class KeyRead:
    """What a SELECT reads by key: one partition or several (``pk IN [...]``, ``pk = a OR pk = b``: one read
    each, as DynamoDB decomposes them) and perhaps a sort key condition (KeyCondition's terms)."""

    partitions: tuple[AttributeValue, ...]
    sort_operator: str | None
    sort_values: tuple[AttributeValue, ...]

    @property
    def partition_value(self) -> AttributeValue:
        return self.partitions[0]


def key_read(
    where: Any, schema: KeySchema, params: list[AttributeValue], statement: str = ""
) -> tuple[KeyRead | None, Any]:
    """A SELECT's WHERE as a key read and the rest as a filter, or (None, WHERE) when it needs a scan.

    As DynamoDB does, only conditions ANDed at the top count: an equality on the partition key and one
    condition on the sort key (=, <, <=, >, >=, BETWEEN, begins_with). ``statement``, the text the WHERE
    was parsed from, keys a cache of what each term is to the key (hashing the text is free: Python keeps
    a string's hash)."""
    if where is None:
        return None, None
    partition: AttributeValue | None = None
    several: list[AttributeValue] | None = None  # from an IN or an OR, when no equality fixes the partition
    sort: tuple[str, tuple[AttributeValue, ...]] | None = None
    rest = []
    for term, kind in _shape(where, schema.partition, schema.sort, statement):
        if kind[0] == "partitions" and several is None:
            # The term stays in the filter too: an OR's branches say more than the key, and an IN must still
            # hold when an equality chose the partition.
            several = [to_value(node, params) for node in kind[1]]
        if kind[0] == "partition":
            value = to_value(kind[1], params)
            if partition is None:
                partition = value
            elif value != partition:
                return None, where  # two different partitions: no item can match both, the scan says so
            continue
        if kind[0] == "sort" and sort is None:
            values = tuple(to_value(node, params) for node in kind[2])
            if kind[1] != "BEGINS_WITH" or type_of(values[0]) in ("S", "B"):
                sort = kind[1], values
                continue
        rest.append(term)
    if partition is not None:
        partitions: tuple[AttributeValue, ...] = (partition,)
    elif several is not None:
        partitions = tuple(_distinct(several))
        if len(partitions) > errors.MAX_DECOMPOSED_READS:
            raise invalid(errors.TOO_MANY_READS)
    else:
        return None, where
    for value in partitions:
        check_key_type(schema.partition, value, schema.partition_type)
    if sort is not None:
        for value in sort[1]:
            check_key_type(schema.sort or "", value, schema.sort_type)
    read = KeyRead(partitions, sort[0] if sort else None, sort[1] if sort else ())
    return read, join(rest)


def _distinct(values: list[AttributeValue]) -> list[AttributeValue]:
    seen: list[AttributeValue] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


_SHAPES: dict[tuple[str, str, str | None], list[tuple[Any, tuple[Any, ...]]]] = {}


def _shape(where: Any, partition: str, sort: str | None, statement: str) -> list[tuple[Any, tuple[Any, ...]]]:
    cached = _SHAPES.get((statement, partition, sort)) if statement else None
    if cached is not None:
        return cached
    shape = [(term, _term_kind(term, partition, sort)) for term in conjuncts(where)]
    if statement:
        if len(_SHAPES) >= 1024:
            _SHAPES.clear()
        _SHAPES[(statement, partition, sort)] = shape
    return shape


def _branches(node: Any) -> list[Any]:
    if isinstance(node, Binary) and node.operator == "OR":
        return _branches(node.left) + _branches(node.right)
    return [node]


def _branch_partition(branch: Any, partition: str) -> Any:
    """The value node an OR branch fixes the partition key to (``pk = v AND ...``), or None."""
    for term in conjuncts(branch):
        found = _key_equality(term, (partition,))
        if found is not None:
            return found[1]
    return None


def _term_kind(term: Any, partition: str, sort: str | None) -> tuple[Any, ...]:
    """What a top-level term of a SELECT's WHERE is to the key, from its text alone (values bind later):
    ("partition", value node), ("partitions", value nodes), ("sort", operator, value
    nodes) or ("rest",)."""
    found = _key_equality(term, (partition,))
    if found is not None:
        return ("partition", found[1])
    if isinstance(term, InList) and not term.negated and term.operand == Path((partition,)):
        if term.options and all(is_value(option) for option in term.options):
            return ("partitions", term.options)
    if isinstance(term, Binary) and term.operator == "OR":
        branches = _branches(term)
        fixed = [_branch_partition(branch, partition) for branch in branches]
        if all(node is not None for node in fixed):
            return ("partitions", tuple(fixed))

    def is_sort(node: Any) -> bool:
        return sort is not None and isinstance(node, Path) and node.elements == (sort,)

    if isinstance(term, Binary) and term.operator in SORT_OPERATORS:
        if is_sort(term.left) and is_value(term.right):
            return ("sort", SORT_OPERATORS[term.operator], (term.right,))
        if is_sort(term.right) and is_value(term.left):
            return ("sort", SORT_OPERATORS[FLIPPED[term.operator]], (term.left,))
    if isinstance(term, Between) and not term.negated and is_sort(term.operand):
        if is_value(term.low) and is_value(term.high):
            return ("sort", "BETWEEN", (term.low, term.high))
    if isinstance(term, Call) and term.name == "begins_with" and len(term.args) == 2:
        if is_sort(term.args[0]) and is_value(term.args[1]):
            return ("sort", "BEGINS_WITH", (term.args[1],))
    return ("rest",)


# -- projections ------------------------------------------------------------------------------------


def projection_names(paths: tuple[Path, ...]) -> list[tuple[str, nodes.Path]]:
    """Each projected path with the name its value comes back under: its last name with the list indexes
    after it (``SELECT m.k[1]`` answers ``k[1]``), as DynamoDB names them."""
    named = []
    seen: set[str] = set()
    for projected in paths:
        elements = projected.elements
        last = max(i for i, element in enumerate(elements) if isinstance(element, str))
        name = str(elements[last]) + "".join(f"[{element}]" for element in elements[last + 1 :])
        if name in seen:
            raise invalid(errors.DUPLICATE_NAMES.format(name))
        seen.add(name)
        named.append((name, path(projected)))
    return named


# -- updates ----------------------------------------------------------------------------------------


def update(actions: tuple[UpdateAction, ...], params: list[AttributeValue]) -> nodes.Update:
    """SET and REMOVE as the engine's update: SET a = value | path | x + y | list_append(...) |
    if_not_exists(...); ``SET s = set_add(s, <<...>>)`` is an ADD and ``set_delete`` a DELETE of set members."""
    translated: list[Any] = []
    for action in actions:
        target = path(action.path)
        if action.kind == "REMOVE":
            translated.append(nodes.RemoveAction(target))
            continue
        value = action.value
        if isinstance(value, Call) and value.name in ("set_add", "set_delete"):
            translated.append(_set_function(value, action.path, params))
        else:
            translated.append(nodes.SetAction(target, _update_operand(value, params)))
    first_overlap, first_conflict = overlap_errors(action.path.elements for action in translated)
    if first_overlap or first_conflict:
        raise invalid(first_overlap or first_conflict or "")
    return nodes.Update(tuple(translated))


def _set_function(call: Call, target: Path, params: list[AttributeValue]) -> Any:
    which = call.name.split("_")[1].upper()
    if len(call.args) != 2:
        raise invalid(errors.SET_FUNCTION_ARGS.format(which))
    if call.args[0] != target:
        raise invalid(errors.SET_FUNCTION_FIRST.format(which))
    value = to_value(call.args[1], params) if is_value(call.args[1]) else None
    if type_of(value) not in ("SS", "NS", "BS"):
        raise invalid(errors.SET_FUNCTION_SECOND.format(which))
    kind = nodes.AddAction if which == "ADD" else nodes.DeleteAction
    return kind(path(target), nodes.Value("?", value))


def _update_operand(node: Any, params: list[AttributeValue]) -> Any:
    if isinstance(node, Path):
        return path(node)
    if isinstance(node, Is):
        raise invalid(errors.IS_IN_UPDATE)
    if is_value(node):
        return nodes.Value("?", to_value(node, params))
    if isinstance(node, Binary) and node.operator in ("+", "-"):
        return nodes.Arithmetic(node.operator, _update_operand(node.left, params), _update_operand(node.right, params))
    if isinstance(node, Call) and node.name in ("list_append", "if_not_exists"):
        if len(node.args) != 2:
            raise _operand_count(node.name, len(node.args))
        args = tuple(_update_operand(arg, params) for arg in node.args)
        if node.name == "if_not_exists" and not isinstance(args[0], nodes.Path):
            raise invalid("Operator or function requires a document path; operator or function: if_not_exists")
        return nodes.Function(node.name, args)
    if isinstance(node, Call):
        raise invalid(errors.UNRECOGNIZED_FUNCTION.format(node.name))
    if isinstance(node, Binary):
        raise invalid(f"Unsupported operator in Update Expression. Operator: {node.operator}")
    raise invalid(errors.UNSUPPORTED_OPERATION.format(type(node).__name__))
