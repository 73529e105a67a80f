"""`GlimpseClassifier`: the Recurrent Attention Model as a Keras model trained in `fit()`."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.applications import replicas
from keras_memory.layers.recurrent_attention_model import RecurrentAttentionModel

# The paper's two setups (section 4.1): 28 x 28 MNIST with 6 glimpses of one
# 8 x 8 patch, and 60 x 60 cluttered translated MNIST with 8 glimpses of three
# 12 x 12 patches (scales 1, 2, 4).
PAPER_SETUPS = {
    "mnist_28x28": {
        "image_shape": (28, 28, 1),
        "num_glimpses": 6,
        "patch_size": 8,
        "num_scales": 1,
    },
    "cluttered_60x60": {
        "image_shape": (60, 60, 1),
        "num_glimpses": 8,
        "patch_size": 12,
        "num_scales": 3,
    },
}

OUTPUT_KEYS = ("logits", "locations", "log_probs", "baselines")


def hybrid_loss(labels, outputs, reinforce_weight=1.0, baseline_weight=1.0):
    """The per-example hybrid loss of the paper (section 3.2), `(batch,)`.

    ```
    R     = 1[argmax_c logits_c = y]                   the reward, no gradient
    L     = -log p(y | x)                                  cross-entropy
          - reinforce_weight * sum_n log pi(l_n) (R - b_n)   REINFORCE, R and b_n held
          + baseline_weight  * sum_n (R - b_n)^2             the baseline's error
    ```

    Args:
        labels: Integer class ids `(batch,)` (or `(batch, 1)`).
        outputs: A dict with `"logits"` `(batch, C)`, `"log_probs"`
            `(batch, N)` and `"baselines"` `(batch, N)`.
        reinforce_weight: The weight of the REINFORCE term.
        baseline_weight: The weight of the baseline's squared error.
    """
    labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
    logits = ops.cast(outputs["logits"], "float32")
    log_probs = ops.cast(outputs["log_probs"], "float32")
    baselines = ops.cast(outputs["baselines"], "float32")
    cross_entropy = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    correct = ops.equal(ops.cast(ops.argmax(logits, axis=-1), "int32"), labels)
    reward = ops.stop_gradient(ops.cast(correct, "float32"))[:, None]  # R
    advantage = ops.stop_gradient(reward - baselines)  # R - b_n, held constant
    reinforce = -ops.sum(log_probs * advantage, axis=-1)
    baseline_error = ops.sum(ops.square(reward - baselines), axis=-1)
    return cross_entropy + reinforce_weight * reinforce + baseline_weight * baseline_error


@keras.saving.register_keras_serializable(package="keras_memory")
class GlimpseClassifier(keras.Model):
    """The Recurrent Attention Model classifier, trained by plain `fit()`.

    A functional model `images -> RecurrentAttentionModel ->` a dict of
    `"logits"` `(batch, C)`, `"locations"` `(batch, N, 2)`, `"log_probs"`
    `(batch, N)` and `"baselines"` `(batch, N)`. Its `compute_loss` is
    `hybrid_loss` (cross-entropy, REINFORCE with the reward 1 for a correct
    class, the baseline's squared error), averaged over the batch (weighted
    by `sample_weight` when given), so `compile()` takes no `loss`; the
    compiled metrics see the logits only (`"accuracy"` works). It trains on
    TensorFlow and JAX, with or without `jit_compile`.

    In training mode the locations are sampled (`l_0` uniform, then the
    Gaussian policy); `predict` and `evaluate` follow the mean locations
    from the centre (deterministic). `evaluation.monte_carlo_probabilities`
    averages several sampled paths.

    Args:
        image_shape: `(H, W, C)`. Default: `(28, 28, 1)`.
        num_classes: Default: `10`.
        num_glimpses: As in `RecurrentAttentionModel`, like `patch_size`,
            `num_scales`, `scale_factor`, `glimpse_units`, `location_units`,
            `glimpse_output_units`, `core_units`, `location_std`,
            `location_policy`, `policy_gradient_to_core` and `seed` (paper
            defaults for 28 x 28 MNIST).
        core: The core network: `"rnn"` (the paper's rectifier RNN) or
            `"lstm"`. Default: `"rnn"`.
        reinforce_weight: Weight of the REINFORCE term. Default: `1.0`.
        baseline_weight: Weight of the baseline's error. Default: `1.0`.
        **kwargs: `name`, `dtype`.

    Example:

    >>> import numpy as np
    >>> model = GlimpseClassifier(num_glimpses=2, patch_size=4, glimpse_units=8,
    ...                           location_units=8, glimpse_output_units=8,
    ...                           core_units=8)
    >>> model.compile(optimizer="adam", metrics=["accuracy"])
    >>> x = np.random.rand(8, 28, 28, 1).astype("float32")
    >>> y = np.arange(8) % 10
    >>> history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    >>> model.predict(x, verbose=0)["locations"].shape
    (8, 2, 2)

    Reference:
        Mnih, Heess, Graves and Kavukcuoglu, "Recurrent Models of Visual
        Attention", NIPS 2014.
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        num_classes=10,
        num_glimpses=6,
        patch_size=8,
        num_scales=1,
        scale_factor=2,
        glimpse_units=128,
        location_units=128,
        glimpse_output_units=256,
        core="rnn",
        core_units=256,
        location_std=0.17,
        location_policy="gaussian",
        policy_gradient_to_core=False,
        reinforce_weight=1.0,
        baseline_weight=1.0,
        seed=None,
        **kwargs,
    ):
        image_shape = tuple(validation.check_positive_int_list("image_shape", image_shape))
        if len(image_shape) != 3:
            raise validation.invalid_argument(
                "image_shape", "three positive integers (height, width, channels)", image_shape
            )
        core = validation.check_choice("core", core, ("rnn", "lstm"))
        reinforce_weight = validation.check_non_negative_finite(
            "reinforce_weight", reinforce_weight
        )
        baseline_weight = validation.check_non_negative_finite("baseline_weight", baseline_weight)
        dtype = kwargs.get("dtype")
        core_units = validation.check_positive_int("core_units", core_units)

        # === Layers ===
        core_cell = None
        if core == "lstm":
            core_cell = keras.layers.LSTMCell(core_units, dtype=dtype, name="core")
        attention = RecurrentAttentionModel(
            num_classes,
            num_glimpses=num_glimpses,
            patch_size=patch_size,
            num_scales=num_scales,
            scale_factor=scale_factor,
            glimpse_units=glimpse_units,
            location_units=location_units,
            glimpse_output_units=glimpse_output_units,
            core_cell=core_cell,
            core_units=core_units,
            location_std=location_std,
            location_policy=location_policy,
            policy_gradient_to_core=policy_gradient_to_core,
            seed=seed,
            dtype=dtype,
            name="attention",
        )

        # === Functional Model ===
        images = keras.Input(image_shape, name="images")
        outputs = dict(zip(OUTPUT_KEYS, attention(images)))
        kwargs.setdefault("name", "glimpse_classifier")
        super().__init__(inputs=images, outputs=outputs, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.num_classes = attention.num_classes
        self.num_glimpses = attention.num_glimpses
        self.core = core
        self.reinforce_weight = reinforce_weight
        self.baseline_weight = baseline_weight
        self.seed = attention.seed

    @property
    def attention(self):
        """The `RecurrentAttentionModel` layer."""
        return self.get_layer("attention")

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        # The mean over the global batch (`replicas.global_mean`): under a
        # `tf.distribute` strategy the replicas' gradients sum to one device's.
        per_example = hybrid_loss(y, y_pred, self.reinforce_weight, self.baseline_weight)
        weights = None
        if sample_weight is not None:
            weights = ops.cast(ops.reshape(sample_weight, (-1,)), "float32")
        loss = replicas.global_mean(per_example, weights)
        if self.losses:
            loss = loss + replicas.replica_share(ops.cast(ops.sum(self.losses), "float32"))
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        # The compiled metrics see the class logits only.
        logits = y_pred["logits"] if isinstance(y_pred, dict) else y_pred
        return super().compute_metrics(x, y, logits, sample_weight=sample_weight)

    def get_config(self):
        attention = self.attention
        glimpse = attention.glimpse_network
        return {
            "image_shape": self.image_shape,
            "num_classes": self.num_classes,
            "num_glimpses": self.num_glimpses,
            "patch_size": glimpse.patch_size,
            "num_scales": glimpse.num_scales,
            "scale_factor": glimpse.scale_factor,
            "glimpse_units": glimpse.glimpse_units,
            "location_units": glimpse.location_units,
            "glimpse_output_units": glimpse.units,
            "core": self.core,
            "core_units": attention.hidden_size,
            "location_std": attention.location_network.std,
            "location_policy": attention.location_policy,
            "policy_gradient_to_core": attention.policy_gradient_to_core,
            "reinforce_weight": self.reinforce_weight,
            "baseline_weight": self.baseline_weight,
            "seed": self.seed,
            "name": self.name,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)


def paper_classifier(setup="mnist_28x28", **overrides):
    """A `GlimpseClassifier` with the paper's setup (`PAPER_SETUPS`).

    Args:
        setup: `"mnist_28x28"` (6 glimpses of one 8 x 8 patch) or
            `"cluttered_60x60"` (8 glimpses of three 12 x 12 patches).
        **overrides: Other `GlimpseClassifier` arguments.
    """
    setup = validation.check_choice("setup", setup, tuple(PAPER_SETUPS))
    return GlimpseClassifier(**{**PAPER_SETUPS[setup], **overrides})


def pretrained_classifier(weights="mnist_28x28", **overrides):
    """The paper-setup `GlimpseClassifier` with the project's trained weights.

    Args:
        weights: `"mnist_28x28"` (28 x 28 digits, 6 glimpses of 8 x 8) or
            `"cluttered_60x60"` (60 x 60 cluttered digits, 8 glimpses of three
            12 x 12 patches): the shipped weights, trained on 4,000 MNIST
            digits (`presets.shipped_metadata(weights)` has the budget and
            the validation error); or the path of a `.weights.h5` file of
            `paper_classifier(setup)`, with `setup=` in `overrides` (default
            `"mnist_28x28"`).
        **overrides: `setup` for a path, and `GlimpseClassifier` arguments
            that hold no weights (`seed`, `location_std`, `name`).

    Returns:
        A built, uncompiled `GlimpseClassifier`.
    """
    from keras_memory.applications import shipped_weights
    from keras_memory.applications.glimpse import presets

    setup = weights if weights in presets.SHIPPED_WEIGHTS else overrides.pop("setup", None)
    setup = validation.check_choice("setup", setup or "mnist_28x28", tuple(PAPER_SETUPS))
    overrides.pop("setup", None)
    path = presets.weights_file(weights)
    if path is None:
        raise validation.invalid_argument(
            "weights", f"one of {sorted(presets.SHIPPED_WEIGHTS)} or a `.weights.h5` path", None
        )
    model = paper_classifier(setup, **overrides)
    shipped_weights.load_weights(
        model, path, mismatch_hint=f" (the paper setup {setup!r}: pass setup=...)"
    )
    return model
