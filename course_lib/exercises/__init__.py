"""Automatic feedback for the notebooks' exercises: one module per notebook (``nb00``, ``nb01``...).

A check returns a :class:`Feedback`, which is truthy when the answer is right and displays
a message saying what is right or what is wrong (not just pass/fail).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


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

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"{'✓ Correct' if self.ok else '✗ Not yet'}: {self.message}"


def not_answered(hint: str) -> Feedback:
    """What a check says while the answer is still the placeholder ``None``."""
    return Feedback(False, f"no answer yet. {hint}")


def as_number(answer: Any) -> float | None:
    """The answer as a finite float, or ``None`` if it is not one number.

    Numeric strings are accepted (a learner may type ``"0.5"``); booleans, ``nan`` and
    ``inf`` are not.

    >>> as_number("0.25"), as_number(3), as_number(True), as_number(float("nan")), as_number([1])
    (0.25, 3.0, None, None, None)
    """
    if isinstance(answer, bool):
        return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
