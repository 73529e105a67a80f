"""Zoneout wrapper for recurrent cells (Krueger et al., ICLR 2017)."""

import copy

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import cell_wrapper
from keras_memory.layers._utils import random
from keras_memory.layers.clockwork_rnn_cell import ClockworkRNNCell


def _as_list(sizes_or_states):
    if isinstance(sizes_or_states, (list, tuple)):
        return list(sizes_or_states)
    return [sizes_or_states]


def _innermost(cell):
    while isinstance(cell, ZoneoutCell):
        cell = cell.cell
    return cell


@keras.saving.register_keras_serializable(package="keras_memory")
class ZoneoutCell(keras.layers.Layer, cell_wrapper.ForwardsDropoutHooks):
    """Zoneout for any recurrent cell: units keep their previous value at random.

    At every step each unit of a zoned-out state keeps its previous value with
    probability `p` instead of taking the wrapped cell's update. With the
    paper's symbols, for an LSTM whose update is `c~_t = f_t * c_{t-1} +
    i_t * g_t` and `h~_t = o_t * tanh(c~_t)`:

    ```
    c_t = d_t^c * c_{t-1} + (1 - d_t^c) * c~_t     d_t^c ~ Bernoulli(zoneout_c)
    h_t = d_t^h * h_{t-1} + (1 - d_t^h) * h~_t     d_t^h ~ Bernoulli(zoneout_h)
    ```

    with fresh masks `d_t^c`, `d_t^h` (one entry per unit and example) at
    every step. `h~_t` is computed from the cell's own update `c~_t`, as in
    the paper, because the wrapped cell does the step and zoneout is applied
    to its result. At inference (`training=False`) the masks are replaced by
    their expectation: `h_t = (1 - p) * h~_t + p * h_{t-1}`, likewise `c_t`.

    Which states are zoned out:

    - `zoneout_h` applies to the first state, `h`, of any cell.
    - `zoneout_c` applies to the second state, `c`, and is accepted only for
      an LSTM-style cell: exactly two states of equal size, the second being
      a memory cell (`keras.layers.LSTMCell` and cells like it). A non-zero
      `zoneout_c` on any other cell raises a `ValueError` when the layer is
      built: cells with one state (`GRUCell`, `SimpleRNNCell`), cells with
      more states, and `ClockworkRNNCell`, whose second state is the
      integer-valued clock phase `t mod T_i` (mixing an old and a new phase
      would make modules fire at the wrong steps).
    - Every other state is returned exactly as the wrapped cell computed it:
      the Clockwork clock is never zoned out.

    The output is the zoned-out `h_t` when the wrapped cell returns its first
    new state as its output (every Keras cell and `ClockworkRNNCell` does),
    as in the paper; otherwise the wrapped cell's output is returned as is.
    Either way `output_size` and `state_size` are those of the wrapped cell.

    Randomness comes from a `keras.random.SeedGenerator`, so runs repeat
    under `keras.utils.set_random_seed` (or with a fixed `seed`); on
    TensorFlow the masks are the same with and without `jit_compile`. Inside
    `keras.layers.RNN` on the JAX backend the loop is a `lax.scan`, in which
    a seed generator cannot advance; there the generator draws one key per
    sequence before the loop and each step's masks come from that key and a
    hash of the step's inputs and previous states (see the docs page for the
    one consequence: masks repeat only where inputs and states repeat exactly).

    Args:
        cell: A recurrent cell: a `keras.layers.Layer` with `call` and
            `state_size`, such as `keras.layers.LSTMCell`, `GRUCell`,
            `SimpleRNNCell` or `keras_memory.layers.ClockworkRNNCell`.
        zoneout_h: Float in `[0, 1]`, the probability `z_h` that a unit of
            the first state `h` keeps its previous value. Default: `0.0`.
        zoneout_c: Float in `[0, 1]`, the probability `z_c` that a unit of
            the LSTM memory cell `c` (second state) keeps its previous value.
            Must be 0 unless the cell is LSTM-style (see above).
            Default: `0.0`.
        seed: Integer seed of the masks' `SeedGenerator`, or `None` for one
            drawn from Python's global random state (set by
            `keras.utils.set_random_seed`). Default: `None`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A 2D tensor `x_t`, with shape `(batch, features)`.
        states: The wrapped cell's states at `t - 1`, in its order, each of
            shape `(batch, size)` (for an LSTM: `[h_{t-1}, c_{t-1}]`, each
            `(batch, units)`).
        training: Python boolean; random masks when `True`, their expectation
            when `False`. Also passed to the wrapped cell.

    Returns:
        A tuple `(output_t, new_states)`, shaped like the wrapped cell's,
        with the zoned-out states (for an LSTM: `(h_t, [h_t, c_t])`).

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers import ZoneoutCell
    >>> cell = ZoneoutCell(keras.layers.LSTMCell(8), zoneout_h=0.05, zoneout_c=0.5)
    >>> layer = keras.layers.RNN(cell, return_sequences=True)
    >>> tuple(layer(np.ones((2, 5, 3), "float32"), training=True).shape)
    (2, 5, 8)

    Reference:
        Krueger, Maharaj, Kramár, Pezeshki, Ballas, Ke, Goyal, Bengio,
        Courville and Pal. Zoneout: Regularizing RNNs by Randomly Preserving
        Hidden Activations. ICLR 2017. https://arxiv.org/abs/1606.01305
    """

    def __init__(self, cell, zoneout_h=0.0, zoneout_c=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        # A Keras cell (not a whole RNN layer) whose state_size is an int or
        # a flat list of ints, as for SkipRNNCell.
        self.cell = cell_wrapper.check_cell(cell)
        cell_wrapper.state_sizes(cell)
        self.zoneout_h = validation.check_probability("zoneout_h", zoneout_h)
        self.zoneout_c = validation.check_probability("zoneout_c", zoneout_c)
        self.seed = validation.check_seed(seed, allow_none=True)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        # The key drawn for the current sequence on JAX (see
        # `get_dropout_mask`); None outside `keras.layers.RNN`'s loop.
        self._sequence_seed = None

    @property
    def state_size(self):
        return self.cell.state_size

    @property
    def output_size(self):
        output_size = getattr(self.cell, "output_size", None)
        if output_size is None:
            return _as_list(self.cell.state_size)[0]
        return output_size

    def _state_rates(self):
        """The zoneout probability of each state, in the cell's state order."""
        rates = [0.0] * len(_as_list(self.cell.state_size))
        rates[0] = self.zoneout_h
        if self.zoneout_c:
            rates[1] = self.zoneout_c
        return rates

    def _check_zoneout_c(self):
        if not self.zoneout_c:
            return
        sizes = _as_list(self.cell.state_size)
        inner = _innermost(self.cell)
        description = f"{type(inner).__name__} with state_size {sizes}"
        if isinstance(inner, ClockworkRNNCell):
            expected = (
                f"0 for a {description}: its second state is the integer "
                "clock phase, which must never be zoned out"
            )
        elif len(sizes) != 2 or sizes[0] != sizes[1]:
            expected = (
                f"0 for a {description}: `zoneout_c` needs an LSTM-style "
                "cell with two states [h, c] of equal size"
            )
        else:
            return
        raise validation.invalid_argument("zoneout_c", expected, self.zoneout_c)

    def build(self, input_shape):
        self._check_zoneout_c()
        if not self.cell.built:
            self.cell.build(input_shape)
            self.cell.built = True

    # --- Hooks of keras.layers.RNN (see the import of DropoutRNNCell) -------

    def get_dropout_mask(self, step_input):
        # Called once per sequence, before the loop. On JAX the loop is a
        # `lax.scan`: draw this sequence's key here, outside it, where the
        # seed generator can advance.
        zoned_out = self.zoneout_h or self.zoneout_c
        if keras.backend.backend() == "jax" and zoned_out:
            self._sequence_seed = self.seed_generator.next()
        # A wrapped LSTMCell(dropout=...) needs its masks prepared here too.
        return super().get_dropout_mask(step_input)

    def reset_dropout_mask(self):
        self._sequence_seed = None
        super().reset_dropout_mask()

    # --- Step -----------------------------------------------------------------

    def _keep_mask(self, shape, rate, seed):
        # d_t ~ Bernoulli(rate): 1 (True) keeps the previous value. Integer
        # draws, not `keras.random.uniform`, so that a `jit_compile=True`
        # training step sees the same masks as an uncompiled one (see
        # `keras_memory.layers._utils.random`).
        draws = random.integer_draws(shape, seed)
        return ops.less(draws, round(rate * random.DRAW_RESOLUTION))

    def call(self, inputs, states, training=False):
        # x_t in the compute dtype (integers too); strings refused.
        inputs = validation.cast_inputs(inputs, self.compute_dtype)
        empty = cell_wrapper.empty_batch_step(self, inputs, states)
        if empty is not None:
            return empty
        previous = _as_list(states)  # h_{t-1}, c_{t-1}, ... as the cell orders them
        output, new_states = self.cell(inputs, states, training=training)
        nested = isinstance(new_states, (list, tuple))
        updated = _as_list(new_states)  # h~_t, c~_t, ...
        output_is_h = output is updated[0]

        rates = self._state_rates()
        step_key = None
        draws_masks = training and any(0.0 < rate < 1.0 for rate in rates)
        if draws_masks and self._sequence_seed is not None:
            step_key = random.jax_step_key(
                self._sequence_seed, [inputs, *previous]
            )

        zoned = []
        for index, (old, new, rate) in enumerate(zip(previous, updated, rates)):
            if rate == 0.0:
                zoned.append(new)
            elif rate == 1.0:
                zoned.append(ops.cast(old, new.dtype))
            elif training:
                seed = (
                    self.seed_generator
                    if step_key is None
                    else random.jax_fold_in(step_key, index)
                )
                keep = self._keep_mask(ops.shape(new), rate, seed)  # d_t
                zoned.append(ops.where(keep, ops.cast(old, new.dtype), new))
            else:
                # The expectation of the mask: E[d_t] = rate.
                zoned.append((1.0 - rate) * new + rate * ops.cast(old, new.dtype))

        if output_is_h:
            output = zoned[0]
        return output, (zoned if nested else zoned[0])

    def get_initial_state(self, batch_size=None):
        get_initial_state = getattr(self.cell, "get_initial_state", None)
        if get_initial_state is not None:
            return get_initial_state(batch_size=batch_size)
        return [
            ops.zeros((batch_size, size), dtype=self.compute_dtype)
            for size in _as_list(self.cell.state_size)
        ]

    def get_config(self):
        config = {
            "cell": keras.saving.serialize_keras_object(self.cell),
            "zoneout_h": self.zoneout_h,
            "zoneout_c": self.zoneout_c,
            "seed": self.seed,
        }
        base_config = super().get_config()
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # Work on a copy: deserializing must not change the caller's dict
        # (keras.layers.RNN.from_config pops "cell" from the one it gets).
        config = dict(config)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell = keras.saving.deserialize_keras_object(
                copy.deepcopy(cell), custom_objects=custom_objects
            )
        return cls(cell, **config)
