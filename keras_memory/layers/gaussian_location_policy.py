"""The location network `f_l` of the Recurrent Attention Model: a Gaussian policy.

The Normal log-density is written in `keras.ops` rather than taken from
`tensorflow_probability` (`tfp.distributions.Normal` on TensorFlow,
`tfp.substrates.jax` on JAX), for three reasons: the density is one line,
the same on every backend (torch included); the draw must not come from a
float random op, because on TensorFlow 2.21 a float draw gives different
numbers with and without XLA for one seed (the noise here is made from
integer draws, see `layers/_utils/random.py`), so a `tfp` distribution would
be used for its `log_prob` only; and importing `tensorflow_probability`
needs the separate `tf-keras` package installed beside Keras 3. The tests
check `normal_log_prob` against `tfp.distributions.Normal.log_prob`.
"""

import math

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import random
from keras_memory.layers._utils.initializers import distinct_initializer

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def normal_log_prob(value, mean, std):
    """`log N(value; mean, std^2)`, elementwise.

    `log pi = -(value - mean)^2 / (2 std^2) - log std - log sqrt(2 pi)`.
    """
    z = (value - mean) / std
    return -0.5 * ops.square(z) - math.log(std) - _LOG_SQRT_2PI


def uniform_from_draws(draws, dtype):
    """Integer draws in `[0, 2^24)` as uniform numbers in the open `(0, 1)`."""
    return (ops.cast(draws, "float32") + 0.5) / float(random.DRAW_RESOLUTION)


def standard_normal(shape, seed, dtype="float32"):
    """`N(0, 1)` noise from integer draws (Box-Muller), equal with and without XLA."""
    u1 = uniform_from_draws(random.integer_draws(shape, seed), dtype)
    u2 = uniform_from_draws(random.integer_draws(shape, seed), dtype)
    eps = ops.sqrt(-2.0 * ops.log(u1)) * ops.cos(2.0 * math.pi * u2)
    return ops.cast(eps, dtype)


@keras.saving.register_keras_serializable(package="keras_memory")
class GaussianLocationPolicy(keras.layers.Layer):
    """Location network: a Gaussian policy `pi(l_t | h_t)` with a fixed std.

    Section 4 of the paper: "The location network outputs the mean of the
    location policy at time `t` and is defined as `f_l(h) = Linear(h)` where
    `h` is the state of the core network [...] the location policy is
    defined by a two-component Gaussian with a fixed variance." As in the
    PyTorch reference, the mean is bounded by `tanh` so that it stays inside
    the image:

    ```
    mu_t = tanh(W_l h_t + b_l)                      (batch, 2), in (-1, 1)
    l_t  = stop_gradient(mu_t + sigma * eps),       eps ~ N(0, I)
    log pi(l_t | h_t) = sum_{i=y,x} log N(l_t,i; mu_t,i, sigma^2)
    ```

    The SAMPLE `l_t` is under `stop_gradient` and the MEAN is not: the
    REINFORCE term `log pi(l_t) (R - b)` then carries its gradient to `mu_t`
    (and through it to `W_l` and the core network), while nothing flows back
    through the location into the glimpse. Users of the PyTorch reference lost
    that gradient (a detached mean) or leaked one through the sample
    (kevinzakka/recurrent-visual-attention #29, #12).

    The returned location is clipped to `[-1, 1]` (the sensor clips anyway);
    the log-probability is that of the unclipped draw, the sample of the
    Gaussian. Without sampling (inference, serving) the location is the mean
    `mu_t`, and its log-probability `log N(mu; mu, sigma^2)`.

    The noise is Box-Muller from integer draws of a
    `keras.random.SeedGenerator`: a `jit_compile=True` step draws the
    numbers an uncompiled one draws.

    Args:
        std: `sigma`, the fixed standard deviation of each coordinate (the
            paper: 0.05 to 0.2 in `[-1, 1]` units). Default: `0.17`.
        kernel_initializer: Initializer of `W_l`. Default: `"glorot_uniform"`.
        bias_initializer: Initializer of `b_l`. Default: `"zeros"`.
        seed: Seed of the noise (an integer or `None`). Default: `None`.
        **kwargs: Base layer keyword arguments (`name`, `dtype`).

    Call arguments:
        inputs: `h_t`, `(batch, features)`.
        training: Python boolean; samples when true (unless `sample` says).
        sample: Python boolean or `None`: samples `l_t` when true, returns
            the mean when false. Default: `None` (follows `training`), so
            that Monte Carlo inference can sample without training mode.

    Returns:
        A tuple `(locations, log_probs)`: `l_t` `(batch, 2)` and
        `log pi(l_t | h_t)` `(batch,)`.

    Example:

    >>> import numpy as np
    >>> policy = GaussianLocationPolicy(std=0.1, seed=0)
    >>> locations, log_probs = policy(np.ones((4, 8), "float32"), sample=True)
    >>> tuple(locations.shape), tuple(log_probs.shape)
    ((4, 2), (4,))

    Reference:
        Mnih, Heess, Graves and Kavukcuoglu, "Recurrent Models of Visual
        Attention", NIPS 2014, sections 3.2 and 4; Williams, "Simple
        statistical gradient-following algorithms for connectionist
        reinforcement learning", Machine Learning 8, 1992.
    """

    def __init__(
        self,
        std=0.17,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.std = float(validation.check_positive_number("std", std))
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )
        self.bias_initializer = validation.get_initializer("bias_initializer", bias_initializer)
        self.seed = validation.check_seed(seed, allow_none=True)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.mean = keras.layers.Dense(
            2,
            kernel_initializer=distinct_initializer(self.kernel_initializer, 0),
            bias_initializer=distinct_initializer(self.bias_initializer, 0),
            dtype=self.dtype_policy,
            name="mean",
        )

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise validation.invalid_argument(
                "inputs", "a tensor of shape (batch, features) with static features", input_shape
            )
        self.mean.build(input_shape)
        self.built = True

    def call(self, inputs, training=None, sample=None):
        sample = bool(training) if sample is None else validation.check_bool("sample", sample)
        mu = ops.tanh(self.mean(inputs))  # mu_t
        if sample:
            eps = standard_normal(ops.shape(mu), self.seed_generator, mu.dtype)
            draw = ops.stop_gradient(mu + self.std * eps)  # l_t, no gradient
        else:
            draw = ops.stop_gradient(mu)
        # The log-density in float32: its gradient scale 1 / sigma^2 ~ 35.
        log_probs = ops.sum(
            normal_log_prob(ops.cast(draw, "float32"), ops.cast(mu, "float32"), self.std), -1
        )
        locations = ops.clip(draw, -1.0, 1.0)
        return locations, ops.cast(log_probs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2), (input_shape[0],)

    def get_config(self):
        config = {
            "std": self.std,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "seed": self.seed,
        }
        base_config = super().get_config()
        return {**base_config, **config}
