"""The Recurrent Attention Model (Mnih et al., 2014): the glimpse loop."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import random
from keras_memory.layers._utils.initializers import distinct_initializer
from keras_memory.layers.gaussian_location_policy import GaussianLocationPolicy
from keras_memory.layers.gaussian_location_policy import uniform_from_draws
from keras_memory.layers.glimpse_network import GlimpseNetwork

# "uniform": the random-locations control (no learned policy).
LOCATION_POLICIES = ("gaussian", "uniform")


def _state_list(states):
    return list(states) if isinstance(states, (list, tuple)) else [states]


def _first_size(size):
    return size[0] if isinstance(size, (list, tuple)) else size


@keras.saving.register_keras_serializable(package="keras_memory")
class RecurrentAttentionModel(keras.layers.Layer):
    """Recurrent Attention Model: `N` glimpses of an image, then a class.

    Section 3 of the paper. At glimpse `n = 0 .. N-1` the model looks at the
    image around `l_n`, updates its core network, and picks the next
    location; after the last glimpse it classifies:

    ```
    g_n     = f_g(x, l_n)                          GlimpseNetwork
    h_{n+1} = f_h(h_n, g_n)                        the core: any Keras cell
    l_{n+1} ~ N(tanh(W_l h_{n+1}), sigma^2)        GaussianLocationPolicy
    b_n     = W_b stop_gradient(h_n) + b_b         the baseline network
    p(y|x)  = softmax(W_a h_N + b_a)               the action network
    ```

    `l_0` is not chosen by the policy: it is drawn uniformly in `[-1, 1]^2`
    when the locations are sampled (training, and Monte Carlo inference), as
    the paper's random first glimpse and the PyTorch reference do, and is the
    centre `(0, 0)` otherwise, so that inference without sampling is
    deterministic. Its log-probability is `0` (no parameter depends on it).
    With `N` glimpses the policy makes `N - 1` decisions.

    The baseline `b_n` estimates the expected reward from the state that
    chose `l_n` (`b_0` from the initial state); it reads the state under
    `stop_gradient`, so its squared error trains it alone, not the core (as
    in the PyTorch reference). The loss is the application's
    (`keras_memory.applications.glimpse`): cross-entropy on the logits,
    `-sum_n log pi(l_n) (R - b_n)` with `R`, `b_n` held constant, and
    `sum_n (R - b_n)^2`.

    The loop is a Python loop over the fixed `num_glimpses` steps (unrolled
    in the graph: small, and it compiles under XLA and `jax.jit`).

    Args:
        num_classes: The number of classes.
        num_glimpses: `N`. Default: `6` (the paper's 28 x 28 setup).
        patch_size: `g_w`. Default: `8`.
        num_scales: `k`, the patches per glimpse. Default: `1`.
        scale_factor: The ratio of the sides of successive patches.
            Default: `2`.
        glimpse_units: The size of `h_g`. Default: `128`.
        location_units: The size of `h_l`. Default: `128`.
        glimpse_output_units: The size of `g`. Default: `256`.
        core_cell: The core network `f_h`: any Keras RNN cell (a
            `keras.layers.SimpleRNNCell`, `LSTMCell`, or a cell of this
            package), or `None` for the paper's
            `h_n = relu(Linear(h_{n-1}) + Linear(g_n))`, a `SimpleRNNCell`
            of `core_units` with `relu`. Its (first) output is `h`.
            Default: `None`.
        core_units: The units of the default core cell (ignored with a
            `core_cell`). Default: `256`.
        location_std: `sigma` of the policy. Default: `0.17`.
        policy_gradient_to_core: Whether the REINFORCE gradient of
            `log pi(l_n)` reaches the core (and glimpse) networks through
            the policy's mean. `False` (the default) reads `h_n` under
            `stop_gradient` in the location network, as the maintained PyTorch
            reference does (`h_t.detach()`): REINFORCE then trains the
            location network alone and cross-entropy the networks that see
            the image. `True` is the paper's gradient for the whole agent.
            Measured on cluttered 60 x 60 digits (4,000 training digits,
            `paper_classifier("cluttered_60x60")`, Adam 1e-3): after 75
            epochs, 75.5 % validation accuracy with `False` against 15.5 %
            with `True`, whose high-variance policy gradient swamps the
            core. Default: `False`.
        location_policy: `"gaussian"`, the learned policy above, or
            `"uniform"`: every `l_n` drawn uniformly in `[-1, 1]^2` in
            training and at inference alike (seeded, `log pi = 0`), the
            random-locations control of the paper's comparison (the same
            networks without a learned policy; the location network is
            built but unused). Default: `"gaussian"`.
        seed: Seed of `l_0` and of the policy's noise (an integer or `None`).
            Default: `None`.
        **kwargs: Base layer keyword arguments (`name`, `dtype`).

    Call arguments:
        images: `(batch, H, W, C)` with static `H`, `W`, `C`.
        training: Python boolean; the locations are sampled when true.
        sample_locations: Python boolean or `None`: sample the locations
            (`True`, the Monte Carlo paths at inference) or follow the mean
            (`False`). Default: `None`, which follows `training`.

    Returns:
        A tuple `(logits, locations, log_probs, baselines)`: the class
        logits `(batch, num_classes)`, the glimpse locations `l_0 .. l_{N-1}`
        `(batch, N, 2)`, `log pi(l_n)` `(batch, N)` (`0` at `n = 0`) and
        `b_n` `(batch, N)`.

    Example:

    >>> import numpy as np
    >>> ram = RecurrentAttentionModel(10, num_glimpses=3, patch_size=4,
    ...                               glimpse_units=8, location_units=8,
    ...                               glimpse_output_units=16, core_units=16)
    >>> logits, locations, log_probs, baselines = ram(
    ...     np.random.rand(2, 28, 28, 1).astype("float32"))
    >>> [tuple(t.shape) for t in (logits, locations, log_probs, baselines)]
    [(2, 10), (2, 3, 2), (2, 3), (2, 3)]

    Reference:
        Mnih, Heess, Graves and Kavukcuoglu, "Recurrent Models of Visual
        Attention", NIPS 2014.
    """

    def __init__(
        self,
        num_classes,
        num_glimpses=6,
        patch_size=8,
        num_scales=1,
        scale_factor=2,
        glimpse_units=128,
        location_units=128,
        glimpse_output_units=256,
        core_cell=None,
        core_units=256,
        location_std=0.17,
        location_policy="gaussian",
        policy_gradient_to_core=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.policy_gradient_to_core = validation.check_bool(
            "policy_gradient_to_core", policy_gradient_to_core
        )
        self.location_policy = validation.check_choice(
            "location_policy", location_policy, LOCATION_POLICIES
        )
        self.num_classes = validation.check_positive_int("num_classes", num_classes)
        self.num_glimpses = validation.check_positive_int("num_glimpses", num_glimpses)
        self.core_units = validation.check_positive_int("core_units", core_units)
        self.seed = validation.check_seed(seed, allow_none=True)
        location_std = validation.check_positive_number("location_std", location_std)
        self.glimpse_network = GlimpseNetwork(
            patch_size=patch_size,
            num_scales=num_scales,
            scale_factor=scale_factor,
            glimpse_units=glimpse_units,
            location_units=location_units,
            units=glimpse_output_units,
            dtype=self.dtype_policy,
            name="glimpse_network",
        )
        if core_cell is None:
            core_cell = keras.layers.SimpleRNNCell(
                self.core_units, activation="relu", dtype=self.dtype_policy, name="core"
            )
        elif isinstance(core_cell, dict):
            core_cell = keras.saving.deserialize_keras_object(core_cell)
        if not isinstance(core_cell, keras.layers.Layer) or not hasattr(core_cell, "state_size"):
            raise validation.invalid_argument(
                "core_cell", "a Keras RNN cell (a layer with `state_size`) or None", core_cell
            )
        self.core_cell = core_cell
        self.location_network = GaussianLocationPolicy(
            std=location_std,
            seed=None if self.seed is None else self.seed + 1,
            dtype=self.dtype_policy,
            name="location_network",
        )
        if self.location_policy == "uniform":
            # Unused by the control: frozen, so no optimizer warns that it
            # has no gradient (its weights are still saved and restored).
            self.location_network.trainable = False
        self.baseline_network = keras.layers.Dense(
            1, dtype=self.dtype_policy, name="baseline_network"
        )
        self.action_network = keras.layers.Dense(
            self.num_classes,
            kernel_initializer=distinct_initializer(keras.initializers.GlorotUniform(), 0),
            dtype=self.dtype_policy,
            name="action_network",
        )
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    @property
    def hidden_size(self):
        """The size of `h`, the core cell's (first) output."""
        size = getattr(self.core_cell, "output_size", None)
        return _first_size(self.core_cell.state_size) if size is None else _first_size(size)

    def _check_images(self, images_shape):
        images_shape = tuple(images_shape)
        if len(images_shape) != 4 or None in images_shape[1:]:
            raise validation.invalid_argument(
                "images",
                "a tensor of rank 4 (batch, height, width, channels) with static "
                "height, width and channels",
                images_shape,
            )
        return images_shape

    def build(self, images_shape):
        images_shape = self._check_images(images_shape)
        batch = images_shape[0]
        self.glimpse_network.build([images_shape, (batch, 2)])
        if not self.core_cell.built:  # a deserialized cell arrives built
            self.core_cell.build((batch, self.glimpse_network.units))
        hidden = (batch, self.hidden_size)
        self.location_network.build(hidden)
        self.baseline_network.build(hidden)
        self.action_network.build(hidden)
        self.built = True

    def _initial_states(self, batch_size):
        if hasattr(self.core_cell, "get_initial_state"):
            return _state_list(self.core_cell.get_initial_state(batch_size=batch_size))
        return [
            ops.zeros((batch_size, size), self.compute_dtype)
            for size in _state_list(self.core_cell.state_size)
        ]

    def _uniform_location(self, batch_size, dtype):
        draws = random.integer_draws((batch_size, 2), self.seed_generator)
        return ops.cast(2.0 * uniform_from_draws(draws, "float32") - 1.0, dtype)

    def call(self, images, training=None, sample_locations=None):
        if sample_locations is None:
            sample = bool(training)
        else:
            sample = validation.check_bool("sample_locations", sample_locations)
        images = ops.cast(images, self.compute_dtype)
        batch_size = ops.shape(images)[0]
        states = self._initial_states(batch_size)
        hidden = ops.zeros((batch_size, self.hidden_size), self.compute_dtype)  # h_0
        uniform = self.location_policy == "uniform"
        if sample or uniform:  # l_0 ~ U([-1, 1]^2)
            location = self._uniform_location(batch_size, hidden.dtype)
        else:  # l_0 = (0, 0), the centre
            location = ops.zeros((batch_size, 2), self.compute_dtype)
        log_prob = ops.zeros((batch_size,), self.compute_dtype)
        locations, log_probs, baselines = [], [], []
        for n in range(self.num_glimpses):
            if n > 0 and uniform:  # the control: l_n ~ U([-1, 1]^2), log pi = 0
                location = self._uniform_location(batch_size, hidden.dtype)
            elif n > 0:
                # The policy reads h_n; held constant unless the REINFORCE
                # gradient is to reach the core (policy_gradient_to_core).
                query = hidden if self.policy_gradient_to_core else ops.stop_gradient(hidden)
                location, log_prob = self.location_network(query, sample=sample)
            # b_n from the state that chose l_n, trained by its own loss only.
            baseline = self.baseline_network(ops.stop_gradient(hidden))[:, 0]
            locations.append(location)
            log_probs.append(log_prob)
            baselines.append(baseline)
            glimpse = self.glimpse_network([images, ops.stop_gradient(location)])  # g_n
            output, states = self.core_cell(glimpse, states, training=training)
            states = _state_list(states)
            hidden = output  # h_{n+1}
        logits = self.action_network(hidden)
        return (
            logits,
            ops.stack(locations, axis=1),
            ops.stack(log_probs, axis=1),
            ops.stack(baselines, axis=1),
        )

    def compute_output_shape(self, images_shape):
        batch = tuple(images_shape)[0]
        n = self.num_glimpses
        return (batch, self.num_classes), (batch, n, 2), (batch, n), (batch, n)

    def get_config(self):
        glimpse = self.glimpse_network
        config = {
            "num_classes": self.num_classes,
            "num_glimpses": self.num_glimpses,
            "patch_size": glimpse.patch_size,
            "num_scales": glimpse.num_scales,
            "scale_factor": glimpse.scale_factor,
            "glimpse_units": glimpse.glimpse_units,
            "location_units": glimpse.location_units,
            "glimpse_output_units": glimpse.units,
            "core_cell": keras.saving.serialize_keras_object(self.core_cell),
            "core_units": self.core_units,
            "location_std": self.location_network.std,
            "location_policy": self.location_policy,
            "policy_gradient_to_core": self.policy_gradient_to_core,
            "seed": self.seed,
        }
        base_config = super().get_config()
        return {**base_config, **config}
