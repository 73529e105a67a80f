"""Adaptive Computation Time RNN layer (Graves, 2016)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import cell_wrapper
from keras_memory.layers._utils.step_signal_rnn import StepSignalRNN
from keras_memory.layers.act_cell import ACTCell


@keras.saving.register_keras_serializable(package="keras_memory")
class ACT(StepSignalRNN):
    """An RNN over an `ACTCell`, with the ponder cost and the ponder time.

    Wraps `cell` (any Keras RNN cell) in an `ACTCell` and runs it. It adds
    the paper's ponder cost `τ P(x) = τ sum_t ρ_t`, with `ρ_t = N(t) + R(t)`
    summed over the valid (unmasked) steps and averaged over the batch,
    with `add_loss`, and tracks the metric `ponder_time`: the mean `ρ_t`
    over the valid steps. The gradient of the cost reaches the halting unit
    through the remainders `R(t)` only, as in the paper.

    Args:
        cell: A Keras RNN cell with a flat state, e.g.
            `keras.layers.SimpleRNNCell(128)`.
        max_ponder_steps: Positive integer `M`; see `ACTCell`.
        ponder_cost: Non-negative float `τ`, the time penalty. The paper
            searches `1e-4` to `1e-1` per task. Default: `1e-3`.
        epsilon: Float in (0, 1); see `ACTCell`. Default: `0.01`.
        return_ponder: Boolean; also return the ponder times `ρ_t`,
            `(batch, timesteps)` (0 at masked steps; needs
            `return_sequences=True`). Default: `False`.
        halting_kernel_initializer, halting_bias_initializer: Initializers
            of `W_h` and `b_h`; see `ACTCell`.
        skip_inference_computation: Boolean; see `ACTCell`. Default: `True`.
        return_sequences, return_state, go_backwards, stateful, unroll:
            As in `keras.layers.RNN`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A 3D tensor `(batch, timesteps, features)`.
        mask: Optional boolean `(batch, timesteps)`; padded steps neither
            ponder nor count in the cost and the metric.
        training: Python boolean; see `ACTCell`.
        initial_state: Optional state list, as `ACTCell` documents.

    Returns:
        The halting-weighted outputs of the wrapped cell, `(batch, units)`
        or, with `return_sequences=True`, `(batch, timesteps, units)`; then
        the ponder times `(batch, timesteps)` when `return_ponder=True`;
        then the final states when `return_state=True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers import ACT
    >>> layer = ACT(keras.layers.SimpleRNNCell(8), max_ponder_steps=10,
    ...             ponder_cost=1e-3, return_sequences=True, return_ponder=True)
    >>> outputs, ponder = layer(np.ones((2, 5, 3), "float32"))
    >>> tuple(outputs.shape), tuple(ponder.shape)
    ((2, 5, 8), (2, 5))

    Reference:
        Graves. Adaptive Computation Time for Recurrent Neural Networks.
        2016. https://arxiv.org/abs/1603.08983
    """

    def __init__(
        self,
        cell,
        max_ponder_steps,
        ponder_cost=1e-3,
        epsilon=0.01,
        return_ponder=False,
        halting_kernel_initializer="glorot_uniform",
        halting_bias_initializer=None,
        skip_inference_computation=True,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        **kwargs,
    ):
        # At most the largest float32, which the cost `τ sum_t ρ_t` is in.
        ponder_cost = validation.check_float32_number_in("ponder_cost", ponder_cost, 0.0)
        return_ponder = validation.check_bool("return_ponder", return_ponder)
        return_sequences = validation.check_bool("return_sequences", return_sequences)
        if return_ponder and not return_sequences:
            raise ValueError(
                "Received an invalid value for argument `return_ponder`: the "
                "ponder times need `return_sequences=True`, got "
                "return_ponder=True with return_sequences=False."
            )
        act_cell = ACTCell(
            cell_wrapper.check_cell(cell),
            max_ponder_steps=max_ponder_steps,
            epsilon=epsilon,
            return_ponder=True,  # this layer always reads ρ_t
            halting_kernel_initializer=halting_kernel_initializer,
            halting_bias_initializer=halting_bias_initializer,
            skip_inference_computation=skip_inference_computation,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="act_cell",
        )
        super().__init__(
            act_cell,
            metric_name="ponder_time",
            return_signal=return_ponder,
            rnn_flags={
                "return_sequences": return_sequences,
                "return_state": return_state,
                "go_backwards": go_backwards,
                "stateful": stateful,
                "unroll": unroll,
            },
            **kwargs,
        )
        self.ponder_cost = float(ponder_cost)
        self.return_ponder = bool(return_ponder)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        # ρ_t, (batch, timesteps), zero at padded steps (not pondered).
        outputs, ponder, valid, states = self.split_signal(
            sequences, initial_state, mask, training
        )
        per_sequence = ops.sum(ops.cast(ponder, "float32"), axis=1)  # P(x)
        if self.ponder_cost > 0:
            self.add_loss(self.ponder_cost * ops.mean(per_sequence))
        self.record_mean(ops.sum(per_sequence), valid)
        return self.select_outputs(outputs, ponder, states)

    def get_config(self):
        cell = self.cell
        config = {
            "cell": cell_wrapper.serialize_cell(self.inner_cell),
            "max_ponder_steps": cell.max_ponder_steps,
            "ponder_cost": self.ponder_cost,
            "epsilon": cell.epsilon,
            "return_ponder": self.return_ponder,
            "halting_kernel_initializer": keras.initializers.serialize(
                cell.halting_kernel_initializer
            ),
            "halting_bias_initializer": keras.initializers.serialize(
                cell.halting_bias_initializer
            ),
            "skip_inference_computation": cell.skip_inference_computation,
        }
        return {**self.base_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        cell, config = cell_wrapper.deserialize_cell(config, custom_objects)
        return cls(cell, **config)
