"""The syntax tree of an expression and the parser that builds it.

The parser is hand-written (precedence climbing in the Pratt style) because no maintained Python
library evaluates ODK XPath expressions safely: elementpath implements full XPath 2/3 over an XML
tree, which XLSForm answers are not, and the engines that define ODK's behaviour, JavaRosa and
Enketo's openrosa-xpath-evaluator, are Java and JavaScript. The subset used in `relevant`,
`constraint`, `calculation`, `required`, `choice_filter` and `default` is small enough to parse
in a few hundred lines, and writing it ourselves lets every error carry a stable code and a
position a form author can act on.

Operator precedence is XPath 1.0's, loosest first: or, and, = !=, < <= > >=, + -, * div mod,
unary minus. All binary operators are left-associative, and a run of operators of one level
becomes one flat Chain node, so `${a} + ${b} + ... + ${z}` is one node however long it is. Only
real nesting (parentheses, function arguments, unary minus) deepens the tree, and the parser
refuses more than MAX_DEPTH levels of it, so neither parsing nor evaluating can hit Python's
recursion limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ARITY, SYNTAX, UNKNOWN_FUNCTION, UNSUPPORTED, ExpressionError, at
from .functions import FUNCTIONS, UNSUPPORTED_FUNCTIONS, Function, compile_pattern
from .lexer import END, NAME, NUMBER, OPERATOR, PUNCTUATION, REFERENCE, STRING, Token
from .nodesets import NODE_ARGUMENTS

MAX_DEPTH = 100

BINDING_POWER = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}
UNARY_BINDING_POWER = 7


@dataclass(frozen=True, slots=True)
class Literal:
    value: str | float


@dataclass(frozen=True, slots=True)
class Reference:
    name: str  # ${name}


@dataclass(frozen=True, slots=True)
class Current:
    pass  # '.'


@dataclass(frozen=True, slots=True)
class BareName:
    name: str  # a column of the choice row, in a choice_filter
    position: int


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Node


@dataclass(frozen=True, slots=True)
class Chain:
    """`first op[0] operands[0] op[1] operands[1] ...`, all operators of one precedence level."""

    first: Node
    operators: tuple[str, ...]
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    arguments: tuple[Node, ...]


Node = Literal | Reference | Current | BareName | Negate | Chain | Call


def parse(text: str, tokens: list[Token]) -> Node:
    """Build the syntax tree of `text` from its tokens; ExpressionError when it is not valid."""
    return _Parser(text, tokens).parse()


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children."""
    nodes: list[Node] = []
    pending = [node]
    while pending:
        current = pending.pop()
        nodes.append(current)
        if isinstance(current, Negate):
            pending.append(current.operand)
        elif isinstance(current, Chain):
            pending.extend((current.first, *current.operands))
        elif isinstance(current, Call):
            pending.extend(current.arguments)
    return nodes


def _describe(token: Token) -> str:
    return (
        "the end of the expression" if token.kind == END else f"'{token.text}' {at(token.position)}"
    )


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != END:
            self.index += 1
        return token

    def parse(self) -> Node:
        if self.peek().kind == END:
            raise ExpressionError(SYNTAX, "The expression is empty.")
        node = self.expression(0)
        token = self.peek()
        if token.kind != END:
            raise ExpressionError(
                SYNTAX,
                f"Unexpected {_describe(token)}: an operator such as 'and' or '=' may be missing.",
            )
        return node

    def expression(self, minimum: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            token = self.peek()
            raise ExpressionError(
                SYNTAX,
                f"The expression is too deeply nested {at(token.position)}: "
                f"more than {MAX_DEPTH} levels of parentheses, functions or signs.",
            )
        try:
            left = self.prefix()
            while True:
                token = self.peek()
                _refuse_path_continuation(token)
                power = BINDING_POWER.get(token.text) if token.kind == OPERATOR else None
                if power is None or power < minimum:
                    return left
                self.advance()
                right = self.expression(power + 1)
                left = _join(left, token.text, right)
        finally:
            self.depth -= 1

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind == NUMBER:
            return Literal(float(token.text))
        if token.kind == STRING:
            return Literal(token.text[1:-1])
        if token.kind == REFERENCE:
            return Reference(token.text)
        if token.kind == NAME:
            if self.peek().text == "(" and self.peek().kind == PUNCTUATION:
                return self.call(token)
            return BareName(token.text, token.position)
        if token.kind == OPERATOR and token.text == "-":
            return Negate(self.expression(UNARY_BINDING_POWER))
        if token.kind == PUNCTUATION:
            return self.punctuation(token)
        if token.kind == END:
            raise ExpressionError(
                SYNTAX, "The expression ends too early: a value is missing after the last operator."
            )
        raise ExpressionError(SYNTAX, f"Unexpected {_describe(token)}: a value was expected here.")

    def punctuation(self, token: Token) -> Node:
        if token.text == ".":
            return Current()
        if token.text == "(":
            inner = self.expression(0)
            self.expect(")", token)
            return inner
        _refuse_path_start(token)
        raise ExpressionError(SYNTAX, f"Unexpected {_describe(token)}: a value was expected here.")

    def expect(self, text: str, opening: Token) -> None:
        token = self.advance()
        if token.kind != PUNCTUATION or token.text != text:
            raise ExpressionError(
                SYNTAX,
                f"Expected '{text}' to close the '{opening.text}' {at(opening.position)}, "
                f"but found {_describe(token)}.",
            )

    def call(self, name: Token) -> Call:
        function = _function(name)
        opening = self.advance()
        if name.text == "position":
            return self.position(name, opening)
        arguments: list[Node] = []
        if self.peek().kind == PUNCTUATION and self.peek().text == ")":
            self.advance()
        else:
            while True:
                arguments.append(self.expression(0))
                token = self.advance()
                if token.kind == PUNCTUATION and token.text == ",":
                    continue
                if token.kind == PUNCTUATION and token.text == ")":
                    break
                raise ExpressionError(
                    SYNTAX,
                    f"Expected ',' or ')' in the call to {name.text}() that opens "
                    f"{at(opening.position)}, but found {_describe(token)}.",
                )
        count = len(arguments)
        if count < function.minimum or (function.maximum is not None and count > function.maximum):
            raise ExpressionError(
                ARITY,
                f"The function {name.text}() {at(name.position)} takes "
                f"{function.describe_arity()}, but was given {count}.",
            )
        if name.text == "regex" and isinstance(arguments[1], Literal):
            compile_pattern(str(arguments[1].value))
        for index in NODE_ARGUMENTS.get(name.text, ()):
            if not isinstance(arguments[index], Reference):
                raise ExpressionError(
                    UNSUPPORTED,
                    f"The function {name.text}() {at(name.position)} reads the answers of a "
                    f"repeat: its argument {index + 1} must name a question or a repeat as "
                    "${name}.",
                )
        return Call(name.text, tuple(arguments))

    def position(self, name: Token, opening: Token) -> Call:
        """position(..): the current instance's position in its repeat, the one use of
        position() an XLSForm makes (paths being written ${name} everywhere else)."""
        token = self.advance()
        if token.kind != PUNCTUATION or token.text != "..":
            raise ExpressionError(
                UNSUPPORTED,
                f"position() {at(name.position)} is supported only as position(..), the "
                "position of the current instance in its repeat.",
            )
        self.expect(")", opening)
        return Call("position", ())


def _function(name: Token) -> Function:
    function = FUNCTIONS.get(name.text)
    if function is not None:
        return function
    reason = UNSUPPORTED_FUNCTIONS.get(name.text)
    if reason is not None:
        raise ExpressionError(
            UNSUPPORTED,
            f"The function {name.text}() {at(name.position)} is not supported: {reason}.",
        )
    raise ExpressionError(
        UNKNOWN_FUNCTION,
        f"Unknown function {name.text}() {at(name.position)}. "
        f"The supported functions are: {', '.join(sorted(FUNCTIONS))}.",
    )


def _join(left: Node, operator: str, right: Node) -> Node:
    if isinstance(left, Chain) and BINDING_POWER[left.operators[0]] == BINDING_POWER[operator]:
        return Chain(left.first, (*left.operators, operator), (*left.operands, right))
    return Chain(left, (operator,), (right,))


_PATHS = "XPath paths such as /data/x or ../x are not supported: refer to a question as ${name}"


def _refuse_path_start(token: Token) -> None:
    if token.text in ("/", "//", ".."):
        raise ExpressionError(UNSUPPORTED, f"{_PATHS} ('{token.text}' {at(token.position)}).")
    if token.text in ("@", "*", "::", "["):
        raise ExpressionError(
            UNSUPPORTED,
            f"'{token.text}' {at(token.position)} belongs to XPath node selection, which is not "
            "supported: refer to a question as ${name}.",
        )


def _refuse_path_continuation(token: Token) -> None:
    if token.kind != PUNCTUATION:
        return
    if token.text in ("/", "//"):
        raise ExpressionError(UNSUPPORTED, f"{_PATHS} ('{token.text}' {at(token.position)}).")
    if token.text in ("[", "::", "@"):
        raise ExpressionError(
            UNSUPPORTED,
            f"'{token.text}' {at(token.position)} belongs to XPath node selection "
            "(predicates and axes), which is not supported.",
        )
    if token.text == "|":
        raise ExpressionError(
            UNSUPPORTED, f"'|' {at(token.position)} joins node-sets, which is not supported."
        )
