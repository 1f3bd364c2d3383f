"""XPath's node-set functions over the instances of a repeat: count(), sum(), max(), min(),
count-non-empty(), join(), indexed-repeat(), and position(..) of the current instance.

indagine's expressions name questions as ${name}, never as paths, so a node-set is always the
answers of one question across its repeat's instances (or a repeat's instances themselves, for
count()): the environment gives them (`lookup_all`). The arguments these functions read as
node-sets must be written ${name}; the others are ordinary values. Semantics per XPath 1.0 and
the ODK XForms specification: sum() of an empty answer is NaN, as number('') is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .environment import Context
from .values import NAN, Result, atomize, to_number, to_string

# The node-set functions, with the positions of their arguments that are node-sets.
NODE_ARGUMENTS: dict[str, tuple[int, ...]] = {
    "count": (0,),
    "sum": (0,),
    "count-non-empty": (0,),
    "join": (1,),
    "indexed-repeat": (0, 1),
    "max": (),  # each ${name} argument read as a node-set, any other as a value
    "min": (),
}


def values_of(name: str, context: Context) -> list[Result]:
    """The answers of `name` in every instance of its repeat (one value if asked once)."""
    environment = context.environment
    every = getattr(environment, "lookup_all", None)
    found = every(name) if every is not None else [environment.lookup(name)]
    return [atomize(value) for value in found]


Argument = Callable[[], Result]  # an ordinary argument's value, worked out when asked


def call(
    name: str, references: Sequence[str | None], values: Sequence[Argument], context: Context
) -> Result:
    """The value of the node-set function `name`; `references[i]` is the name of argument i
    when it is written ${name} (else None), `values[i]` works argument i out as a value."""
    if name == "count":
        return float(len(values_of(_named(references, 0), context)))
    if name == "count-non-empty":
        return float(sum(1 for v in values_of(_named(references, 0), context) if to_string(v)))
    if name == "sum":
        return math.fsum(to_number(v) for v in values_of(_named(references, 0), context))
    if name == "join":
        parts = values_of(_named(references, 1), context)
        return to_string(values[0]()).join(to_string(v) for v in parts)
    if name == "indexed-repeat":
        found = values_of(_named(references, 0), context)
        index = to_number(values[2]())
        if math.isnan(index) or index < 1 or index > len(found) or not index.is_integer():
            return ""
        return found[int(index) - 1]
    numbers = [
        to_number(v)
        for i, reference in enumerate(references)
        for v in (values_of(reference, context) if reference else [values[i]()])
    ]
    if not numbers or any(math.isnan(n) for n in numbers):
        return NAN
    return max(numbers) if name == "max" else min(numbers)


def _named(references: Sequence[str | None], index: int) -> str:
    reference = references[index]
    assert reference is not None  # the parser refuses anything but ${name} here
    return reference
