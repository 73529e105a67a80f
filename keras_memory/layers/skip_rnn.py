"""Skip RNN layer (Campos et al., ICLR 2018)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import cell_wrapper
from keras_memory.layers._utils.step_signal_rnn import StepSignalRNN
from keras_memory.layers.skip_rnn_cell import SkipRNNCell


@keras.saving.register_keras_serializable(package="keras_memory")
class SkipRNN(StepSignalRNN):
    """An RNN over a `SkipRNNCell`, with the budget loss and the update rate.

    Wraps `cell` (any Keras RNN cell) in a `SkipRNNCell` and runs it. It adds
    the paper's budget loss `L_budget = λ sum_t u_t` (summed over the valid
    steps, averaged over the batch) with `add_loss`, and tracks the metric
    `update_rate`: the fraction of valid steps at which the cell updated.

    Args:
        cell: A Keras RNN cell with a flat state, e.g.
            `keras.layers.LSTMCell(110)`.
        budget_weight: Non-negative float `λ`. Default: `0.0`.
        return_gates: Boolean; also return the gate sequence `u_t`,
            `(batch, timesteps)` (needs `return_sequences=True`).
            Default: `False`.
        inference_threshold: Float in (0, 1); see `SkipRNNCell`.
            Default: `0.5`.
        skip_inference_computation: Boolean; see `SkipRNNCell`.
            Default: `True`.
        update_kernel_initializer, update_bias_initializer: Initializers of
            `W_p` and `b_p`; see `SkipRNNCell`.
        return_sequences, return_state, go_backwards, stateful, unroll:
            As in `keras.layers.RNN`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A 3D tensor `(batch, timesteps, features)`.
        mask: Optional boolean `(batch, timesteps)`; padded steps neither
            update nor count in the loss and the metric.
        training: Python boolean; see `SkipRNNCell`.
        initial_state: Optional state list, as `SkipRNNCell` documents.

    Returns:
        The inner cell's outputs, `(batch, units)` or, with
        `return_sequences=True`, `(batch, timesteps, units)`; then the gates
        `(batch, timesteps)` when `return_gates=True`; then the final states
        when `return_state=True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers import SkipRNN
    >>> layer = SkipRNN(keras.layers.LSTMCell(8), budget_weight=1e-4,
    ...                 return_sequences=True, return_gates=True)
    >>> outputs, gates = layer(np.ones((2, 5, 3), "float32"))
    >>> tuple(outputs.shape), tuple(gates.shape)
    ((2, 5, 8), (2, 5))

    Reference:
        Campos, Jou, Giró-i-Nieto, Torres and Chang. Skip RNN: Learning to
        Skip State Updates in Recurrent Neural Networks. ICLR 2018.
        https://arxiv.org/abs/1708.06834
    """

    def __init__(
        self,
        cell,
        budget_weight=0.0,
        return_gates=False,
        inference_threshold=0.5,
        skip_inference_computation=True,
        update_kernel_initializer="glorot_uniform",
        update_bias_initializer=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        **kwargs,
    ):
        # At most the largest float32, which the loss `lambda * sum u_t` is in.
        budget_weight = validation.check_float32_number_in("budget_weight", budget_weight, 0.0)
        return_gates = validation.check_bool("return_gates", return_gates)
        return_sequences = validation.check_bool("return_sequences", return_sequences)
        if return_gates and not return_sequences:
            raise ValueError(
                "Received an invalid value for argument `return_gates`: the "
                "gate sequence needs `return_sequences=True`, got "
                "return_gates=True with return_sequences=False."
            )
        skip_cell = SkipRNNCell(
            cell_wrapper.check_cell(cell),
            return_gates=True,  # this layer always reads the gates
            inference_threshold=inference_threshold,
            skip_inference_computation=skip_inference_computation,
            update_kernel_initializer=update_kernel_initializer,
            update_bias_initializer=update_bias_initializer,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="skip_rnn_cell",
        )
        super().__init__(
            skip_cell,
            metric_name="update_rate",
            return_signal=return_gates,
            rnn_flags={
                "return_sequences": return_sequences,
                "return_state": return_state,
                "go_backwards": go_backwards,
                "stateful": stateful,
                "unroll": unroll,
            },
            **kwargs,
        )
        self.budget_weight = float(budget_weight)
        self.return_gates = bool(return_gates)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        # u_t, (batch, timesteps), zero at padded steps (not an update).
        outputs, gates, valid, states = self.split_signal(
            sequences, initial_state, mask, training
        )
        updates = ops.sum(ops.cast(gates, "float32"), axis=1)
        if self.budget_weight > 0:
            self.add_loss(self.budget_weight * ops.mean(updates))
        self.record_mean(ops.sum(updates), valid)
        return self.select_outputs(outputs, gates, states)

    def get_config(self):
        config = {
            "cell": cell_wrapper.serialize_cell(self.inner_cell),
            "budget_weight": self.budget_weight,
            "return_gates": self.return_gates,
            "inference_threshold": self.cell.inference_threshold,
            "skip_inference_computation": self.cell.skip_inference_computation,
            "update_kernel_initializer": keras.initializers.serialize(
                self.cell.update_kernel_initializer
            ),
            "update_bias_initializer": keras.initializers.serialize(
                self.cell.update_bias_initializer
            ),
        }
        return {**self.base_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        cell, config = cell_wrapper.deserialize_cell(config, custom_objects)
        return cls(cell, **config)
