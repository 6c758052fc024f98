"""The shipped datasets: checksums, loading, splits and standardization."""
from __future__ import annotations

import hashlib
import re
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import data
from course_lib.data import (DataFileError, Standardizer, load_breast_cancer, load_diabetes,
                             load_digits, load_mnist_if_cached, standardize, train_val_test_split)

DATA = data.DATA_DIR  # the repo's data/, or COURSE_DATA_DIR (as the mutation runs set it)


def test_recorded_checksums_match_files_and_data_readme():
    readme = (DATA / "README.md").read_text()
    for name, (digest, _, _) in data.FILES.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest
        assert re.search(rf"`{re.escape(name)}`.*`{digest}`", readme), f"{name} missing in data/README.md"


def test_shapes_and_labels_are_those_of_the_published_datasets():
    digits = load_digits()
    assert digits.X.shape == (1797, 64) and digits.n_classes == 10
    assert digits.X.min() == 0 and digits.X.max() == 16  # optdigits pixels count 0..16
    cancer = load_breast_cancer()
    assert cancer.X.shape == (569, 30) and int(cancer.y.sum()) == 212  # 212 malignant (UCI)
    diabetes = load_diabetes()
    assert diabetes.X.shape == (442, 10) and diabetes.feature_names[:3] == ("age", "sex", "bmi")


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    for name in data.FILES:
        shutil.copy(DATA / name, tmp_path / name)
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    return tmp_path


def test_truncated_file_is_refused_with_restore_instructions(data_copy):
    path = data_copy / "digits.csv"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataFileError, match=r"digits\.csv.*corrupted or truncated.*git checkout -- data/digits\.csv"):
        load_digits()


def test_changed_byte_is_refused(data_copy):
    path = data_copy / "diabetes.csv"
    raw = bytearray(path.read_bytes())
    raw[-3] = ord("9") if raw[-3] != ord("9") else ord("8")
    path.write_bytes(bytes(raw))
    with pytest.raises(DataFileError, match="diabetes.csv"):
        load_diabetes()


def test_missing_file_is_refused(data_copy):
    (data_copy / "breast_cancer.csv").unlink()
    with pytest.raises(DataFileError, match="cannot read.*breast_cancer.csv.*git checkout"):
        load_breast_cancer()


def test_split_is_deterministic_disjoint_and_complete():
    d = load_digits()
    a = train_val_test_split(d.X, d.y, seed=7)
    b = train_val_test_split(d.X, d.y, seed=7)
    c = train_val_test_split(d.X, d.y, seed=8)
    assert np.array_equal(a.X_val, b.X_val) and not np.array_equal(a.X_val, c.X_val)
    rows = {tuple(r) for part in (a.X_train, a.X_val, a.X_test) for r in part}
    assert len(a.y_train) + len(a.y_val) + len(a.y_test) == 1797
    assert len(a.y_val) == round(0.2 * 1797) and len(a.y_test) == round(0.2 * 1797)
    assert len(rows) == len({tuple(r) for r in d.X})  # every distinct image lands somewhere


def test_stratified_split_keeps_class_proportions():
    d = load_breast_cancer()
    s = train_val_test_split(d.X, d.y, seed=0, stratify=True)
    for part in (s.y_train, s.y_val, s.y_test):
        assert abs(part.mean() - 212 / 569) < 0.01


def test_standardizer_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, (100, 4))
    y = np.zeros(100)
    s = train_val_test_split(X, y, seed=1)
    scaled, scaler = standardize(s)
    np.testing.assert_allclose(scaled.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled.X_train.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(scaler.mean, s.X_train.mean(axis=0))
    np.testing.assert_allclose(scaled.X_val, (s.X_val - s.X_train.mean(0)) / s.X_train.std(0))


def test_constant_feature_does_not_divide_by_zero():
    scaler = Standardizer.fit(np.array([[1.0, 2.0], [1.0, 4.0]]))
    out = scaler.transform([[1.0, 3.0]])
    assert out.tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize("kwargs, word", [
    ({"val_fraction": -0.1}, "val_fraction"), ({"test_fraction": 1.0}, "test_fraction"),
    ({"val_fraction": 0.6, "test_fraction": 0.5}, "val_fraction \\+ test_fraction"),
    ({"seed": -1}, "seed"),
])
def test_split_rejects_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        train_val_test_split(np.zeros((10, 2)), np.zeros(10), **kwargs)


def test_split_rejects_mismatched_lengths_and_nan():
    with pytest.raises(ValueError, match="same number of samples"):
        train_val_test_split(np.zeros((10, 2)), np.zeros(9))
    X = np.zeros((10, 2))
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="finite"):
        train_val_test_split(X, np.zeros(10))


def test_mnist_loader_never_downloads(tmp_path):
    with pytest.raises(FileNotFoundError, match="never downloads"):
        load_mnist_if_cached(tmp_path / "mnist.npz")
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1))
    x_train, _, x_test, _ = load_mnist_if_cached(tmp_path / "mnist.npz")
    assert x_train.shape == (2, 28, 28) and x_test.shape == (1, 28, 28)


# ---------------------------------------------------------------- split sizes: the rounding rule
def _expected_size(fraction: float, n: int) -> int:
    """Independent: the exact decimal product, rounded half to even by the decimal module."""
    from decimal import ROUND_HALF_EVEN, Decimal
    return int((Decimal(str(fraction)) * n).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@pytest.mark.parametrize("val_fraction, test_fraction, n, want", [
    # (train, val, test); by hand: 2.5 -> 2 and 3.5 -> 4 (halves to even), 0.5 -> 0, 1.5 -> 2
    (0.25, 0.25, 10, (6, 2, 2)),
    (0.25, 0.25, 14, (6, 4, 4)),
    (0.125, 0.375, 4, (2, 0, 2)),
    (0.35, 0.15, 10, (4, 4, 2)),
    (0.5, 0.25, 2, (1, 1, 0)),
    (0.07, 0.07, 150, (130, 10, 10)),     # 10.5 exactly (float's product is 10.500000000000002)
    (0.2, 0.2, 1797, (1079, 359, 359)),   # the digits: 359.4 -> 359
    (0.0, 0.5, 3, (1, 0, 2)),             # 1.5 -> 2, val empty
])
def test_split_sizes_round_half_to_even_on_the_exact_product(val_fraction, test_fraction, n, want):
    s = train_val_test_split(np.zeros((n, 1)), np.arange(n), val_fraction=val_fraction,
                             test_fraction=test_fraction, seed=3)
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == want
    assert (s.X_train.shape[0], s.X_val.shape[0], s.X_test.shape[0]) == want


@settings(max_examples=200)
@given(n=st.integers(1, 400), val=st.integers(0, 49), test=st.integers(0, 49))
def test_split_sizes_agree_with_an_exact_decimal_computation(n, val, test):
    val_fraction, test_fraction = val / 100, test / 100
    n_val, n_test = _expected_size(val_fraction, n), _expected_size(test_fraction, n)
    if n_val + n_test == n:
        with pytest.raises(ValueError, match="training part is empty"):
            train_val_test_split(np.zeros((n, 1)), np.arange(n), val_fraction=val_fraction,
                                 test_fraction=test_fraction)
        return
    s = train_val_test_split(np.zeros((n, 1)), np.arange(n), val_fraction=val_fraction,
                             test_fraction=test_fraction)
    assert (len(s.y_val), len(s.y_test), len(s.y_train)) == (n_val, n_test, n - n_val - n_test)


def test_stratified_sizes_apply_the_rule_within_each_class():
    # class 0: 10 samples, class 1: 6, class 2: 14; fraction 0.25 -> 2.5 -> 2, 1.5 -> 2, 3.5 -> 4
    y = np.repeat([0, 1, 2], [10, 6, 14])
    rng = np.random.default_rng(0)
    y = y[rng.permutation(len(y))]
    X = np.arange(len(y), dtype=float)[:, None]             # row i holds i: traceable
    s = train_val_test_split(X, y, val_fraction=0.25, test_fraction=0.25, seed=5, stratify=True)
    for part in (s.y_val, s.y_test):
        assert np.bincount(part, minlength=3).tolist() == [2, 2, 4]
    assert np.bincount(s.y_train, minlength=3).tolist() == [6, 2, 6]
    assert s.y_train.dtype == np.int64
    for Xp, yp in ((s.X_train, s.y_train), (s.X_val, s.y_val), (s.X_test, s.y_test)):
        assert np.array_equal(y[Xp[:, 0].astype(int)], yp)  # each row keeps its own label
    rows = np.concatenate([s.X_train, s.X_val, s.X_test])[:, 0]
    assert sorted(rows.tolist()) == list(range(len(y)))      # disjoint and complete
    # without stratification the same fractions round once over all 30: 7.5 -> 8
    plain = train_val_test_split(X, y, val_fraction=0.25, test_fraction=0.25, seed=5)
    assert (len(plain.y_val), len(plain.y_test)) == (8, 8)


def test_stratify_needs_a_bool_and_class_labels():
    X = np.zeros((10, 1))
    for bad in ("no", 1, None, np.array([True])):
        with pytest.raises(TypeError, match="^stratify must be True or False"):
            train_val_test_split(X, np.zeros(10), stratify=bad)
    with pytest.raises(ValueError, match="^y must hold integer class labels when stratify=True"):
        train_val_test_split(X, np.linspace(0, 1, 10), stratify=True)
    s = train_val_test_split(X, np.arange(10) % 2, stratify=np.True_)
    assert len(s.y_train) == 6


def test_an_empty_validation_part_stays_empty_through_standardize():
    s = train_val_test_split(np.arange(20.0).reshape(10, 2), np.zeros(10), val_fraction=0.0)
    scaled, _ = standardize(s)
    assert scaled.X_val.shape == (0, 2) and scaled.y_val.shape == (0,)
    assert scaled.X_test.shape == (2, 2)


# ---------------------------------------------------------------- Standardizer at the edges
def test_standardizer_is_right_where_plain_mean_and_std_overflow_or_underflow():
    # [1, -1, 1] * 1e308: the sum overflows, yet mean = 1e308 / 3 and std = 1e308 * sqrt(8) / 3
    big = Standardizer.fit([[1e308], [-1e308], [1e308]])
    assert big.mean[0] == pytest.approx(1e308 / 3, rel=1e-14)
    assert big.std[0] == pytest.approx(np.sqrt(8) / 3 * 1e308, rel=1e-14)
    np.testing.assert_allclose(big.transform([[1e308], [-1e308]])[:, 0], [1 / np.sqrt(2), -np.sqrt(2)], rtol=1e-14)
    # [1, -1] * 1e-300: the squares underflow to 0 (the plain std says "constant"), yet std = 1e-300
    tiny = Standardizer.fit([[1e-300], [-1e-300]])
    assert tiny.std[0] == pytest.approx(1e-300, rel=1e-14) and tiny.mean[0] == 0.0
    assert tiny.transform([[1e-300], [-2e-300]]).tolist() == [[1.0], [-2.0]]
    with pytest.raises(ValueError, match="^X is too far from the training data"):
        tiny.transform([[1e10]])                           # 1e310 standard deviations away
    # a truly constant column stays "std 1, centred", a normal one keeps numpy's values exactly
    X = np.array([[3.0, 0.1], [3.0, 0.7], [3.0, 0.4]])
    s = Standardizer.fit(X)
    assert s.std[0] == 1.0 and s.mean[0] == 3.0
    assert s.mean[1] == X[:, 1].mean() and s.std[1] == X[:, 1].std()
    subnormal = Standardizer.fit([[5e-324], [0.0]])
    assert np.all(np.isfinite(subnormal.transform([[5e-324], [0.0]])))


@pytest.mark.parametrize("call, message", [
    (lambda: Standardizer(np.zeros(2), np.ones(3)), "^mean and std must have one value per feature"),
    (lambda: Standardizer(np.zeros(2), np.array([1.0, 0.0])), "^std must be > 0"),
    (lambda: Standardizer(None, np.ones(2)), "^mean must be numeric"),
    (lambda: Standardizer(np.zeros(1), [np.nan]), "^std must contain only finite"),
    (lambda: Standardizer.fit(np.zeros(3)), "^X_train must have 2 dimension"),
    (lambda: Standardizer.fit([[None]]), "^X_train must be numeric"),
    (lambda: Standardizer(np.zeros(2), np.ones(2)).transform(np.zeros((1, 3))), "^X must have 2 features"),
    (lambda: Standardizer(np.zeros(2), np.ones(2)).transform(np.zeros(2)), "^X must have 2 dimension"),
    (lambda: Standardizer(np.zeros(2), np.ones(2)).transform([["a", "b"]]), "^X must be numeric"),
    (lambda: standardize((np.zeros((2, 2)),) * 6), "^split must be a Split"),
    (lambda: standardize(None), "^split must be a Split"),
])
def test_standardizer_checks_its_arguments(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


# ---------------------------------------------------------------- the dataclasses validate
@pytest.mark.parametrize("kwargs, message", [
    (dict(X=np.zeros(3)), "^X must have 2 dimension"),
    (dict(y=np.zeros(4)), "^X and y must have the same number of samples"),
    (dict(y=[np.nan, 0.0, 1.0]), "^y must contain only finite values"),
    (dict(feature_names=("a",)), "^feature_names must be 2 strings"),
    (dict(feature_names="ab"), "^feature_names must be 2 strings"),
    (dict(feature_names=("a", 2)), "^feature_names must be 2 strings"),
    (dict(target_name=None), "^target_name must be a str"),
])
def test_dataset_checks_its_fields(kwargs, message):
    fields = dict(X=np.zeros((3, 2)), y=np.array([0, 1, 1]), feature_names=("a", "b"), target_name="t")
    with pytest.raises((TypeError, ValueError), match=message):
        data.Dataset(**{**fields, **kwargs})
    assert data.Dataset(**fields).n_classes == 2


@pytest.mark.parametrize("kwargs, message", [
    (dict(X_train=np.zeros((0, 2)), y_train=np.zeros(0)), "^X_train must not be empty"),
    (dict(X_val=np.zeros((1, 3))), "^X_val and y_val must have the same number|^X_val must have 2 features"),
    (dict(X_test=np.zeros((1, 3)), y_test=np.zeros(1)), "^X_test must have 2 features like X_train"),
    (dict(y_val=np.zeros(2)), "^X_val and y_val must have the same number of samples"),
    (dict(y_test=None), "^y_test must be numeric"),
    (dict(y_train=[np.inf, 0.0]), "^y_train must contain only finite"),
])
def test_split_checks_its_fields(kwargs, message):
    fields = dict(X_train=np.zeros((2, 2)), y_train=np.zeros(2), X_val=np.zeros((1, 2)),
                  y_val=np.zeros(1), X_test=np.zeros((0, 2)), y_test=np.zeros(0))
    with pytest.raises((TypeError, ValueError), match=message):
        data.Split(**{**fields, **kwargs})
    assert data.Split(**fields).X_test.shape == (0, 2)


# ---------------------------------------------------------------- loaders
def test_loaders_return_fresh_arrays_on_every_call():
    # a caching loader must not hand out the same arrays: a notebook that scales X in place
    # would change every later load
    a = load_digits()
    a.X[:] = -1.0
    b = load_digits()
    assert b.X.min() == 0 and b.X.max() == 16
    assert b.X.dtype == np.float64 and b.y.dtype == np.int64
    assert load_diabetes().y.dtype == np.float64


def test_mnist_loader_checks_its_path(tmp_path):
    for bad in (1, 1.5, True, object(), ["a"]):
        with pytest.raises(TypeError, match="^path must be a file path"):
            load_mnist_if_cached(bad)
    (tmp_path / "notes.npz").write_text("not an archive")
    with pytest.raises(ValueError, match="^path .*notes.npz.* is not a Keras mnist.npz archive"):
        load_mnist_if_cached(tmp_path / "notes.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(2))
    with pytest.raises(ValueError, match="is not a Keras mnist.npz archive with arrays x_train"):
        load_mnist_if_cached(str(tmp_path / "other.npz"))
    with pytest.raises(FileNotFoundError, match="^no MNIST cache at path"):
        load_mnist_if_cached(tmp_path)                                # a directory is no file


# ---------------------------------------------------------------- what mutation testing found untested
def _message(call):
    with pytest.raises((TypeError, ValueError, OSError)) as info:
        call()
    return str(info.value)


def test_loaders_name_targets_and_keep_label_dtypes():
    assert load_diabetes().target_name == "progression" and load_diabetes().feature_names[-1] == "s6"
    cancer, digits = load_breast_cancer(), load_digits()
    assert cancer.y.dtype == np.int64 and digits.y.dtype == np.int64
    assert len(cancer.feature_names) == 30 and len(digits.feature_names) == 64
    assert cancer.target_name != cancer.feature_names[-1] and digits.target_name != digits.feature_names[-1]


def test_mnist_default_path_is_the_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        load_mnist_if_cached()
    want = tmp_path / ".keras" / "datasets" / "mnist.npz"
    assert str(info.value) == (f"no MNIST cache at path {str(want)!r}; this course never downloads data. "
                               "Use course_lib.data.load_digits() (the offline stand-in).")
    want.parent.mkdir(parents=True)
    np.savez(want, x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.zeros(3), x_test=np.zeros((1, 28, 28)),
             y_test=np.zeros(1))
    assert [a.shape[0] for a in load_mnist_if_cached()] == [3, 3, 1, 1]
    assert load_mnist_if_cached(None)[0].shape == (3, 28, 28)


def test_mnist_messages_in_full(tmp_path):
    assert _message(lambda: load_mnist_if_cached(3)) == "path must be a file path (str or os.PathLike) or None, got 3"
    np.savez(tmp_path / "other.npz", x=np.zeros(2))
    text = _message(lambda: load_mnist_if_cached(tmp_path / "other.npz"))
    assert text.startswith(f"path {str(tmp_path / 'other.npz')!r} is not a Keras mnist.npz archive with arrays "
                           "x_train, y_train, x_test, y_test (KeyError: ")
    assert text.endswith(")") and len(text) < 300


@pytest.mark.parametrize("kwargs, text", [
    (dict(X=np.zeros(10)), "X must have 2 dimension(s), got shape (10,)"),
    (dict(y=np.zeros((10, 1))), "y must have 1 dimension(s), got shape (10, 1)"),
    (dict(val_fraction=1.0), "val_fraction must be a finite number >= 0 and < 1, got 1.0"),
    (dict(val_fraction=-0.1), "val_fraction must be a finite number >= 0 and < 1, got -0.1"),
    (dict(test_fraction=1.5), "test_fraction must be a finite number >= 0 and < 1, got 1.5"),
    (dict(test_fraction=-0.1), "test_fraction must be a finite number >= 0 and < 1, got -0.1"),
    (dict(val_fraction=0.5, test_fraction=0.5), "val_fraction + test_fraction must be < 1, got 1.0"),
    (dict(val_fraction=0.75, test_fraction=0.5), "val_fraction + test_fraction must be < 1, got 1.25"),
    (dict(seed=-1), "seed must be an integer >= 0, got -1"),
    (dict(y=np.linspace(0, 1, 10), stratify=True), "y must hold integer class labels when stratify=True "
                                                   "(stratifying continuous targets would make one group per value)"),
])
def test_split_messages_in_full(kwargs, text):
    args = {"X": np.zeros((10, 2)), "y": np.zeros(10), **kwargs}
    assert _message(lambda: train_val_test_split(**args)) == text


def test_split_empty_training_part_message_and_defaults():
    text = _message(lambda: train_val_test_split(np.zeros((2, 1)), np.zeros(2), val_fraction=0.5, test_fraction=0.45))
    assert text == "the training part is empty with 2 samples; lower val_fraction or test_fraction"
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20)
    default, seed0 = train_val_test_split(X, y), train_val_test_split(X, y, seed=0, val_fraction=0.2,
                                                                      test_fraction=0.2, stratify=False)
    assert np.array_equal(default.y_val, seed0.y_val) and np.array_equal(default.y_test, seed0.y_test)
    assert len(default.y_val) == len(default.y_test) == 4
    assert default.y_train.dtype == np.float64                      # labels become ints only when stratified
    assert train_val_test_split(X, y, stratify=True).y_train.dtype == np.int64


def test_standardizer_fit_per_column_where_it_must_rescale():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")                              # no overflow warning leaks out
        s = Standardizer.fit([[3e-300, 1e300], [1e-300, -3e300]])   # underflow in one, overflow in the other
        with pytest.raises(ValueError, match="^X is too far from the training data"):
            Standardizer.fit([[1e-300], [-1e-300]]).transform([[1e10]])
    np.testing.assert_allclose(s.mean, [2e-300, -1e300], rtol=1e-14)
    np.testing.assert_allclose(s.std, [1e-300, 2e300], rtol=1e-14)
    mixed = Standardizer.fit([[0.0, 0.0], [0.0, 1.0]])             # a constant zero column beside a normal one
    assert mixed.mean.tolist() == [0.0, 0.5] and mixed.std.tolist() == [1.0, 0.5]


def test_records_convert_and_check_their_fields():
    d = data.Dataset([[1.0, 2.0]], [1], ["a", "b"], "t")
    assert isinstance(d.X, np.ndarray) and isinstance(d.y, np.ndarray) and d.feature_names == ("a", "b")
    s = Standardizer([1.0], [2.0])
    assert isinstance(s.mean, np.ndarray) and isinstance(s.std, np.ndarray)
    for call, text in [
        (lambda: data.Dataset(np.zeros((1, 2)), [[1]], ("a", "b"), "t"), "y must have 1 dimension(s), got shape (1, 1)"),
        (lambda: data.Dataset(np.zeros((1, 2)), [1], 5, "t"), "feature_names must be 2 strings (one per column of X), got 5"),
        (lambda: data.Dataset(np.zeros((1, 2)), [1], ("a", "b"), 5), "target_name must be a str, got 5"),
        (lambda: Standardizer([[1.0]], [1.0]), "mean must have 1 dimension(s), got shape (1, 1)"),
        (lambda: Standardizer([1.0], [[1.0]]), "std must have 1 dimension(s), got shape (1, 1)"),
        (lambda: Standardizer([1.0, 1.0], [1.0, 0.0]), "std must be > 0 for every feature, got [1.0, 0.0]"),
        (lambda: standardize(3), "split must be a Split (from train_val_test_split), got int"),
        (lambda: data.Split(np.zeros(2), np.zeros(2), np.zeros((0, 2)), np.zeros(0), np.zeros((0, 2)), np.zeros(0)),
         "X_train must have 2 dimension(s), got shape (2,)"),
        (lambda: data.Split(np.zeros((2, 1)), np.zeros((2, 1)), np.zeros((0, 1)), np.zeros(0), np.zeros((0, 1)),
                            np.zeros(0)), "y_train must have 1 dimension(s), got shape (2, 1)"),
    ]:
        assert _message(call) == text
