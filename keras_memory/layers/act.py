"""Adaptive Computation Time RNN layer (Graves, 2016)."""

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
from keras_memory.layers.act_cell import ACTCell


@keras.saving.register_keras_serializable(package="keras_memory")
class ACT(keras.layers.RNN):
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
        self.ponder_cost = float(ponder_cost)
        self.return_ponder = bool(return_ponder)
        self._ponder_counts = LayerState("ponder_time_counts")
        self._seed_generators.append(self._ponder_counts)  # in `variables` only
        self.ponder_time = CallMean(self._ponder_counts, name="ponder_time")

    @property
    def inner_cell(self):
        """The wrapped cell `S`."""
        return self.cell.cell

    def reset_state(self):
        # The wrapped cell's initial state need not be zeros.
        reset_to_initial_state(self)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        check_timesteps(sequences)
        # The cost and the metric need every step's ρ_t, whatever the user
        # asked for, so run with sequences and states and select afterwards.
        outputs, states = call_over_all_steps(
            self, sequences, initial_state, mask, training
        )
        ponder = outputs[..., -1]  # ρ_t, (batch, timesteps)
        outputs = outputs[..., :-1]
        valid = mask_in_output_order(self, mask, ponder.dtype)
        if valid is None:
            valid = ops.ones_like(ponder)
        ponder = ponder * valid  # padded steps repeat the last ρ_t: not pondered
        per_sequence = ops.sum(ops.cast(ponder, "float32"), axis=1)  # P(x)
        if self.ponder_cost > 0:
            self.add_loss(self.ponder_cost * ops.mean(per_sequence))
        self.ponder_time.update_state(
            ops.sum(per_sequence)
            / ops.maximum(ops.sum(ops.cast(valid, "float32")), 1.0)
        )

        if not self.return_sequences:
            # Keras' RNN carries the last valid output through padded steps.
            outputs = outputs[:, -1]
        result = [outputs]
        if self.return_ponder:
            result.append(ponder)
        if self.return_state:
            result.extend(states)
        return result[0] if len(result) == 1 else result

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, timesteps = sequences_shape[0], sequences_shape[1]
        units = self.cell.output_size - 1
        shapes = [(batch, timesteps, units) if self.return_sequences else (batch, units)]
        if self.return_ponder:
            shapes.append((batch, timesteps))
        if self.return_state:
            shapes.extend((batch, size) for size in self.cell.state_size)
        return shapes[0] if len(shapes) == 1 else shapes

    def compute_mask(self, _, mask):
        mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        output_mask = mask if self.return_sequences else None
        extra = int(self.return_ponder) + (
            len(self.cell.state_size) if self.return_state else 0
        )
        return [output_mask] + [None] * extra if extra else output_mask

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
        base_config = keras.layers.RNN.get_config(self)
        del base_config["cell"]
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        cell, config = cell_wrapper.deserialize_cell(config, custom_objects)
        return cls(cell, **config)
