"""GaussianLocationPolicy: the gradient reaches the mean through log pi, never
through the sample (kevinzakka/recurrent-visual-attention #29, #12)."""

import glimpse_references
import keras
import numpy as np
import pytest
import tensorflow as tf
from testing_utils import assert_invalid_argument
from testing_utils import to_numpy

from keras_memory.layers.gaussian_location_policy import GaussianLocationPolicy
from keras_memory.layers.gaussian_location_policy import normal_log_prob
from keras_memory.layers.gaussian_location_policy import standard_normal


def _hidden(batch=4, features=6, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, features)).astype("float32")


def test_gradient_reaches_the_mean_through_log_pi_but_not_through_the_sample():
    policy = GaussianLocationPolicy(std=0.1, seed=0)
    hidden = tf.constant(_hidden())
    policy(hidden)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(hidden)
        mu = tf.tanh(policy.mean(hidden))
        locations, log_probs = policy(hidden, sample=True)
    d_log_pi = tape.gradient(log_probs, policy.mean.kernel)
    d_location = tape.gradient(locations, policy.mean.kernel)
    d_location_d_mu = tape.gradient(locations, mu)
    assert d_log_pi is not None and np.abs(d_log_pi.numpy()).max() > 1e-3
    assert d_location is None  # the sample is stopped
    assert d_location_d_mu is None
    # d log pi / d mu = (l - mu) / sigma^2, exactly.
    with tf.GradientTape() as tape:
        mean = tf.constant(np.zeros((3, 2), "float32"))
        tape.watch(mean)
        values = tf.constant([[0.1, -0.2], [0.0, 0.3], [0.05, 0.05]])
        log_prob = tf.reduce_sum(normal_log_prob(values, mean, 0.1))
    np.testing.assert_allclose(tape.gradient(log_prob, mean).numpy(), values.numpy() / 0.01, 1e-5)


def test_log_prob_matches_the_numpy_and_tfp_normal():
    tfp = pytest.importorskip("tensorflow_probability")  # a named dependency
    rng = np.random.default_rng(0)
    value, mean = rng.normal(size=(2, 5, 2)).astype("float32")
    actual = to_numpy(normal_log_prob(value, mean, 0.17))
    np.testing.assert_allclose(
        actual, glimpse_references.normal_log_prob(value, mean, 0.17), rtol=1e-5
    )
    expected = tfp.distributions.Normal(mean, np.float32(0.17)).log_prob(value).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


def test_deterministic_mode_returns_the_mean():
    policy = GaussianLocationPolicy(std=0.2)
    hidden = _hidden()
    locations, log_probs = to_numpy(policy(hidden))
    expected = glimpse_references.policy_mean(policy, hidden)
    np.testing.assert_allclose(locations, expected, atol=1e-6)
    np.testing.assert_allclose(log_probs, 2 * glimpse_references.normal_log_prob(0, 0, 0.2), 1e-6)
    # training=True samples; sample=False overrides it.
    sampled, _ = to_numpy(policy(hidden, training=True))
    assert not np.allclose(sampled, expected)
    np.testing.assert_allclose(to_numpy(policy(hidden, training=True, sample=False)[0]), expected)


def test_samples_have_the_policy_mean_and_std_and_their_log_prob():
    policy = GaussianLocationPolicy(std=0.05, bias_initializer="zeros", seed=3)
    hidden = np.zeros((20000, 3), "float32")  # mu = tanh(0) = 0
    locations, log_probs = to_numpy(policy(hidden, sample=True))
    np.testing.assert_allclose(locations.mean(0), [0, 0], atol=2e-3)
    np.testing.assert_allclose(locations.std(0), [0.05, 0.05], rtol=3e-2)
    expected = glimpse_references.normal_log_prob(locations, 0.0, 0.05).sum(-1)
    np.testing.assert_allclose(log_probs, expected, rtol=1e-4, atol=1e-4)


def test_samples_are_clipped_but_log_prob_is_of_the_draw():
    policy = GaussianLocationPolicy(std=1.0, bias_initializer="ones", seed=1)
    hidden = np.zeros((4000, 2), "float32")  # mu = tanh(1)
    locations, log_probs = to_numpy(policy(hidden, sample=True))
    assert locations.max() == 1.0 and locations.min() == -1.0
    # Where nothing was clipped the log-density is that of the location.
    kept = (np.abs(locations) < 1).all(-1)
    expected = glimpse_references.normal_log_prob(locations[kept], np.tanh(1.0), 1.0).sum(-1)
    np.testing.assert_allclose(log_probs[kept], expected, rtol=1e-4, atol=1e-4)
    assert (log_probs[~kept] < glimpse_references.normal_log_prob(1.0, np.tanh(1), 1.0)).all()


def test_noise_is_the_same_with_and_without_xla_to_an_ulp():
    def draw(seed_generator):
        return standard_normal((64, 2), seed_generator)

    eager = to_numpy(draw(keras.random.SeedGenerator(5)))
    compiled = tf.function(draw, jit_compile=True)
    xla = to_numpy(compiled(keras.random.SeedGenerator(5)))
    # The integer draws agree bit for bit; XLA's log and cos differ by an ulp.
    np.testing.assert_allclose(eager, xla, rtol=0, atol=1e-6)
    assert abs(eager.mean()) < 0.3 and 0.7 < eager.std() < 1.3


def test_config_round_trip_and_shapes():
    policy = GaussianLocationPolicy(std=0.1, seed=4, name="where")
    config = policy.get_config()
    assert GaussianLocationPolicy.from_config(config).get_config() == config
    assert policy.compute_output_shape((None, 5)) == ((None, 2), (None,))
    locations, log_probs = policy(keras.Input((5,)))
    assert tuple(locations.shape) == (None, 2) and tuple(log_probs.shape) == (None,)
    assert len(policy.trainable_weights) == 2


@pytest.mark.parametrize("name, value", [("std", 0), ("std", -0.1), ("seed", -1)])
def test_bad_arguments(name, value):
    assert_invalid_argument(GaussianLocationPolicy, name, value, **{name: value})


def test_bad_inputs():
    assert_invalid_argument(GaussianLocationPolicy(), "inputs", None, np.zeros((2, 3, 4)))
    assert_invalid_argument(
        GaussianLocationPolicy(), "sample", "yes", np.zeros((2, 3), "float32"), sample="yes"
    )


def test_jit_training_through_log_pi_equals_uncompiled():
    """REINFORCE alone (loss = -log pi(l) * advantage) under fit, with and without XLA."""
    hidden = keras.Input((5,), name="hidden")
    x = np.random.default_rng(0).normal(size=(5, 5)).astype("float32")
    advantage = np.linspace(-1, 1, 5).astype("float32")  # the partial last batch has 1
    trained, initial = {}, None
    for jit_compile in (False, True):
        policy = GaussianLocationPolicy(std=0.1, seed=3, name="policy")
        _, log_probs = policy(hidden, training=True)
        model = keras.Model(hidden, log_probs)
        if initial is None:
            initial = model.get_weights()
        model.set_weights(initial)
        model.compile(
            optimizer=keras.optimizers.SGD(0.01),
            loss=lambda a, log_pi: -log_pi * a,
            jit_compile=jit_compile,
        )
        model.fit(x, advantage, batch_size=4, epochs=1, shuffle=False, verbose=0)
        trained[jit_compile] = model.get_weights()
        assert not np.allclose(trained[jit_compile][0], initial[0])
    for without, with_xla in zip(trained[False], trained[True]):
        np.testing.assert_allclose(with_xla, without, atol=1e-5)
