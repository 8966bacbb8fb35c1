"""The grammar of DynamoDB's PartiQL, by recursive descent.

    statement  := ( select | insert | update | delete ) [';'] EOF
    select     := SELECT ( '*' | path (',' path)* ) FROM source [WHERE expr] [ORDER BY key [ASC|DESC] (',' ...)*]
    source     := name ['.' name]                       -- "table" or "table"."index"
    insert     := INSERT INTO name VALUE expr
    update     := UPDATE name ( SET path '=' expr | REMOVE path )+ (',' ...)* WHERE expr [RETURNING returning]
    delete     := DELETE FROM name WHERE expr [RETURNING returning]
    returning  := ( ALL | MODIFIED ) ( OLD | NEW ) '*'
    expr       := or;  or := and (OR and)*;  and := not (AND not)*;  not := NOT not | predicate
    predicate  := concat [ comparator concat | [NOT] BETWEEN concat AND concat | [NOT] IN ( list | '(' ... ')' )
                  | IS [NOT] type | [NOT] LIKE concat ]
    concat     := additive ('||' additive)*;  additive := term (('+'|'-') term)*;  term := unary (('*'|'/'|'%') unary)*
    unary      := '-' unary | primary
    primary    := literal | '?' | '(' expr ')' | '{' expr ':' expr, ... '}' | '[' ... ']' | '<<' ... '>>'
                  | EXISTS '(' select ')' | name '(' args ')' | path

Keywords are case-insensitive; a keyword cannot name an attribute unless it is "quoted". Syntax errors
are DynamoDB's "Statement wasn't well formed, can't be processed: <detail>".
"""

from __future__ import annotations

from functools import lru_cache
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
    Delete,
    Exists,
    InList,
    Insert,
    Is,
    ListValue,
    Not,
    Param,
    Path,
    Scalar,
    Select,
    Statement,
    Struct,
    Update,
    UpdateAction,
)

OPERATOR_WORDS = frozenset(("IS", "LIKE", "AND", "OR", "BETWEEN", "IN"))
COMPARATORS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
MAX_DEPTH = 200  # nesting of parentheses and literals: far past any real statement, short of Python's stack


class Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.index = 0
        self.params = 0
        self.depth = 0

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

    # -- statements -------------------------------------------------------------------------------

    def statement(self) -> Statement:
        if self.at_keyword("SELECT"):
            node: Statement = self.select()
        elif self.at_keyword("INSERT"):
            node = self.insert()
        elif self.at_keyword("UPDATE"):
            node = self.update()
        elif self.at_keyword("DELETE"):
            node = self.delete()
        elif self.at_keyword("EXISTS") and self.at("(", 1):
            node = self.primary()  # a transaction's condition check
        elif self.at_keyword("UPSERT", "REPLACE", "CREATE", "DROP", "ALTER", "EXEC", "BEGIN", "COMMIT"):
            raise invalid(errors.UNSUPPORTED_OPERATION.format(self.peek().text.upper()))
        else:
            raise malformed(errors.EXPECTED_DML)
        self.accept(";")
        if self.peek().kind != "eof":
            raise malformed(errors.LEFTOVER)
        return node

    def select(self) -> Select:
        self.expect_keyword("SELECT")
        if self.at_keyword("DISTINCT"):
            raise invalid(errors.UNSUPPORTED_TOKEN.format("DISTINCT"))
        if self.at_keyword("VALUE", "PIVOT"):
            raise invalid("Select projection doesn't support value or pivot keywords")
        projection: tuple[Path, ...] | None
        if self.accept("*"):
            projection = None
            if self.at(","):
                raise invalid(errors.STAR_AND_OTHERS)
        else:
            projection = tuple(self.separated(self.projected))
        self.expect_keyword("FROM")
        table, index = self.source()
        self.no_alias()
        where = self.expression() if self.accept_keyword("WHERE") else None
        order_by: list[tuple[Path, bool]] = []
        if self.at_keyword("GROUP", "HAVING", "LIMIT", "OFFSET"):
            clause = "GROUP BY" if self.at_keyword("GROUP") else self.peek().text.upper()
            raise invalid(errors.UNSUPPORTED_CLAUSE.format(clause))
        if self.accept_keyword("ORDER"):
            self.expect_keyword("BY")
            while True:
                key = self.expression()
                if not isinstance(key, Path) or len(key.elements) != 1:
                    kind = type(key).__name__
                    raise invalid(f"Argument to ORDER BY must be of type VariableReference. Type: {kind}")
                descending = self.accept_keyword("DESC")
                if not descending:
                    self.accept_keyword("ASC")
                order_by.append((key, descending))
                if not self.accept(","):
                    break
        if self.at_keyword("LIMIT", "OFFSET"):
            raise invalid(errors.UNSUPPORTED_CLAUSE.format(self.peek().text.upper()))
        return Select(projection, table, index, where, tuple(order_by))

    def projected(self) -> Path:
        start = self.peek()
        node = self.expression()
        if self.at_keyword("AS") or (self.peek().kind in ("word", "quoted") and not self.at_keyword("FROM")):
            raise invalid(errors.ALIASING)
        if isinstance(node, Path):
            return node
        if isinstance(node, Call) and node.name == "count":
            raise invalid(errors.UNSUPPORTED_OPERATION.format("COUNT"))
        if start.kind == "param":
            raise invalid(errors.UNSUPPORTED_OPERATION.format("Parameter in projection"))
        raise invalid(errors.UNSUPPORTED_OPERATION.format(type(node).__name__))

    def source(self) -> tuple[str, str | None]:
        if self.peek().kind == "eof" or self.at(";"):
            raise malformed(errors.UNEXPECTED_TERM)  # (a SELECT's FROM takes an expression: none is there)
        table = self.name()
        index = None
        if self.accept("."):
            index = self.name()
            if self.at(".") or self.at("["):
                raise invalid("A path may contain at most 2 components in the FROM clause")
        return table, index

    def no_alias(self) -> None:
        if self.at_keyword("AS") or self.peek().kind == "quoted":
            raise invalid(errors.ALIASING)
        token = self.peek()
        if token.kind == "word" and token.text.upper() not in RESERVED:
            raise invalid(errors.ALIASING)

    def name(self) -> str:
        """A table or index name: a word that is no keyword, or a "quoted" name."""
        token = self.peek()
        if token.kind == "quoted" or (token.kind == "word" and token.text.upper() not in RESERVED):
            self.advance()
            return token.text
        if token.kind == "eof" or self.at(";") or token.kind == "word":
            raise malformed(errors.EXPECTED_IDENTIFIER)
        raise self.unexpected(errors.EXPECTED_IDENTIFIER)

    def insert(self) -> Insert:
        self.expect_keyword("INSERT")
        self.expect_keyword("INTO")
        table = self.name()
        if self.at_keyword("VALUES"):
            raise invalid(errors.INSERT_MANY)
        if not self.accept_keyword("VALUE"):
            if self.at_keyword("AT"):
                raise invalid("AT is not supported in insert statements.")
            raise malformed(errors.LEFTOVER)
        value = self.expression()
        if self.at_keyword("RETURNING"):
            raise invalid(errors.INSERT_RETURNING)
        if self.at_keyword("ON"):
            raise invalid(errors.UNSUPPORTED_CLAUSE.format("ON CONFLICT"))
        return Insert(table, value)

    def update(self) -> Update:
        self.expect_keyword("UPDATE")
        table = self.name()
        self.no_alias_before("SET", "REMOVE")
        actions: list[UpdateAction] = []
        while self.at_keyword("SET", "REMOVE"):
            kind = self.advance().text.upper()
            while True:
                path = self.path()
                if kind == "SET":
                    self.expect("=")
                    actions.append(UpdateAction(kind, path, self.expression()))
                else:
                    actions.append(UpdateAction(kind, path))
                if not self.accept(","):
                    break
        if not actions:
            raise self.unexpected(errors.EXPECTED_KEYWORD.format("SET"))
        if not self.accept_keyword("WHERE"):
            if self.peek().kind == "eof" or self.at(";"):
                raise invalid(errors.INCOMPLETE_KEY)
            raise self.unexpected(errors.LEFTOVER)
        where = self.expression()
        return Update(table, tuple(actions), where, self.returning())

    def delete(self) -> Delete:
        self.expect_keyword("DELETE")
        self.expect_keyword("FROM")
        table = self.name()
        self.no_alias_before("WHERE")
        if not self.accept_keyword("WHERE"):
            if self.peek().kind == "eof" or self.at(";"):
                raise invalid(errors.INCOMPLETE_KEY)
            raise malformed(errors.LEFTOVER)
        where = self.expression()
        returning = self.returning()
        if returning is not None and returning != "ALL OLD":
            raise invalid(errors.DELETE_RETURNING.format(returning + " *"))
        return Delete(table, where, returning)

    def no_alias_before(self, *words: str) -> None:
        token = self.peek()
        if self.at_keyword("AS") or token.kind == "quoted":
            raise invalid(errors.ALIASING)
        if token.kind == "word" and token.text.upper() not in words and token.text.upper() not in RESERVED:
            raise invalid(errors.ALIASING)

    def returning(self) -> str | None:
        if not self.accept_keyword("RETURNING"):
            return None
        if not self.at_keyword("ALL", "MODIFIED") or not self.at_keyword("OLD", "NEW", offset=1):
            raise self.unexpected()
        which = f"{self.advance().text.upper()} {self.advance().text.upper()}"
        if not self.accept("*"):
            raise invalid(errors.RETURNING_SYNTAX)
        if self.at(","):
            raise invalid("Invalid syntax with multiple returning elements in RETURNING clause")
        return which

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


@lru_cache(maxsize=1024)
def parse(statement: str) -> tuple[Statement, int]:
    """The statement's tree and how many ``?`` it holds; raises ValidationException as DynamoDB words it."""
    if statement.strip() == "":
        raise malformed(errors.UNEXPECTED_TERM)
    parser = Parser(statement)
    try:
        node = parser.statement()
    except RecursionError:
        raise malformed("Expression nested too deeply") from None
    return node, parser.params
