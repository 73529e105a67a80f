"""RNN layer over the general external memory cell (`MemoryCell`)."""

import copy

import keras
from keras import ops

from keras_memory.layers._utils.rnn_layer import call_over_all_steps
from keras_memory.layers._utils.rnn_layer import check_rnn_flags
from keras_memory.layers._utils.rnn_layer import check_timesteps
from keras_memory.layers._utils.rnn_layer import empty_batch_outputs
from keras_memory.layers._utils.rnn_layer import mask_in_output_order
from keras_memory.layers._utils.rnn_layer import reset_to_initial_state
from keras_memory.layers._utils.rnn_layer import rnn_layer_config
from keras_memory.layers.memory_cell import MemoryCell


@keras.saving.register_keras_serializable(package="keras_memory")
class MemoryRNN(keras.layers.RNN):
    """An RNN over a `MemoryCell`, optionally returning its access signals.

    Builds a `MemoryCell` from its own arguments (see `MemoryCell` for the
    addressing, read and write equations, the order of a step, the rule for
    conflicting writes and the state layout) and runs it. With
    `return_access=True` it also returns every step's read and write
    weightings, and with `return_log_probs=True` (hard reads) every step's
    `log w_t(j_t)` for a REINFORCE loss, split from the cell's output.

    Training hard reads: the read locations are sampled, so the read
    addressing gets no gradient from the task loss. Add the score-function
    term `-sum_t sum_h log w_t(j_t) * stop_gradient(A)` per example, with the
    advantage `A = b - loss` (the example's task loss against a baseline `b`,
    e.g. the batch mean): the docs page has a `Model.compute_loss` that does
    it.

    Args:
        controller, units, memory_size, memory_width: As in `MemoryCell`.
        addressing, reads, writes: As in `MemoryCell`.
        read_heads, write_heads, shift_range, clip_value: As in `MemoryCell`.
        memory_init, seed: As in `MemoryCell`.
        return_access: Boolean; also return the read weightings
            `(batch, timesteps, read_heads, N)` (one-hot for hard reads) and
            the write weightings `(batch, timesteps, write_heads, N)` of
            every step (whatever `return_sequences`). Default: `False`.
        return_log_probs: Boolean, hard reads only; also return
            `log w_t(j_t)`, `(batch, timesteps, read_heads)`, zero at padded
            steps so that a sum over time is the log-probability of the
            sequence's reads. Default: `False`.
        return_sequences, return_state, go_backwards, stateful, unroll:
            As in `keras.layers.RNN`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A 3D tensor `(batch, timesteps, features)`.
        mask: Optional boolean `(batch, timesteps)`; padded steps leave the
            memory and the state unchanged.
        training: Python boolean; hard reads sample when `True`.
        initial_state: Optional state list, as `MemoryCell` documents.

    Returns:
        The outputs `[h_t, r_t]`, `(batch, units + read_heads * M)` or, with
        `return_sequences=True`, `(batch, timesteps, units + read_heads * M)`;
        then the read and write weightings when `return_access=True`; then
        the log-probabilities when `return_log_probs=True`; then the final
        states when `return_state=True`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers.memory_rnn import MemoryRNN
    >>> layer = MemoryRNN(units=8, memory_size=16, memory_width=4,
    ...                   reads="hard", read_heads=2, return_sequences=True,
    ...                   return_access=True, return_log_probs=True)
    >>> outputs, reads, writes, log_probs = layer(np.ones((2, 5, 3), "float32"))
    >>> tuple(outputs.shape), tuple(reads.shape), tuple(writes.shape)
    ((2, 5, 16), (2, 5, 2, 16), (2, 5, 1, 16))
    >>> tuple(log_probs.shape)
    (2, 5, 2)

    Reference:
        Graves, Wayne and Danihelka. Neural Turing Machines. 2014.
        https://arxiv.org/abs/1410.5401
        Zaremba and Sutskever. Reinforcement Learning Neural Turing
        Machines. 2015. https://arxiv.org/abs/1505.00521
    """

    def __init__(
        self,
        controller=None,
        units=100,
        memory_size=128,
        memory_width=20,
        addressing="content",
        reads="soft",
        writes="overwrite",
        read_heads=1,
        write_heads=1,
        shift_range=1,
        clip_value=20.0,
        memory_init="constant",
        return_access=False,
        return_log_probs=False,
        seed=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        **kwargs,
    ):
        cell = MemoryCell(
            controller=controller,
            units=units,
            memory_size=memory_size,
            memory_width=memory_width,
            addressing=addressing,
            reads=reads,
            writes=writes,
            read_heads=read_heads,
            write_heads=write_heads,
            shift_range=shift_range,
            clip_value=clip_value,
            memory_init=memory_init,
            return_access=return_access,
            return_log_probs=return_log_probs,
            seed=seed,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="memory_cell",
        )
        self._run_cell(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )

    def _run_cell(self, cell, **kwargs):
        """`keras.layers.RNN.__init__` over `cell` (shared with `NTM`).

        Subclasses build their own cell, a `MemoryCell` or a preset of it,
        from their own arguments, and call this instead of `__init__`.
        """
        keras.layers.RNN.__init__(self, cell, **check_rnn_flags(**kwargs))
        self.input_spec = keras.layers.InputSpec(ndim=3)

    @property
    def return_access(self):
        return self.cell.return_access

    @property
    def return_log_probs(self):
        return self.cell.return_log_probs

    @property
    def feature_size(self):
        """The size of `[h_t, r_t]`, the output without the access columns."""
        cell = self.cell
        return (
            cell.output_size
            - int(cell.return_access)
            * ((cell.read_heads + cell.write_heads) * cell.memory_size)
            - int(cell.return_log_probs) * cell.read_heads
        )

    def reset_state(self):
        # RNN.reset_state() assigns zeros; restore get_initial_state() (the
        # controller's own initial state included).
        reset_to_initial_state(self)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        check_timesteps(sequences)
        empty = empty_batch_outputs(self, sequences)
        if empty is not None:
            return empty
        if not (self.return_access or self.return_log_probs):
            return super().call(
                sequences, initial_state=initial_state, mask=mask, training=training
            )
        # The access columns are wanted at every step: run with sequences
        # and select afterwards.
        outputs, states = call_over_all_steps(
            self, sequences, initial_state, mask, training
        )
        cell = self.cell
        n, r, w = cell.memory_size, cell.read_heads, cell.write_heads
        size = self.feature_size
        batch, timesteps = ops.shape(outputs)[0], ops.shape(outputs)[1]
        features = outputs[..., :size]
        if not self.return_sequences:
            # Keras' RNN carries the last valid output through padded steps.
            features = features[:, -1]
        result = [features]
        start = size
        if self.return_access:
            result.append(
                ops.reshape(outputs[..., start : start + r * n], (batch, timesteps, r, n))
            )
            start += r * n
            result.append(
                ops.reshape(outputs[..., start : start + w * n], (batch, timesteps, w, n))
            )
            start += w * n
        if self.return_log_probs:
            log_probs = outputs[..., start : start + r]
            valid = mask_in_output_order(self, mask, log_probs.dtype)
            if valid is not None:
                # Padded steps repeat the last output: they read nothing.
                log_probs = log_probs * valid[:, :, None]
            result.append(log_probs)
        if self.return_state:
            result.extend(states)
        return result

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shapes = super().compute_output_shape(sequences_shape, initial_state_shape)
        if not (self.return_access or self.return_log_probs):
            return shapes
        batch, timesteps = sequences_shape[0], sequences_shape[1]
        cell = self.cell
        size = self.feature_size
        result = [(batch, timesteps, size) if self.return_sequences else (batch, size)]
        if self.return_access:
            result.append((batch, timesteps, cell.read_heads, cell.memory_size))
            result.append((batch, timesteps, cell.write_heads, cell.memory_size))
        if self.return_log_probs:
            result.append((batch, timesteps, cell.read_heads))
        if self.return_state:
            result.extend((batch, s) for s in cell.state_size)
        return result

    def compute_mask(self, sequences, mask):
        output_mask = super().compute_mask(sequences, mask)
        extra = 2 * int(self.return_access) + int(self.return_log_probs)
        if not extra:
            return output_mask
        if self.return_state:
            first, *rest = output_mask
            return [first, *([None] * extra), *rest]
        return [output_mask, *([None] * extra)]

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
