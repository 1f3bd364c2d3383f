"""Who a question was asked of, read from its `relevant` expression, and the group in words.

A condition that names one question's choices (`selected(${q}, 'x') or ${q} = 'y'`) defines a
group the letter can name: by the question's claim when the choices are its upper half ("tra
chi ha messo in remote working almeno una parte del personale"), else by the answers given.
Any other condition is "those who were asked". Numeric bounds of a constraint (`. >= 0 and
. <= 100`) tell what scale a number lives on.
"""

from __future__ import annotations

from dataclasses import dataclass

from indagine.forms.expressions import ExpressionError, parse_expression
from indagine.forms.expressions.lexer import tokenize
from indagine.forms.expressions.syntax import Call, Chain, Current, Literal, Node, Reference, parse
from indagine.forms.model import Form, Question, QuestionType

from .findings import Texts

ITALIAN = "it"


@dataclass(frozen=True)
class ChoiceCondition:
    """A condition that holds for the respondents who gave one of `choices` to `question`."""

    question: str
    choices: tuple[str, ...]


def _tree(text: str) -> Node | None:
    try:
        parse_expression(text)  # validated and cached as the engine uses it
        return parse(text, tokenize(text))
    except ExpressionError:
        return None


def _term(node: Node) -> tuple[str, str] | None:
    """`selected(${q}, 'x')` or `${q} = 'x'` (either way round) as (q, x)."""
    if isinstance(node, Call) and node.name == "selected" and len(node.arguments) == 2:
        ref, lit = node.arguments
        if isinstance(ref, Reference) and isinstance(lit, Literal) and isinstance(lit.value, str):
            return ref.name, lit.value
    if isinstance(node, Chain) and node.operators == ("=",):
        pair = (node.first, node.operands[0])
        refs = [p for p in pair if isinstance(p, Reference)]
        lits = [p for p in pair if isinstance(p, Literal) and isinstance(p.value, str)]
        if len(refs) == 1 and len(lits) == 1:
            return refs[0].name, str(lits[0].value)
    return None


def choice_condition(relevant: str | None) -> ChoiceCondition | None:
    """The question and choices a `relevant` names, when it is a disjunction of such terms."""
    if not relevant:
        return None
    tree = _tree(relevant)
    if tree is None:
        return None
    terms: list[Node] = [tree]
    if isinstance(tree, Chain) and set(tree.operators) == {"or"}:
        terms = [tree.first, *tree.operands]
    pairs = [_term(t) for t in terms]
    if any(p is None for p in pairs):
        return None
    names = {p[0] for p in pairs if p is not None}
    if len(names) != 1:
        return None
    choices = tuple(dict.fromkeys(p[1] for p in pairs if p is not None))
    return ChoiceCondition(names.pop(), choices)


def midpoint(question: Question) -> float | None:
    """The middle of a scale's scores, None when the question is not a scale."""
    if not question.is_scale:
        return None
    scores = [float(c.score) for c in question.choices if c.score is not None]
    return (min(scores) + max(scores)) / 2


def positive_choices(question: Question) -> tuple[str, ...]:
    """A scale's choices scored above its midpoint (the "agree" half)."""
    middle = midpoint(question)
    if middle is None:
        return ()
    return tuple(c.name for c in question.choices if c.score is not None and c.score > middle)


# A claim names a group only when it reads as what the respondents did or think ("ha messo in
# remote working …", "have moved …"); a claim written as a clause about the world ("l'uso dei
# canali digitali sia aumentato") cannot follow "tra chi": the answers name the group instead.
_VERBS = {
    "it": {
        "ha",
        "hanno",
        "è",
        "sono",
        "usa",
        "usano",
        "utilizza",
        "ritiene",
        "ritengono",
        "prevede",
        "prevedono",
        "pensa",
        "vede",
        "non",
    },
    "en": {
        "have",
        "has",
        "had",
        "are",
        "is",
        "was",
        "were",
        "do",
        "does",
        "did",
        "use",
        "uses",
        "used",
        "think",
        "believe",
        "see",
        "expect",
        "plan",
        "will",
        "not",
    },
}


def follows_who(claim: str, lang: str) -> bool:
    """Whether the claim reads after "tra chi" / "among those who" (it starts with a verb)."""
    words = claim.strip().split()
    verbs = _VERBS.get(lang, _VERBS["en"])
    return bool(words) and (words[0].lower() in verbs or words[0].lower().endswith("ed"))


def _quoted(texts: list[str], lang: str) -> str:
    if lang == ITALIAN:
        return "«" + " o ".join(texts) + "»"
    return "“" + " or ".join(texts) + "”"


def describe(condition: ChoiceCondition | None, form: Form, languages: list[str]) -> Texts:
    """The group a condition defines, in each language, as the phrase after a quantity."""
    source = form.question(condition.question) if condition else None
    out: dict[str, str] = {}
    for lang in languages:
        italian = lang == ITALIAN
        if condition is None or source is None:
            out[lang] = (
                "tra chi ha ricevuto la domanda" if italian else "among those who were asked"
            )
            continue
        claim = source.claim.values.get(lang)
        by_claim = set(condition.choices) == set(positive_choices(source))
        if claim and by_claim and follows_who(claim, lang):
            out[lang] = f"tra chi {claim}" if italian else f"among those who {claim}"
            continue
        fallback = form.default_language
        labels = [
            c.label.get(lang, fallback) if (c := source.choice(name)) else name
            for name in condition.choices
        ]
        label = source.label.get(lang, fallback)
        if italian:
            out[lang] = f"tra chi ha risposto {_quoted(labels, lang)} alla domanda «{label}»"
        else:
            out[lang] = f"among those who answered {_quoted(labels, lang)} to “{label}”"
    return out


def _bound(node: Node) -> tuple[str, float] | None:
    """`. >= 0` (or `0 <= .`) as (">=", 0.0)."""
    if not (isinstance(node, Chain) and len(node.operators) == 1):
        return None
    flipped = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}
    left, op, right = node.first, node.operators[0], node.operands[0]
    if isinstance(left, Current) and isinstance(right, Literal) and op in flipped:
        value = right.value
        return (op, float(value)) if isinstance(value, float) else None
    if isinstance(right, Current) and isinstance(left, Literal) and op in flipped:
        value = left.value
        return (flipped[op], float(value)) if isinstance(value, float) else None
    return None


def number_bounds(question: Question) -> tuple[float | None, float | None]:
    """The lowest and highest value a number may take: a range's ends, or its constraint's."""
    if question.type is QuestionType.RANGE:
        start = float(question.parameters.get("start", "1"))
        end = float(question.parameters.get("end", "10"))
        return min(start, end), max(start, end)
    tree = _tree(question.constraint) if question.constraint else None
    if tree is None:
        return None, None
    terms: list[Node] = [tree]
    if isinstance(tree, Chain) and set(tree.operators) == {"and"}:
        terms = [tree.first, *tree.operands]
    low: float | None = None
    high: float | None = None
    for term in terms:
        found = _bound(term)
        if found is None:
            continue
        op, value = found
        if op.startswith(">"):
            low = value if low is None else max(low, value)
        else:
            high = value if high is None else min(high, value)
    return low, high
