"""The shipped datasets: checksums, loading, splits and standardization."""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from course_lib import data
from course_lib.data import (DataFileError, Standardizer, load_breast_cancer, load_diabetes,
                             load_digits, load_mnist_if_cached, standardize, train_val_test_split)

ROOT = Path(__file__).resolve().parents[1]


def test_recorded_checksums_match_files_and_data_readme():
    readme = (ROOT / "data" / "README.md").read_text()
    for name, (digest, _, _) in data.FILES.items():
        assert hashlib.sha256((ROOT / "data" / name).read_bytes()).hexdigest() == digest
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
        shutil.copy(ROOT / "data" / name, tmp_path / name)
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
