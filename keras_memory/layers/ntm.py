"""Neural Turing Machine layer (Graves, Wayne and Danihelka, 2014)."""

import keras

from keras_memory.layers.memory_rnn import MemoryRNN
from keras_memory.layers.ntm_cell import NTMCell


@keras.saving.register_keras_serializable(package="keras_memory")
class NTM(MemoryRNN):
    """An RNN over an `NTMCell`, optionally returning the head weightings.

    Builds an `NTMCell` from its own arguments (see `NTMCell` for the
    equations, the order of a step and the state layout) and runs it. With
    `return_access=True` it also returns every step's read and write
    weightings, split from the cell's output. It is the `MemoryRNN` preset
    `addressing="location", reads="soft", writes="erase_add"`, whose config
    has no access options.

    Args:
        controller, units, memory_size, memory_width: As in `NTMCell`.
        read_heads, write_heads, shift_range, clip_value: As in `NTMCell`.
        memory_init, seed: As in `NTMCell`.
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
        self._run_cell(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )
