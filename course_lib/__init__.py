"""course_lib: the helper library of the course on evaluating and tuning deep-learning models.

Every algorithm is written from scratch in numpy, one module per concept, and has a
TensorFlow twin in :mod:`course_lib.tf_twins` that the tests prove equal.

Importing ``course_lib`` is cheap: it does not import TensorFlow (only ``course_lib.tf_twins``
does), does not seed anything and does not change matplotlib's settings. Import what you use:

>>> from course_lib.data import load_digits
"""
__version__ = "0.1.0"
