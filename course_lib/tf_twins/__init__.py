"""TensorFlow twins of the numpy algorithms of ``course_lib`` (importing this imports TensorFlow).

Each module mirrors the numpy module of the same name; the tests prove that each twin
computes the same numbers as its numpy original, to a stated tolerance.
"""
from __future__ import annotations

import os

# Must be set before TensorFlow is first imported to keep its start-up logs quiet.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from course_lib._checks import check_int  # noqa: E402


def make_deterministic(seed: int, *, threads: int = 1) -> None:
    """Seed Python, numpy's legacy global generator, TensorFlow and Keras; pin the thread pools.

    Call it at the top of a notebook or test that trains with TensorFlow. Bit-for-bit
    repeatability holds for the same machine and thread count (TensorFlow promises no more);
    threads can only be pinned before TensorFlow runs its first operation, later calls keep
    the earlier setting.
    """
    seed = check_int("seed", seed, low=0, high=2**32 - 1)   # numpy's legacy seeding accepts no more
    threads = check_int("threads", threads, low=1, high=1024)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already initialised its runtime
        pass
