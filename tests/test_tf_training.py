"""Twin tests of the Keras callbacks in ``course_lib.tf_twins.training`` and of ``train_keras``.

Expected values come from elsewhere than the loop under test: from ``course_lib.training.fit``
in numpy with course_lib's own ``EarlyStopping`` / ``ReduceLROnPlateau`` (float64 on both
sides, so only summation order differs: tolerance 1e-10), from Keras's own ``model.fit`` on
the same net, weights and batch order (float32: tolerance 1e-5 relative), from a ``.keras``
checkpoint reloaded by ``keras.models.load_model``, and from Keras losses evaluated directly
on the net. The shared data are tiny, so that the whole file runs in ~20 s.
"""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from course_lib.early_stopping import EarlyStopping
from course_lib.models import MLP, LogisticRegression
from course_lib.optim import SGD
from course_lib.plateau import ReduceLROnPlateau
from course_lib.regularization import L1L2, L2
from course_lib.training import TrainingDiverged, epoch_order, fit

pytestmark = pytest.mark.tf

keras = pytest.importorskip("keras")
training = pytest.importorskip("course_lib.tf_twins.training")
models_tf = pytest.importorskip("course_lib.tf_twins.models")
regularizer_to_keras = pytest.importorskip("course_lib.tf_twins.regularization").to_keras


def _problem(kind, seed=0, n=40, d=5):
    """Learnable labels with 25% noise: the validation loss falls, then turns up or levels off."""
    rng = np.random.default_rng(seed)
    model = {"mlp": MLP(d, 6, 3), "logistic": LogisticRegression(d)}[kind]
    k = 3 if kind == "mlp" else 2
    W = rng.standard_normal((d, k))
    X, Xv = rng.standard_normal((n, d)), rng.standard_normal((16, d))

    def labels(A):
        clean = np.argmax(A @ W, axis=1)
        return np.where(rng.random(len(A)) < 0.25, rng.integers(0, k, len(A)), clean)
    y, yv = labels(X), labels(Xv)
    if kind == "logistic":
        y, yv = y.astype(float), yv.astype(float)
    return model, X, y, (Xv, yv), model.init_params(rng)


def _random_callbacks(rng, metric_name, keras_metric):
    """One random configuration, as (numpy callbacks, Keras callbacks) built from the same arguments."""
    on_accuracy = rng.random() < 0.3
    es = {"monitor": f"val_{metric_name}" if on_accuracy else "val_loss",
          "patience": int(rng.integers(0, 5)), "min_delta": float(rng.choice([0.0, 1e-3, 1e-2])),
          "restore_best_weights": bool(rng.random() < 0.7),
          "mode": str(rng.choice(["auto", "max" if on_accuracy else "min"])),
          "baseline": None if rng.random() < 0.7 else (0.5 if on_accuracy else 1.2)}
    rop = {"monitor": "val_loss", "factor": float(rng.choice([0.5, 0.25, 0.1])), "patience": int(rng.integers(0, 3)),
           "min_delta": float(rng.choice([0.0, 1e-4, 1e-2])), "cooldown": int(rng.integers(0, 3)),
           "min_lr": float(rng.choice([0.0, 0.03125]))}
    keras_es = dict(es, monitor=es["monitor"].replace(metric_name, keras_metric))
    return ([ReduceLROnPlateau(**rop), EarlyStopping(**es)],
            [keras.callbacks.ReduceLROnPlateau(**rop), keras.callbacks.EarlyStopping(**keras_es)], es, rop)


@pytest.mark.parametrize("kind", ["mlp", "logistic"])
def test_keras_callbacks_in_fit_tf_decide_like_course_lib_callbacks_in_fit(kind):
    # float64 on both sides; the same stop epoch, the same rate at every step (exactly: both round a
    # reduced rate through float32, Keras in its variable, course_lib's ReduceLROnPlateau on purpose),
    # the same restored params within 1e-10.
    rng = np.random.default_rng(10 if kind == "mlp" else 11)
    stopped = reduced = restored = 0
    for config in range(5):
        model, X, y, val, p0 = _problem(kind, seed=config)
        ours, theirs, es, rop = _random_callbacks(rng, model.metric_name, models_tf.keras_metric_name(model))
        h = fit(model, X, y, batch_size=10, epochs=12, optimizer=SGD(), learning_rate=0.5, params=p0,
                rng=np.random.default_rng(config), validation_data=val, callbacks=ours)
        t = training.fit_tf(model, X, y, batch_size=10, epochs=12, optimizer=keras.optimizers.SGD(0.5), params=p0,
                            rng=np.random.default_rng(config), validation_data=val, dtype="float64", callbacks=theirs)
        where = f"config {config}: {es}, {rop}"
        assert (h.n_epochs, h.stopped_early) == (t.n_epochs, t.stopped_early), where
        np.testing.assert_array_equal(h.step_learning_rate, t.step_learning_rate, err_msg=where)
        np.testing.assert_allclose(h.epoch_val_loss, t.epoch_val_loss, rtol=1e-10, err_msg=where)
        np.testing.assert_array_equal(h.epoch_val_metric, t.epoch_val_metric, err_msg=where)
        for key in p0:
            np.testing.assert_allclose(h.params[key], t.params[key], rtol=1e-10, atol=1e-12, err_msg=where)
        stopped += h.stopped_early
        reduced += bool(np.any(h.step_learning_rate < 0.5))
        restored += h.stopped_early and es["restore_best_weights"] and ours[1].best_epoch < h.n_epochs - 1
    assert stopped and reduced and restored, (stopped, reduced, restored)  # every rule was exercised


def _batches(X, y, orders, batch_size):
    """Batches in fit_tf's order, epoch after epoch, for Keras's model.fit (steps_per_epoch given)."""
    for order in orders:
        for start in range(0, len(order), batch_size):
            yield X[order[start:start + batch_size]], y[order[start:start + batch_size]]


@pytest.mark.parametrize("shuffle", [True, False])
def test_ordered_batches_are_the_batches_fit_trains_on(shuffle):
    model, X, y, _, p0 = _problem("mlp", seed=1, n=11)
    h = fit(model, X, y, batch_size=4, epochs=3, optimizer=SGD(), learning_rate=0.1, params=p0, rng=2, shuffle=shuffle)
    got = list(training.ordered_batches(X, y, batch_size=4, epochs=3, rng=2, shuffle=shuffle))
    want = [(X[o[s:s + 4]], y[o[s:s + 4]]) for o in h.batch_order for s in (0, 4, 8)]
    assert len(got) == 9 and [len(b) for b, _ in got[:3]] == [4, 4, 3]
    for (xb, yb), (xw, yw) in zip(got, want, strict=True):
        np.testing.assert_array_equal(xb, xw)
        np.testing.assert_array_equal(yb, yw)
    with pytest.raises(ValueError, match="batch_size"):
        training.ordered_batches(X, y, batch_size=0, epochs=3, rng=2)   # refused at the call, not when iterated


@pytest.mark.parametrize("shuffle, regularizer", [(True, None), (False, None), (True, L2(2**-5)),
                                                   (True, L1L2(2**-7, 2**-6))])
def test_fit_tf_with_callbacks_gives_the_curves_of_keras_model_fit(shuffle, regularizer):
    # float32 on both sides, the same kernels: only Keras's batched validation (batches of 32 vs one)
    # may round differently, hence rtol 1e-5. A regularizer: Keras's kernel_regularizer on both sides,
    # its penalty in every loss (model.fit adds model.losses)
    model, X, y, (Xv, yv), p0 = _problem("mlp", seed=3)

    def callbacks():
        return [keras.callbacks.ReduceLROnPlateau(patience=1, factor=0.5),
                keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)]
    ours = training.fit_tf(model, X, y, batch_size=8, epochs=15, optimizer=keras.optimizers.SGD(0.5), params=p0,
                           rng=np.random.default_rng(4), shuffle=shuffle, validation_data=(Xv, yv),
                           callbacks=callbacks(), regularizer=regularizer)
    rng = np.random.default_rng(4)
    orders = [epoch_order(len(X), rng, shuffle) for _ in range(15)]  # by hand here; ordered_batches is tested above
    net = models_tf.to_keras(model, kernel_regularizer=None if regularizer is None else
                             regularizer_to_keras(regularizer))
    models_tf.set_params(net, model, p0)
    net.compile(optimizer=keras.optimizers.SGD(0.5), loss=models_tf.keras_loss(model),
                metrics=[models_tf.keras_metric_name(model)])
    theirs = net.fit(_batches(X.astype("float32"), y, orders, 8), epochs=15, steps_per_epoch=5, shuffle=False,
                     validation_data=(Xv, yv), verbose=0, callbacks=callbacks())
    assert ours.stopped_early and len(theirs.history["loss"]) == ours.n_epochs < 15
    assert set(theirs.history) == set(ours.history)   # Keras's keys; learning_rate from ReduceLROnPlateau
    for key, curve in theirs.history.items():
        np.testing.assert_allclose(ours.history[key], curve, rtol=1e-5, atol=1e-7, err_msg=key)
    assert min(ours.history["learning_rate"]) < 0.5   # the plateau rule acted
    for key, value in models_tf.get_params(net, model).items():  # both restored the same epoch
        np.testing.assert_allclose(ours.params[key], value, rtol=1e-5, atol=1e-6)


def test_the_best_checkpoint_reloads_to_the_best_validation_loss_and_is_the_restored_epoch(tmp_path):
    # float64: the reloaded model's loss equals the recorded minimum to 1e-12 (the same weights, the
    # same formula; only the file round trip in between, which is exact)
    model, X, y, (Xv, yv), p0 = _problem("mlp", seed=5)
    path = tmp_path / "best.keras"
    h = training.fit_tf(model, X, y, batch_size=8, epochs=15, optimizer=keras.optimizers.SGD(0.5), params=p0, rng=5,
                        validation_data=(Xv, yv), dtype="float64",
                        callbacks=[keras.callbacks.ModelCheckpoint(path, save_best_only=True),
                                   keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)])
    best = int(np.argmin(h.epoch_val_loss))
    assert h.stopped_early and best < h.n_epochs - 1  # the best epoch is not the last one
    loaded = keras.models.load_model(path)
    loss = float(keras.losses.SparseCategoricalCrossentropy(dtype="float64")(yv, loaded(Xv.astype("float64"))))
    assert loss == pytest.approx(h.epoch_val_loss[best], rel=1e-12)
    restored = models_tf.get_params(loaded, model)
    for key, value in restored.items():
        np.testing.assert_array_equal(h.params[key], value)


# ---- train_keras on a small CNN with Dropout ----------------------------------------------------

def _cnn(seed, dropout_seed):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                             keras.layers.Flatten(), keras.layers.Dropout(0.5, seed=dropout_seed),
                             keras.layers.Dense(10)])


def _images(seed=0, n=32):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 8, 8, 1)), rng.integers(0, 10, n)


def test_train_keras_runs_a_cnn_with_dropout_on_in_training_and_off_in_evaluation():
    X, y = _images(n=24)
    Xv, yv = _images(1, 16)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    runs = []
    for dropout_seed in (1, 2):
        net = _cnn(0, dropout_seed)        # the same initial weights, different dropout masks
        start = float(loss(y, net(X.astype("float32"), training=False)))
        h = training.train_keras(net, X, y, loss=loss, optimizer=keras.optimizers.Adam(0.01), batch_size=8,
                                 epochs=2, rng=0, validation_data=(Xv, yv))
        runs.append((start, h))
        # the recorded validation loss is Keras's loss of the net in inference mode, at the end weights
        assert h.epoch_val_loss[-1] == pytest.approx(float(loss(yv, net(Xv.astype("float32"), training=False))),
                                                     rel=1e-6)
        a, b = net(Xv.astype("float32"), training=False), net(Xv.astype("float32"), training=False)
        np.testing.assert_array_equal(a, b)                    # evaluation: no dropout
        assert h.metric_name == "accuracy" and set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy",
                                                                  "learning_rate"}
        assert sorted(h.params) == sorted(v.path for v in net.weights)
    (start1, h1), (start2, h2) = runs
    assert start1 == start2                                     # the same function in evaluation mode...
    assert h1.step_loss[0] != h2.step_loss[0]                   # ...but different losses in training mode
    assert np.all(np.isfinite(h1.epoch_loss)) and h1.epoch_loss[-1] < h1.epoch_loss[0]


def test_train_keras_diverges_with_a_huge_rate_keeping_the_partial_history():
    X, y = _images()
    with pytest.raises(TrainingDiverged) as info:
        training.train_keras(_cnn(0, 1), X * 100, y, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                             optimizer=keras.optimizers.SGD(1e6), batch_size=8, epochs=5, rng=0)
    h = info.value.history
    assert "diverged" in str(info.value) and "learning_rate=1e+06" in str(info.value)
    assert 1 <= h.n_steps <= 20 and h.n_epochs == info.value.epoch and h.n_epochs < 5
    assert np.all(np.isfinite(h.step_loss[:-1]))


def test_train_keras_progress_bar_prints_one_bar_per_epoch(capsys):
    X, y = _images(n=8)
    net = _cnn(0, 1)
    training.train_keras(net, X, y, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                         optimizer=keras.optimizers.SGD(0.01), batch_size=4, epochs=2, rng=0, progress=True)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "loss" in out
    training.train_keras(net, X, y, loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.01),
                         batch_size=4, epochs=1, rng=0, metric=lambda t, p: keras.metrics.sparse_categorical_accuracy(
                             t, p))
    assert capsys.readouterr().out == ""   # silent by default


# ---- callbacks: hooks, stopping, and what is refused ------------------------------------------

class _Recorder(keras.callbacks.Callback):
    def __init__(self, stop_at_batch=None):
        super().__init__()
        self.calls, self.stop_at_batch = [], stop_at_batch

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, dict(logs)))
        if batch == self.stop_at_batch:
            self.model.stop_training = True

    def on_test_end(self, logs=None):
        self.calls.append(("test_end", dict(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, dict(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end", dict(logs)))


def _line_net():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])


X4 = np.array([[0.5, -1.0], [1.0, 0.25], [-0.5, 0.75], [0.0, -0.25]])
Y4 = np.array([0.5, -1.0, 2.0, 0.0])


def test_hooks_run_in_model_fit_order_with_model_fit_logs():
    rec = _Recorder()
    h = training.train_keras(_line_net(), X4, Y4, loss="mse", optimizer=keras.optimizers.SGD(0.1), batch_size=3,
                             epochs=2, rng=0, metric="mae", validation_data=(X4, Y4), callbacks=[rec])
    names = [c[0] for c in rec.calls]
    epoch = ["epoch_begin", "batch_begin", "batch_end", "batch_begin", "batch_end", "test_end", "epoch_end"]
    assert names == ["train_begin"] + 2 * epoch + ["train_end"]
    first_batch = rec.calls[3][2]
    assert first_batch["loss"] == pytest.approx(h.step_loss[0], rel=1e-6)  # a running mean: the first batch
    logs = rec.calls[7][2]
    assert set(logs) == {"loss", "mae", "val_loss", "val_mae"}             # model.fit's keys, no learning_rate
    assert logs["loss"] == pytest.approx(h.epoch_loss[0], rel=1e-7)
    assert logs["val_loss"] == h.epoch_val_loss[0] and logs["val_mae"] == h.epoch_val_metric[0]
    assert rec.calls[-1][1] == rec.calls[-2][2]                            # on_train_end gets the last logs


def test_stop_training_in_a_batch_hook_ends_the_epoch_there():
    rec = _Recorder(stop_at_batch=0)
    h = training.train_keras(_line_net(), X4, Y4, loss="mse", optimizer=keras.optimizers.SGD(0.1), batch_size=1,
                             epochs=3, rng=0, metric="mae", callbacks=[rec])
    assert h.n_steps == 1 and h.n_epochs == 1 and h.stopped_early and h.stopped_epoch == 0
    assert h.epoch_loss[0] == h.step_loss[0]


@pytest.mark.parametrize("bad, words", [
    ("early_stopping", "list or tuple"),
    (keras.callbacks.EarlyStopping(), "list or tuple"),
    ([keras.callbacks.EarlyStopping], "the class EarlyStopping, not an instance"),
    ([EarlyStopping()], "keras.callbacks.EarlyStopping"),
    ([ReduceLROnPlateau()], "course_lib.training.fit"),
    ([keras.callbacks.EarlyStopping(), None], r"callbacks\[1\]"),
])
def test_callbacks_other_than_keras_callback_instances_are_refused_by_name(bad, words):
    for run in (lambda: training.fit_tf(LogisticRegression(2), X4, (Y4 > 0).astype(float), batch_size=2, epochs=1,
                                        optimizer=keras.optimizers.SGD(0.1), params={"W": np.zeros((2, 1)),
                                                                                     "b": np.zeros(1)},
                                        rng=0, callbacks=bad),
                lambda: training.train_keras(_line_net(), X4, Y4, loss="mse", optimizer=keras.optimizers.SGD(0.1),
                                             batch_size=2, epochs=1, rng=0, callbacks=bad)):
        with pytest.raises(TypeError, match="callbacks") as info:
            run()
        assert len(__import__("re").findall(words, str(info.value))) >= 1, str(info.value)
        assert "keras.callbacks.Callback" in str(info.value)


def test_a_scheduled_rate_with_reduce_lr_on_plateau_is_refused_clearly():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)
    with pytest.raises(ValueError, match=r"callbacks\[0\] \(ReduceLROnPlateau\).*schedule"):
        training.train_keras(_line_net(), X4, Y4, loss="mse", optimizer=keras.optimizers.SGD(schedule), batch_size=2,
                             epochs=1, rng=0, callbacks=[keras.callbacks.ReduceLROnPlateau(monitor="loss")])

    class SetsTheRate(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.optimizer.learning_rate = 0.01

    with pytest.raises(ValueError, match="callbacks.*on_epoch_end.*learning rate.*schedule") as info:
        training.train_keras(_line_net(), X4, Y4, loss="mse", optimizer=keras.optimizers.SGD(schedule), batch_size=2,
                             epochs=3, rng=0, callbacks=[SetsTheRate()])
    assert info.value.history.n_epochs == 1


@pytest.mark.parametrize("what", ["weights", "rate"])
def test_a_callback_that_leaves_nan_stops_with_the_partial_history(what):
    class Breaks(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                if what == "weights":
                    self.model.layers[0].kernel.assign(np.full((2, 1), np.nan))
                else:
                    self.model.optimizer.learning_rate = math.inf

    with pytest.raises(TrainingDiverged, match="on_epoch_end left " + ("nan/inf in the weights" if what == "weights"
                                                                       else "the learning rate at inf")) as info:
        training.fit_tf(LogisticRegression(2), X4, (Y4 > 0).astype(float), batch_size=2, epochs=4,
                        optimizer=keras.optimizers.SGD(0.1), params={"W": np.zeros((2, 1)), "b": np.zeros(1)}, rng=0,
                        callbacks=[Breaks()])
    h = info.value.history
    assert h.n_epochs == 2 and h.n_steps == 4 and info.value.epoch == 2


def test_a_scheduler_callback_returning_nan_is_caught_before_the_epoch_runs():
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else math.nan)
    with pytest.raises(TrainingDiverged, match="on_epoch_begin left the learning rate at nan") as info:
        training.train_keras(_line_net(), X4, Y4, loss="mse", optimizer=keras.optimizers.SGD(0.1), batch_size=2,
                             epochs=4, rng=0, metric="mae", callbacks=[scheduler])
    h = info.value.history
    assert h.n_epochs == 2 and h.n_steps == 4 and np.all(np.isfinite(h.step_loss))


def test_fit_tf_still_diverges_with_callbacks_keeping_the_partial_history():
    # loss (w + b)^2 on four equal samples; SGD at 1.5 maps w + b to -5 (w + b): the loss x25 per step,
    # above 1000 x the initial loss at step 3
    from course_lib.models import LinearRegression
    with pytest.raises(TrainingDiverged) as info:
        training.fit_tf(LinearRegression(1), np.ones((4, 1)), np.zeros(4), batch_size=4, epochs=10,
                        optimizer=keras.optimizers.SGD(1.5), params={"W": np.ones((1, 1)), "b": np.zeros(1)},
                        dtype="float64", callbacks=[keras.callbacks.EarlyStopping(monitor="loss", patience=10)],
                        shuffle=False)
    h = info.value.history
    assert info.value.step == 3 and h.n_epochs == 3
    np.testing.assert_allclose(h.step_loss, 25.0 ** np.arange(4), rtol=1e-12)


def test_defaults_mirror_keras_model_fit():
    fit_defaults = inspect.signature(keras.Model.fit).parameters
    for fn in (training.train_keras, training.fit_tf):
        ours = inspect.signature(fn).parameters
        assert ours["shuffle"].default is fit_defaults["shuffle"].default is True
        assert ours["callbacks"].default is fit_defaults["callbacks"].default is None
        assert ours["validation_data"].default is fit_defaults["validation_data"].default is None
    assert inspect.signature(training.fit_tf).parameters["dtype"].default == keras.backend.floatx()
    # ReduceLROnPlateau / EarlyStopping defaults are Keras's own objects: nothing of ours to mirror


def test_train_keras_names_a_mismatch_of_x_loss_or_metric_with_the_net():
    args = dict(optimizer=keras.optimizers.SGD(0.1), batch_size=2, epochs=1, rng=0)
    with pytest.raises(ValueError, match=r"X/net: the net cannot take X of shape \(4, 3\)"):
        training.train_keras(_line_net(), np.ones((4, 3)), Y4, loss="mse", metric="mae", **args)
    with pytest.raises(ValueError, match="loss must be .* got 'no_such_loss'"):
        training.train_keras(_line_net(), X4, Y4, loss="no_such_loss", metric="mae", **args)
    with pytest.raises(ValueError, match="metric must be .* got 'no_such_metric'"):
        training.train_keras(_line_net(), X4, Y4, loss="mse", metric="no_such_metric", **args)
    with pytest.raises(TypeError, match="metric must be"):
        training.train_keras(_line_net(), X4, Y4, loss="mse", metric=keras.metrics.MeanAbsoluteError(), **args)
    with pytest.raises(ValueError, match="validation_data must have the shapes of X"):
        training.train_keras(_line_net(), X4, Y4, loss="mse", metric="mae", validation_data=(np.ones((3, 3)), Y4[:3]),
                             **args)
