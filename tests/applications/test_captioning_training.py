import keras
import numpy as np
import pytest

from keras_memory.applications.captioning.model import ShowAttendTell
from keras_memory.applications.captioning.training import CaptionTrainer
from keras_memory.ops.attention_regularizers import doubly_stochastic_penalty

RNG = np.random.default_rng(0)
X = {
    "images": RNG.uniform(size=(3, 16, 16, 3)).astype("float32"),
    "decoder_input_ids": np.array([[1, 5, 6, 7], [1, 8, 0, 0], [1, 9, 10, 0]], "int32"),
}
Y = np.array([[5, 6, 7, 2], [8, 2, 0, 0], [9, 10, 2, 0]], "int32")


def _trainer(attention="soft", jit_compile=False, **kwargs):
    keras.utils.set_random_seed(1)
    captioner = ShowAttendTell(
        12,
        image_shape=(16, 16, 3),
        embedding_dim=8,
        decoder_units=8,
        attention_units=8,
        attention=attention,
        seed=0,
    )
    trainer = CaptionTrainer(captioner, **kwargs)
    trainer.compile(keras.optimizers.SGD(0.1), jit_compile=jit_compile)
    return trainer


def test_loss_is_cross_entropy_plus_the_penalty():
    trainer = _trainer(doubly_stochastic=1.0)
    outputs = trainer(X)
    loss = float(trainer.compute_loss(X, Y, outputs, training=False))
    logits = keras.ops.convert_to_numpy(outputs["logits"]).astype("float64")
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_softmax, Y[..., None], -1)[..., 0]
    mask = Y != 0
    cross_entropy = -(picked * mask).sum() / mask.sum()
    penalty = keras.ops.convert_to_numpy(
        doubly_stochastic_penalty(outputs["alignments"], mask)
    ).mean()
    np.testing.assert_allclose(loss, cross_entropy + penalty, rtol=1e-5)


def test_jit_step_equals_eager_step_with_a_partial_batch():
    eager = _trainer(jit_compile=False)
    compiled = _trainer(jit_compile=True)
    compiled.set_weights(eager.get_weights())
    eager.fit(X, Y, batch_size=2, epochs=1, verbose=0, shuffle=False)
    compiled.fit(X, Y, batch_size=2, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(eager.get_weights(), compiled.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_hard_attention_trains_under_jit_and_moves_the_baseline():
    trainer = _trainer("hard", jit_compile=True)
    before = [w.copy() for w in trainer.captioner.get_layer("decoder").attention.get_weights()]
    history = trainer.fit(X, Y, batch_size=2, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert float(trainer.baseline.numpy()) < 0.0  # the mean log-likelihood so far
    after = trainer.captioner.get_layer("decoder").attention.get_weights()
    assert any(np.abs(a - b).max() > 0 for a, b in zip(before, after))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(doubly_stochastic=-1.0), "`doubly_stochastic`"),
        (dict(reinforce_weight=float("nan")), "`reinforce_weight`"),
        (dict(entropy_weight=-0.1), "`entropy_weight`"),
        (dict(baseline_decay=1.0), "`baseline_decay`"),
    ],
)
def test_bad_arguments(kwargs, match):
    captioner = ShowAttendTell(
        12, image_shape=(16, 16, 3), embedding_dim=8, decoder_units=8, attention_units=8
    )
    with pytest.raises(ValueError, match=f"Received an invalid value for argument {match}"):
        CaptionTrainer(captioner, **kwargs)


# The moving-average baseline `b <- d b + (1 - d) mean_n log p(y_n | s_n, a)`
# after one `fit` step (learning rate 0, so the weights stay), against the
# reward of the same draws: the hard read's seed state is put back and the
# captioner called again in training mode. Run on TensorFlow here and on JAX
# in a fresh process (Keras's JAX trainer updates a variable assigned in
# `compute_loss` only through its stateless scope).
_BASELINE_SCRIPT = """
import json, keras, numpy as np
from keras_memory.applications.captioning.model import ShowAttendTell
from keras_memory.applications.captioning.training import CaptionTrainer

rng = np.random.default_rng(0)
x = {"images": rng.uniform(size=(3, 16, 16, 3)).astype("float32"),
     "decoder_input_ids": np.array([[1, 5, 6, 7], [1, 8, 0, 0], [1, 9, 10, 0]], "int32")}
y = np.array([[5, 6, 7, 2], [8, 2, 0, 0], [9, 10, 2, 0]], "int32")
keras.utils.set_random_seed(1)
captioner = ShowAttendTell(12, image_shape=(16, 16, 3), embedding_dim=8, decoder_units=8,
                           attention_units=8, attention="hard", seed=0)
trainer = CaptionTrainer(captioner, baseline_decay=0.75)
trainer.compile(keras.optimizers.SGD(0.0), jit_compile=True)
generator = captioner.get_layer("decoder").seed_generator
baselines, expected = [], []
for step in range(2):
    state = keras.ops.convert_to_numpy(generator.state)
    before = float(keras.ops.convert_to_numpy(trainer.baseline))
    trainer.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    baselines.append(float(keras.ops.convert_to_numpy(trainer.baseline)))
    generator.state.assign(state)
    logits = keras.ops.convert_to_numpy(trainer(x, training=True)["logits"]).astype("float64")
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_softmax, y[..., None], -1)[..., 0]
    reward = (picked * (y != 0)).sum(-1)
    expected.append(0.75 * before + 0.25 * reward.mean())
print(json.dumps({"backend": keras.backend.backend(), "baselines": baselines,
                  "expected": expected}))
"""


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_moving_average_baseline_follows_the_rewards_on_both_backends(backend, capsys):
    import json
    import os
    import subprocess
    import sys

    if backend == keras.backend.backend():  # this process's backend: here
        exec(compile(_BASELINE_SCRIPT, "baseline_script", "exec"), {})
        output = capsys.readouterr().out
    else:
        env = dict(
            os.environ, KERAS_BACKEND=backend, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3"
        )
        result = subprocess.run(
            [sys.executable, "-c", _BASELINE_SCRIPT], env=env, capture_output=True, text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        output = result.stdout
    record = json.loads(output.strip().splitlines()[-1])
    assert record["backend"] == backend
    assert record["baselines"][0] < 0.0  # a mean log-likelihood
    assert record["baselines"][1] != record["baselines"][0]
    np.testing.assert_allclose(record["baselines"], record["expected"], rtol=1e-5)
