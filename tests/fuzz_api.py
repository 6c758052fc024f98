"""The fuzz harness of the public API: every argument of every public callable, fed wrong values.

Each ``tests/test_fuzz_<group>.py`` lists one :class:`Spec` per public callable of its modules
(functions, class constructors and public methods) and turns them into tests with
:func:`fuzz_tests`. For every argument of a spec in turn, hypothesis substitutes values of the
wrong type, kind, shape, range and finiteness (``None``, strings, booleans, complex numbers,
``nan``, ``±inf``, ``1e308``, subnormals, negative numbers, ``10**30``, empty and ragged lists,
0-d / wrong-rank / empty / ``nan``-filled arrays, string arrays, objects, functions, dicts ...)
while the other arguments keep valid values, and requires one of two outcomes:

* a ``ValueError`` or ``TypeError`` whose message names the argument (or one of the words the
  spec allows for it) and is short enough to read; or
* a normal return whose numbers contain no ``nan`` (and no ``inf``, unless the spec allows it)
  and that passes the spec's own correctness check ``ok``, if it has one;

within a few seconds, and never any other exception. ``tests/test_fuzz_coverage.py`` fails when
a public callable of ``course_lib`` has no spec, so the contract covers the whole API.
"""
from __future__ import annotations

import dataclasses
import math
import signal
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

CLEAR_ERRORS = (ValueError, TypeError)
MAX_MESSAGE = 2_000  # characters: an error message is read by a person, it never floods a notebook


@dataclass(frozen=True)
class Spec:
    """How to call one public callable validly, and what else is allowed for it.

    ``target`` is the qualified name (``"course_lib.optim.Adam.update"``) that
    ``test_fuzz_coverage`` matches against the API; ``call(**valid())`` must succeed.
    """

    target: str
    call: Callable[..., Any]
    valid: Callable[[], dict]
    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    skip: tuple[str, ...] = ()
    extra_bad: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    allow_nan: bool = False
    allow_inf: bool = False
    ok: Callable[[dict, Any], None] | None = None
    also_raises: tuple[type[BaseException], ...] = ()
    max_examples: int = 25
    timeout: float = 5.0
    # For a callable that builds a whole figure on every call that passes (a widget): try every
    # k-th listed bad value, starting at a different one for each argument (so a spec with k or
    # more arguments still meets every listed value), plus all of extra_bad. 1 = every value.
    listed_every: int = 1
    marks: tuple[Any, ...] = ()


class CallTimedOut(Exception):
    """Raised inside a call that ran longer than its spec allows."""


@contextmanager
def time_limit(seconds: float):
    """Interrupt the block after ``seconds`` (SIGALRM: Unix, main thread, as pytest runs)."""
    def on_alarm(signum, frame):
        raise CallTimedOut(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _generator():
    yield 1.0


class _BrokenNumber:
    """An object that pretends to be many things and fails at each."""

    def __float__(self):
        raise RuntimeError("broken __float__")

    def __len__(self):
        raise RuntimeError("broken __len__")

    def __repr__(self):
        return "<BrokenNumber>"


# Factories, not values: a callee may mutate an array it was given.
BAD_FACTORIES: tuple[Callable[[], Any], ...] = (
    lambda: None, lambda: "abc", lambda: "", lambda: "1.5", lambda: True, lambda: False,
    lambda: 1j, lambda: 1 + 2j, lambda: float("nan"), lambda: float("inf"), lambda: float("-inf"),
    lambda: 1e308, lambda: -1e308, lambda: 5e-324, lambda: -1, lambda: 0, lambda: -0.5, lambda: 0.5,
    lambda: 10**30, lambda: 2**63, lambda: -(2**63) - 1, lambda: np.float32("nan"),
    lambda: np.int64(-5), lambda: np.float64(1e300), lambda: [], lambda: [[]], lambda: [[1.0, 2.0], [3.0]],
    lambda: [None, 1.0], lambda: ["a", "b"], lambda: (1, 2), lambda: {1, 2}, lambda: {}, lambda: {"a": 1},
    lambda: np.array(1.0), lambda: np.array([np.nan]), lambda: np.array([np.inf, 1.0]),
    lambda: np.array([1e308, -1e308]), lambda: np.array([5e-324, 0.0]), lambda: np.zeros(0),
    lambda: np.zeros((3, 0)), lambda: np.ones((2, 3, 4)), lambda: np.ones((1, 1)),
    lambda: np.array(["min", "max"]), lambda: np.array([1, 2], dtype=object),
    lambda: np.array([1 + 1j]), lambda: np.array([True, False]), lambda: np.arange(7),
    lambda: object(), lambda: (lambda *args, **kwargs: None), lambda: print, lambda: _generator(),
    lambda: _BrokenNumber(), lambda: b"x", lambda: Ellipsis, lambda: type,
)

_special_floats = st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-310, 1e308, -1e308, math.inf,
                                   -math.inf, math.nan, 1.0, -1.0, 3.4e38, 1e39])
_random_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    elements=None,
)


def random_bad_values() -> st.SearchStrategy:
    """Random wrong values: special floats, big integers, short text, arrays of any shape."""
    return st.one_of(
        _special_floats,
        st.integers(min_value=-(10**20), max_value=10**20),
        st.text(max_size=6),
        _random_arrays,
        st.lists(_special_floats, max_size=4),
    )


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def non_finite(obj: Any, allow_inf: bool = False, depth: int = 0, path: str = "result") -> str | None:
    """Where ``obj`` holds a ``nan`` (or an ``inf``), or ``None``.

    Walks numbers, arrays, containers, dataclasses and the attributes of course_lib objects
    (three levels deep). Inside an object's attributes ``inf`` is allowed (a "best so far"
    starts at ``inf`` in Keras too); ``nan`` never is.
    """
    if depth > 3 or isinstance(obj, (bool, str, bytes, type(None))):
        return None
    inf_ok = allow_inf or path.count(".") > 0
    if isinstance(obj, (float, np.floating, complex, np.complexfloating)):
        if obj != obj:
            return f"{path} is nan"
        if not inf_ok and math.isinf(abs(obj)):
            return f"{path} is {obj}"
        return None
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            if np.isnan(obj).any():
                return f"{path} contains nan"
            if not inf_ok and np.isinf(obj).any():
                return f"{path} contains inf"
        elif obj.dtype.kind == "O":
            for i, item in enumerate(obj.ravel()[:200]):
                found = non_finite(item, allow_inf, depth + 1, f"{path}[{i}]")
                if found:
                    return found
        return None
    if isinstance(obj, Mapping):
        items = list(obj.items())[:200]
        return next((f for k, v in items if (f := non_finite(v, allow_inf, depth + 1, f"{path}[{k!r}]"))), None)
    if isinstance(obj, (list, tuple)):
        return next((f for i, v in enumerate(obj[:200])
                     if (f := non_finite(v, allow_inf, depth + 1, f"{path}[{i}]"))), None)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return next((f for fl in dataclasses.fields(obj)
                     if (f := non_finite(getattr(obj, fl.name, None), allow_inf, depth + 1,
                                         f"{path}.{fl.name}"))), None)
    if type(obj).__module__.startswith("course_lib") and hasattr(obj, "__dict__"):
        return next((f for k, v in list(vars(obj).items())[:50] if not k.startswith("_")
                     if (f := non_finite(v, allow_inf, depth + 1, f"{path}.{k}"))), None)
    return None


def check_outcome(spec: Spec, arg: str | None, kwargs: dict) -> None:
    """Call ``spec`` with ``kwargs`` and assert the contract (see the module docstring)."""
    what = f"{spec.target}({arg}={kwargs.get(arg)!r:.80})" if arg else f"{spec.target}(valid arguments)"
    try:
        with time_limit(spec.timeout):
            result = spec.call(**kwargs)
    except CallTimedOut:
        pytest.fail(f"{what} hangs: no answer within {spec.timeout} s")
    except CLEAR_ERRORS + spec.also_raises as exc:
        if arg is None:
            pytest.fail(f"{what} raised {type(exc).__name__}: {exc}")
        message = str(exc)
        assert len(message) <= MAX_MESSAGE, f"{what}: a {len(message)}-character error message"
        words = (arg, *spec.names.get(arg, ()))
        assert any(w in message for w in words), (
            f"{what} raised {type(exc).__name__} without naming {' or '.join(map(repr, words))}: {message}")
        return
    except Exception as exc:  # the contract: no other exception type, ever
        pytest.fail(f"{what} raised an obscure {type(exc).__name__}: {exc!s:.300}")
    if not spec.allow_nan:
        found = non_finite(result, spec.allow_inf)
        assert found is None, f"{what} returned silently non-finite numbers: {found}"
    if spec.ok is not None:
        spec.ok(kwargs, result)


def fuzz_tests(specs: Sequence[Spec]) -> Callable:
    """One test per (spec, argument): every listed bad value, then ``max_examples`` random ones;
    plus one test per spec that its valid call succeeds."""
    params = []
    for spec in specs:
        params.append(pytest.param(spec, None, id=f"{spec.target}:valid", marks=spec.marks))
        for arg in spec.valid():
            if arg not in spec.skip:
                params.append(pytest.param(spec, arg, id=f"{spec.target}:{arg}", marks=spec.marks))

    @pytest.mark.parametrize("spec, arg", params)
    def test_fuzz(spec: Spec, arg: str | None) -> None:
        if arg is None:
            check_outcome(spec, None, spec.valid())
            return
        # Every listed bad value, always (a random draw could miss the one that matters) ...
        k = spec.listed_every
        listed = BAD_FACTORIES[list(spec.valid()).index(arg) % k::k] if k > 1 else BAD_FACTORIES
        for make in (*listed, *((lambda v=v: _copy(v)) for v in spec.extra_bad.get(arg, ()))):
            kwargs = spec.valid()
            kwargs[arg] = make()
            check_outcome(spec, arg, kwargs)

        # ... then random ones: special floats, integers, text, arrays of any shape and dtype.
        @settings(max_examples=spec.max_examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(bad=random_bad_values())
        def one_bad_argument(bad):
            kwargs = spec.valid()
            kwargs[arg] = bad
            check_outcome(spec, arg, kwargs)

        one_bad_argument()

    return test_fuzz
