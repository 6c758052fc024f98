"""Every public callable of course_lib has a fuzz spec (tests/fuzz_api.py explains the contract).

Public means: a function or class defined in a module of course_lib whose name and module path
have no leading underscore, and every public method of such a class (inherited ones included,
when defined in course_lib). Exception classes are records of an error, not an API to call, and
are left out. A callable may be exempted only in a spec file's ``EXEMPT`` dict, with its reason.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import course_lib

SPEC_FILES = sorted(p.stem for p in Path(__file__).parent.glob("test_fuzz_*.py")
                    if p.stem != "test_fuzz_coverage")


def public_modules() -> list[str]:
    names = ["course_lib"]
    for info in pkgutil.walk_packages(course_lib.__path__, "course_lib."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def public_callables() -> set[str]:
    found = set()
    for modname in public_modules():
        module = importlib.import_module(modname)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != modname:
                continue
            if inspect.isclass(obj):
                if issubclass(obj, BaseException):
                    continue
                found.add(f"{modname}.{name}")
                for meth, member in inspect.getmembers(obj):
                    owner = getattr(member, "__module__", "") or ""
                    # plain and static methods are functions; a classmethod is a bound method
                    is_method = inspect.isfunction(member) or (
                        inspect.ismethod(member) and member.__self__ is obj)
                    if not meth.startswith("_") and is_method and owner.startswith("course_lib"):
                        found.add(f"{modname}.{name}.{meth}")
            elif inspect.isfunction(obj):
                found.add(f"{modname}.{name}")
    return found


def declared() -> tuple[set[str], dict[str, str]]:
    targets, exempt = set(), {}
    for stem in SPEC_FILES:
        module = importlib.import_module(stem)
        targets |= {spec.target for spec in getattr(module, "SPECS", ())}
        exempt.update(getattr(module, "EXEMPT", {}))
    return targets, exempt


def test_public_api_is_found():
    api = public_callables()
    # A handful the enumeration must see, or it is broken (methods, classes, functions, tf_twins).
    for name in ("course_lib.optim.Adam.update", "course_lib.data.Standardizer.fit", "course_lib.schedules.exponential_decay",
                 "course_lib.training.fit", "course_lib.tf_twins.training.fit_tf",
                 "course_lib.exercises.nb00.check_glossary", "course_lib.widgets.gd_path.gd_path"):
        assert name in api
    assert not any("._" in name for name in api)


def test_every_public_callable_has_a_fuzz_spec():
    targets, exempt = declared()
    missing = sorted(public_callables() - targets - set(exempt))
    assert not missing, f"{len(missing)} public callables have no fuzz spec: {missing}"


def test_specs_and_exemptions_name_real_callables():
    targets, exempt = declared()
    api = public_callables()
    assert not sorted((targets | set(exempt)) - api), "specs for callables that do not exist"
    assert all(isinstance(r, str) and len(r) > 20 for r in exempt.values()), "exemptions need a reason"
