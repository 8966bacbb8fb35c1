"""The grammar of DynamoDB's PartiQL, by recursive descent.

    statement  := ( select | insert | update | delete | EXISTS '(' select ')' ) [';'] EOF   -- EXISTS: transactions
    select     := SELECT ( '*' | path (',' path)* ) FROM source [WHERE expr] [ORDER BY key [ASC|DESC] (',' ...)*]
    source     := name ['.' name]                       -- "table" or "table"."index"
    insert     := INSERT INTO name VALUE expr
    update     := UPDATE name ( SET path '=' expr | REMOVE path )+ (',' ...)* WHERE expr [RETURNING returning]
    delete     := DELETE FROM name WHERE expr [RETURNING returning]
    returning  := ( ALL | MODIFIED ) ( OLD | NEW ) '*'
    expr       := (terms.py)

Keywords are case-insensitive; a keyword cannot name an attribute unless it is "quoted". Syntax errors
are DynamoDB's "Statement wasn't well formed, can't be processed: <detail>".
"""

from __future__ import annotations

from functools import lru_cache

from fogbank.services.dynamodb.partiql import errors
from fogbank.services.dynamodb.partiql.errors import invalid, malformed
from fogbank.services.dynamodb.partiql.keywords import RESERVED
from fogbank.services.dynamodb.partiql.syntax import (
    Call,
    Delete,
    Insert,
    Path,
    Select,
    Statement,
    Update,
    UpdateAction,
)
from fogbank.services.dynamodb.partiql.terms import ExpressionParser


class Parser(ExpressionParser):
    """One statement's parser: ``statement()`` gives its tree, ``params`` how many ``?`` it holds."""

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
