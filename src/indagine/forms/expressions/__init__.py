"""Safe parsing and evaluation of XLSForm expressions (the XPath subset of ODK), without eval().

    expression = parse_expression("${age} >= 18 and selected(${consent}, 'yes')")
    expression.references()                      # frozenset({'age', 'consent'})
    expression.test(MapEnvironment({"age": 20, "consent": "yes"}))   # True

The package is a pipeline: lexer (tokens) → syntax (tree, with the module comment on why the
parser is hand-written) → evaluator, over values (XPath conversions) and functions.
"""

from .environment import Environment, MapEnvironment
from .errors import ExpressionError
from .expression import MAX_LENGTH, Expression, parse_expression
from .functions import FUNCTIONS
from .values import Result, Value

__all__ = [
    "FUNCTIONS",
    "MAX_LENGTH",
    "Environment",
    "Expression",
    "ExpressionError",
    "MapEnvironment",
    "Result",
    "Value",
    "parse_expression",
]
