"""Every public layer, registered once in a tiny configuration.

A new public layer adds one `LayerSpec` here; `test_every_public_layer_is_
registered` fails until it does.
"""

import keras
from conformance import BATCH_SIZE
from conformance import LayerSpec
from conformance import padded_token_ids

from keras_memory import layers

SPECS = (
    LayerSpec(
        layers.ClockworkRNNCell,
        kind="cell",
        # Periods that are not powers of two, so phases wrap unevenly.
        factory=lambda: layers.ClockworkRNNCell(6, periods=[1, 2, 3]),
    ),
    LayerSpec(
        layers.ClockworkRNN,
        kind="rnn",
        factory=lambda **kwargs: layers.ClockworkRNN(6, periods=[1, 2, 3], **kwargs),
    ),
    LayerSpec(
        layers.SkipRNNCell,
        kind="cell",
        # b_p = -1 so that the gate skips some steps in the check inputs.
        factory=lambda: layers.SkipRNNCell(
            keras.layers.LSTMCell(4),
            return_gates=True,
            update_bias_initializer=keras.initializers.Constant(-1.0),
        ),
    ),
    LayerSpec(
        layers.SkipRNN,
        kind="rnn",
        factory=lambda **kwargs: layers.SkipRNN(
            keras.layers.GRUCell(4),
            budget_weight=0.01,
            update_bias_initializer=keras.initializers.Constant(-1.0),
            **kwargs,
        ),
    ),
    LayerSpec(
        layers.ZoneoutCell,
        kind="cell",
        variant="lstm",
        # Seeded: the jit check builds two models and compares their fit steps.
        factory=lambda: layers.ZoneoutCell(
            keras.layers.LSTMCell(4), zoneout_h=0.3, zoneout_c=0.2, seed=1
        ),
    ),
    LayerSpec(
        layers.ZoneoutCell,
        kind="cell",
        variant="clockwork",
        # The clock phases pass through untouched (masking, stateful, export).
        factory=lambda: layers.ZoneoutCell(
            layers.ClockworkRNNCell(6, periods=[1, 2, 3]), zoneout_h=0.3, seed=1
        ),
    ),
    LayerSpec(
        layers.HMLSTMCell,
        kind="cell",
        variant="boundaries",
        # Boundaries in the output: state 0 (the output) carries z as well.
        factory=lambda: layers.HMLSTMCell([4, 3], return_boundaries=True),
    ),
    LayerSpec(
        layers.HMLSTM,
        kind="rnn",
        # Three layers, so the middle one can UPDATE, COPY and FLUSH; and the
        # gated output module.
        factory=lambda **kwargs: layers.HMLSTM(
            [4, 3, 2], output_module_units=5, **kwargs
        ),
    ),
    LayerSpec(
        layers.NTMCell,
        kind="cell",
        factory=lambda: layers.NTMCell(units=4, memory_size=5, memory_width=3),
    ),
    LayerSpec(
        layers.NTMCell,
        kind="cell",
        variant="feedforward",
        # No controller state: the memory is the only recurrence.
        factory=lambda: layers.NTMCell(
            "feedforward", units=4, memory_size=5, memory_width=3
        ),
    ),
    LayerSpec(
        layers.NTM,
        kind="rnn",
        factory=lambda **kwargs: layers.NTM(
            units=4, memory_size=5, memory_width=3, **kwargs
        ),
    ),
    LayerSpec(
        layers.StackedAttention,
        kind="layer",
        # Attention maps as a second output (not fed to the Dense).
        factory=lambda **kwargs: layers.StackedAttention(
            5, hops=2, return_attention=True, **kwargs
        ),
        make_inputs=lambda rng: {
            "regions": rng.normal(size=(BATCH_SIZE, 6, 4)).astype("float32"),
            "question": rng.normal(size=(BATCH_SIZE, 4)).astype("float32"),
        },
    ),
    LayerSpec(
        layers.MemoryNetwork,
        kind="layer",
        variant="adjacent",
        # 5 sentences in a memory of 4: truncation; padded words and sentences.
        factory=lambda **kwargs: layers.MemoryNetwork(
            13, 6, hops=2, memory_size=4, return_attention=True, **kwargs
        ),
        make_inputs=lambda rng: {
            "story": padded_token_ids(rng, (BATCH_SIZE, 5, 4), 13),
            "question": padded_token_ids(rng, (BATCH_SIZE, 4), 13),
        },
    ),
    LayerSpec(
        layers.MemoryNetwork,
        kind="layer",
        variant="layerwise",
        # Seeded random noise: the jit check compares two seeded fit steps.
        factory=lambda **kwargs: layers.MemoryNetwork(
            13, 6, hops=2, memory_size=4, weight_tying="layerwise",
            encoding="bag_of_words", nonlinearity="relu", random_noise=0.3,
            seed=1, **kwargs
        ),
        make_inputs=lambda rng: {
            "story": padded_token_ids(rng, (BATCH_SIZE, 5, 4), 13),
            "question": padded_token_ids(rng, (BATCH_SIZE, 4), 13),
        },
    ),
    LayerSpec(
        layers.MemoryNetworkResponse,
        kind="layer",
        # Greedy decoding (argmax fed back) in every check.
        factory=lambda **kwargs: layers.MemoryNetworkResponse(
            13, 6, hops=1, memory_size=4, answer_length=2, response_cell="lstm",
            **kwargs
        ),
        make_inputs=lambda rng: {
            "story": padded_token_ids(rng, (BATCH_SIZE, 5, 4), 13),
            "question": padded_token_ids(rng, (BATCH_SIZE, 4), 13),
        },
    ),
    LayerSpec(
        layers.MemoryCell,
        kind="cell",
        factory=lambda: layers.MemoryCell(units=4, memory_size=5, memory_width=3),
    ),
    LayerSpec(
        layers.MemoryCell,
        kind="cell",
        variant="hard",
        # Seeded: the jit check compares two models' training steps.
        factory=lambda: layers.MemoryCell(
            units=4, memory_size=5, memory_width=3, addressing="location",
            reads="hard", writes="residual", read_heads=2, write_heads=2,
            return_access=True, return_log_probs=True, seed=1,
        ),
    ),
    LayerSpec(
        layers.MemoryRNN,
        kind="rnn",
        factory=lambda **kwargs: layers.MemoryRNN(
            units=4, memory_size=5, memory_width=3, writes="erase_add",
            write_heads=2, **kwargs,
        ),
    ),
    LayerSpec(
        layers.PreviousStateAttentionCell,
        kind="cell",
        variant="lstm",
        # window 3 < 7 timesteps: the ring wraps around.
        factory=lambda: layers.PreviousStateAttentionCell(
            keras.layers.LSTMCell(4), window=3, return_attention=True
        ),
    ),
    LayerSpec(
        layers.PreviousStateAttentionCell,
        kind="cell",
        variant="clockwork",
        factory=lambda: layers.PreviousStateAttentionCell(
            layers.ClockworkRNNCell(6, periods=[1, 2, 3]), window=2,
            score="dot", attended_states="first",
        ),
    ),
    LayerSpec(
        layers.PreviousStateAttention,
        kind="rnn",
        factory=lambda **kwargs: layers.PreviousStateAttention(
            keras.layers.GRUCell(4), window=3, **kwargs
        ),
    ),
)
