"""Skip RNN layer (Campos et al., ICLR 2018)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import cell_wrapper
from keras_memory.layers._utils.call_mean import CallMean
from keras_memory.layers._utils.call_mean import LayerState
from keras_memory.layers._utils.rnn_layer import call_over_all_steps
from keras_memory.layers._utils.rnn_layer import check_rnn_flags
from keras_memory.layers._utils.rnn_layer import check_timesteps
from keras_memory.layers._utils.rnn_layer import mask_in_output_order
from keras_memory.layers._utils.rnn_layer import reset_to_initial_state
from keras_memory.layers.skip_rnn_cell import SkipRNNCell


@keras.saving.register_keras_serializable(package="keras_memory")
class SkipRNN(keras.layers.RNN):
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
            **check_rnn_flags(
                return_sequences=return_sequences,
                return_state=return_state,
                go_backwards=go_backwards,
                stateful=stateful,
                unroll=unroll,
            ),
            **kwargs,
        )
        self.input_spec = keras.layers.InputSpec(ndim=3)
        self.budget_weight = float(budget_weight)
        self.return_gates = bool(return_gates)
        self._update_counts = LayerState("update_rate_counts")
        self._seed_generators.append(self._update_counts)  # in `variables` only
        self.update_rate = CallMean(self._update_counts, name="update_rate")

    @property
    def inner_cell(self):
        """The wrapped cell `S`."""
        return self.cell.cell

    def reset_state(self):
        # The wrapped cell's initial state need not be zeros.
        reset_to_initial_state(self)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        check_timesteps(sequences)
        # The loss and the metric need every step's gate, whatever the user
        # asked for, so run with sequences and states and select afterwards.
        outputs, states = call_over_all_steps(
            self, sequences, initial_state, mask, training
        )
        return_sequences, return_state = self.return_sequences, self.return_state

        gates = outputs[..., -1]  # u_t, (batch, timesteps)
        outputs = outputs[..., :-1]
        valid = mask_in_output_order(self, mask, gates.dtype)
        if valid is None:
            valid = ops.ones_like(gates)
        gates = gates * valid  # padded steps repeat an output: not an update
        updates = ops.sum(ops.cast(gates, "float32"), axis=1)
        if self.budget_weight > 0:
            self.add_loss(self.budget_weight * ops.mean(updates))
        self.update_rate.update_state(
            ops.sum(updates) / ops.maximum(ops.sum(ops.cast(valid, "float32")), 1.0)
        )

        if not return_sequences:
            # Keras' RNN carries the last valid output through padded steps.
            outputs = outputs[:, -1]
        result = [outputs]
        if self.return_gates:
            result.append(gates)
        if return_state:
            result.extend(states)
        return result[0] if len(result) == 1 else result

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, timesteps = sequences_shape[0], sequences_shape[1]
        units = self.cell.output_size - 1
        shapes = [(batch, timesteps, units) if self.return_sequences else (batch, units)]
        if self.return_gates:
            shapes.append((batch, timesteps))
        if self.return_state:
            shapes.extend((batch, size) for size in self.cell.state_size)
        return shapes[0] if len(shapes) == 1 else shapes

    def compute_mask(self, _, mask):
        mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        output_mask = mask if self.return_sequences else None
        extra = int(self.return_gates) + (
            len(self.cell.state_size) if self.return_state else 0
        )
        return [output_mask] + [None] * extra if extra else output_mask

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
        base_config = keras.layers.RNN.get_config(self)
        del base_config["cell"]
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        cell, config = cell_wrapper.deserialize_cell(config, custom_objects)
        return cls(cell, **config)
