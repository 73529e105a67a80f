"""An RNN layer whose cell appends one per-step signal to its output (private).

`SkipRNN` (the update gate `u_t`) and `ACT` (the ponder time `ρ_t`) wrap a
user's cell in a cell of ours that appends the signal as its last output
column; the layer reads it at every step, zeroes it at masked steps, turns
it into a loss and a metric, and returns it on request. This base holds what
the two share: the construction of the RNN around the wrapping cell, the
split of the outputs, the mask in output order, and the output shapes and
masks.
"""

import keras
from keras import ops

from keras_memory.layers._utils.call_mean import CallMean
from keras_memory.layers._utils.call_mean import LayerState
from keras_memory.layers._utils.rnn_layer import call_over_all_steps
from keras_memory.layers._utils.rnn_layer import check_rnn_flags
from keras_memory.layers._utils.rnn_layer import check_timesteps
from keras_memory.layers._utils.rnn_layer import mask_in_output_order
from keras_memory.layers._utils.rnn_layer import reset_to_initial_state


class StepSignalRNN(keras.layers.RNN):
    """Base of the RNN layers over a cell whose last output column is a signal.

    Subclasses pass the wrapping cell, the name of their metric (a mean over
    calls, such as `update_rate`) and whether the signal is returned.
    """

    def __init__(self, cell, metric_name, return_signal, rnn_flags, **kwargs):
        super().__init__(cell, **check_rnn_flags(**rnn_flags), **kwargs)
        self.input_spec = keras.layers.InputSpec(ndim=3)
        self._return_signal = bool(return_signal)
        self._metric_counts = LayerState(f"{metric_name}_counts")
        self._seed_generators.append(self._metric_counts)  # in `variables` only
        setattr(self, metric_name, CallMean(self._metric_counts, name=metric_name))
        self._metric_name = metric_name

    @property
    def inner_cell(self):
        """The wrapped cell `S`."""
        return self.cell.cell

    def reset_state(self):
        # The wrapped cell's initial state need not be zeros.
        reset_to_initial_state(self)

    def split_signal(self, sequences, initial_state, mask, training):
        """`(outputs, signal, valid, states)` over every step.

        The loss and the metric need every step's signal whatever the user
        asked for, so the RNN runs with sequences and states. `signal` and
        `valid` are `(batch, timesteps)` in the outputs' order; the signal
        is zero at masked steps (they repeat the last step's output, which
        is not a new signal).
        """
        check_timesteps(sequences)
        outputs, states = call_over_all_steps(self, sequences, initial_state, mask, training)
        signal = outputs[..., -1]
        outputs = outputs[..., :-1]
        valid = mask_in_output_order(self, mask, signal.dtype)
        if valid is None:
            valid = ops.ones_like(signal)
        return outputs, signal * valid, valid, states

    def record_mean(self, total, valid):
        """Adds `total / valid steps` of this call to the layer's metric."""
        getattr(self, self._metric_name).update_state(
            total / ops.maximum(ops.sum(ops.cast(valid, "float32")), 1.0)
        )

    def select_outputs(self, outputs, signal, states):
        """What the user asked for: outputs, then the signal, then the states."""
        if not self.return_sequences:
            # Keras' RNN carries the last valid output through padded steps.
            outputs = outputs[:, -1]
        result = [outputs]
        if self._return_signal:
            result.append(signal)
        if self.return_state:
            result.extend(states)
        return result[0] if len(result) == 1 else result

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, timesteps = sequences_shape[0], sequences_shape[1]
        units = self.cell.output_size - 1
        shapes = [(batch, timesteps, units) if self.return_sequences else (batch, units)]
        if self._return_signal:
            shapes.append((batch, timesteps))
        if self.return_state:
            shapes.extend((batch, size) for size in self.cell.state_size)
        return shapes[0] if len(shapes) == 1 else shapes

    def compute_mask(self, _, mask):
        mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        output_mask = mask if self.return_sequences else None
        extra = int(self._return_signal) + (
            len(self.cell.state_size) if self.return_state else 0
        )
        return [output_mask] + [None] * extra if extra else output_mask

    def base_config(self):
        """`keras.layers.RNN`'s config without the cell."""
        config = keras.layers.RNN.get_config(self)
        del config["cell"]
        return config
