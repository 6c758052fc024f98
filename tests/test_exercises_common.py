"""The shared half of the exercise checks (course_lib/exercises/__init__.py): Feedback, the answer
readers and the echo, and two properties of every check of every notebook: any answer gets a
short Feedback (never an exception), and messages read as the tail of "✗ Not yet: ..."."""
import importlib
import inspect
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from course_lib.exercises import (MAX_MESSAGE, Feedback, as_letter, as_number, as_text, as_whole,
                                  by_letter, describe_error, echo, not_answered)


class Broken:
    """Everything a learner's object can get wrong at once."""

    def __str__(self):
        raise RuntimeError("broken __str__")

    def __repr__(self):
        raise RuntimeError("broken __repr__")

    def __eq__(self, other):
        raise RuntimeError("broken __eq__")

    __hash__ = object.__hash__

    def __float__(self):
        raise RuntimeError("broken __float__")

    def __index__(self):
        raise RuntimeError("broken __index__")

    def __bool__(self):
        raise RuntimeError("broken __bool__")

    def __iter__(self):
        raise RuntimeError("broken __iter__")

    def __len__(self):
        raise RuntimeError("broken __len__")


# ---- Feedback -----------------------------------------------------------------------------------

def test_feedback_repr_and_truth():
    assert repr(Feedback(True, "fine.")) == "✓ Correct: fine."
    assert repr(Feedback(False, "again.")) == "✗ Not yet: again."
    assert bool(Feedback(True, "x")) is True and bool(Feedback(False, "x")) is False
    assert Feedback(np.bool_(True), "x").ok is True           # numpy's bool is stored as a bool


@pytest.mark.parametrize("ok", [None, 1, 0, "yes", float("nan"), np.array([True])])
def test_feedback_refuses_a_verdict_that_is_not_a_bool(ok):
    with pytest.raises(TypeError, match="ok must be True or False"):
        Feedback(ok, "message")


@pytest.mark.parametrize("message", [None, 3, b"bytes", ["a"]])
def test_feedback_refuses_a_message_that_is_not_a_str(message):
    with pytest.raises(TypeError, match="message must be a str"):
        Feedback(False, message)


def test_feedback_caps_its_message():
    assert Feedback(False, "x" * MAX_MESSAGE).message == "x" * MAX_MESSAGE      # at the cap: kept
    long = Feedback(False, "x" * (MAX_MESSAGE + 1)).message
    assert len(long) == MAX_MESSAGE and long.endswith(" [... cut]") and long.startswith("xxx")
    assert 500 <= MAX_MESSAGE <= 2000      # a message, not a flood; long enough for the hints


def test_not_answered():
    assert repr(not_answered("Give a number.")) == "✗ Not yet: no answer yet. Give a number."
    assert not_answered("x").ok is False
    with pytest.raises(TypeError, match="hint must be a str"):
        not_answered(None)


# ---- readers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, expected", [
    (0.25, 0.25), ("0.25", 0.25), (" 1e-3 ", 1e-3), (3, 3.0), (np.float32(0.5), 0.5),
    (np.int64(-7), -7.0), (np.array(2.5), 2.5), (10**30, 1e30), (-0.0, 0.0),
    (True, None), (np.bool_(False), None), (float("nan"), None), (float("inf"), None),
    ("-inf", None), ("nan", None), (10**400, None), ("1" * 101, None), ("0.5x", None), ("", None),
    (None, None), ([1], None), (np.array([1.0]), None), (np.array("1"), None), (1j, None),
    (np.complex128(1 + 0j), None), (np.array(2 + 0j), None),
    ({}, None), (Broken(), None), (object(), None)])
def test_as_number(answer, expected):
    assert as_number(answer) == expected


@pytest.mark.parametrize("answer, expected", [
    (5, 5), (5.0, 5), ("5", 5), (np.int64(5), 5), (np.float64(66.0), 66), (-3, -3), (0, 0),
    (2**53 - 1, 2**53 - 1), (2**53, None), (float(2**53), None), (5.5, None), ("5.5", None),
    (True, None), (False, None), (float("nan"), None), (float("inf"), None), (10**400, None),
    (None, None), ("five", None), ([5], None), (Broken(), None)])
def test_as_whole(answer, expected):
    got = as_whole(answer)
    assert got == expected and (got is None or type(got) is int)


@pytest.mark.parametrize("answer, expected", [
    ("  Early Stopping ", "early stopping"), (np.str_("SGD"), "sgd"), (3, "3"), (0.5, "0.5"),
    (1e-5, "1e-05"), (True, None), (float("nan"), None), (None, None), (["a"], None), ({}, None),
    (Broken(), None), ("x" * 10**6, "x" * 200)])
def test_as_text(answer, expected):
    assert as_text(answer) == expected


@pytest.mark.parametrize("answer", ["c", "C", "(c)", "c)", "(C)", " (c). ", "c.", "c:", "( c )",
                                    "c )", np.str_("c"), "c" + " " * 30])
def test_as_letter_reads_every_way_the_options_are_printed(answer):
    assert as_letter(answer, "abcd") == "c"


@pytest.mark.parametrize("answer", ["e", "cat", "(c", "", "cc", "(c) (d)", "c d", "3", "((c))x",
                                    "c(", "(c).x", None, 3, ["c"], {"c": 1}, float("nan"), True,
                                    Broken()])
def test_as_letter_refuses_anything_else(answer):
    assert as_letter(answer, "abcd") is None


def test_as_letter_only_knows_the_given_letters():
    assert as_letter("d", "abc") is None and as_letter("d", "abcd") == "d"
    assert as_letter("a", "abc") == "a" and as_letter("b", "ab") == "b"


def test_by_letter():
    assert by_letter({"(a)": 1, "B": 2, "note": 3, 7: 4}, "abc") == {"a": 1, "b": 2}
    assert by_letter({"a": 1, "(a)": 2}, "abc") is None                 # the same letter twice
    assert by_letter(["a"], "abc") is None and by_letter(None, "abc") is None
    assert by_letter({}, "abc") == {}


def test_echo_is_short_and_never_raises():
    assert echo("abc") == "'abc'" and echo(None) == "None" and echo(3) == "3"
    assert len(echo("x" * 10**6)) <= 60 and echo("x" * 10**6).startswith("'xxx")
    assert len(echo(np.ones(10**6))) <= 60 and len(echo(list(range(10**5)))) <= 60
    assert echo(Broken()) == "<a Broken that cannot be printed>"
    assert len(echo("y" * 500, limit=20)) == 20 and echo("y" * 500, limit=20).endswith("...")
    assert echo("z" * 20, limit=60) == "'" + "z" * 20 + "'"                 # short: unchanged


def test_describe_error():
    assert describe_error(ZeroDivisionError("division by zero")) == "ZeroDivisionError: division by zero"
    long = describe_error(ValueError("v" * 10**6))
    assert long.startswith("ValueError: vvv") and long.endswith("...") and len(long) == len("ValueError: ") + 200

    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no")

    assert describe_error(Unprintable()) == "Unprintable: (its message cannot be printed)"


# ---- every check of every notebook --------------------------------------------------------------

def all_checks():
    return list(_checks_of_all_notebooks())


def exercise_modules() -> list[str]:
    """Every course_lib.exercises.nbXX module: one per notebook, found, not listed by hand."""
    import pkgutil

    import course_lib.exercises as package
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if re.fullmatch(r"nb\d\d", m.name))


def test_every_notebook_has_its_exercise_module():
    folder = Path(__file__).resolve().parents[1] / "notebooks"
    if not folder.is_dir():  # make mutation's copy of the sources has no notebooks
        pytest.skip("no notebooks/ folder next to tests/")
    notebooks = sorted(p.name[:2] for p in folder.glob("[0-9]*.ipynb"))
    assert exercise_modules() == [f"nb{n}" for n in notebooks]


def _checks_of_all_notebooks():
    for short in exercise_modules():
        module = importlib.import_module(f"course_lib.exercises.{short}")
        for name, check in sorted(vars(module).items()):
            if name.startswith("check_") and getattr(check, "__module__", "") == module.__name__:
                yield pytest.param(check, id=f"{short}.{name}")


def _count():
    yield from itertools.count()


ANSWERS = [None, float("nan"), float("inf"), -float("inf"), 10**400, 2**63, True, False, 0, -1, 1e308,
           5e-324, "", "x" * 10**6, "(c)", np.ones(3), np.ones((2, 3)), np.array(5.0), np.array([np.nan]),
           np.array(["a"]), [], [[]], [None], [Broken()], (Broken(), Broken()), (1, 2), (1, 2, 3), {},
           {"a": 1}, {True: Broken(), False: Broken()}, {k: Broken() for k in "abcdef"}, set(), 1j,
           _count(), (x for x in range(3)), Broken(), object(), print, b"x", Ellipsis, type,
           lambda *a, **k: None, lambda *a, **k: Broken(), lambda *a, **k: 1 / 0,
           lambda *a, **k: (np.ones(2), np.ones(3), np.ones(2)), lambda *a, **k: "x" * 10**6,
           lambda *a, **k: _count(), lambda *a, **k: [Broken()], lambda *a, **k: (Broken(), Broken())]


def answered(check, answers):
    """(answer, position, feedback) for each answer put in turn in each required argument of
    ``check`` (the others 0.5)."""
    required = [p for p in inspect.signature(check).parameters.values() if p.default is inspect._empty]
    for answer in answers:
        for position in range(len(required)):
            args = [0.5] * len(required)
            args[position] = answer
            yield answer, position, check(*args)


@pytest.mark.parametrize("check", all_checks())
def test_any_answer_gets_a_short_feedback(check):
    for answer, _, feedback in answered(check, ANSWERS):
        assert isinstance(feedback, Feedback), (answer, feedback)
        assert len(feedback.message) <= 1000, (answer, len(feedback.message))


# Answers that are right for no exercise of the course: nothing, an empty or a wrong kind of
# container, a dict whose keys no exercise asks for, non-numbers, unprintable objects, functions
# that return junk. Each is refused: `ok is False` (not merely falsy), whatever its position.
NEVER_RIGHT = [None, float("nan"), float("inf"), "", "x" * 10**6, "zzz", [], [[]], [None], {}, {"zz": 1},
               set(), 1j, object(), Broken(), b"x", Ellipsis, type, print, np.array([np.nan]),
               np.array(["a"]), lambda *a, **k: None, lambda *a, **k: Broken(), lambda *a, **k: 1 / 0,
               lambda *a, **k: "x" * 10**6]


@pytest.mark.parametrize("check", all_checks())
def test_no_check_accepts_an_answer_that_is_right_for_no_exercise(check):
    for answer, position, feedback in answered(check, NEVER_RIGHT):
        assert feedback.ok is False, (answer, position, feedback)


def sample_messages(check):
    """The messages the check gives to a spread of answers (right ones included)."""
    required = len([p for p in inspect.signature(check).parameters.values() if p.default is inspect._empty])
    for answer in ANSWERS[:30]:
        yield check(*[answer] * required).message


@pytest.mark.parametrize("check", all_checks())
def test_messages_read_as_the_tail_of_not_yet(check):
    """'✗ Not yet: <message>': a message starts in lower case (or with a symbol or a number) and
    ends a sentence, and a placeholder hint starts a sentence of its own after 'no answer yet.'."""
    for message in sample_messages(check):
        assert message and not message[0].isupper() and message[-1] in ".?!)", message
        if message.startswith("no answer yet. "):
            hint = message[len("no answer yet. "):]
            assert hint[0].isupper(), message


# ---- every message any exercise test produces ----------------------------------------------------

def assert_reads_well(message: str) -> None:
    """The grammar of '✗ Not yet: <message>' / '✓ Correct: <message>': a message starts in lower
    case (or with a symbol or a number), ends a sentence and never shouts (two capitalized words
    in a row)."""
    assert message and not message[0].isupper() and message[-1] in ".?!)", message
    words = re.findall(r"[A-Za-z]{2,}", message)
    assert not any(a.isupper() and b.isupper() for a, b in zip(words, words[1:])), message


@pytest.fixture
def every_message_reads_well(monkeypatch):
    """Used by every tests/test_exercises_nbXX.py: each Feedback its tests see is checked."""
    original = Feedback.__post_init__

    def checked(self):
        original(self)
        assert_reads_well(self.message)

    monkeypatch.setattr(Feedback, "__post_init__", checked)


@pytest.mark.parametrize("message", ["Not yet.", "fine", "THE ANSWER IS WRONG.", ""])
def test_assert_reads_well_refuses(message):
    with pytest.raises(AssertionError):
        assert_reads_well(message)


def test_assert_reads_well_accepts_the_course_style():
    for message in ["all five terms match the glossary.", "(a) SGD minimizes the loss.", "0.2 is not it?",
                    "no answer yet. Give a number.", "λ = 1e-3 has the least validation error (MSE)."]:
        assert_reads_well(message)


# ---- the helpers' own settings ---------------------------------------------------------------------

@pytest.mark.parametrize("call, lowest", [(lambda n: echo("x", limit=n), 10), (lambda n: as_text("x", limit=n), 1),
                                          (lambda n: describe_error(ValueError("v"), limit=n), 10)])
def test_limits_are_checked_at_their_lowest_value(call, lowest):
    call(lowest)                                               # the lowest allowed works
    for bad in (lowest - 1, 2.5, None, "60"):
        with pytest.raises((ValueError, TypeError), match=r"^limit must be"):
            call(bad)


def test_limits_are_exact():
    assert echo("abcdefgh", limit=10) == "'abcdefgh'"            # 10 characters: kept whole
    assert echo("abcdefghi", limit=10) == "'abcdef..."           # 11: cut to 10
    assert describe_error(ValueError("v" * 10), limit=10) == "ValueError: " + "v" * 10
    assert describe_error(ValueError("v" * 11), limit=10) == "ValueError: " + "v" * 7 + "..."
    assert as_number("0" * 100) == 0.0 and as_number("0" * 101) is None
    assert as_letter("(   c    )", "abc") == "c" and as_letter("(    c    )", "abc") is None   # 10 / 11


@pytest.mark.parametrize("letters", ["ABC", "", None, "a1", "a b", 3, ["a", "b"], "é"])
def test_letters_are_checked(letters):
    for call in (lambda: as_letter("a", letters), lambda: by_letter({"a": 1}, letters)):
        with pytest.raises(TypeError, match=r"^letters must be a non-empty str of lower-case letters a-z, got "):
            call()
    assert as_letter("z", "z") == "z" and as_letter("a", "az") == "a"        # the ends of a-z


def test_helper_errors_quote_what_was_given():
    with pytest.raises(TypeError, match=r"^describe_error's exc must be an exception, got 'x'$"):
        describe_error("x")
    with pytest.raises(TypeError, match=r"hint must be a str, got 3$"):
        not_answered(3)
    with pytest.raises(TypeError, match=r"ok must be True or False, got 'yes'$"):
        Feedback("yes", "m")
    with pytest.raises(TypeError, match=r"message must be a str, got 3$"):
        Feedback(True, 3)


def test_by_letter_reads_at_most_100_keys():
    answers = {f"note {i}": i for i in range(100)} | {"a": 1}
    assert by_letter(answers, "a") == {}
    assert by_letter(dict(list(answers.items())[1:]), "a") == {"a": 1}
