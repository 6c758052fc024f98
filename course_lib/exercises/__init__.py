"""Automatic feedback for the notebooks' exercises: one module per notebook (``nb00``, ``nb01``...).

A check returns a :class:`Feedback`, which is truthy when the answer is right and displays
a message saying what is right or what is wrong (not just pass/fail).
"""
from __future__ import annotations

from dataclasses import dataclass


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
