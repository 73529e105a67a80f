"""GlimpseClassifier: the hybrid loss against NumPy, its gradients, fit with and
without XLA (a partial last batch), saving, JAX, bad arguments."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from testing_utils import assert_invalid_argument
from testing_utils import to_numpy

from keras_memory.applications.glimpse import PAPER_SETUPS
from keras_memory.applications.glimpse import GlimpseClassifier
from keras_memory.applications.glimpse import hybrid_loss
from keras_memory.applications.glimpse import paper_classifier

TINY = dict(
    image_shape=(20, 20, 1),
    num_classes=3,
    num_glimpses=3,
    patch_size=4,
    glimpse_units=6,
    location_units=5,
    glimpse_output_units=7,
    core_units=8,
    seed=4,
)


def _data(n=7, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 20, 20, 1)).astype("float32"), rng.integers(0, 3, n)


def _np_hybrid(labels, logits, log_probs, baselines, reinforce_weight=1.0, baseline_weight=1.0):
    shifted = logits - logits.max(-1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    cross_entropy = -log_softmax[np.arange(len(labels)), labels]
    reward = (logits.argmax(-1) == labels).astype("float64")[:, None]
    reinforce = -(log_probs * (reward - baselines)).sum(-1)
    return (
        cross_entropy
        + reinforce_weight * reinforce
        + baseline_weight * ((reward - baselines) ** 2).sum(-1)
    )


def test_hybrid_loss_matches_numpy():
    rng = np.random.default_rng(0)
    labels = np.array([0, 1, 2, 1])
    logits = rng.normal(size=(4, 3)).astype("float32")
    logits[0, 0] = logits[1, 1] = 5.0  # two correct answers, R = 1
    outputs = {
        "logits": logits,
        "log_probs": rng.normal(size=(4, 3)).astype("float32"),
        "baselines": rng.random((4, 3)).astype("float32"),
    }
    actual = to_numpy(hybrid_loss(labels, outputs, 0.5, 2.0))
    expected = _np_hybrid(labels, logits, outputs["log_probs"], outputs["baselines"], 0.5, 2.0)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


def test_reinforce_holds_reward_and_baseline_constant():
    logits = tf.constant([[2.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    log_probs = tf.Variable([[0.0, 1.0, -2.0], [0.0, 0.5, 0.5]])
    baselines = tf.Variable([[0.2, 0.4, 0.6], [0.1, 0.1, 0.1]])
    labels = np.array([0, 1])  # the first is right (R = 1), the second wrong
    with tf.GradientTape(persistent=True) as tape:
        outputs = {"logits": logits, "log_probs": log_probs, "baselines": baselines}
        total = tf.reduce_sum(hybrid_loss(labels, outputs, baseline_weight=0.0))
        baseline_only = tf.reduce_sum(hybrid_loss(labels, outputs, reinforce_weight=0.0))
    reward = np.array([[1.0], [0.0]])
    # d/d log pi = -(R - b); nothing reaches the baseline through REINFORCE.
    np.testing.assert_allclose(tape.gradient(total, log_probs), -(reward - baselines.numpy()))
    np.testing.assert_array_equal(tape.gradient(total, baselines), np.zeros((2, 3)))
    np.testing.assert_allclose(
        tape.gradient(baseline_only, baselines), -2 * (reward - baselines.numpy()), rtol=1e-6
    )


@pytest.fixture(scope="module")
def trained():
    """Weights before and after one epoch of fit, without and with XLA."""
    x, y = _data()
    results = {}
    for jit_compile in (False, True):
        model = GlimpseClassifier(**TINY)
        if jit_compile:
            model.set_weights(results[False]["initial"])
        initial = model.get_weights()
        model.compile(
            optimizer=keras.optimizers.SGD(0.1), metrics=["accuracy"], jit_compile=jit_compile
        )
        # 7 examples in batches of 4: the last batch has 3.
        history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        results[jit_compile] = {
            "initial": initial,
            "weights": model.get_weights(),
            "history": history.history,
            "model": model,
        }
    return results


def test_jit_compiled_fit_equals_uncompiled(trained):
    for without, with_xla in zip(trained[False]["weights"], trained[True]["weights"]):
        np.testing.assert_allclose(with_xla, without, atol=1e-5)
    assert set(trained[True]["history"]) == {"loss", "accuracy"}
    np.testing.assert_allclose(
        trained[True]["history"]["loss"], trained[False]["history"]["loss"], rtol=1e-5
    )


def test_fit_moves_every_network(trained):
    model = trained[False]["model"]
    before = dict(zip([w.path for w in model.weights], trained[False]["initial"]))
    moved = {
        w.path.split("/")[1]
        for w in model.trainable_weights
        if not np.array_equal(before[w.path], w.numpy())
    }
    assert {
        "glimpse_network",
        "core",
        "location_network",
        "baseline_network",
        "action_network",
    } <= moved


def test_loss_is_the_batch_mean_of_the_hybrid_loss():
    x, y = _data(5, seed=1)
    model = GlimpseClassifier(**TINY)
    outputs = model(x, training=False)
    expected = _np_hybrid(
        y,
        *(
            np.asarray(to_numpy(outputs[k]), "float64")
            for k in ("logits", "log_probs", "baselines")
        ),
    )
    actual = to_numpy(model.compute_loss(y=y, y_pred=outputs, training=False))
    np.testing.assert_allclose(actual, expected.mean(), rtol=1e-5)
    weights = np.array([1.0, 0.0, 2.0, 0.0, 1.0])
    weighted = to_numpy(model.compute_loss(y=y, y_pred=outputs, sample_weight=weights))
    np.testing.assert_allclose(weighted, (expected * weights).sum() / weights.sum(), rtol=1e-5)


def test_save_and_load(trained, tmp_path):
    model = trained[True]["model"]
    x, _ = _data(3, seed=2)
    path = tmp_path / "glimpse.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is GlimpseClassifier and loaded.get_config() == model.get_config()
    for key in ("logits", "locations"):
        np.testing.assert_array_equal(
            loaded.predict(x, verbose=0)[key], model.predict(x, verbose=0)[key]
        )


def test_lstm_core_and_paper_setups():
    model = GlimpseClassifier(**{**TINY, "core": "lstm"})
    assert isinstance(model.attention.core_cell, keras.layers.LSTMCell)
    assert PAPER_SETUPS["cluttered_60x60"]["num_scales"] == 3
    paper = paper_classifier(
        "cluttered_60x60", glimpse_units=4, location_units=4, glimpse_output_units=4, core_units=4
    )
    attention = paper.attention
    assert paper.input.shape[1:] == (60, 60, 1)
    assert (attention.num_glimpses, attention.glimpse_network.patch_size) == (8, 12)
    outputs = paper.predict(np.zeros((2, 60, 60, 1), "float32"), verbose=0)
    assert outputs["locations"].shape == (2, 8, 2)


@pytest.mark.parametrize(
    "name, value",
    [
        ("image_shape", (28, 28)),
        ("image_shape", (28, 0, 1)),
        ("core", "gru"),
        ("reinforce_weight", -1.0),
        ("baseline_weight", float("nan")),
        ("num_glimpses", 0),
    ],
)
def test_bad_arguments(name, value):
    assert_invalid_argument(GlimpseClassifier, name, None, **{**TINY, name: value})


def test_bad_setup():
    assert_invalid_argument(paper_classifier, "setup", "svhn", "svhn")


_JAX_SCRIPT = """
import numpy as np, keras
from keras_memory.applications.glimpse import GlimpseClassifier, error_rate
assert keras.backend.backend() == "jax"
model = GlimpseClassifier(image_shape=(20, 20, 1), num_classes=3, num_glimpses=2,
                          patch_size=4, glimpse_units=4, location_units=4,
                          glimpse_output_units=4, core_units=4, seed=0)
model.compile(optimizer="adam", metrics=["accuracy"], jit_compile=True)
x = np.random.default_rng(0).random((10, 20, 20, 1)).astype("float32")
y = np.arange(10) % 3
before = [w.copy() for w in model.get_weights()]
loss = model.fit(x, y, batch_size=4, epochs=1, verbose=0).history["loss"][0]
moved = sum(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
print(loss, moved, error_rate(model, x, y), error_rate(model, x, y, monte_carlo_samples=3))
"""


def test_trains_and_evaluates_on_jax():
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", _JAX_SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loss, moved, deterministic, monte_carlo = result.stdout.split()[-4:]
    assert np.isfinite(float(loss))
    assert int(moved) >= 12  # the networks' weights (a bias with no gradient may stay)
    assert 0 <= float(deterministic) <= 100 and 0 <= float(monte_carlo) <= 100
