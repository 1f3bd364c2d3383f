"""The XLSForm functions indagine evaluates, with their arities, per the ODK XForms specification.

`if` and `coalesce` evaluate only the arguments they need, so the evaluator runs them itself;
every other function receives its arguments already evaluated. References:
XPath 1.0 section 4 (https://www.w3.org/TR/1999/REC-xpath-19991116/#corelib) and
ODK XForms, XPath functions (https://getodk.github.io/xforms-spec/#xpath-functions).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DecimalException
from decimal import Context as DecimalContext

from .environment import Context as EvaluationContext
from .errors import REGEX, ExpressionError
from .values import NAN, Result, to_boolean, to_number, to_string

Implementation = Callable[[Sequence[Result], EvaluationContext], Result]

LAZY = frozenset({"if", "coalesce"})


@dataclass(frozen=True, slots=True)
class Function:
    minimum: int
    maximum: int | None  # None: any number of arguments
    implementation: Implementation | None  # None: evaluated lazily by the evaluator

    def describe_arity(self) -> str:
        if self.maximum is None:
            return f"at least {_arguments(self.minimum)}"
        if self.maximum == self.minimum:
            return f"exactly {_arguments(self.minimum)}"
        return f"{self.minimum} to {_arguments(self.maximum)}"


def _arguments(count: int) -> str:
    return "1 argument" if count == 1 else f"{count} arguments"


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a regex() pattern as ODK Collect reads it (Java's java.util.regex): ASCII classes
    (\\d, \\w), and a '-' after a class such as \\w inside [...] is a plain '-'."""
    try:
        return re.compile(_java_hyphens(pattern), re.ASCII)
    except (re.error, RecursionError, OverflowError) as error:
        # quoted as written in the sheet, not as a Python repr that doubles each backslash
        raise ExpressionError(
            REGEX, f"The pattern '{pattern}' is not a valid regular expression ({error})."
        ) from None


_CLASS_ESCAPES = frozenset("dDsSwW")


def _java_hyphens(pattern: str) -> str:
    """`[\\w-\\.]` -> `[\\w\\-\\.]`: Java reads a '-' that follows \\w, \\d or \\s in a
    character class as the character itself (Pattern.range), where Python's re refuses the class
    as a bad range; JavaScript reads it as Java does."""
    out: list[str] = []
    in_class, i = False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            escape = pattern[i : i + 2]
            out.append(escape)
            i += 2
            follows = pattern[i : i + 2]
            if in_class and escape[1:] in _CLASS_ESCAPES and follows[:1] == "-" and follows != "-]":
                out.append("\\-")
                i += 1
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            i += 1
            # a ']' first in the class (after an optional '^') is the character itself
            for literal in ("^", "]"):
                if pattern[i : i + 1] == literal:
                    out.append(literal)
                    i += 1
            continue
        if char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def _regex(args: Sequence[Result], _: EvaluationContext) -> Result:
    # ODK: "the result of regex test", i.e. JavaScript RegExp.test / Java Matcher.find:
    # a match anywhere in the text; anchor the pattern with ^...$ to match the whole answer.
    return compile_pattern(to_string(args[1])).search(to_string(args[0])) is not None


def _selected(args: Sequence[Result], _: EvaluationContext) -> Result:
    return to_string(args[1]).strip() in to_string(args[0]).split()


def _count_selected(args: Sequence[Result], _: EvaluationContext) -> Result:
    return float(len(to_string(args[0]).split()))


def _string_length(args: Sequence[Result], context: EvaluationContext) -> Result:
    return float(len(to_string(args[0] if args else context.current)))


def _today(_: Sequence[Result], context: EvaluationContext) -> Result:
    return context.today.isoformat()


def _concat(args: Sequence[Result], _: EvaluationContext) -> Result:
    return "".join(to_string(arg) for arg in args)


def _round(args: Sequence[Result], _: EvaluationContext) -> Result:
    """XForms round(x, digits?): half away from zero (JavaRosa's BigDecimal ROUND_HALF_UP)."""
    number = to_number(args[0])
    digits = to_number(args[1]) if len(args) > 1 else 0.0
    if math.isnan(digits):
        return NAN
    if not math.isfinite(number):
        return number
    places = int(max(-350.0, min(350.0, digits)))
    try:
        rounded = Decimal(repr(number)).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=DecimalContext(prec=1000)
        )
    except DecimalException:
        return number
    return float(rounded)


def _int(args: Sequence[Result], _: EvaluationContext) -> Result:
    number = to_number(args[0])
    return float(math.trunc(number)) if math.isfinite(number) else number


def _number(args: Sequence[Result], context: EvaluationContext) -> Result:
    return to_number(args[0] if args else context.current)


def _string(args: Sequence[Result], context: EvaluationContext) -> Result:
    return to_string(args[0] if args else context.current)


def _substr(args: Sequence[Result], _: EvaluationContext) -> Result:
    """ODK substr(s, start, end?): 0-based start, end excluded; negatives count from the end."""
    text = to_string(args[0])
    start = _index(to_number(args[1]), len(text))
    end = _index(to_number(args[2]), len(text)) if len(args) > 2 else len(text)
    return text[start:end]


def _index(number: float, length: int) -> int:
    if math.isnan(number):
        return 0
    return int(max(-length - 1.0, min(length + 1.0, number)))


def _of(transform: Callable[[Result], Result]) -> Implementation:
    return lambda args, _: transform(args[0])


def _of_strings(test: Callable[[str, str], bool]) -> Implementation:
    return lambda args, _: test(to_string(args[0]), to_string(args[1]))


FUNCTIONS: dict[str, Function] = {
    "boolean": Function(1, 1, _of(to_boolean)),
    "coalesce": Function(2, 2, None),
    "concat": Function(1, None, _concat),
    "contains": Function(2, 2, _of_strings(lambda text, part: part in text)),
    "count-selected": Function(1, 1, _count_selected),
    "ends-with": Function(2, 2, _of_strings(str.endswith)),
    "false": Function(0, 0, lambda args, _: False),
    "if": Function(3, 3, None),
    "int": Function(1, 1, _int),
    "not": Function(1, 1, _of(lambda value: not to_boolean(value))),
    "number": Function(0, 1, _number),
    "regex": Function(2, 2, _regex),
    "round": Function(1, 2, _round),
    "selected": Function(2, 2, _selected),
    "starts-with": Function(2, 2, _of_strings(str.startswith)),
    "string": Function(0, 1, _string),
    "string-length": Function(0, 1, _string_length),
    "substr": Function(2, 3, _substr),
    "today": Function(0, 0, _today),
    "true": Function(0, 0, lambda args, _: True),
    # Over a repeat's instances (nodesets.py), evaluated by the evaluator itself like `if`
    "count": Function(1, 1, None),
    "sum": Function(1, 1, None),
    "max": Function(1, None, None),
    "min": Function(1, None, None),
    "count-non-empty": Function(1, 1, None),
    "join": Function(2, 2, None),
    "indexed-repeat": Function(3, 3, None),
    "position": Function(0, 0, lambda args, context: float(context.position)),  # position(..)
}

_REPEATS = "paths into repeats and secondary instances are not supported"
_NOT_YET = "indagine does not support it yet"

# Functions of XPath or the ODK XForms specification that indagine knows but does not evaluate:
# they get EXPR_UNSUPPORTED rather than EXPR_UNKNOWN_FUNCTION, with the reason.
UNSUPPORTED_FUNCTIONS: dict[str, str] = {
    **dict.fromkeys(
        [
            "instance", "current", "last", "randomize", "pulldata", "jr:choice-name",
            "selected-at", "jr:itext", "id", "name", "local-name", "namespace-uri",
        ],
        _REPEATS,
    ),
    **dict.fromkeys(
        [
            "once", "now", "uuid", "random", "format-date", "format-date-time", "date",
            "date-time", "decimal-date-time", "decimal-time", "boolean-from-string",
            "normalize-space", "substring", "substring-before", "substring-after", "translate",
            "lower-case", "upper-case", "pow", "log", "log10", "abs", "sin", "cos", "tan", "asin",
            "acos", "atan", "atan2", "sqrt", "exp", "exp10", "pi", "floor", "ceiling",
            "checklist", "weighted-checklist", "area", "distance", "digest", "base64-decode",
            "extract-signed", "lang", "geofence",
        ],
        _NOT_YET,
    ),
}  # fmt: skip
