"""The grammar of ConditionExpression, FilterExpression and KeyConditionExpression.

    condition   := or
    or          := and ( OR and )*
    and         := not ( AND not )*
    not         := NOT not | primary
    primary     := comparison | '(' or ')'
    comparison  := operand comparator operand
                 | operand BETWEEN operand AND operand
                 | operand IN '(' operand ( ',' operand )* ')'
                 | function
    operand     := '(' operand ')' [path tail] | function | :value | path
    function    := name '(' operand ( ',' operand )* ')'

Precedence is DynamoDB's: comparisons, then NOT, then AND, then OR. Parsing also finds the problems
DynamoDB reports from the text alone (redundant parentheses, unknown or misused functions, reserved
words), which outrank every problem that needs the request's placeholders.
"""

from __future__ import annotations

from functools import lru_cache

from fogbank.services.dynamodb.expressions.nodes import (
    And,
    Between,
    Comparison,
    Function,
    In,
    Not,
    Or,
    Path,
    Value,
    walk,
)
from fogbank.services.dynamodb.expressions.reserved import is_reserved
from fogbank.services.dynamodb.expressions.tokens import ExpressionError, Parser

# Function name -> number of operands.
CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
    "size": 1,
}
UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
COMPARATORS = ("=", "<>", "<", "<=", ">", ">=")
MAX_IN_OPERANDS = 100  # DynamoDB's limit on the list an IN compares with
# Text-only problems, in the order DynamoDB prefers them when an expression has several.
_STRUCTURAL_ORDER = ("parens", "function_name", "misused", "reserved")


class ConditionParser(Parser):
    keywords = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN"})

    def parse(self):
        node = self.or_()
        self.expect_end()
        return node

    def or_(self):
        node = self.and_()
        while self.at_keyword("OR"):
            self.advance()
            node = Or(node, self.and_())
        return node

    def and_(self):
        node = self.not_()
        while self.at_keyword("AND"):
            self.advance()
            node = And(node, self.not_())
        return node

    def not_(self):
        if self.at_keyword("NOT"):
            self.advance()
            return Not(self.not_())  # NOT NOT x is x: DynamoDB accepts the chain
        return self.primary()

    def primary(self):
        if self.at("("):
            return self.attempt(self.comparison, self.group)
        return self.comparison()

    def group(self):
        start = self.index
        self.expect("(")
        node = self.or_()
        self.close_group(start)
        return node

    def comparison(self):
        if self.is_word() and self.at("(", 1):
            left = self.function()
            if not self._at_comparison():
                return left
        else:
            left = self.operand()
        token = self.peek()
        if token.kind == "op" and token.text in COMPARATORS:
            self.advance()
            return Comparison(token.text, left, self.operand())
        if self.at_keyword("BETWEEN"):
            self.advance()
            low = self.operand()
            if not self.at_keyword("AND"):
                raise self.error()
            self.advance()
            return Between(left, low, self.operand())
        if self.at_keyword("IN"):
            self.advance()
            self.expect("(")
            options = self.separated(self.operand)
            self.expect(")")
            if len(options) > MAX_IN_OPERANDS:
                raise ExpressionError(
                    f"The IN operator is provided with too many operands; number of operands: {len(options)}"
                )
            return In(left, tuple(options))
        raise self.error()

    def _at_comparison(self) -> bool:
        token = self.peek()
        return (token.kind == "op" and token.text in COMPARATORS) or self.at_keyword("BETWEEN") or self.at_keyword("IN")

    def operand(self):
        token = self.peek()
        if self.at("("):
            start = self.index
            self.advance()
            inner = self.operand()
            self.close_group(start)
            if isinstance(inner, Path) and (self.at(".") or self.at("[")):
                return self.path_rest(list(inner.elements))
            return inner
        if token.kind == "value":
            self.advance()
            return Value(token.text)
        if self.is_word() and self.at("(", 1):
            return self.function()
        return self.path()


@lru_cache(maxsize=1024)
def parse_condition(expression: str, key_condition: bool = False):
    """Parse a condition expression (unbound); raises ``ExpressionError`` with DynamoDB's wording.

    A KeyConditionExpression may wrap a group in parentheses twice (``((pk = :pk)) AND ((sk = :sk))``),
    which AWS accepts there and refuses elsewhere as redundant."""
    if expression == "":
        raise ExpressionError("The expression can not be empty;")
    parser = ConditionParser(expression)
    node = parser.parse()
    issues = [issue for issue in parser.issues if not (key_condition and issue[0] == "parens")]
    issues.extend(_structural_issues(node))
    for category in _STRUCTURAL_ORDER:
        for found, message in issues:
            if found == category:
                raise ExpressionError(message)
    return node


def _structural_issues(root) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    for node in walk(root):
        if isinstance(node, Function):
            if node.name in UPDATE_FUNCTIONS:
                issues.append(
                    ("function_name", f"The function is not allowed in a condition expression; function: {node.name}")
                )
            elif node.name not in CONDITION_FUNCTIONS:
                issues.append(("function_name", f"Invalid function name; function: {node.name}"))
            issues.extend(_misused_operands(node.args))
        elif isinstance(node, Comparison):
            issues.extend(_misused_operands((node.left, node.right)))
        elif isinstance(node, Between):
            issues.extend(_misused_operands((node.operand, node.low, node.high)))
        elif isinstance(node, In):
            issues.extend(_misused_operands((node.operand, *node.options)))
        elif isinstance(node, (And, Or)):
            issues.extend(_misused_conditions((node.left, node.right)))
        elif isinstance(node, Not):
            issues.extend(_misused_conditions((node.operand,)))
        elif isinstance(node, Path):
            for element in node.elements:
                if isinstance(element, str) and is_reserved(element):
                    issues.append(("reserved", f"Attribute name is a reserved keyword; reserved keyword: {element}"))
    issues.extend(_misused_conditions((root,)))
    return issues


def _misused_operands(operands) -> list[tuple[str, str]]:
    """Only size() yields a value; a boolean function used as an operand is misused."""
    return [
        ("misused", f"The function is not allowed to be used this way in an expression; function: {operand.name}")
        for operand in operands
        if isinstance(operand, Function) and operand.name != "size"
    ]


def _misused_conditions(conditions) -> list[tuple[str, str]]:
    """size() yields a number, not a truth value, so it cannot stand alone as a condition."""
    return [
        ("misused", "The function is not allowed to be used this way in an expression; function: size")
        for condition in conditions
        if isinstance(condition, Function) and condition.name == "size"
    ]
