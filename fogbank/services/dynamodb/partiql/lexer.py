"""PartiQL's tokens: words, "quoted names", 'strings', numbers, ``?`` parameters and operators.

Comments (``-- to the end of the line`` and ``/* ... */``) and whitespace are skipped. A text the lexer
cannot read at all (an unterminated string or comment, a character PartiQL has no use for) gets the
"wasn't well formed" envelope with no detail, as DynamoDB answers it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fogbank.services.dynamodb.partiql.errors import malformed

# Longest first, so that "<<" is not read as two "<".
OPERATORS = ("<<", ">>", "<=", ">=", "<>", "!=", "||", "=", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", ":",
             "*", "+", "-", "/", "%", ";")  # fmt: skip
_SPACE = " \t\r\n\f"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "quoted" ("name"), "string" ('text'), "number", "param" (?), "op", "eof"
    text: str  # a word as written, a quoted name or string unescaped, an operator
    start: int


def _is_word_start(char: str) -> bool:
    return char.isalpha() or char == "_" or char == "$"


def _is_word_part(char: str) -> bool:
    return char.isalnum() or char in "_$"


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position, length = 0, len(source)
    while position < length:
        char = source[position]
        if char in _SPACE:
            position += 1
            continue
        if source.startswith("--", position):
            end = source.find("\n", position)
            position = length if end < 0 else end + 1
            continue
        if source.startswith("/*", position):
            end = source.find("*/", position + 2)
            if end < 0:
                raise malformed()
            position = end + 2
            continue
        start = position
        if char in "'\"":
            text, position = _quoted(source, position, char)
            tokens.append(Token("string" if char == "'" else "quoted", text, start))
        elif char.isascii() and (char.isdigit() or (char == "." and source[position + 1 : position + 2].isdigit())):
            position = _number_end(source, position)
            tokens.append(Token("number", source[start:position], start))
        elif _is_word_start(char):
            while position < length and _is_word_part(source[position]):
                position += 1
            tokens.append(Token("word", source[start:position], start))
        elif char == "?":
            position += 1
            tokens.append(Token("param", "?", start))
        else:
            operator = next((op for op in OPERATORS if source.startswith(op, position)), None)
            if operator is None:
                raise malformed()
            position += len(operator)
            tokens.append(Token("op", operator, start))
    tokens.append(Token("eof", "", length))
    return tokens


def _quoted(source: str, position: int, quote: str) -> tuple[str, int]:
    """The text between quotes (a doubled quote stands for one) and the position after the closing one."""
    parts: list[str] = []
    position += 1
    while True:
        end = source.find(quote, position)
        if end < 0:
            raise malformed()
        parts.append(source[position:end])
        if source.startswith(quote * 2, end):
            parts.append(quote)
            position = end + 2
            continue
        return "".join(parts), end + 1


def _number_end(source: str, position: int) -> int:
    length = len(source)
    while position < length and source[position].isascii() and source[position].isdigit():
        position += 1
    if position < length and source[position] == ".":
        position += 1
        while position < length and source[position].isascii() and source[position].isdigit():
            position += 1
    if position < length and source[position] in "eE":
        after = position + 1
        if after < length and source[after] in "+-":
            after += 1
        if after < length and source[after].isascii() and source[after].isdigit():
            position = after
            while position < length and source[position].isascii() and source[position].isdigit():
                position += 1
    return position
