"""The algorithmic tasks' cost: wrongly predicted bits per sequence.

`bit_errors_per_sequence` (NumPy) and `BitErrorsPerSequence` (a
`keras.metrics.Metric`), the cost that Graves et al. (2014) report.
"""

import keras
import numpy as np

from keras_memory import validation


def _per_step_weights(sample_weights, rank):
    """Brings `(B,)`, `(B, T)` or `(B, T, 1)` weights to `(B, T)` shape."""
    if sample_weights.ndim == rank + 1 and sample_weights.shape[-1] == 1:
        return sample_weights[..., 0]
    return sample_weights.reshape(
        sample_weights.shape + (1,) * (rank - sample_weights.ndim)
    )


def bit_errors_per_sequence(
    targets, predictions, sample_weights=None, threshold=0.5
):
    """The paper's cost per sequence, in bits.

    Predictions above `threshold` count as 1, the others as 0; every bit
    (channel) of a scored step that differs from the target is an error,
    weighted by the step's sample weight; the sum is divided by the number
    of sequences `B`:

        `sum_{b,t,c} w_{b,t} [(p_{b,t,c} > threshold) != (y_{b,t,c} > 0.5)] / B`

    Args:
        targets: Array `(B, T, C)` of 0/1 targets.
        predictions: Array `(B, T, C)` of predicted probabilities (or
            logits, with `threshold=0`).
        sample_weights: Array `(B, T)` (or `(B,)`, `(B, T, 1)`), 1 on the
            scored steps, as the task generators return. Default: `None`,
            every step scored.
        threshold: The decision threshold. Default: `0.5`; a prediction of
            exactly 0.5 counts as 0.

    Returns:
        A Python float, the mean number of wrong bits per sequence.

    Example:

    >>> targets = np.zeros((2, 3, 4))
    >>> predictions = np.zeros((2, 3, 4))
    >>> predictions[0, 2, :3] = 0.9  # 3 wrong bits in the first sequence
    >>> bit_errors_per_sequence(targets, predictions, np.ones((2, 3)))
    1.5
    """
    threshold = validation.check_finite("threshold", threshold)
    targets = np.asarray(targets)
    predictions = np.asarray(predictions)
    if targets.shape != predictions.shape or targets.ndim < 2:
        raise ValueError(
            "`targets` and `predictions` must have the same shape "
            f"(batch, steps, channels), got {targets.shape} and "
            f"{predictions.shape}."
        )
    wrong = (predictions > threshold) != (targets > 0.5)
    per_step = wrong.sum(axis=-1).astype("float64")
    if sample_weights is not None:
        weights = np.asarray(sample_weights, "float64")
        per_step = per_step * _per_step_weights(weights, per_step.ndim)
    return float(per_step.sum() / targets.shape[0])


@keras.saving.register_keras_serializable(package="keras_memory")
class BitErrorsPerSequence(keras.metrics.Metric):
    """The paper's cost per sequence, in bits, as a Keras metric.

    Accumulates `bit_errors_per_sequence` over batches: the weighted count
    of wrong bits (predictions thresholded at `threshold`) divided by the
    number of sequences seen.

    Keras passes sample weights only to `weighted_metrics`: compile with
    `weighted_metrics=[BitErrorsPerSequence()]` and feed the task's
    `sample_weights` (the `*_dataset` pipelines do) so that only the answer
    steps are scored. Under `metrics=[...]` the metric receives no weights
    and counts errors on every step.

    Args:
        threshold: Number, the decision threshold on the predictions.
            Default: `0.5` (probabilities); use `0.0` for logits.
        name: String name of the metric. Default: `"bit_errors_per_sequence"`.
        dtype: Dtype of the accumulators and the result. Default: `None`,
            `keras.config.floatx()`.

    Example:

    >>> metric = BitErrorsPerSequence()
    >>> targets = np.zeros((2, 3, 4), "float32")
    >>> predictions = np.zeros((2, 3, 4), "float32")
    >>> predictions[0, 2, :3] = 0.9
    >>> metric.update_state(targets, predictions, np.ones((2, 3), "float32"))
    >>> float(metric.result())
    1.5
    """

    def __init__(
        self, threshold=0.5, name="bit_errors_per_sequence", dtype=None
    ):
        super().__init__(name=name, dtype=dtype)
        self.threshold = validation.check_finite("threshold", threshold)
        self.bit_errors = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="bit_errors"
        )
        self.num_sequences = self.add_variable(
            shape=(),
            initializer="zeros",
            dtype=self.dtype,
            name="num_sequences",
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        ops = keras.ops
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        wrong = ops.not_equal(
            ops.greater(y_pred, ops.cast(self.threshold, y_pred.dtype)),
            ops.greater(y_true, ops.cast(0.5, y_true.dtype)),
        )
        per_step = ops.sum(ops.cast(wrong, self.dtype), axis=-1)
        if sample_weight is not None:
            weights = ops.cast(sample_weight, self.dtype)
            rank, per_step_rank = len(weights.shape), len(per_step.shape)
            if rank == per_step_rank + 1:
                weights = ops.squeeze(weights, axis=-1)
            for _ in range(per_step_rank - rank):
                weights = ops.expand_dims(weights, axis=-1)
            per_step = per_step * weights
        self.bit_errors.assign_add(ops.sum(per_step))
        batch_size = ops.shape(y_true)[0]
        self.num_sequences.assign_add(ops.cast(batch_size, self.dtype))

    def result(self):
        return keras.ops.divide_no_nan(self.bit_errors, self.num_sequences)

    def get_config(self):
        base_config = super().get_config()
        config = {"threshold": self.threshold}
        return {**base_config, **config}
