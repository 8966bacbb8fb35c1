"""The lexer shared by every expression grammar, and the recursive-descent parser base.

Syntax errors are worded as DynamoDB's: ``Syntax error; token: "x", near: "a x b"``, where ``near`` runs
from the token before the offending one to the token after it, as written in the expression.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fogbank.services.dynamodb.expressions.nodes import Function, NameRef, Path

T = TypeVar("T")


class ExpressionError(Exception):
    """A problem with an expression, worded as DynamoDB's text after ``Invalid <Parameter>: ``."""

    def __init__(self, detail: str, position: int = -1) -> None:
        super().__init__(detail)
        self.detail = detail
        # Index of the offending token, so that backtracking keeps the error furthest in the input.
        self.position = position


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "ident", "name" (#x), "value" (:x), "number", "op", "bad", "eof"
    text: str
    start: int
    end: int


_OPERATORS = ("<>", "<=", ">=", "(", ")", "[", "]", ",", ".", "=", "<", ">", "+", "-")
_WORD = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_SPACE = " \t\r\n"


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position, length = 0, len(source)
    while position < length:
        char = source[position]
        if char in _SPACE:
            position += 1
            continue
        start = position
        if char in "#:":
            position += 1
            while position < length and source[position] in _WORD:
                position += 1
            kind = "name" if char == "#" else "value"
        elif char.isascii() and char.isdigit():
            while position < length and source[position].isascii() and source[position].isdigit():
                position += 1
            kind = "number"
        elif char in _WORD and char != "_":  # a name starting with "_" needs a #placeholder, as on AWS
            while position < length and source[position] in _WORD:
                position += 1
            kind = "ident"
        else:
            operator = next((op for op in _OPERATORS if source.startswith(op, position)), None)
            kind = "op" if operator else "bad"
            position += len(operator) if operator else 1
        tokens.append(Token(kind, source[start:position], start, position))
    tokens.append(Token("eof", "", length, length))
    return tokens


class Parser:
    """Cursor over the tokens of one expression, with DynamoDB-worded syntax errors.

    ``keywords`` are the words of the grammar that cannot name an attribute in a path. ``issues`` collects
    (category, message) problems found while parsing that are reported only if the syntax is valid.
    """

    keywords: frozenset[str] = frozenset()

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.issues: list[tuple[str, str]] = []
        # Token span of the last parenthesised group closed, to spot "((x))".
        self.last_group: tuple[int, int] = (-1, -1)

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def at(self, text: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == "op" and token.text == text

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.error()
        return self.advance()

    def at_keyword(self, word: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == "ident" and token.text.upper() == word

    def expect_end(self) -> None:
        if self.peek().kind != "eof":
            raise self.error()

    def separated(self, item: Callable[[], T]) -> list[T]:
        """``item ("," item)*``: lists of operands, arguments, paths and actions."""
        items = [item()]
        while self.accept(","):
            items.append(item())
        return items

    def function(self) -> Function:
        """``name "(" operand ("," operand)* ")"``; the grammar's own ``operand`` parses arguments."""
        name = self.advance().text
        self.expect("(")
        args = self.separated(self.operand)
        self.expect(")")
        return Function(name, tuple(args))

    def operand(self) -> Any:
        raise NotImplementedError

    def error(self, index: int | None = None) -> ExpressionError:
        """A syntax error at the current (or given) token."""
        index = self.index if index is None else index
        token = self.tokens[index]
        start = self.tokens[index - 1].start if index > 0 else token.start
        following = self.tokens[index + 1] if token.kind != "eof" else token
        end = following.end if following.kind != "eof" else token.end
        shown = "<EOF>" if token.kind == "eof" else token.text
        return ExpressionError(f'Syntax error; token: "{shown}", near: "{self.source[start:end]}"', index)

    def attempt(self, *alternatives):
        """Try each parse function in turn from the same place (PEG's ordered choice).

        When all fail, the error furthest into the input wins, as a PEG parser reports it.
        """
        start, issue_count, last_group = self.index, len(self.issues), self.last_group
        failure: ExpressionError | None = None
        for alternative in alternatives:
            self.index, self.last_group = start, last_group
            del self.issues[issue_count:]
            try:
                return alternative()
            except ExpressionError as error:
                if error.position < 0:
                    raise
                if failure is None or error.position > failure.position:
                    failure = error
        assert failure is not None
        raise failure

    def is_word(self, offset: int = 0) -> bool:
        """An identifier usable as an attribute or function name (not a keyword of this grammar)."""
        token = self.peek(offset)
        return token.kind == "ident" and token.text.upper() not in self.keywords

    def path(self) -> Path:
        """``name ( '.' name | '[' digits ']' )*`` where a name is an identifier or ``#placeholder``."""
        return self.path_rest([self.path_name()])

    def path_name(self):
        token = self.peek()
        if token.kind == "name":
            self.advance()
            return NameRef(token.text)
        if self.is_word():
            self.advance()
            return token.text
        raise self.error()

    def path_rest(self, elements: list) -> Path:
        while True:
            if self.accept("."):
                elements.append(self.path_name())
            elif self.accept("["):
                if self.peek().kind != "number":
                    raise self.error()
                elements.append(int(self.advance().text))
                self.expect("]")
            else:
                return Path(tuple(elements))

    def close_group(self, start: int) -> None:
        """Consume the ``)`` of a group opened at token ``start``; note it if it only wraps another group."""
        end = self.index
        self.expect(")")
        if self.last_group == (start + 1, end - 1):
            self.issues.append(("parens", "The expression has redundant parentheses;"))
        self.last_group = (start, end)
