"""Neural Turing Machine layer (Graves, Wayne and Danihelka, 2014)."""

import copy

import keras

from keras_memory.layers.ntm_cell import NTMCell
from keras_memory.layers.rnn_layer_utils import call_over_all_steps
from keras_memory.layers.rnn_layer_utils import reset_to_initial_state
from keras_memory.layers.rnn_layer_utils import rnn_layer_config


@keras.saving.register_keras_serializable(package="keras_memory")
class NTM(keras.layers.RNN):
    """An RNN over an `NTMCell`, optionally returning the head weightings.

    Builds an `NTMCell` from its own arguments (see `NTMCell` for the
    equations, the order of a step and the state layout) and runs it. With
    `return_access=True` it also returns every step's read and write
    weightings, split from the cell's output.

    Args:
        controller, units, memory_size, memory_width, read_heads,
        write_heads, shift_range, clip_value, memory_init, seed: As in
            `NTMCell`.
        return_access: Boolean; also return the read weightings
            `(batch, timesteps, read_heads, N)` and the write weightings
            `(batch, timesteps, write_heads, N)` of every step (whatever
            `return_sequences`). Default: `False`.
        return_sequences, return_state, go_backwards, stateful, unroll:
            As in `keras.layers.RNN`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A 3D tensor `(batch, timesteps, features)`.
        mask: Optional boolean `(batch, timesteps)`; padded steps leave the
            memory and the state unchanged.
        training: Python boolean, passed to the controller.
        initial_state: Optional state list, as `NTMCell` documents.

    Returns:
        The outputs `[h_t, r_t]`, `(batch, units + read_heads * M)` or, with
        `return_sequences=True`, `(batch, timesteps, units + read_heads * M)`;
        then the read and write weightings when `return_access=True`; then
        the final states when `return_state=True`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers import NTM
    >>> layer = NTM(units=8, memory_size=16, memory_width=4, read_heads=2,
    ...             return_sequences=True, return_access=True)
    >>> outputs, reads, writes = layer(np.ones((2, 5, 3), "float32"))
    >>> tuple(outputs.shape), tuple(reads.shape), tuple(writes.shape)
    ((2, 5, 16), (2, 5, 2, 16), (2, 5, 1, 16))

    Reference:
        Graves, Wayne and Danihelka. Neural Turing Machines. 2014.
        https://arxiv.org/abs/1410.5401
    """

    def __init__(
        self,
        controller=None,
        units=100,
        memory_size=128,
        memory_width=20,
        read_heads=1,
        write_heads=1,
        shift_range=1,
        clip_value=20.0,
        memory_init="constant",
        return_access=False,
        seed=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        **kwargs,
    ):
        cell = NTMCell(
            controller=controller,
            units=units,
            memory_size=memory_size,
            memory_width=memory_width,
            read_heads=read_heads,
            write_heads=write_heads,
            shift_range=shift_range,
            clip_value=clip_value,
            memory_init=memory_init,
            return_access=return_access,
            seed=seed,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="ntm_cell",
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )
        self.input_spec = keras.layers.InputSpec(ndim=3)

    @property
    def return_access(self):
        return self.cell.return_access

    @property
    def feature_size(self):
        """The size of `[h_t, r_t]`, the output without the weightings."""
        cell = self.cell
        return cell.output_size - int(cell.return_access) * (
            (cell.read_heads + cell.write_heads) * cell.memory_size
        )

    def reset_state(self):
        # RNN.reset_state() assigns zeros; restore get_initial_state() (the
        # controller's own initial state included).
        reset_to_initial_state(self)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if not self.return_access:
            return super().call(
                sequences, initial_state=initial_state, mask=mask, training=training
            )
        # The weightings are wanted at every step: run with sequences and
        # select afterwards.
        outputs, states = call_over_all_steps(
            self, sequences, initial_state, mask, training
        )
        return_sequences, return_state = self.return_sequences, self.return_state

        cell = self.cell
        n, r, w = cell.memory_size, cell.read_heads, cell.write_heads
        size = self.feature_size
        batch, timesteps = keras.ops.shape(outputs)[0], keras.ops.shape(outputs)[1]
        read_w = keras.ops.reshape(
            outputs[..., size : size + r * n], (batch, timesteps, r, n)
        )
        write_w = keras.ops.reshape(outputs[..., size + r * n :], (batch, timesteps, w, n))
        features = outputs[..., :size]
        if not return_sequences:
            # Keras' RNN carries the last valid output through padded steps.
            features = features[:, -1]
        result = [features, read_w, write_w]
        if return_state:
            result.extend(states)
        return result

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shapes = super().compute_output_shape(sequences_shape, initial_state_shape)
        if not self.return_access:
            return shapes
        batch, timesteps = sequences_shape[0], sequences_shape[1]
        cell = self.cell
        size = self.feature_size
        output = (batch, timesteps, size) if self.return_sequences else (batch, size)
        result = [
            output,
            (batch, timesteps, cell.read_heads, cell.memory_size),
            (batch, timesteps, cell.write_heads, cell.memory_size),
        ]
        if self.return_state:
            result.extend((batch, s) for s in cell.state_size)
        return result

    def compute_mask(self, sequences, mask):
        output_mask = super().compute_mask(sequences, mask)
        if not self.return_access:
            return output_mask
        if self.return_state:
            first, *rest = output_mask
            return [first, None, None, *rest]
        return [output_mask, None, None]

    def get_config(self):
        return rnn_layer_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(config)
        controller = config.pop("controller", None)
        if isinstance(controller, dict):
            controller = keras.saving.deserialize_keras_object(
                controller, custom_objects=custom_objects
            )
        return cls(controller=controller, **config)
