"""Tests of the XLSForm expression parser and evaluator (indagine.forms.expressions)."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indagine.forms.expressions import (
    FUNCTIONS,
    Expression,
    ExpressionError,
    MapEnvironment,
    Value,
    parse_expression,
)

TODAY = date(2024, 3, 15)


def run(text: str, current: Value = None, row: dict[str, str] | None = None, **values: Value):
    """Evaluate `text` with ${name} answers given as keyword arguments."""
    env = MapEnvironment(values, current=current, today=TODAY, row=row)
    return parse_expression(text).evaluate(env)


def check(text: str, current: Value = None, row: dict[str, str] | None = None, **values: Value):
    env = MapEnvironment(values, current=current, today=TODAY, row=row)
    return parse_expression(text).test(env)


def error_code(text: str) -> str:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    return caught.value.code


def evaluation_error(text: str, **values: Value) -> ExpressionError:
    expression = parse_expression(text)
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate(MapEnvironment(values, today=TODAY))
    return caught.value


def is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


# --- ODK examples -------------------------------------------------------------------------------

# | expression                          | answers                                 | result |
ODK_EXAMPLES = [
    (". >= 0 and . <= 100", {"current": 50}, True),
    (". >= 0 and . <= 100", {"current": 101}, False),
    (". >= 0 and . <= 100", {"current": None}, False),
    ("selected(${tools}, 'other')", {"tools": ["hammer", "other"]}, True),
    ("selected(${tools}, 'other')", {"tools": ["hammer"]}, False),
    ("selected(${tools}, 'other')", {"tools": None}, False),
    ("${age} > 18 and ${country} = 'it'", {"age": 30, "country": "it"}, True),
    ("${age} > 18 and ${country} = 'it'", {"age": 18, "country": "it"}, False),
    ("${age} > 18 and ${country} = 'it'", {"age": 30, "country": "fr"}, False),
    ("${age} > 18 and ${country} = 'it'", {"age": None, "country": "it"}, False),
    ("string-length(.) <= 500", {"current": "x" * 500}, True),
    ("string-length(.) <= 500", {"current": "x" * 501}, False),
    ("regex(., '^[0-9]{5}$')", {"current": "00184"}, True),
    ("regex(., '^[0-9]{5}$')", {"current": "0018"}, False),
    ("regex(., '^[0-9]{5}$')", {"current": "001845"}, False),
    ("count-selected(${m}) <= 3", {"m": ["a", "b", "c"]}, True),
    ("count-selected(${m}) <= 3", {"m": ["a", "b", "c", "d"]}, False),
    ("${a} != ''", {"a": 0}, True),
    ("${a} = ''", {"a": None}, True),
]


@pytest.mark.parametrize(("text", "answers", "expected"), ODK_EXAMPLES)
def test_odk_examples(text: str, answers: dict[str, Value], expected: bool) -> None:
    answers = dict(answers)
    current = answers.pop("current", None)
    assert check(text, current=current, **answers) is expected


def test_if_picks_a_branch() -> None:
    assert run("if(${x} > 5, 'big', 'small')", x=6) == "big"
    assert run("if(${x} > 5, 'big', 'small')", x=5) == "small"
    assert run("if(${x} > 5, 'big', 'small')", x=None) == "small"


def test_coalesce_and_concat_examples() -> None:
    assert run("coalesce(${a}, ${b})", a="first", b="second") == "first"
    assert run("coalesce(${a}, ${b})", a=None, b="second") == "second"
    assert run("coalesce(${a}, ${b})", a="", b=None) == ""
    assert run("concat(${a}, ' ', ${b})", a="Ada", b="Lovelace") == "Ada Lovelace"
    assert run("concat(${a}, ' ', ${b})", a=None, b="Lovelace") == " Lovelace"


def test_choice_filter_reads_bare_names_from_the_row() -> None:
    assert check("cf = ${country}", row={"name": "rome", "cf": "it"}, country="it")
    assert not check("cf = ${country}", row={"name": "paris", "cf": "fr"}, country="it")
    assert check("name != 'other' and cf = ${c}", row={"name": "rome", "cf": "it"}, c="it")
    assert run("missing", row={"cf": "it"}) == ""


def test_bare_name_without_a_row_is_unsupported() -> None:
    error = evaluation_error("cf = ${country}", country="it")
    assert error.code == "EXPR_UNSUPPORTED"
    assert "choice_filter" in error.message and "${cf}" in error.message


# --- precedence and operators -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 - 4 - 3", 3.0),
        ("2 * 3 mod 4", 2.0),
        ("12 div 2 div 3", 2.0),
        ("-2 * 3", -6.0),
        ("- - 2", 2.0),
        ("1 - -1", 2.0),
        ("7 mod 3", 1.0),
        ("-7 mod 3", -1.0),
        ("7 mod -3", 1.0),
        ("5.5 mod 2", 1.5),
        ("1 + 2 = 3", True),
        ("1 < 2 = 2 < 3", True),
        ("3 > 2 > 1", False),  # (3 > 2) > 1 is true() > 1, 1 > 1
        ("1 < 2 < 3", True),
        (".5 + 1.", 1.5),
    ],
)
def test_arithmetic_and_precedence(text: str, expected: object) -> None:
    assert run(text) == expected


def test_or_binds_looser_than_and() -> None:
    # a or b and c == a or (b and c)
    assert check("${a} or ${b} and ${c}", a=True, b=False, c=False)
    assert not check("(${a} or ${b}) and ${c}", a=True, b=False, c=False)
    assert not check("${a} or ${b} and ${c}", a=False, b=True, c=False)


def test_and_or_short_circuit() -> None:
    # The right side would fail on a bare name without a row; short-circuit never evaluates it.
    assert check("true() or nope")
    assert not check("false() and nope")
    with pytest.raises(ExpressionError):
        check("false() or nope")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 = 1", True),
        ("1 = 2", False),
        ("1 != 2", True),
        ("1 != 1", False),
        ("1 < 2", True),
        ("2 < 1", False),
        ("2 <= 2", True),
        ("3 <= 2", False),
        ("3 > 2", True),
        ("2 > 3", False),
        ("2 >= 2", True),
        ("1 >= 2", False),
        ("'a' = 'a'", True),
        ("'a' = 'b'", False),
        ("'a' != 'b'", True),
        ("'' = ''", True),
        ("1 = '1'", True),
        ("1 = '1.0'", True),
        ("'10' > '9'", True),  # relational operators compare numbers (XPath 1.0 §3.4)
        ("'b' > 'a'", False),  # non-numeric strings are NaN, and NaN compares false
        ("1 = 'abc'", False),
        ("1 != 'abc'", True),
        ("'abc' < 1", False),
        ("'abc' >= 1", False),
        ("true() = 'x'", True),  # a boolean side makes the other a boolean
        ("false() = ''", True),
        ("true() = 1", True),
        ("false() = 0", True),
        ("true() > false()", True),
        ("true() and 1", True),
        ("true() and 0", False),
        ("'' or 0", False),
        ("'x' or 0", True),
        ("'false' and true()", True),  # any non-empty string is true
    ],
)
def test_comparison_and_logic(text: str, expected: bool) -> None:
    assert run(text) is expected


def test_answer_types_compare_as_xpath_values() -> None:
    assert check("${n} = 3", n=3)
    assert check("${n} = 3", n=3.0)
    assert check("${n} = '3'", n=3)
    assert check("${n} > 2.5", n="3")
    assert check("${flag} = true()", flag=True)
    assert check("${flag}", flag=True)
    assert not check("${flag}", flag=False)
    assert check("${s} = 'a b'", s=["a", "b"])
    assert not check("${n} > 0", n=None)
    assert check("${a} = ${b}", a=None, b=None)
    assert check("${a} = ${b}", a="x", b="x")
    assert not check("${a} = ${b}", a="x", b="X")


def test_nan_propagates_and_never_raises() -> None:
    assert is_nan(run("${n} + 1", n=None))
    assert is_nan(run("'abc' * 2"))
    assert is_nan(run("-${n}", n="abc"))
    assert not check("${n} + 1 = ${n} + 1", n=None)  # NaN = NaN is false
    assert check("${n} + 1 != ${n} + 1", n=None)


def test_division_by_zero_gives_infinity_or_nan() -> None:
    assert run("1 div 0") == math.inf
    assert run("-1 div 0") == -math.inf
    assert run("1 div -0") == -math.inf
    assert is_nan(run("0 div 0"))
    assert is_nan(run("5 mod 0"))
    assert is_nan(run("(1 div 0) mod 2"))
    assert run("5 mod (1 div 0)") == 5.0
    assert run("10 div 4") == 2.5
    assert run("string(1 div 0)") == "Infinity"
    assert run("string(-1 div 0)") == "-Infinity"
    assert run("string(0 div 0)") == "NaN"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("string(1.0)", "1"),
        ("string(2.50)", "2.5"),
        ("string(-0)", "0"),
        ("string(0.0000001)", "0.0000001"),
        ("string(1 div 3)", "0.3333333333333333"),
        ("string(100000000000000000000000)", "99999999999999991611392"),
        ("concat(1, 2.0, true(), false())", "12truefalse"),
    ],
)
def test_numbers_print_as_xpath_strings(text: str, expected: str) -> None:
    assert run(text) == expected


def test_numbers_print_as_xpath_strings_from_answers() -> None:
    assert run("concat(${n}, '')", n=1.0) == "1"
    assert run("concat(${n}, '')", n=7) == "7"
    assert run("concat(${n}, '')", n=None) == ""


# --- dates ----------------------------------------------------------------------------------------


def test_dates_compare_and_subtract_as_days() -> None:
    assert run("today()") == "2024-03-15"
    assert run("today() - ${d}", d="2024-03-01") == 14.0
    assert run("today() - ${d}", d="2023-03-15") == 366.0
    assert check("${d} < today()", d="2024-03-14")
    assert not check("${d} < today()", d="2024-03-15")
    assert check("${d} <= today()", d="2024-03-15")
    assert check("${d} = today()", d="2024-03-15")
    assert check("${start} < ${end}", start="2023-12-31", end="2024-01-01")
    assert check("${d} > '2024-01-01'", d="2024-02-01")
    assert run("number('1970-01-02')") == 1.0
    assert run("number('1970-01-01T12:00:00Z')") == 0.5
    assert is_nan(run("number('2024-02-30')"))
    assert not check("${d} < today()", d=None)


def test_today_defaults_to_the_real_date() -> None:
    class Answers:
        def lookup(self, name: str) -> Value:
            return None

    assert parse_expression("today()").evaluate(Answers()) == date.today().isoformat()
    assert parse_expression(".").evaluate(Answers()) == ""  # no `current` attribute


# --- functions ------------------------------------------------------------------------------------


def test_selected() -> None:
    assert check("selected(${m}, 'b')", m=["a", "b"])
    assert check("selected(${m}, ' b ')", m="a b")
    assert not check("selected(${m}, 'ab')", m=["a", "b"])
    assert not check("selected(${m}, 'a')", m=None)
    assert check("selected(${one}, 'yes')", one="yes")
    assert check("selected(${n}, 2)", n=["1", "2"])


def test_count_selected() -> None:
    assert run("count-selected(${m})", m=["a", "b"]) == 2.0
    assert run("count-selected(${m})", m=[]) == 0.0
    assert run("count-selected(${m})", m=None) == 0.0
    assert run("count-selected(${m})", m="  a   b  c ") == 3.0
    assert run("count-selected(3)") == 1.0


def test_string_length() -> None:
    assert run("string-length('àèì')") == 3.0
    assert run("string-length(${t})", t=None) == 0.0
    assert run("string-length(12.50)") == 4.0  # '12.5'
    assert run("string-length(true())") == 4.0
    assert run("string-length()", current="abc") == 3.0


def test_if_is_lazy_and_keeps_the_branch_type() -> None:
    assert run("if(true(), 1, nope)") == 1.0
    assert run("if(false(), nope, 'x')") == "x"
    assert run("if(${c}, 1 = 1, 2)", c="yes") is True
    assert run("if('', 'yes', 'no')") == "no"


def test_coalesce_is_lazy() -> None:
    assert run("coalesce('a', nope)") == "a"
    assert run("coalesce(0, 1)") == 0.0  # 0 prints as '0', which is not empty
    assert run("coalesce(${a}, ${b})", a=None, b=None) == ""
    assert run("coalesce(${a}, 5)", a=[]) == 5.0


def test_regex_matches_anywhere_like_odk() -> None:
    # ODK: "the result of regex test": a match anywhere; anchors make it whole-text.
    assert check("regex(., '[0-9]+')", current="abc123")
    assert not check("regex(., '^[0-9]+$')", current="abc123")
    assert check("regex(., '^[a-z]+$')", current="abc")
    assert not check("regex(., '^[0-9]+$')", current=None)
    assert check("regex(., '^$')", current=None)
    assert not check(r"regex(., '^\d+$')", current="١٢٣")  # \d is ASCII, as in Java and JS
    assert check("regex(${n}, '^1.5$')", n=1.5)
    assert check("regex(${p}, ${q})", p="abc", q="b")


def test_regex_invalid_literal_pattern_fails_at_parse_time() -> None:
    assert error_code("regex(., '[0-9')") == "EXPR_REGEX"
    assert error_code("regex(., '(?P<x')") == "EXPR_REGEX"


def test_regex_reads_a_hyphen_after_a_class_escape_as_java_does() -> None:
    # ODK Collect (java.util.regex): [\w-\.] is \w, '-' and '.'; Python's re calls it a bad range
    email = r"regex(., '^[\w-\.]+@[\w-]+\.[a-z]{2,}$')"
    assert check(email, current="ana-maria.rossi@club-it.org")
    assert not check(email, current="ana maria@club.org")
    assert check(r"regex(., '^[\d-\s]+$')", current="02-12 34")
    assert check(r"regex(., '^[^\w-]+$')", current="...")  # a class ending in '-': as before
    assert not check(r"regex(., '^[\w-]+$')", current="a.b")
    assert error_code(r"regex(., '[a-\w]')") == "EXPR_REGEX"  # Java refuses this one too


def test_regex_error_quotes_the_pattern_as_written() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(r"regex(., '[\d')")
    assert r"'[\d'" in caught.value.message and "\\\\" not in caught.value.message


def test_regex_invalid_dynamic_pattern_fails_at_evaluation() -> None:
    error = evaluation_error("regex(., ${pattern})", pattern="(")
    assert error.code == "EXPR_REGEX"
    assert "'('" in error.message


def test_today() -> None:
    assert run("today()") == "2024-03-15"
    assert run("string-length(today())") == 10.0


def test_concat() -> None:
    assert run("concat('a')") == "a"
    assert run("concat('a', 'b', 'c', 'd')") == "abcd"
    assert run("concat(${m}, '!')", m=["x", "y"]) == "x y!"
    assert run("concat(${n}, ${n})", n=None) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("round(2.5)", 3.0),
        ("round(-2.5)", -3.0),
        ("round(2.4)", 2.0),
        ("round(-2.4)", -2.0),
        ("round(1.005, 2)", 1.01),
        ("round(2.675, 2)", 2.68),
        ("round(3.14159, 3)", 3.142),
        ("round(1250, -2)", 1300.0),
        ("round(1249, -2)", 1200.0),
        ("round(5, 400)", 5.0),
        ("round(1 div 0)", math.inf),
        ("round('7.5')", 8.0),
    ],
)
def test_round_half_away_from_zero(text: str, expected: float) -> None:
    assert run(text) == expected


def test_round_of_nothing_is_nan() -> None:
    assert is_nan(run("round(${x})", x=None))
    assert is_nan(run("round('abc', 2)"))
    assert is_nan(run("round(2.5, 'abc')"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("int(2.9)", 2.0),
        ("int(-2.9)", -2.0),
        ("int('7.2')", 7.0),
        ("int(true())", 1.0),
        ("int(-1 div 0)", -math.inf),
    ],
)
def test_int_truncates_toward_zero(text: str, expected: float) -> None:
    assert run(text) == expected


def test_int_of_nothing_is_nan() -> None:
    assert is_nan(run("int(${x})", x=None))
    assert is_nan(run("int('abc')"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("number('12')", 12.0),
        ("number(' -3.5 ')", -3.5),
        ("number(true())", 1.0),
        ("number(false())", 0.0),
        ("number(4)", 4.0),
    ],
)
def test_number(text: str, expected: float) -> None:
    assert run(text) == expected


@pytest.mark.parametrize("text", ["number('')", "number('1e3')", "number('+1')", "number('1,5')"])
def test_number_of_non_xpath_numbers_is_nan(text: str) -> None:
    assert is_nan(run(text))


def test_number_and_string_default_to_the_current_value() -> None:
    assert run("number()", current="42") == 42.0
    assert run("string()", current=3.0) == "3"


def test_not_true_false_boolean() -> None:
    assert run("true()") is True
    assert run("false()") is False
    assert run("not(true())") is False
    assert run("not(${x})", x=None) is True
    assert run("not(0)") is True
    assert run("not('no')") is False
    assert run("boolean('')") is False
    assert run("boolean('0')") is True
    assert run("boolean(0)") is False
    assert run("boolean(0 div 0)") is False
    assert run("boolean(-1)") is True
    assert run("boolean(${m})", m=[]) is False
    assert run("boolean(${m})", m=["a"]) is True


def test_string() -> None:
    assert run("string(${x})", x=None) == ""
    assert run("string(${m})", m=["a", "b"]) == "a b"
    assert run("string(true())") == "true"
    assert run("string(12)") == "12"
    assert run("string('x')") == "x"


def test_contains_starts_with_ends_with() -> None:
    assert run("contains('banana', 'nan')") is True
    assert run("contains('banana', 'x')") is False
    assert run("contains(${x}, '')", x=None) is True
    assert run("contains(123, 2)") is True
    assert run("starts-with('banana', 'ban')") is True
    assert run("starts-with('banana', 'nan')") is False
    assert run("starts-with(${x}, 'a')", x=None) is False
    assert run("ends-with('banana', 'ana')") is True
    assert run("ends-with('banana', 'ban')") is False
    assert run("ends-with(1.0, '1')") is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("substr('hello', 1)", "ello"),
        ("substr('hello', 1, 3)", "el"),
        ("substr('hello', 0, 100)", "hello"),
        ("substr('hello', -2)", "lo"),
        ("substr('hello', 3, 1)", ""),
        ("substr('hello', 1.9, 3.9)", "el"),
        ("substr('hello', 'x')", "hello"),
        ("substr(12345, 1, 3)", "23"),
        ("substr('hello', 1 div 0)", ""),
        ("substr('hello', -1 div 0)", "hello"),
    ],
)
def test_substr(text: str, expected: str) -> None:
    assert run(text) == expected


def test_substr_of_nothing_is_empty() -> None:
    assert run("substr(${x}, 0, 2)", x=None) == ""


def test_every_function_has_a_test() -> None:
    tested = {
        "boolean", "coalesce", "concat", "contains", "count-selected", "ends-with", "false",
        "if", "int", "not", "number", "regex", "round", "selected", "starts-with", "string",
        "string-length", "substr", "today", "true",
    }  # fmt: skip
    over_repeats = {  # tests/forms/test_nodesets.py
        "count", "sum", "max", "min", "count-non-empty", "join", "indexed-repeat", "position",
    }  # fmt: skip
    assert set(FUNCTIONS) == tested | over_repeats


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "1 +",
        "(1 + 2",
        "1 + 2)",
        "1 2",
        "${a} ${b}",
        "'unclosed",
        '"unclosed',
        "${unclosed",
        "${}",
        "${1abc}",
        "${a b}",
        "$a",
        "!${a}",
        "1 == 1",
        "concat('a',)",
        "concat('a' 'b')",
        "selected(${a}, 'b'",
        "= 1",
        "1e5",
        "a # b",
        "and 1",
        ",",
    ],
)
def test_syntax_errors(text: str) -> None:
    assert error_code(text) == "EXPR_SYNTAX"


def test_syntax_error_messages_give_the_position() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression("${a} = = 1")
    assert "character 8" in caught.value.message
    assert caught.value.code == "EXPR_SYNTAX"
    assert str(caught.value) == caught.value.message


def test_unknown_function_names_it_and_lists_the_supported_ones() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression("lenght(${a}) > 3")
    error = caught.value
    assert error.code == "EXPR_UNKNOWN_FUNCTION"
    assert "lenght()" in error.message and "character 1" in error.message
    assert "string-length" in error.message and "count-selected" in error.message


@pytest.mark.parametrize(
    "text",
    [
        "selected(${a})",
        "selected(${a}, 'b', 'c')",
        "count-selected()",
        "if(true(), 1)",
        "coalesce(${a})",
        "coalesce(${a}, ${b}, ${c})",
        "regex(.)",
        "today(1)",
        "concat()",
        "round()",
        "round(1, 2, 3)",
        "int()",
        "not()",
        "true(1)",
        "boolean()",
        "contains('a')",
        "substr('a')",
        "substr('a', 1, 2, 3)",
        "string(1, 2)",
        "string-length(1, 2)",
    ],
)
def test_wrong_argument_count(text: str) -> None:
    assert error_code(text) == "EXPR_ARITY"


def test_arity_message_says_what_is_expected() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression("if(${a} > 1, 'x')")
    assert "exactly 3 arguments, but was given 2" in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "/data/age > 18",
        "../age > 18",
        "${a}/b",
        "//age",
        "@id",
        "child::age",
        "age[1]",
        "${a}[1]",
        "${a} | ${b}",
        "* = 1",
        "instance('cities')/root/item",
        "jr:choice-name(${a}, '${a}')",
        "pulldata('f', 'a', 'b', ${c})",
        "format-date(today(), '%Y')",
        "current()/../name",
    ],
)
def test_unsupported_xpath(text: str) -> None:
    assert error_code(text) == "EXPR_UNSUPPORTED"


def test_unsupported_path_message_points_to_references() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression("/data/age > 18")
    assert "${name}" in caught.value.message


def test_too_long() -> None:
    assert error_code("1" * 2001) == "EXPR_TOO_LONG"
    assert run("1" * 2000) == float("1" * 2000)


@pytest.mark.parametrize(
    "text",
    ["(" * 500 + "1" + ")" * 500, "-" * 1500 + "1", "not(" * 300 + "1" + ")" * 300],
)
def test_pathological_nesting_is_a_syntax_error(text: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert caught.value.code == "EXPR_SYNTAX"
    assert "too deeply nested" in caught.value.message


def test_reasonable_nesting_and_long_chains_evaluate() -> None:
    nested_if = "if(${x} > 0, 'a', " * 60 + "'z'" + ")" * 60
    assert run(nested_if, x=0) == "z"
    assert run("(" * 90 + "1" + ")" * 90) == 1.0
    assert run("1+" * 999 + "1") == 1000.0
    assert check(" or ".join(["false()"] * 150) + " or true()")


# --- the Expression object ----------------------------------------------------------------------


def test_references_and_bare_names() -> None:
    expression = parse_expression("if(${a} > 1, concat(${b}, cf), ${a}) and . = name")
    assert expression.references() == frozenset({"a", "b"})
    assert expression.bare_names() == frozenset({"cf", "name"})
    assert parse_expression("1 + 1").references() == frozenset()
    assert parse_expression("${q.1-b_c} = 1").references() == frozenset({"q.1-b_c"})


def test_parse_expression_is_cached_and_expressions_compare_by_source() -> None:
    assert parse_expression("${a} = 1") is parse_expression("${a} = 1")
    assert Expression("${a} = 1") == parse_expression("${a} = 1")
    assert Expression("${a} = 1").source == "${a} = 1"
    with pytest.raises(ExpressionError):
        Expression("1 +")


def test_operator_words_are_names_where_an_operand_is_expected() -> None:
    # XPath 3.7: 'and', 'div', ... are operators only after an operand.
    assert run("div and mod", row={"div": "x", "mod": "y"}) is True
    assert run("string-length(concat(or, 'b'))", row={"or": "a"}) == 2.0
    assert run("${div} div ${mod}", div=6, mod=3) == 2.0


def test_whitespace_and_quotes() -> None:
    assert run("\n  ${a}\t=\r\n'x'  ", a="x") is True
    assert run('"it\'s"') == "it's"
    assert run("'say \"hi\"'") == 'say "hi"'


def test_map_environment_reads_missing_names_as_unanswered() -> None:
    env = MapEnvironment({"a": 1})
    assert env.lookup("a") == 1
    assert env.lookup("b") is None
    assert env.current is None and env.today is None and env.row is None


# --- properties -----------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "${a}", "${b}", ".", "..", "/", "1", "0", "-", "2.5", "'x'", '"2024-01-01"', "(", ")", ",",
        " and ", " or ", " div ", " mod ", "=", "!=", "<", ">=", "+", "*", "[", "]", "|", "@",
        "cf", "selected(", "if(", "coalesce(", "regex(", "'['", "round(", "substr(", "today()",
        "concat(", "int(", "not(", "string-length(", "count-selected(", "$", "{", "}", "'",
    ]
)  # fmt: skip
_ANSWERS = MapEnvironment({"a": ["x", "y"], "b": None}, current="5", today=TODAY, row={"cf": "it"})


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300))
def test_random_text_raises_only_expression_errors(text: str) -> None:
    try:
        parse_expression(text)
    except ExpressionError as error:
        assert error.code in {
            "EXPR_SYNTAX", "EXPR_UNKNOWN_FUNCTION", "EXPR_ARITY", "EXPR_UNSUPPORTED",
            "EXPR_REGEX", "EXPR_TOO_LONG",
        }  # fmt: skip
        assert error.message


@settings(max_examples=1000, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_expression_like_text_parses_and_evaluates_without_crashing(text: str) -> None:
    try:
        expression = parse_expression(text)
        value = expression.evaluate(_ANSWERS)
    except ExpressionError:
        return
    assert isinstance(value, bool | float | str)
    assert isinstance(expression.test(_ANSWERS), bool)
