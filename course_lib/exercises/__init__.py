"""Automatic feedback for the notebooks' exercises: one module per notebook (``nb00``, ``nb01``...).

A check returns a :class:`Feedback`, which is truthy when the answer is right and displays
a message saying what is right or what is wrong (not just pass/fail).

A check never raises and never floods the notebook, whatever it is given (``nan``, a
generator, a megabyte of text, an object whose ``str`` raises...): the answer is read with
the helpers below (:func:`as_number`, :func:`as_whole`, :func:`as_letter`, :func:`as_text`),
which return ``None`` for what they cannot read, and an answer is echoed only through
:func:`echo`, which keeps it short.
"""
from __future__ import annotations

import math
import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib._checks import check_int

#: The longest message a Feedback keeps (characters); a longer one is cut, saying so.
MAX_MESSAGE = 1_000


class _Echo(reprlib.Repr):
    """reprlib's short reprs, naming an unprintable object by its type (reprlib would print its
    memory address, which differs from run to run)."""

    def repr_instance(self, obj: Any, level: int) -> str:
        try:
            text = repr(obj)
        except Exception:  # a broken __repr__
            return f"<a {type(obj).__name__} that cannot be printed>"
        if len(text) > self.maxother:
            half = (self.maxother - 3) // 2
            text = text[:half] + "..." + text[len(text) - (self.maxother - 3 - half):]
        return text


_ECHO = _Echo()
_ECHO.maxstring, _ECHO.maxother, _ECHO.maxlist, _ECHO.maxtuple, _ECHO.maxdict = 40, 40, 6, 6, 4


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer.

    >>> Feedback(True, "the loss halves every 10 steps")
    ✓ Correct: the loss halves every 10 steps
    >>> bool(Feedback(False, "try again"))
    False
    """

    ok: bool
    message: str

    def __post_init__(self) -> None:
        if not isinstance(self.ok, (bool, np.bool_)):
            raise TypeError(f"Feedback's ok must be True or False, got {echo(self.ok)}")
        if not isinstance(self.message, str):
            raise TypeError(f"Feedback's message must be a str, got {echo(self.message)}")
        object.__setattr__(self, "ok", bool(self.ok))
        if len(self.message) > MAX_MESSAGE:
            object.__setattr__(self, "message", self.message[:MAX_MESSAGE - 10] + " [... cut]")

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"{'✓ Correct' if self.ok else '✗ Not yet'}: {self.message}"


def not_answered(hint: str) -> Feedback:
    """What a check says while the answer is still the placeholder ``None``.

    >>> not_answered("Give a number.")
    ✗ Not yet: no answer yet. Give a number.
    """
    if not isinstance(hint, str):
        raise TypeError(f"not_answered's hint must be a str, got {echo(hint)}")
    return Feedback(False, f"no answer yet. {hint}")


def echo(answer: Any, limit: int = 60) -> str:
    """A short repr of ``answer`` to quote in a message: at most ``limit`` characters, and
    never an exception (an object whose ``repr`` raises is named by its type).
    ``limit`` must be an integer >= 10.

    >>> echo("x" * 10**6), echo(list(range(100)))
    ("'xxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxx'", '[0, 1, 2, 3, 4, 5, ...]')
    """
    check_int("limit", limit, low=10)
    try:
        text = _ECHO.repr(answer)
    except Exception:  # a broken __repr__ must not crash the feedback
        text = f"<a {type(answer).__name__} that cannot be printed>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def as_text(answer: Any, limit: int = 200) -> str | None:
    """The answer as stripped, lower-case text (at most ``limit`` characters are read), or
    ``None`` if it is not a string or a number (a dict, an array, ``None``, ``nan``...).

    >>> as_text("  Early Stopping "), as_text(3), as_text(float("nan")), as_text(["a"])
    ('early stopping', '3', None, None)
    """
    check_int("limit", limit, low=1)
    if isinstance(answer, (str, np.str_)):
        return str(answer)[:limit].strip().lower()
    number = as_number(answer)
    if number is None or isinstance(answer, (bool, np.bool_)):
        return None
    return format(number, "g")


def as_number(answer: Any) -> float | None:
    """The answer as a finite float, or ``None`` if it is not one number.

    Numeric strings are accepted (a learner may type ``"0.5"``), and so are numpy scalars and
    0-d arrays; booleans, ``nan``, ``inf``, numbers too large for a float, arrays of several
    numbers and objects that cannot be read are not.

    >>> as_number("0.25"), as_number(3), as_number(True), as_number(float("nan")), as_number([1])
    (0.25, 3.0, None, None, None)
    """
    if isinstance(answer, (bool, np.bool_, complex, np.complexfloating)):
        return None  # float() would drop an imaginary part (numpy's, with only a warning)
    if isinstance(answer, np.ndarray):
        if answer.ndim != 0 or answer.dtype.kind not in "iuf":
            return None
        answer = answer[()]
    if isinstance(answer, (str, np.str_)) and len(answer) > 100:
        return None
    try:
        value = float(answer)
    except Exception:  # a list, a dict, a complex number, an object whose __float__ raises...
        return None
    return value if math.isfinite(value) else None


def as_whole(answer: Any) -> int | None:
    """The answer as an ``int`` if it is one whole number (``5``, ``5.0``, ``"5"``), else ``None``
    (``5.5``, ``True``, ``nan``, ``10**400``...).

    >>> as_whole(5.0), as_whole("12"), as_whole(5.5), as_whole(True), as_whole(None)
    (5, 12, None, None, None)
    """
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, (bool, np.bool_)):
        return int(answer) if abs(answer) < 2**53 else None
    value = as_number(answer)
    if value is None or not value.is_integer() or abs(value) >= 2**53:
        return None
    return int(value)


def _check_letters(letters: Any) -> None:
    if not (isinstance(letters, str) and letters and all("a" <= c <= "z" for c in letters)):
        raise TypeError(f"letters must be a non-empty str of lower-case letters a-z, got {echo(letters)}")


_LETTER = re.compile(r"(?:\(\s*([a-z])\s*\)|([a-z])\s*\)?)\s*[.:]?")


def as_letter(answer: Any, letters: str) -> str | None:
    """The answer as one of ``letters`` (lower case), written any way the exercises print their
    options: ``"c"``, ``"C"``, ``"(c)"``, ``"c)"``, ``" (C). "``; else ``None``.

    Every check that asks for a letter reads it with this function, so all notebooks accept
    the same spellings.

    >>> as_letter("(c)", "abcd"), as_letter("B)", "abcd"), as_letter("e", "abcd"), as_letter("cat", "abcd")
    ('c', 'b', None, None)
    """
    _check_letters(letters)
    text = as_text(answer, limit=20) if isinstance(answer, (str, np.str_)) else None
    if text is None or len(text) > 10:
        return None
    match = _LETTER.fullmatch(text)
    letter = None if match is None else match.group(1) or match.group(2)
    return letter if letter is not None and letter in letters else None


def by_letter(answers: Any, letters: str) -> dict[str, Any] | None:
    """A dict answer re-keyed by :func:`as_letter` (``"(a)"`` and ``"A"`` both become ``"a"``);
    keys that are no such letter are dropped. ``None`` if ``answers`` is not a dict, or if two
    keys name the same letter.

    >>> by_letter({"(a)": 1, "B": 2, "note": 3}, "abc")
    {'a': 1, 'b': 2}
    """
    _check_letters(letters)
    if not isinstance(answers, Mapping):
        return None
    out: dict[str, Any] = {}
    for key, value in list(answers.items())[:100]:
        letter = as_letter(key, letters)
        if letter in out:
            return None
        if letter is not None:
            out[letter] = value
    return out


def describe_error(exc: BaseException, limit: int = 200) -> str:
    """``"TypeError: message"`` for an exception the learner's code raised, the message cut to
    ``limit`` characters (and never an exception of its own).

    >>> describe_error(ZeroDivisionError("division by zero"))
    'ZeroDivisionError: division by zero'
    """
    if not isinstance(exc, BaseException):
        raise TypeError(f"describe_error's exc must be an exception, got {echo(exc)}")
    check_int("limit", limit, low=10)
    try:
        text = str(exc)
    except Exception:  # an exception whose __str__ raises
        text = "(its message cannot be printed)"
    text = text if len(text) <= limit else text[:limit - 3] + "..."
    return f"{type(exc).__name__}: {text}"
