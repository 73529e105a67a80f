"""A recurrent decoder that attends over a memory (Bahdanau 2015, Luong 2015)."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils import random
from keras_memory.layers._utils.attention import AttentionLayer
from keras_memory.layers._utils.time_loop import scan_states
from keras_memory.ops.location_sampling import gumbel_max_locations
from keras_memory.ops.location_sampling import read_location

ATTENTION_ORDERS = ("luong", "bahdanau")
READS = ("soft", "hard")


def _as_list(states):
    return list(states) if isinstance(states, (list, tuple)) else [states]


@keras.saving.register_keras_serializable(package="keras_memory")
class AttentionDecoder(keras.layers.Layer):
    """Any Keras RNN cell made to attend over a memory of encoder states.

    At every target step the decoder reads the encoder states `h_1 .. h_S`
    (the memory `M_j = h_j`) by content-based addressing, with the decoder
    state as the query: `alpha_j = f(q, K(M_j))`, `p = softmax(alpha)`, the
    context `c = sum_j p_j M_j` (the `attention` layer:
    `BahdanauAttention` or `LuongAttention`). Two orders are available:

    `attention_order="luong"` (Luong et al., section 3, the default):
    attend from the new cell output `h_t`, then combine,

    ```
    h_t, states_t = cell([x_t; h~_{t-1}], states_{t-1})   input feeding (3.3)
    c_t, a_t      = attention(h_t, h_1..S)
    h~_t          = tanh(W_c [c_t; h_t])                   the attentional vector, eq. 5
    ```

    `attention_order="bahdanau"` (Bahdanau et al., appendix A.1.2): attend
    from the previous state `s_{t-1}` (the cell's first state, its output
    for `LSTMCell` and `GRUCell`), and feed the context to the cell,

    ```
    c_t, a_t      = attention(s_{t-1}, h_1..S)
    s_t, states_t = cell([x_t; c_t], states_{t-1})
    h~_t          = tanh(W_c [c_t; s_t])
    ```

    The output at step `t` is `h~_t` (`attention_units` wide); with
    `attention_units=None` there is no `W_c` and the output is `[c_t; h_t]`
    (`Dk + cell.output_size` wide), for a readout of the user's own. Input
    feeding (`input_feeding=True`, in either order) appends `h~_{t-1}` to
    the next input, so that the decoder knows what it attended to before
    (Luong, 3.3); `h~_0 = 0`.

    Why a layer and not a cell inside `keras.layers.RNN`: `RNN` has no
    `constants` argument in Keras 3, so the memory (of any source length)
    cannot reach a cell except through its state, whose sizes must be
    static. This layer runs its own `keras.ops.scan` over the target steps
    and keeps the memory, its keys `K(M_j)` (projected once per sequence)
    and its mask outside the loop. The step is public (`step`), so greedy
    and beam search (`keras_memory.decoding`) call the same maths one token
    at a time.

    Show, attend and tell (Xu et al., 2015) adds two options. With
    `context_gate=True` the context is gated by a scalar of the query
    (section 4.2.1): `beta_t = sigmoid(f_beta(q))`, `z_t = beta_t c_t` (in
    Bahdanau's order `q = h_{t-1}`, the paper's), and `z_t` replaces `c_t`
    everywhere after. With `read="hard"` (section 4.1) the context is one
    memory row, `z_t = a_{s_t}`: in training `s_t ~ Multinoulli(alpha_t)`,
    except that with probability `soft_read_probability` (the paper: one
    half) a step uses the expected context `sum_i alpha_ti a_i`; at
    inference `s_t = argmax_i alpha_ti`. The samples come from uniform noise
    drawn once per call with the layer's `keras.random.SeedGenerator`, before
    the loop (`keras_memory.ops.gumbel_max_locations`). `return_log_probs=True`
    returns `log alpha_{t, s_t}` per step for a REINFORCE loss (zero at steps
    that used the expected context, at padded steps and at inference).

    Masking: the target mask (from an `Embedding(mask_zero=True)` or
    `Masking` layer, or `mask=[target_mask, memory_mask]`) carries the
    states over padded steps and gives them zero outputs and zero attention;
    the memory mask `(batch, S)` gives padded source positions exactly zero
    weight (an all-padding memory reads a zero context).

    Args:
        cell: A Keras RNN cell (`keras.layers.LSTMCell`, `GRUCell`,
            `SimpleRNNCell`, or one of this package: `ClockworkRNNCell`,
            `ZoneoutCell(...)`), with `state_size` and `output_size`.
        attention: A `BahdanauAttention` or `LuongAttention` layer.
        attention_order: `"luong"` (attend from `h_t` after the cell) or
            `"bahdanau"` (attend from `s_{t-1}` before it). Default: `"luong"`.
        input_feeding: Boolean, whether `h~_{t-1}` joins the next input.
            Default: `True`.
        attention_units: Positive integer, the size of `h~_t = tanh(W_c
            [c_t; h_t])`; `None` for no `W_c` (the output is `[c_t; h_t]`).
            Default: `None`.
        kernel_initializer: Initializer of `W_c`. Default: `"glorot_uniform"`.
        context_gate: Boolean, gate the context with `beta_t =
            sigmoid(q W_beta + b_beta)` (Xu et al., 4.2.1). Default: `False`.
        read: `"soft"` (the expected context) or `"hard"` (one sampled
            location, Xu et al., 4.1). Default: `"soft"`.
        soft_read_probability: Float in `[0, 1]`, with `read="hard"`, the
            probability that a training step uses the expected context.
            Default: `0.5`.
        seed: Optional integer, the seed of the hard read's samples.
        return_alignments: Boolean, also return the attention weights of
            every step (tfa's `alignment_history`). Default: `False`.
        return_log_probs: Boolean, also return `log alpha_{t, s_t}`
            `(batch, T)` of the hard read (needs `read="hard"`).
            Default: `False`.
        return_state: Boolean, also return the cell's final states.
            Default: `False`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A list `[targets, memory]`: the decoder inputs `x_t`
            `(batch, T, Dx)` (the embedded previous tokens under teacher
            forcing) and the encoder states `(batch, S, Dk)`.
        mask: Optional list `[target_mask (batch, T), memory_mask (batch,
            S)]` (either may be `None`), or the memory mask alone. Inferred
            from the inputs' Keras masks when not given.
        initial_state: Optional list of the cell's initial states (from a
            `StateBridge` over the encoder's final states); zeros when not
            given.
        training: Python boolean, passed to the cell (dropout, zoneout).

    Returns:
        The outputs `h~` `(batch, T, output_size)`; with
        `return_alignments=True` also the weights `(batch, T, S)`; with
        `return_log_probs=True` also `log alpha_{t, s_t}` `(batch, T)`; with
        `return_state=True` also the cell's final states, in this order.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers import AttentionDecoder, LuongAttention
    >>> decoder = AttentionDecoder(
    ...     keras.layers.GRUCell(8), LuongAttention("general"),
    ...     attention_units=6, return_alignments=True)
    >>> targets = np.random.rand(2, 3, 5).astype("float32")  # x_1 .. x_3
    >>> memory = np.random.rand(2, 4, 7).astype("float32")  # h_1 .. h_4
    >>> memory_mask = np.array([[True] * 4, [True, True, False, False]])
    >>> outputs, alignments = decoder([targets, memory], mask=[None, memory_mask])
    >>> tuple(outputs.shape), tuple(alignments.shape)
    ((2, 3, 6), (2, 3, 4))
    >>> float(np.asarray(alignments)[1, :, 2:].max())  # padded sources weigh 0
    0.0

    Reference:
        Bahdanau, Cho and Bengio. Neural Machine Translation by Jointly
        Learning to Align and Translate. ICLR 2015.
        https://arxiv.org/abs/1409.0473 ;
        Luong, Pham and Manning. Effective Approaches to Attention-based
        Neural Machine Translation. EMNLP 2015.
        https://arxiv.org/abs/1508.04025
    """

    def __init__(
        self,
        cell,
        attention,
        attention_order="luong",
        input_feeding=True,
        attention_units=None,
        kernel_initializer="glorot_uniform",
        return_alignments=False,
        return_state=False,
        context_gate=False,
        read="soft",
        soft_read_probability=0.5,
        seed=None,
        return_log_probs=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(cell, dict):
            cell = keras.saving.deserialize_keras_object(cell)
        if isinstance(attention, dict):
            attention = keras.saving.deserialize_keras_object(attention)
        if not (hasattr(cell, "state_size") and callable(getattr(cell, "call", None))):
            raise validation.invalid_argument(
                "cell", "a Keras RNN cell with `state_size` and `call`", cell
            )
        if not isinstance(attention, AttentionLayer):
            raise validation.invalid_argument(
                "attention", "a BahdanauAttention or LuongAttention layer", attention
            )
        self.cell = cell
        self.attention = attention
        self.attention_order = validation.check_choice(
            "attention_order", attention_order, ATTENTION_ORDERS
        )
        self.input_feeding = validation.check_bool("input_feeding", input_feeding)
        self.attention_units = validation.check_optional_positive_int(
            "attention_units", attention_units
        )
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )
        self.return_alignments = validation.check_bool("return_alignments", return_alignments)
        self.return_state = validation.check_bool("return_state", return_state)
        self.context_gate = validation.check_bool("context_gate", context_gate)
        self.read = validation.check_choice("read", read, READS)
        self.soft_read_probability = validation.check_probability(
            "soft_read_probability", soft_read_probability
        )
        self.seed = validation.check_seed(seed, allow_none=True)
        self.return_log_probs = validation.check_bool("return_log_probs", return_log_probs)
        if self.return_log_probs and self.read != "hard":
            raise validation.invalid_argument(
                "return_log_probs", 'False unless `read="hard"`', return_log_probs
            )
        # Only the hard read draws: a soft decoder has no seed state to save.
        self.seed_generator = keras.random.SeedGenerator(self.seed) if self.read == "hard" else None
        self.supports_masking = True
        self.cell_state_size = [int(s) for s in _as_list(cell.state_size)]
        self.memory_dim = None
        self.cell_input_width = None

    # --- Sizes -------------------------------------------------------------------

    @property
    def cell_output_size(self):
        size = getattr(self.cell, "output_size", None)
        return self.cell_state_size[0] if size is None else int(size)

    @property
    def output_size(self):
        """The width of `h~_t` (or of `[c_t; h_t]` without `W_c`)."""
        if self.attention_units is not None:
            return self.attention_units
        if self.memory_dim is None:
            raise ValueError("`output_size` without `attention_units` is known once built.")
        return self.memory_dim + self.cell_output_size

    @property
    def state_size(self):
        """The decoder state of `step`: the cell's states, then `h~_{t-1}`."""
        return self.cell_state_size + ([self.output_size] if self.input_feeding else [])

    def _split_shapes(self, input_shape):
        targets_shape, memory_shape = AttentionLayer.split_shapes(input_shape)
        if len(targets_shape) != 3:
            raise validation.invalid_argument(
                "inputs[0]", "decoder inputs of rank 3, (batch, T, Dx)", f"shape {targets_shape}"
            )
        return targets_shape, memory_shape

    def build(self, input_shape):
        targets_shape, memory_shape = self._split_shapes(input_shape)
        self.memory_dim = int(memory_shape[-1])
        feed = targets_shape[-1]
        if self.input_feeding:
            feed += self.output_size
        if self.attention_order == "bahdanau":
            feed += self.memory_dim
            query_dim = self.cell_state_size[0]  # s_{t-1}
        else:
            query_dim = self.cell_output_size  # h_t
        self.cell_input_width = feed  # [x_t; h~_{t-1}; c_t]
        if not self.cell.built:
            self.cell.build((targets_shape[0], feed))
        if not self.attention.built:
            self.attention.build([(memory_shape[0], query_dim), memory_shape])
        if self.attention_units is not None:
            self.attention_kernel = self.add_weight(
                shape=(self.memory_dim + self.cell_output_size, self.attention_units),
                name="attention_kernel",
                initializer=self.kernel_initializer,
            )  # W_c (no bias, as eq. 5)
        else:
            self.attention_kernel = None
        if self.context_gate:
            self.gate_kernel = self.add_weight(
                shape=(query_dim, 1), name="gate_kernel", initializer=self.kernel_initializer
            )  # W_beta
            self.gate_bias = self.add_weight(shape=(1,), name="gate_bias", initializer="zeros")
        else:
            self.gate_kernel = None
            self.gate_bias = None

    # --- The step ------------------------------------------------------------------

    def project_memory(self, memory):
        """The keys `K(M_j)` of the memory, once per source sequence."""
        return self.attention.project_memory(memory)

    def get_initial_state(self, batch_size, cell_states=None):
        """The state of `step` at `t = 0`: the cell's states, then `h~_0 = 0`.

        Args:
            batch_size: The batch size (an integer or a scalar tensor).
            cell_states: Optional list of the cell's initial states; the
                cell's own initial state (zeros) when `None`.
        """
        if cell_states is None:
            cell_states = _as_list(self.cell.get_initial_state(batch_size=batch_size))
        cell_states = _as_list(cell_states)
        if len(cell_states) != len(self.cell_state_size):
            raise validation.invalid_argument(
                "initial_state",
                f"a list of {len(self.cell_state_size)} cell states of sizes "
                f"{self.cell_state_size}",
                f"{len(cell_states)} tensors",
            )
        states = [ops.cast(s, self.compute_dtype) for s in cell_states]
        if self.input_feeding:
            states.append(ops.zeros((batch_size, self.output_size), self.compute_dtype))
        return states

    def _read(self, query, keys, memory, memory_mask, noise):
        """`(z_t, alpha_t, log alpha_{t, s_t})`: the (gated, soft or hard) context."""
        dtype = self.compute_dtype
        context, weights = self.attention.attend(query, keys, memory, memory_mask)
        log_prob = ops.zeros((ops.shape(memory)[0],), dtype)
        if self.read == "hard":
            if noise is None:
                locations = ops.cast(ops.argmax(weights, axis=-1), "int32")  # inference
            else:
                locations = gumbel_max_locations(weights, noise[0])  # s_t ~ alpha_t
            hard = read_location(memory, weights, locations)
            hard_context = ops.cast(hard.values, dtype)
            if noise is None:
                context = hard_context
            else:
                # With probability one half, the expected context (Xu et al., 4.1).
                use_soft = noise[1] < self.soft_read_probability  # (batch, 1)
                context = ops.where(use_soft, ops.cast(context, dtype), hard_context)
                log_prob = ops.where(use_soft[:, 0], log_prob, ops.cast(hard.log_probs, dtype))
        if self.context_gate:
            # beta_t = sigmoid(f_beta(q)), z_t = beta_t c_t (Xu et al., 4.2.1)
            kernel = ops.cast(self.gate_kernel, dtype)
            gate = ops.sigmoid(
                ops.matmul(ops.cast(query, dtype), kernel) + ops.cast(self.gate_bias, dtype)
            )
            context = gate * ops.cast(context, dtype)
        return context, weights, log_prob

    def step(self, inputs, states, keys, memory, memory_mask=None, training=False, noise=None):
        """One decoder step: `(output h~_t, new states, weights a_t)`.

        Args:
            inputs: The step's input `x_t`, `(batch, Dx)`.
            states: The decoder state (`get_initial_state`, or the last
                step's): the cell's states, then `h~_{t-1}` with input feeding.
            keys: `project_memory(memory)`.
            memory: The encoder states `(batch, S, Dk)`.
            memory_mask: Optional boolean `(batch, S)`.
            training: Python boolean, passed to the cell.
            noise: With `read="hard"` in training, a pair `(u (batch, S),
                coin (batch, 1))` of uniform noise: the sample and the
                choice of the expected context. `None` reads the argmax.
        """
        output, new_states, weights, _ = self.step_with_log_prob(
            inputs, states, keys, memory, memory_mask, training, noise
        )
        return output, new_states, weights

    def step_with_log_prob(
        self, inputs, states, keys, memory, memory_mask=None, training=False, noise=None
    ):
        """`step`, and `log alpha_{t, s_t}` of the hard read `(batch,)` last."""
        dtype = self.compute_dtype
        num_cell_states = len(self.cell_state_size)
        cell_states = [ops.cast(s, dtype) for s in states[:num_cell_states]]
        pieces = [ops.cast(inputs, dtype)]
        if self.input_feeding:
            pieces.append(ops.cast(states[num_cell_states], dtype))  # h~_{t-1}
        if self.attention_order == "bahdanau":
            context, weights, log_prob = self._read(
                cell_states[0], keys, memory, memory_mask, noise
            )
            pieces.append(context)  # c_t from s_{t-1}
            cell_input = ops.concatenate(pieces, axis=-1)
            cell_output, new_cell_states = self.cell(cell_input, cell_states, training=training)
        else:
            cell_input = ops.concatenate(pieces, axis=-1)
            cell_output, new_cell_states = self.cell(cell_input, cell_states, training=training)
            context, weights, log_prob = self._read(cell_output, keys, memory, memory_mask, noise)
        cell_output = ops.cast(cell_output, dtype)
        attentional = ops.concatenate([ops.cast(context, dtype), cell_output], axis=-1)
        if self.attention_kernel is not None:
            # h~_t = tanh(W_c [c_t; h_t])
            kernel = ops.cast(self.attention_kernel, dtype)
            attentional = ops.tanh(ops.matmul(attentional, kernel))
        new_states = [ops.cast(s, dtype) for s in _as_list(new_cell_states)]
        if self.input_feeding:
            new_states.append(attentional)
        return attentional, new_states, ops.cast(weights, dtype), log_prob

    # --- The sequence ----------------------------------------------------------------

    @staticmethod
    def _split_mask(mask):
        if isinstance(mask, (list, tuple)):
            if len(mask) != 2:
                raise validation.invalid_argument(
                    "mask", "a list [target_mask, memory_mask]", f"{len(mask)} masks"
                )
            return mask[0], mask[1]
        return None, mask

    def call(self, inputs, mask=None, initial_state=None, training=False, inputs_mask=None):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise validation.invalid_argument(
                "inputs", "a list of two tensors [targets, memory]", inputs
            )
        targets, memory = inputs
        if mask is None:
            # With `initial_state` given, Keras passes the inputs' Keras masks
            # as `inputs_mask` instead of `mask` (two tensor arguments): the
            # trap of `keras.layers.RNN`, where the masks are then lost.
            mask = inputs_mask
        target_mask, memory_mask = self._split_mask(mask)
        dtype = self.compute_dtype
        targets = ops.cast(targets, dtype)
        memory = ops.cast(memory, dtype)
        memory_mask = self.attention.check_memory_mask(memory_mask, memory)
        keys = self.project_memory(memory)
        batch_size = ops.shape(memory)[0]
        states = self.get_initial_state(batch_size, initial_state)
        self._configure_dropout(targets[:, 0], states[0])

        # The carry holds the last output and weights as well as the states,
        # so that the loop stacks all three (`scan_states`).
        zero_output = ops.zeros((batch_size, self.output_size), dtype)
        zero_weights = ops.zeros((batch_size, ops.shape(memory)[1]), dtype)
        zero_log_prob = ops.zeros((batch_size,), dtype)
        time_major = ops.transpose(targets, (1, 0, 2))
        steps = ops.shape(time_major)[0]
        if target_mask is None:
            step_mask = ops.ones((steps, batch_size, 1), "bool")
        else:
            step_mask = ops.transpose(ops.cast(target_mask, "bool"), (1, 0))[..., None]
        sampling = self.read == "hard" and bool(training)
        if sampling:
            # All the loop's noise at once, outside it: no SeedGenerator
            # update inside `scan`/`while_loop` (see ops.location_sampling).
            locations = memory.shape[1] if memory.shape[1] is not None else ops.shape(memory)[1]
            # Integer draws: float draws differ with and without XLA on TF.
            sample_noise = random.uniform((steps, batch_size, locations), self.seed_generator)
            coin = random.uniform((steps, batch_size, 1), self.seed_generator)
            sequence = (time_major, step_mask, sample_noise, coin)
        else:
            sequence = (time_major, step_mask)

        def loop_step(carry, step_inputs):
            previous_states = carry[0]
            noise = (step_inputs[2], step_inputs[3]) if sampling else None
            output, new_states, weights, log_prob = self.step_with_log_prob(
                step_inputs[0], previous_states, keys, memory, memory_mask, training, noise
            )
            keep = step_inputs[1]  # (batch, 1): padded steps keep the state
            new_states = [ops.where(keep, n, p) for n, p in zip(new_states, previous_states)]
            output = ops.where(keep, output, ops.zeros_like(output))
            weights = ops.where(keep, weights, ops.zeros_like(weights))
            log_prob = ops.where(keep[:, 0], log_prob, ops.zeros_like(log_prob))
            return (new_states, output, weights, log_prob)

        final, stacked = scan_states(
            loop_step, (states, zero_output, zero_weights, zero_log_prob), sequence
        )
        self._reset_dropout()
        outputs = ops.transpose(stacked[1], (1, 0, 2))
        results = [outputs]
        if self.return_alignments:
            results.append(ops.transpose(stacked[2], (1, 0, 2)))
        if self.return_log_probs:
            results.append(ops.transpose(stacked[3], (1, 0)))
        if self.return_state:
            results.extend(final[0][: len(self.cell_state_size)])
        return results[0] if len(results) == 1 else tuple(results)

    def _configure_dropout(self, first_inputs, first_state):
        # Dropout masks are drawn once, outside the loop, as keras.layers.RNN
        # does: a mask drawn inside `scan` would leave the loop's frame.
        if hasattr(self.cell, "get_dropout_mask"):
            batch_size = ops.shape(first_inputs)[0]
            self.cell.get_dropout_mask(ops.zeros((batch_size, self.cell_input_width)))
            self.cell.get_recurrent_dropout_mask(first_state)

    def _reset_dropout(self):
        if hasattr(self.cell, "get_dropout_mask"):
            self.cell.reset_dropout_mask()
            self.cell.reset_recurrent_dropout_mask()

    # --- Shapes and config ---------------------------------------------------------------

    def compute_output_spec(
        self, inputs, mask=None, initial_state=None, training=False, inputs_mask=None
    ):
        targets_shape, memory_shape = self._split_shapes([tuple(x.shape) for x in inputs])
        self.memory_dim = int(memory_shape[-1])
        batch, steps = targets_shape[0], targets_shape[1]
        results = [keras.KerasTensor((batch, steps, self.output_size), dtype=self.compute_dtype)]
        if self.return_alignments:
            results.append(
                keras.KerasTensor((batch, steps, memory_shape[1]), dtype=self.compute_dtype)
            )
        if self.return_log_probs:
            results.append(keras.KerasTensor((batch, steps), dtype=self.compute_dtype))
        if self.return_state:
            results.extend(
                keras.KerasTensor((batch, size), dtype=self.compute_dtype)
                for size in self.cell_state_size
            )
        return results[0] if len(results) == 1 else tuple(results)

    def compute_mask(self, inputs, mask=None):
        target_mask, _ = self._split_mask(mask)
        if not (self.return_alignments or self.return_state or self.return_log_probs):
            return target_mask
        extra = (
            int(self.return_alignments)
            + int(self.return_log_probs)
            + (len(self.cell_state_size) if self.return_state else 0)
        )
        return [target_mask] + [None] * extra

    def get_config(self):
        base_config = super().get_config()
        config = {
            "cell": keras.saving.serialize_keras_object(self.cell),
            "attention": keras.saving.serialize_keras_object(self.attention),
            "attention_order": self.attention_order,
            "input_feeding": self.input_feeding,
            "attention_units": self.attention_units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "return_alignments": self.return_alignments,
            "return_state": self.return_state,
            "context_gate": self.context_gate,
            "read": self.read,
            "soft_read_probability": self.soft_read_probability,
            "seed": self.seed,
            "return_log_probs": self.return_log_probs,
        }
        return {**base_config, **config}
