"""Datasets of the course: three small real ones shipped in ``data/``, and seeded generators.

Nothing here downloads. Each CSV file is checked against its SHA-256 before it is parsed,
so a corrupted or truncated file stops with an error that names it and says how to restore
it. Splits are deterministic given ``seed``; standardization uses training statistics only
(using validation or test statistics would leak information about them into training).

>>> d = load_digits()
>>> d.X.shape, d.y.shape, d.n_classes
((1797, 64), (1797,), 10)
"""
from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np

from course_lib._checks import _show, check_array, check_bool, check_int, check_real, check_same_length

DATA_DIR = Path(os.environ.get("COURSE_DATA_DIR", Path(__file__).resolve().parents[1] / "data"))

#: file name -> (SHA-256, number of rows, number of feature columns); see data/README.md.
FILES = {
    "digits.csv": ("4faf08295f17d77e9a147ed5ea842ec501bd089cc6e61627f36ef15c1b48ea5b", 1797, 64),
    "breast_cancer.csv": ("24e220f06a0844385ea0e0f551c2ee1f9725e248e1dd662fafca95e0c7d1a0bf", 569, 30),
    "diabetes.csv": ("9193026b7622ff944f0a6855a10107b24caf50dad69787c46e6890e69c27faca", 442, 10),
    # the training runs of notebook 08's workflow widget: (SHA-256, rows, columns - 1)
    "workflow_runs.csv": ("ef8da21f54baf1d9142bf5e66fdb1367677fc625debb6d42d253f046fbddbc01", 1502, 10),
}


class DataFileError(OSError):
    """A shipped data file is missing, corrupted or truncated."""


@dataclass(frozen=True)
class Dataset:
    """Features ``X`` (n_samples, n_features), targets ``y`` and their names."""

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str

    def __post_init__(self) -> None:
        X = check_array("X", self.X, ndim=2)
        y = check_array("y", self.y, ndim=1, dtype=None)
        check_same_length(X=X, y=y)
        names = self.feature_names
        if isinstance(names, (str, bytes)) or not isinstance(names, (tuple, list)) \
                or not all(isinstance(n, str) for n in names) or len(names) != X.shape[1]:
            raise ValueError(f"feature_names must be {X.shape[1]} strings (one per column of X), "
                             f"got {_show(names)}")
        if not isinstance(self.target_name, str):
            raise TypeError(f"target_name must be a str, got {_show(self.target_name)}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_names", tuple(names))

    @property
    def n_classes(self) -> int:
        """Number of distinct integer labels (classification sets only)."""
        return int(np.unique(self.y).size)


def _checked_bytes(name: str) -> bytes:
    """The bytes of a shipped file, after its SHA-256 matched the one recorded in FILES."""
    path = DATA_DIR / name
    digest = FILES[name][0]
    restore = (f"Restore it with `git checkout -- data/{name}` (or re-clone the course); "
               "see data/README.md for its source.")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(f"cannot read data file {path}: {exc.strerror}. {restore}") from None
    if hashlib.sha256(raw).hexdigest() != digest:
        raise DataFileError(f"data file {path} is corrupted or truncated (its SHA-256 does not "
                            f"match the one recorded in course_lib/data.py). {restore}")
    return raw


def _read_checked(name: str) -> Dataset:
    n_rows, n_features = FILES[name][1:]
    header, _, body = _checked_bytes(name).decode("utf-8").partition("\n")
    table = np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2)  # numpy's C parser: fast
    assert table.shape == (n_rows, n_features + 1), table.shape  # guaranteed by the checksum
    names = header.strip().split(",")
    return Dataset(table[:, :-1], table[:, -1], tuple(names[:-1]), names[-1])


def load_digits() -> Dataset:
    """The 8x8 handwritten digits (UCI optdigits test set): 1,797 images, pixels 0-16, labels 0-9.

    The course's offline stand-in for MNIST (the chapter's code uses MNIST's 784 pixels).
    """
    d = _read_checked("digits.csv")
    return Dataset(d.X, d.y.astype(np.int64), d.feature_names, d.target_name)


def load_breast_cancer() -> Dataset:
    """Wisconsin diagnostic breast cancer: 569 x 30; ``y = 1`` is malignant (212, 37 %)."""
    d = _read_checked("breast_cancer.csv")
    return Dataset(d.X, d.y.astype(np.int64), d.feature_names, d.target_name)


def load_diabetes() -> Dataset:
    """Diabetes progression (Efron et al. 2004): 442 x 10, raw units; ``y`` is a disease score."""
    return _read_checked("diabetes.csv")


def load_workflow_runs() -> dict[str, np.ndarray]:
    """Notebook 08's precomputed training runs: one row per (learning rate, schedule, dropout) x epoch.

    Written once by ``scripts/make_workflow_runs.py`` (an MLP on the digits, trained with Keras;
    see data/README.md). Returns the file's columns by name: ``schedule`` as strings, ``epoch``
    as integers, the others as floats. A run that diverged ends early, with a last row holding
    the nan or inf its training loss reached; read it with
    :meth:`course_lib.widgets.workflow.WorkflowRuns.from_columns`.
    """
    n_rows, n_columns = FILES["workflow_runs.csv"][1], FILES["workflow_runs.csv"][2] + 1
    header, _, body = _checked_bytes("workflow_runs.csv").decode("utf-8").partition("\n")
    table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=str, ndmin=2)
    assert table.shape == (n_rows, n_columns), table.shape  # guaranteed by the checksum
    kinds = {"schedule": str, "epoch": np.int64}
    return {name: table[:, j].astype(kinds.get(name, np.float64))
            for j, name in enumerate(header.strip().split(","))}


def load_mnist_if_cached(path: str | os.PathLike | None = None) -> tuple[np.ndarray, ...]:
    """MNIST from a Keras cache file already on disk; never downloads.

    Returns ``(x_train, y_train, x_test, y_test)`` as stored in ``mnist.npz``. Raises
    ``FileNotFoundError`` when there is no such file: use :func:`load_digits` instead; a file
    that is not such an archive raises ``ValueError``.
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or os.PathLike) or None, got {_show(path)}")
    path = Path(path) if path is not None else Path.home() / ".keras" / "datasets" / "mnist.npz"
    if not path.is_file():
        raise FileNotFoundError(f"no MNIST cache at path {str(path)!r}; this course never downloads "
                                "data. Use course_lib.data.load_digits() (the offline stand-in).")
    keys = ("x_train", "y_train", "x_test", "y_test")
    try:
        with np.load(path, allow_pickle=False) as f:
            return tuple(f[k] for k in keys)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"path {str(path)!r} is not a Keras mnist.npz archive with arrays "
                         f"{', '.join(keys)} ({type(exc).__name__}: {_show(str(exc))})") from None


@dataclass(frozen=True)
class Split:
    """A train/validation/test split of one dataset."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def __post_init__(self) -> None:
        n_features = None
        for part in ("train", "val", "test"):
            X = check_array(f"X_{part}", getattr(self, f"X_{part}"), ndim=2, nonempty=part == "train")
            y = check_array(f"y_{part}", getattr(self, f"y_{part}"), ndim=1, dtype=None,
                            nonempty=part == "train")
            check_same_length(**{f"X_{part}": X, f"y_{part}": y})
            if n_features not in (None, X.shape[1]):
                raise ValueError(f"X_{part} must have {n_features} features like X_train, got {X.shape[1]}")
            n_features = X.shape[1]
            object.__setattr__(self, f"X_{part}", X)
            object.__setattr__(self, f"y_{part}", y)


def train_val_test_split(X, y, *, val_fraction: float = 0.2, test_fraction: float = 0.2,
                         seed: int = 0, stratify: bool = False) -> Split:
    """Shuffle with ``seed`` and cut into train / validation / test.

    Sizes: the test part gets ``round(test_fraction * n)`` samples, the validation part
    ``round(val_fraction * n)`` and training the rest. The product is taken exactly, on the
    fraction as written (``0.07 * 150`` is 10.5, not float's 10.500000000000002), and a
    product that ends in exactly .5 goes to the even count, like Python's ``round``
    (``0.25 * 10 = 2.5 -> 2``, ``0.25 * 14 = 3.5 -> 4``, ``0.07 * 150 = 10.5 -> 10``);
    scikit-learn's ``train_test_split`` rounds the test size up instead. With ``stratify=True``
    (``y`` holds integer class labels) the rule applies within each class, so that each part
    keeps the class proportions of ``y``.

    >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    >>> s = train_val_test_split(X, y, val_fraction=0.2, test_fraction=0.2, seed=1)
    >>> len(s.y_train), len(s.y_val), len(s.y_test)
    (6, 2, 2)
    >>> sorted(np.concatenate([s.y_train, s.y_val, s.y_test]).tolist()) == list(range(10))
    True
    """
    X = check_array("X", X, ndim=2)
    y = check_array("y", y, ndim=1)
    n = check_same_length(X=X, y=y)
    val_fraction = check_real("val_fraction", val_fraction, low=0, high=1, high_open=True)
    test_fraction = check_real("test_fraction", test_fraction, low=0, high=1, high_open=True)
    if val_fraction + test_fraction >= 1:
        raise ValueError(f"val_fraction + test_fraction must be < 1, got {val_fraction + test_fraction}")
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    stratify = check_bool("stratify", stratify)
    if stratify and np.any(y != np.round(y)):
        raise ValueError("y must hold integer class labels when stratify=True (stratifying "
                         "continuous targets would make one group per value)")
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(n)]
    parts: list[list[np.ndarray]] = [[], [], []]
    for idx in groups:
        idx = rng.permutation(idx)
        n_test, n_val = _part_size(test_fraction, len(idx)), _part_size(val_fraction, len(idx))
        for k, chunk in enumerate((idx[n_test + n_val:], idx[n_test:n_test + n_val], idx[:n_test])):
            parts[k].append(chunk)
    tr, va, te = (np.sort(np.concatenate(p)) for p in parts)
    if tr.size == 0:
        raise ValueError(f"the training part is empty with {n} samples; lower val_fraction or "
                         "test_fraction")
    y_out = y.astype(np.int64) if np.all(y == np.round(y)) and stratify else y
    return Split(X[tr], y_out[tr], X[va], y_out[va], X[te], y_out[te])


def _part_size(fraction: float, n: int) -> int:
    """``fraction * n`` computed exactly on the decimal ``repr(fraction)``, halves to even."""
    exact = Decimal(repr(fraction)) * n
    return int(exact.to_integral_value(rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True)
class Standardizer:
    """``(x - mean) / std`` with the statistics of the training set only."""

    mean: np.ndarray
    std: np.ndarray

    def __post_init__(self) -> None:
        mean = check_array("mean", self.mean, ndim=1)
        std = check_array("std", self.std, ndim=1)
        if std.shape != mean.shape:
            raise ValueError(f"mean and std must have one value per feature each, got shapes "
                             f"{mean.shape} and {std.shape}")
        if np.any(std <= 0):
            raise ValueError(f"std must be > 0 for every feature, got {_show(std.tolist())}")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)

    @classmethod
    def fit(cls, X_train) -> "Standardizer":
        """Learn mean and std per feature; a constant feature gets std 1 (left centred).

        A column whose plain mean or std overflows (|x| near 1e308) or underflows (|x| near
        1e-300) is computed again on ``x / max|x|`` and scaled back, so it still comes out right.
        """
        X_train = check_array("X_train", X_train, ndim=2)
        with np.errstate(over="ignore"):  # an overflowed column is redone just below
            mean, std = X_train.mean(axis=0), X_train.std(axis=0)
            redo = (~np.isfinite(mean) | ~np.isfinite(std)
                    | ((std == 0) & (X_train.max(axis=0) != X_train.min(axis=0))))
            if redo.any():
                scale = np.abs(X_train[:, redo]).max(axis=0)
                Z = X_train[:, redo] / scale
                mean[redo], std[redo] = Z.mean(axis=0) * scale, Z.std(axis=0) * scale
        return cls(mean, np.where(std > 0, std, 1.0))

    def transform(self, X) -> np.ndarray:
        """Standardize ``X`` with the stored statistics."""
        X = check_array("X", X, ndim=2)
        if X.shape[1] != self.mean.size:
            raise ValueError(f"X must have {self.mean.size} features, got {X.shape[1]}")
        with np.errstate(over="ignore"):  # refused just below
            Z = (X - self.mean) / self.std
        if not np.all(np.isfinite(Z)):
            raise ValueError("X is too far from the training data: standardized values overflow "
                             f"float64 (|x| up to {np.abs(X).max():g}, smallest std {self.std.min():g})")
        return Z


def standardize(split: Split) -> tuple[Split, Standardizer]:
    """Standardize all three parts of ``split`` with the training part's statistics."""
    if not isinstance(split, Split):
        raise TypeError(f"split must be a Split (from train_val_test_split), got {type(split).__name__}")
    scaler = Standardizer.fit(split.X_train)
    return Split(scaler.transform(split.X_train), split.y_train, _transform_part(scaler, split.X_val),
                 split.y_val, _transform_part(scaler, split.X_test), split.y_test), scaler


def _transform_part(scaler: Standardizer, X: np.ndarray) -> np.ndarray:
    """An empty validation or test part (fraction 0) stays empty."""
    return X.copy() if X.shape[0] == 0 else scaler.transform(X)
