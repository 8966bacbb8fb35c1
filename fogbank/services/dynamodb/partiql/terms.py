"""The expressions of DynamoDB's PartiQL, by recursive descent (statements build on it in parser.py).

expr       := or;  or := and (OR and)*;  and := not (AND not)*;  not := NOT not | predicate
predicate  := concat [ comparator concat | [NOT] BETWEEN concat AND concat | [NOT] IN ( list | '(' ... ')' )
              | IS [NOT] type | [NOT] LIKE concat ]
concat     := additive ('||' additive)*;  additive := term (('+'|'-') term)*;  term := unary (('*'|'/'|'%') unary)*
unary      := '-' unary | primary
primary    := literal | '?' | '(' expr ')' | '{' expr ':' expr, ... '}' | '[' ... ']' | '<<' ... '>>'
              | EXISTS '(' select ')' | name '(' args ')' | path
"""

from __future__ import annotations

from typing import Any

from fogbank.services.dynamodb.partiql import errors
from fogbank.services.dynamodb.partiql.errors import invalid, malformed
from fogbank.services.dynamodb.partiql.keywords import RESERVED, TYPE_NAMES
from fogbank.services.dynamodb.partiql.lexer import Token, tokenize
from fogbank.services.dynamodb.partiql.syntax import (
    Bag,
    Between,
    Binary,
    Call,
    Exists,
    InList,
    Is,
    ListValue,
    Not,
    Param,
    Path,
    Scalar,
    Select,
    Struct,
)

OPERATOR_WORDS = frozenset(("IS", "LIKE", "AND", "OR", "BETWEEN", "IN"))
COMPARATORS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
MAX_DEPTH = 200  # nesting of parentheses and literals: far past any real statement, short of Python's stack


class ExpressionParser:
    """A cursor over a statement's tokens and the expression grammar; ``select`` comes from the statement
    parser (``EXISTS(SELECT ...)``)."""

    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.index = 0
        self.params = 0
        self.depth = 0

    def select(self) -> Select:
        raise NotImplementedError

    # -- cursor -----------------------------------------------------------------------------------

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

    def at_keyword(self, *words: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == "word" and token.text.upper() in words

    def accept_keyword(self, word: str) -> bool:
        if self.at_keyword(word):
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise self.unexpected(errors.EXPECTED.format(text))

    def expect_keyword(self, word: str) -> None:
        if not self.accept_keyword(word):
            raise self.unexpected(errors.EXPECTED_KEYWORD.format(word))

    def unexpected(self, detail: str | None = None) -> Exception:
        """A syntax error at the current token; ``detail`` when the token itself does not say more."""
        token = self.peek()
        if token.kind == "eof" or (token.kind == "op" and token.text == ";"):
            return malformed(errors.UNEXPECTED_TERM)
        if token.kind == "word" and token.text.upper() in OPERATOR_WORDS:
            return malformed(errors.UNEXPECTED_OPERATOR)
        if token.kind == "word" and token.text.upper() in RESERVED:
            return malformed(errors.UNEXPECTED_KEYWORD)
        if token.kind == "op" and (token.text in COMPARATORS or token.text in ("+", "*", "/", "%", "||")):
            return malformed(errors.UNEXPECTED_OPERATOR)
        return malformed(detail or errors.UNEXPECTED_TOKEN)

    # -- expressions ------------------------------------------------------------------------------

    def separated(self, item: Any) -> list[Any]:
        items = [item()]
        while self.accept(","):
            items.append(item())
        return items

    def expression(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise malformed("Expression nested too deeply")
        try:
            return self.or_()
        finally:
            self.depth -= 1

    def right_operand(self, parse: Any) -> Any:
        if self.peek().kind == "eof" or self.at(";"):
            raise malformed(errors.MISSING_RIGHT)
        return parse()

    def or_(self) -> Any:
        node = self.and_()
        while self.accept_keyword("OR"):
            node = Binary("OR", node, self.right_operand(self.and_))
        return node

    def and_(self) -> Any:
        node = self.not_()
        while self.accept_keyword("AND"):
            node = Binary("AND", node, self.right_operand(self.not_))
        return node

    def not_(self) -> Any:
        if self.accept_keyword("NOT"):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise malformed("Expression nested too deeply")
            try:
                return Not(self.not_())
            finally:
                self.depth -= 1
        return self.predicate()

    def predicate(self) -> Any:
        left = self.concat()
        token = self.peek()
        if token.kind == "op" and token.text in COMPARATORS:
            self.advance()
            return Binary(COMPARATORS[token.text], left, self.right_operand(self.concat))
        negated = False
        if self.at_keyword("NOT") and self.at_keyword("BETWEEN", "IN", "LIKE", offset=1):
            self.advance()
            negated = True
        if self.accept_keyword("BETWEEN"):
            low = self.concat()
            self.expect_keyword("AND")
            return Between(left, low, self.right_operand(self.concat), negated)
        if self.accept_keyword("IN"):
            return InList(left, self.in_options(), negated)
        if self.accept_keyword("LIKE"):
            self.right_operand(self.concat)
            raise invalid(errors.UNSUPPORTED_OPERATION.format("Like"))
        if self.accept_keyword("IS"):
            is_negated = self.accept_keyword("NOT")
            return Is(left, self.type_name(), is_negated)
        return left

    def in_options(self) -> tuple[Any, ...]:
        if self.at("[") or self.at("("):
            closing = "]" if self.advance().text == "[" else ")"
            if self.accept(closing):
                return ()
            options = self.separated(self.expression)
            self.expect(closing)
            return tuple(options)
        if self.at("<<"):
            return (self.primary(),)
        return (self.right_operand(self.concat),)

    def type_name(self) -> str:
        token = self.peek()
        if token.kind != "word":
            raise self.unexpected(errors.EXPECTED_TYPE)
        first = token.text.upper()
        for name in TYPE_NAMES:
            words = name.split()
            if words[0] == first and all(self.at_keyword(word, offset=i) for i, word in enumerate(words)):
                self.index += len(words)
                return name
        raise malformed(errors.EXPECTED_TYPE)

    def concat(self) -> Any:
        node = self.additive()
        while self.accept("||"):
            node = Binary("||", node, self.right_operand(self.additive))
        return node

    def additive(self) -> Any:
        node = self.term()
        while self.at("+") or self.at("-"):
            operator = self.advance().text
            node = Binary(operator, node, self.right_operand(self.term))
        return node

    def term(self) -> Any:
        node = self.unary()
        while self.at("*") or self.at("/") or self.at("%"):
            operator = self.advance().text
            node = Binary(operator, node, self.right_operand(self.unary))
        return node

    def unary(self) -> Any:
        if self.accept("-"):
            operand = self.unary()
            if isinstance(operand, Scalar) and operand.kind == "N":
                text = operand.text
                return Scalar("N", text[1:] if text.startswith("-") else "-" + text)
            return Binary("-", Scalar("N", "0"), operand)
        if self.accept("+"):
            return self.unary()
        return self.primary()

    def primary(self) -> Any:
        token = self.peek()
        kind = token.kind
        if kind == "number":
            self.advance()
            return Scalar("N", token.text)
        if kind == "string":
            self.advance()
            return Scalar("S", token.text)
        if kind == "param":
            self.advance()
            self.params += 1
            return Param(self.params - 1)
        if kind == "op":
            return self.composite(token.text)
        if kind == "word":
            word = token.text.upper()
            if word in ("TRUE", "FALSE"):
                self.advance()
                return Scalar("BOOL", word)
            if word in ("NULL", "MISSING"):
                self.advance()
                return Scalar(word)
            if word == "EXISTS" and self.at("(", 1):
                self.advance()
                self.advance()
                select = self.select()
                self.expect(")")
                return Exists(select)
            if self.at("(", 1) and word not in ("SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS"):
                return self.call()
            if word in RESERVED:
                raise self.unexpected()
            return self.path()
        if kind == "quoted":
            return self.path()
        raise self.unexpected()

    def composite(self, opener: str) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise malformed("Expression nested too deeply")
        try:
            if opener == "(":
                self.advance()
                if self.at_keyword("SELECT"):
                    raise invalid(errors.UNSUPPORTED_OPERATION.format("sub-query"))
                node = self.expression()
                self.expect(")")
                return node
            if opener == "{":
                self.advance()
                entries: list[tuple[Any, Any]] = []
                if not self.accept("}"):
                    while True:
                        key = self.expression()
                        self.expect(":")
                        entries.append((key, self.expression()))
                        if not self.accept(","):
                            break
                    self.expect("}")
                return Struct(tuple(entries))
            if opener in ("[", "<<"):
                self.advance()
                closing = "]" if opener == "[" else ">>"
                items: list[Any] = []
                if not self.accept(closing):
                    items = self.separated(self.expression)
                    self.expect(closing)
                return ListValue(tuple(items)) if opener == "[" else Bag(tuple(items))
            raise self.unexpected()
        finally:
            self.depth -= 1

    def call(self) -> Call:
        name = self.advance().text.lower()
        self.expect("(")
        args: list[Any] = []
        if not self.accept(")"):
            if self.at("*"):
                raise invalid(errors.UNSUPPORTED_OPERATION.format(name.upper() + "(*)"))
            args = self.separated(self.expression)
            self.expect(")")
        return Call(name, tuple(args))

    def path(self) -> Path:
        token = self.peek()
        if token.kind == "quoted" or (token.kind == "word" and token.text.upper() not in RESERVED):
            self.advance()
        elif token.kind == "word":
            raise malformed(errors.UNEXPECTED_KEYWORD)
        else:
            raise self.unexpected(errors.EXPECTED_IDENTIFIER)
        elements: list[str | int] = [token.text]
        while True:
            if self.accept("."):
                part = self.peek()
                if self.at("*"):
                    raise invalid("Unpivot path component like a.*.b are not supported")
                if part.kind not in ("word", "quoted"):
                    raise self.unexpected(errors.EXPECTED_IDENTIFIER)
                self.advance()
                elements.append(part.text)
            elif self.at("["):
                self.advance()
                part = self.peek()
                if self.at("*"):
                    raise invalid("Wildcard path component like a[*].b are not supported")
                if part.kind == "number" and part.text.isdigit():
                    elements.append(int(part.text))
                elif part.kind == "string":
                    elements.append(part.text)
                else:
                    raise invalid("Unexpected path component")
                self.advance()
                self.expect("]")
            else:
                return Path(tuple(elements))
