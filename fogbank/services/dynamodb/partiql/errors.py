"""PartiQL's error messages, declared once, as DynamoDB words them.

The texts come from DynamoDB's shared PartiQL front end (the one DynamoDB Local ships) and from
answers recorded from AWS; each is raised by name through ``invalid``/``malformed``.
"""

from __future__ import annotations

from fogbank.protocols.errors import AwsError, validation_error

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: "
# Syntax details after NOT_WELL_FORMED.
LEFTOVER = "Unexpected token after expression"
UNEXPECTED_TERM = "Unexpected term"
UNEXPECTED_KEYWORD = "Unexpected keyword"
UNEXPECTED_OPERATOR = "Unexpected operator"
MISSING_RIGHT = "Missing right-hand side expression of infix operator"
EXPECTED_DML = "Expected data manipulation"
EXPECTED_IDENTIFIER = "Expected identifier for simple path"
EXPECTED_TYPE = "Expected type name"
UNEXPECTED_TOKEN = "Unexpected token"
EXPECTED_KEYWORD = "Expected keyword {}"
EXPECTED = "Expected {}"

ALIASING = "Aliasing is not supported"
INCOMPLETE_KEY = "Where clause does not contain a mandatory equality on all key attributes"
MULTIPLE_CONDITIONS = "Multiple conditions on same key {}. Only single item Update/Insert/Delete are supported"
SINGLE_ITEM_SELECT = "Only single item select is supported"
TRANSACTION_SELECT_KEY = "Select statements within ExecuteTransaction must specify the primary key in the where clause."
TRANSACTION_INDEX = "Reads on indices are not supported within transactions."
TRANSACTION_RETURNING = "RETURNING clause is not supported in ExecuteTransaction."
TRANSACTION_MIXED = "ExecuteTransaction API does not support both read and write operations in the same request."
BATCH_MIXED = "BatchExecuteStatement API does not support both read and write operations in the same request."
IN_TRANSACTION = "Validation failed in TransactStatements[{}]: {}"
EXISTS_KEY = "EXISTS() must contain a single item read with additional condition"
EXISTS_OUTSIDE = "EXISTS can only be used in ExecuteTransaction write requests."
DUPLICATE_ITEM = "Duplicate primary key exists in table"
PARAMETER_COUNT = "Number of parameters in request and statement don't match."
INVALID_NEXT_TOKEN = "Invalid NextToken"
TOKEN_MISMATCH = "NextToken does not match request"
KEY_ABSENT = "Key attribute should be present in the item: Key {}"
KEY_TYPE = "Key attribute's data type should match its data type in table's schema: Key {}"
KEY_NESTED = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key {}"
DUPLICATE_NAMES = "Duplicate identifiers in select clause: {}"
STAR_AND_OTHERS = "Other attributes should not be present in the projection when '*' is used."
UNSUPPORTED_CLAUSE = "Unsupported clause: {}"
UNSUPPORTED_OPERATION = "Unsupported operation: {}"
UNRECOGNIZED_FUNCTION = "Unrecognized function: {}"
UNSUPPORTED_TOKEN = "Unsupported token in expression: {}"
INSERT_MANY = (
    "Unsupported operation: Inserting multiple items in a single statement is not supported, "
    'use "INSERT INTO tableName VALUE item" instead'
)
INSERT_FORMAT = (
    "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement."
)
INSERT_RETURNING = "RETURNING is not supported in INSERT"
DELETE_RETURNING = "Invalid returning clause: RETURNING {}. Only RETURNING ALL OLD * is allowed in DELETE statements."
RETURNING_SYNTAX = "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"
EMPTY_BAG = "Empty bags are not supported"
BAG_TYPES = "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"
DUPLICATE_KEYS = "Duplicate keys in tuple. Key: {} under {}"
TUPLE_KEY_TYPE = "Tuple keys must be of type String. Actual type: {} under {}"
DUPLICATES_IN_SET = "Input collection contains duplicates"
ORDER_BY_WHERE = "Must have WHERE clause in the statement when using ORDER BY clause."
ORDER_BY_HASH = "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause."
ORDER_BY_PARTITIONS = (
    "Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause."
)
ORDER_BY_KEY = "Variable reference {} in ORDER BY clause must be part of the primary key"
CONSISTENT_GSI = "Strongly consistent read is not supported on Global Secondary Indexes"
NOT_ON_INDEX = "This operation is not supported on an index"
MISSING_COMPARED = "MISSING must be compared using IS operator"
IS_IN_UPDATE = "IS operator is not supported in update expressions"
SET_FUNCTION_ARGS = "SET_{} must have exactly two arguments"
SET_FUNCTION_FIRST = "The first argument to SET_{} must equal the assignment value"
SET_FUNCTION_SECOND = "The second argument to SET_{} must be a value with type SET"
PATH_STARTS_WITH_INDEX = "A path cannot start with a list index"
INDEX_NOT_FOUND = "The table does not have the specified index: {}"
TOO_MANY_READS = "Too many decomposed read operations for a given query."
# DynamoDB splits a SELECT whose WHERE names several partition keys (IN, OR) into one read per key. Its limit on
# how many is not documented: Fogbank takes IN's 100 operands (expressions' MAX_IN_OPERANDS).
MAX_DECOMPOSED_READS = 100


def is_key_type(message: str) -> bool:
    """Whether a message is KEY_TYPE's (or KEY_ABSENT's): a statement's key is missing from its item or mistyped."""
    return message.startswith(("Key attribute's data type should match", "Key attribute should be present"))


def invalid(message: str) -> AwsError:
    """A ValidationException with one of the texts above."""
    return validation_error(message)


def malformed(detail: str = "") -> AwsError:
    """The "Statement wasn't well formed" envelope around a syntax ``detail``."""
    return validation_error(NOT_WELL_FORMED + detail)
