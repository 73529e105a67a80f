"""Training Show, attend and tell in plain `fit()`: `CaptionTrainer`.

The loss of a caption `y` of image `a` (Xu et al., 2015):

```
L = -sum_t m_t log p(y_t | a, y_<t)                            cross-entropy
    + lambda sum_i (1 - sum_t m_t alpha_ti)^2                  doubly stochastic (4.2.1)
    - lambda_r (R - b) sum_t m_t log alpha_{t, s_t}            REINFORCE, hard only (4.1)
    - lambda_e sum_t m_t H[alpha_t]                            entropy bonus, hard only
```

with `m_t` the caption's real steps (padding after the end token does not
count, in any term), the reward `R = log p(y | s, a)` (under
`stop_gradient`) and the moving-average baseline
`b_k = 0.9 b_{k-1} + 0.1 R_k`, a non-trainable variable updated at every
training step. The terms are averaged over the batch; the cross-entropy is
the mean over the real tokens.
"""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.applications import replicas
from keras_memory.ops.attention_regularizers import attention_entropy
from keras_memory.ops.attention_regularizers import doubly_stochastic_penalty


@keras.saving.register_keras_serializable(package="keras_memory")
class CaptionTrainer(keras.Model):
    """Wraps a `ShowAttendTell` model with Xu et al.'s training loss.

    Args:
        captioner: A `ShowAttendTell` model.
        doubly_stochastic: Non-negative float `lambda`. Default: `1.0`.
        reinforce_weight: Non-negative float `lambda_r`. Default: `1.0`.
        entropy_weight: Non-negative float `lambda_e`. Default: `0.01`.
        baseline_decay: Float in `[0, 1)`, the baseline's decay. Default: `0.9`.

    Call arguments:
        inputs: The captioner's inputs `{"images", "decoder_input_ids"}`.

    Returns:
        The captioner's outputs; `fit(x, y)` takes the target ids `y`
        `(B, T)` (0 padding).

    Example:

    >>> import numpy as np
    >>> from keras_memory.applications.captioning.model import ShowAttendTell
    >>> captioner = ShowAttendTell(12, image_shape=(16, 16, 3), embedding_dim=8,
    ...                            decoder_units=8, attention_units=8)
    >>> trainer = CaptionTrainer(captioner)
    >>> trainer.compile("adam")
    >>> x = {"images": np.zeros((2, 16, 16, 3), "float32"),
    ...      "decoder_input_ids": np.array([[1, 5, 6], [1, 7, 0]])}
    >>> y = np.array([[5, 6, 2], [7, 2, 0]])
    >>> history = trainer.fit(x, y, epochs=1, verbose=0)
    >>> bool(np.isfinite(history.history["loss"][0]))
    True
    """

    def __init__(
        self,
        captioner,
        doubly_stochastic=1.0,
        reinforce_weight=1.0,
        entropy_weight=0.01,
        baseline_decay=0.9,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(captioner, dict):
            captioner = keras.saving.deserialize_keras_object(captioner)
        self.captioner = captioner
        self.doubly_stochastic = validation.check_non_negative_finite(
            "doubly_stochastic", doubly_stochastic
        )
        self.reinforce_weight = validation.check_non_negative_finite(
            "reinforce_weight", reinforce_weight
        )
        self.entropy_weight = validation.check_non_negative_finite("entropy_weight", entropy_weight)
        self.baseline_decay = validation.check_number_in(
            "baseline_decay", baseline_decay, 0.0, 1.0, high_open=True
        )
        self.hard = captioner.get_layer("decoder").read == "hard"
        self.baseline = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="reward_baseline"
        )  # b

    def call(self, inputs, training=False):
        return self.captioner(inputs, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        # Every mean is over the global batch (`replicas.global_mean`): under
        # a `tf.distribute` strategy the replicas' gradients sum to one
        # device's, whatever the shares' caption lengths.
        del x, sample_weight
        y = ops.cast(y, "int32")
        mask = ops.not_equal(y, 0)  # m_t
        weights = ops.cast(mask, "float32")
        logits = ops.cast(y_pred["logits"], "float32")
        token_log_probs = -keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
        token_log_probs = token_log_probs * weights
        loss = -replicas.global_mean(token_log_probs, weights)  # mean over real tokens
        alignments = y_pred["alignments"]
        if self.doubly_stochastic:
            loss = loss + self.doubly_stochastic * replicas.global_mean(
                doubly_stochastic_penalty(alignments, mask)
            )
        if self.hard:
            reward = ops.stop_gradient(ops.sum(token_log_probs, axis=-1))  # log p(y | s, a)
            advantage = reward - ops.stop_gradient(self.baseline)
            location_log_probs = ops.sum(
                ops.cast(y_pred["location_log_probs"], "float32") * weights, axis=-1
            )
            loss = loss - self.reinforce_weight * replicas.global_mean(
                advantage * location_log_probs
            )
            loss = loss - self.entropy_weight * replicas.global_mean(
                attention_entropy(alignments, mask)
            )
            if training:
                decay = self.baseline_decay
                batch_reward = replicas.global_sum(replicas.global_mean(reward))
                self.baseline.assign(decay * self.baseline + (1.0 - decay) * batch_reward)
        return loss

    def get_config(self):
        return {
            "name": self.name,
            "captioner": keras.saving.serialize_keras_object(self.captioner),
            "doubly_stochastic": self.doubly_stochastic,
            "reinforce_weight": self.reinforce_weight,
            "entropy_weight": self.entropy_weight,
            "baseline_decay": self.baseline_decay,
        }
