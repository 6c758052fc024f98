"""Write the three real datasets in data/ from the copies bundled with scikit-learn.

Run once by a maintainer (scikit-learn is a test-time dependency); the course itself only
reads the CSV files. After running it, update the SHA-256 sums in course_lib/data.py and
data/README.md (this script prints them).
"""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
from sklearn import datasets

DATA = Path(__file__).resolve().parents[1] / "data"


def write(name: str, header: list[str], X: np.ndarray, y: np.ndarray, fmt: str) -> None:
    path = DATA / name
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        for row, target in zip(X, y):
            out.writerow([fmt.format(v) for v in row] + [format(target, "g")])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(f"{name}: shape {X.shape} + target, sha256 {digest}")


def main() -> None:
    digits = datasets.load_digits()
    write("digits.csv", [f"pixel_{i}" for i in range(64)] + ["label"],
          digits.data.astype(int), digits.target, "{:d}")
    cancer = datasets.load_breast_cancer()
    # scikit-learn codes malignant as 0; the course makes the minority class (malignant) positive.
    malignant = (cancer.target == 0).astype(int)
    write("breast_cancer.csv", [n.replace(" ", "_") for n in cancer.feature_names] + ["malignant"],
          cancer.data, malignant, "{:.6g}")
    diabetes = datasets.load_diabetes(scaled=False)
    write("diabetes.csv", list(diabetes.feature_names) + ["progression"],
          diabetes.data, diabetes.target.astype(int), "{:.6g}")


if __name__ == "__main__":
    main()
