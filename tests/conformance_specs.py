"""Every public layer, registered once in a tiny configuration.

A new public layer adds one spec here (`CellSpec`, `RNNSpec` or `LayerSpec`)
with its output shapes, its weight counts and an independent reference
(`tests/references.py`); `test_every_public_layer_is_registered` fails until
it does.
"""

import attention_references
import glimpse_references
import keras
import numpy as np
import references
from conformance import BATCH_SIZE
from conformance import CellSpec
from conformance import LayerSpec
from conformance import RNNSpec
from conformance import TreeCellSpec
from conformance import padded_token_ids

from keras_memory import layers
from keras_memory.applications.captioning.model import CoordinateChannels

B, T = BATCH_SIZE, 7  # the batch and timesteps of the recurrent specs


def _zoneout(inner_step=None):
    def reference(cell, x):
        step = references.zoneout_step(cell, inner_step and inner_step(cell.cell))
        states = references.initial_states(cell.cell, x.shape[0])
        return references.run_steps(step, x, states)[0]

    return reference


def _attention_with_weights(cell, x):
    outputs, attention, _ = references.previous_state_attention(cell, x)
    return np.concatenate([outputs, attention], -1)


def _story_and_question(rng, batch_size):
    return {
        "story": padded_token_ids(rng, (batch_size, 5, 4), 13),
        "question": padded_token_ids(rng, (batch_size, 4), 13),
    }


def _query_and_memory(query_shape):
    """A query `(B, *query_shape)` and a memory of 5 states of size 4."""

    def make_inputs(rng, batch_size):
        return {
            "query": rng.normal(size=(batch_size, *query_shape)).astype("float32"),
            "memory": rng.normal(size=(batch_size, 5, 4)).astype("float32"),
        }

    return make_inputs


def _targets_and_memory(rng, batch_size):
    """Decoder inputs `(B, 3, 5)` and a memory of 5 states of size 4."""
    return {
        "targets": rng.normal(size=(batch_size, 3, 5)).astype("float32"),
        "memory": rng.normal(size=(batch_size, 5, 4)).astype("float32"),
    }


def _glimpse_images(rng, batch_size):
    return {"images": rng.random((batch_size, 20, 20, 1)).astype("float32")}


def _images_and_locations(rng, batch_size):
    """Two channels; some locations outside `[-1, 1]` (clipped)."""
    return {
        "images": rng.random((batch_size, 20, 20, 2)).astype("float32"),
        "locations": rng.uniform(-1.2, 1.2, (batch_size, 2)).astype("float32"),
    }


# Three binary trees of 6 node slots, root last: a unary root (empty second
# slot); an empty first slot; nodes not in topological order (node 0's
# children are nodes 1 and 2). The deepest has 4 levels.
BINARY_TREES = np.array(
    [
        [[-1, -1], [-1, -1], [0, 1], [-1, -1], [2, 3], [4, -1]],
        [[-1, -1], [-1, -1], [-1, -1], [1, 2], [-1, 0], [3, 4]],
        [[1, 2], [-1, -1], [-1, -1], [-1, -1], [0, 3], [4, -1]],
    ],
    "int32",
)
# For the Child-Sum Tree-LSTM: three and two unordered children.
WIDE_TREES = np.array(
    [
        [[-1, -1, -1]] * 4 + [[0, 1, 2], [4, 3, -1]],
        [[-1, -1, -1]] * 3 + [[-1, 1, 0], [-1, -1, -1], [3, 2, 4]],
    ],
    "int32",
)


def _trees(shapes):
    """Node inputs `(B, 6, 3)` and the child arrays, tree shapes in turn."""

    def make_inputs(rng, batch_size):
        return {
            "nodes": rng.normal(size=(batch_size, 6, 3)).astype("float32"),
            "children": shapes[np.arange(batch_size) % len(shapes)],
        }

    return make_inputs


SPECS = (
    CellSpec(
        layers.ClockworkRNNCell,
        # Periods that are not powers of two, so phases wrap unevenly.
        lambda: layers.ClockworkRNNCell(6, periods=[1, 2, 3]),
        reference=references.clockwork_rnn,
        output_shapes=(B, T, 6),
        weight_counts=(3, 0),
    ),
    RNNSpec(
        layers.ClockworkRNN,
        lambda **kwargs: layers.ClockworkRNN(6, periods=[1, 2, 3], **kwargs),
        reference=lambda layer, x: references.clockwork_rnn(layer.cell, x),
        output_shapes=(B, T, 6),
        weight_counts=(3, 0),
    ),
    CellSpec(
        layers.SkipRNNCell,
        # b_p = -1 so that the gate skips some steps in the check inputs.
        lambda: layers.SkipRNNCell(
            keras.layers.LSTMCell(4),
            return_gates=True,
            update_bias_initializer=keras.initializers.Constant(-1.0),
        ),
        reference=references.skip_rnn,
        output_shapes=(B, T, 5),
        weight_counts=(5, 0),
    ),
    RNNSpec(
        layers.SkipRNN,
        lambda **kwargs: layers.SkipRNN(
            keras.layers.GRUCell(4),
            budget_weight=0.01,
            update_bias_initializer=keras.initializers.Constant(-1.0),
            **kwargs,
        ),
        # The layer strips the gate column of its cell's output.
        reference=lambda layer, x: references.skip_rnn(layer.cell, x)[..., :4],
        output_shapes=(B, T, 4),
        weight_counts=(5, 0),
    ),
    CellSpec(
        layers.ACTCell,
        # b_h = -1: examples ponder 2 to 3 steps, some reach M = 3.
        lambda: layers.ACTCell(
            keras.layers.LSTMCell(4),
            max_ponder_steps=3,
            return_ponder=True,
            halting_bias_initializer=keras.initializers.Constant(-1.0),
        ),
        reference=references.act,
        output_shapes=(B, T, 5),
        weight_counts=(5, 0),
    ),
    RNNSpec(
        layers.ACT,
        lambda **kwargs: layers.ACT(
            keras.layers.GRUCell(4),
            max_ponder_steps=3,
            ponder_cost=0.01,
            halting_bias_initializer=keras.initializers.Constant(-1.0),
            **kwargs,
        ),
        # The layer strips the ponder column of its cell's output.
        reference=lambda layer, x: references.act(layer.cell, x)[..., :4],
        output_shapes=(B, T, 4),
        weight_counts=(5, 0),
    ),
    CellSpec(
        layers.ZoneoutCell,
        # Seeded: the jit check builds two models and compares their fit steps.
        lambda: layers.ZoneoutCell(keras.layers.LSTMCell(4), zoneout_h=0.3, zoneout_c=0.2, seed=1),
        reference=_zoneout(),
        output_shapes=(B, T, 4),
        weight_counts=(3, 0),
        variant="lstm",
    ),
    CellSpec(
        layers.ZoneoutCell,
        # The clock phases pass through untouched (masking, stateful, export).
        lambda: layers.ZoneoutCell(
            layers.ClockworkRNNCell(6, periods=[1, 2, 3]), zoneout_h=0.3, seed=1
        ),
        reference=_zoneout(references.clockwork_step),
        output_shapes=(B, T, 6),
        weight_counts=(3, 0),
        variant="clockwork",
    ),
    CellSpec(
        layers.HMLSTMCell,
        # Boundaries in the output: state 0 (the output) carries z as well.
        lambda: layers.HMLSTMCell([4, 3], return_boundaries=True),
        reference=references.hmlstm,
        output_shapes=(B, T, 8),
        weight_counts=(7, 1),
        variant="boundaries",
    ),
    RNNSpec(
        layers.HMLSTM,
        # Three layers, so the middle one can UPDATE, COPY and FLUSH; and the
        # gated output module.
        lambda **kwargs: layers.HMLSTM([4, 3, 2], output_module_units=5, **kwargs),
        reference=lambda layer, x: references.hmlstm(layer.cell, x),
        output_shapes=(B, T, 5),
        weight_counts=(13, 1),
    ),
    CellSpec(
        layers.NTMCell,
        lambda: layers.NTMCell(units=4, memory_size=5, memory_width=3),
        reference=references.memory_cell,
        output_shapes=(B, T, 7),
        weight_counts=(5, 0),
    ),
    CellSpec(
        layers.NTMCell,
        # No controller state: the memory is the only recurrence.
        lambda: layers.NTMCell("feedforward", units=4, memory_size=5, memory_width=3),
        reference=references.memory_cell,
        output_shapes=(B, T, 7),
        weight_counts=(4, 0),
        variant="feedforward",
    ),
    RNNSpec(
        layers.NTM,
        lambda **kwargs: layers.NTM(units=4, memory_size=5, memory_width=3, **kwargs),
        reference=lambda layer, x: references.memory_cell(layer.cell, x),
        output_shapes=(B, T, 7),
        weight_counts=(5, 0),
    ),
    TreeCellSpec(
        layers.RecursiveCell,
        lambda **kwargs: layers.TreeRNN(layers.RecursiveCell(5), max_levels=4, **kwargs),
        make_inputs=_trees(BINARY_TREES),
        reference=references.tree_rnn,
        output_shapes=(B, 5),
        weight_counts=(3, 0),
    ),
    TreeCellSpec(
        layers.NaryTreeLSTMCell,
        lambda **kwargs: layers.TreeRNN(layers.NaryTreeLSTMCell(5), max_levels=4, **kwargs),
        make_inputs=_trees(BINARY_TREES),
        reference=references.tree_rnn,
        output_shapes=(B, 5),
        weight_counts=(3, 0),
    ),
    TreeCellSpec(
        layers.ChildSumTreeLSTMCell,
        lambda **kwargs: layers.TreeRNN(layers.ChildSumTreeLSTMCell(5), max_levels=3, **kwargs),
        make_inputs=_trees(WIDE_TREES),
        reference=references.tree_rnn,
        output_shapes=(B, 5),
        weight_counts=(4, 0),
    ),
    LayerSpec(
        layers.TreeRNN,
        # Every node's output; max_levels=None: as many passes as node slots.
        lambda **kwargs: layers.TreeRNN(
            layers.NaryTreeLSTMCell(4), return_nodes=True, **kwargs
        ),
        make_inputs=_trees(BINARY_TREES),
        reference=lambda layer, inputs: references.tree_rnn(layer.cell, inputs, return_nodes=True),
        output_shapes=(B, 6, 4),
        weight_counts=(3, 0),
    ),
    LayerSpec(
        layers.StackedAttention,
        # Attention maps as a second output (not fed to the Dense).
        lambda **kwargs: layers.StackedAttention(5, hops=2, return_attention=True, **kwargs),
        make_inputs=lambda rng, batch_size: {
            "regions": rng.normal(size=(batch_size, 6, 4)).astype("float32"),
            "question": rng.normal(size=(batch_size, 4)).astype("float32"),
        },
        reference=lambda layer, inputs: references.stacked_attention(layer, *inputs),
        output_shapes=[(B, 4), (B, 2, 6)],
        weight_counts=(4, 0),
    ),
    LayerSpec(
        layers.MemoryNetwork,
        # 5 sentences in a memory of 4: truncation; padded words and sentences.
        lambda **kwargs: layers.MemoryNetwork(
            13, 6, hops=2, memory_size=4, return_attention=True, **kwargs
        ),
        make_inputs=_story_and_question,
        reference=lambda layer, inputs: references.np_forward(layer, *inputs),
        output_shapes=[(B, 13), (B, 2, 5)],
        weight_counts=(6, 1),
        variant="adjacent",
    ),
    LayerSpec(
        layers.MemoryNetwork,
        # Seeded random noise: the jit check compares two seeded fit steps.
        lambda **kwargs: layers.MemoryNetwork(
            13,
            6,
            hops=2,
            memory_size=4,
            weight_tying="layerwise",
            encoding="bag_of_words",
            nonlinearity="relu",
            random_noise=0.3,
            # The authors' memory: empty slots in the softmax (mixed
            # precision, XLA and JAX parity of its float32 softmax).
            attend_empty_slots=True,
            seed=1,
            **kwargs,
        ),
        make_inputs=_story_and_question,
        reference=lambda layer, inputs: references.np_forward(layer, *inputs)[0],
        output_shapes=(B, 13),
        weight_counts=(7, 1),
        variant="layerwise",
    ),
    LayerSpec(
        layers.MemoryNetworkResponse,
        # Greedy decoding (argmax fed back) in every check.
        lambda **kwargs: layers.MemoryNetworkResponse(
            13, 6, hops=1, memory_size=4, answer_length=2, response_cell="lstm", **kwargs
        ),
        make_inputs=_story_and_question,
        reference=lambda layer, inputs: references.memory_network_response(layer, *inputs)[0],
        output_shapes=(B, 2, 13),
        weight_counts=(8, 1),
    ),
    CellSpec(
        layers.MemoryCell,
        lambda: layers.MemoryCell(units=4, memory_size=5, memory_width=3),
        reference=references.memory_cell,
        output_shapes=(B, T, 7),
        weight_counts=(5, 0),
    ),
    CellSpec(
        layers.MemoryCell,
        # Seeded: the jit check compares two models' training steps.
        lambda: layers.MemoryCell(
            units=4,
            memory_size=5,
            memory_width=3,
            addressing="location",
            reads="hard",
            writes="residual",
            read_heads=2,
            write_heads=2,
            return_access=True,
            return_log_probs=True,
            seed=1,
        ),
        reference=references.memory_cell,
        output_shapes=(B, T, 32),
        weight_counts=(5, 0),
        # A hard read is an argmax: in bfloat16 near-tied weightings pick
        # another location, and that row's one-hot access columns differ by
        # exactly 1. The soft MemoryCell spec checks the continuous path at
        # the default bfloat16 tolerance.
        tolerances={"mixed_bfloat16": 1.0},
        variant="hard",
    ),
    RNNSpec(
        layers.MemoryRNN,
        lambda **kwargs: layers.MemoryRNN(
            units=4,
            memory_size=5,
            memory_width=3,
            writes="erase_add",
            write_heads=2,
            **kwargs,
        ),
        reference=lambda layer, x: references.memory_cell(layer.cell, x),
        output_shapes=(B, T, 7),
        weight_counts=(5, 0),
    ),
    CellSpec(
        layers.PreviousStateAttentionCell,
        # window 3 < 7 timesteps: the ring wraps around.
        lambda: layers.PreviousStateAttentionCell(
            keras.layers.LSTMCell(4), window=3, return_attention=True
        ),
        reference=_attention_with_weights,
        output_shapes=(B, T, 7),
        weight_counts=(6, 0),
        variant="lstm",
    ),
    CellSpec(
        layers.PreviousStateAttentionCell,
        lambda: layers.PreviousStateAttentionCell(
            layers.ClockworkRNNCell(6, periods=[1, 2, 3]),
            window=2,
            score="dot",
            attended_states="first",
        ),
        reference=lambda cell, x: references.previous_state_attention(cell, x)[0],
        output_shapes=(B, T, 6),
        weight_counts=(5, 0),
        variant="clockwork",
    ),
    RNNSpec(
        layers.PreviousStateAttention,
        lambda **kwargs: layers.PreviousStateAttention(keras.layers.GRUCell(4), window=3, **kwargs),
        reference=lambda layer, x: references.previous_state_attention(layer.cell, x)[0],
        output_shapes=(B, T, 4),
        weight_counts=(6, 0),
    ),
    LayerSpec(
        layers.BahdanauAttention,
        lambda **kwargs: layers.BahdanauAttention(6, normalize=True, **kwargs),
        make_inputs=_query_and_memory((3,)),
        reference=lambda layer, inputs: attention_references.bahdanau(layer, *inputs)[0],
        output_shapes=(B, 4),
        weight_counts=(5, 0),
    ),
    LayerSpec(
        layers.LuongAttention,
        # A rank-3 query: one per target step.
        lambda **kwargs: layers.LuongAttention("concat", scale=True, units=6, **kwargs),
        make_inputs=_query_and_memory((2, 3)),
        reference=lambda layer, inputs: attention_references.luong(layer, *inputs)[0],
        output_shapes=(B, 2, 4),
        weight_counts=(3, 0),
        variant="concat",
    ),
    LayerSpec(
        layers.LuongAttention,
        lambda **kwargs: layers.LuongAttention("general", **kwargs),
        make_inputs=_query_and_memory((3,)),
        reference=lambda layer, inputs: attention_references.luong(layer, *inputs)[0],
        output_shapes=(B, 4),
        weight_counts=(1, 0),
        variant="general",
    ),
    LayerSpec(
        layers.AttentionDecoder,
        # Luong's order with input feeding and W_c; alignments as a second output.
        lambda **kwargs: layers.AttentionDecoder(
            keras.layers.LSTMCell(6),
            layers.BahdanauAttention(5),
            attention_units=3,
            return_alignments=True,
            **kwargs,
        ),
        make_inputs=_targets_and_memory,
        reference=lambda layer, inputs: list(
            attention_references.attention_decoder(layer, *inputs)
        ),
        output_shapes=[(B, 3, 3), (B, 3, 5)],
        weight_counts=(7, 0),
        variant="luong_order",
    ),
    LayerSpec(
        layers.AttentionDecoder,
        # Bahdanau's order (attend from s_{t-1}), no input feeding, no W_c.
        lambda **kwargs: layers.AttentionDecoder(
            keras.layers.GRUCell(6),
            layers.LuongAttention("general"),
            attention_order="bahdanau",
            input_feeding=False,
            **kwargs,
        ),
        make_inputs=_targets_and_memory,
        reference=lambda layer, inputs: attention_references.attention_decoder(layer, *inputs)[0],
        output_shapes=(B, 3, 10),
        weight_counts=(4, 0),
        variant="bahdanau_order",
    ),
    LayerSpec(
        layers.AttentionDecoder,
        # Show, attend and tell: Bahdanau's order, the context gate beta_t and
        # the hard read (sampled in training, argmax at inference).
        lambda **kwargs: layers.AttentionDecoder(
            keras.layers.LSTMCell(6), layers.BahdanauAttention(5), attention_order="bahdanau",
            input_feeding=False, context_gate=True, read="hard", seed=0, **kwargs
        ),
        make_inputs=_targets_and_memory,
        reference=lambda layer, inputs: attention_references.attention_decoder(
            layer, *inputs
        )[0],
        output_shapes=(B, 3, 10),
        weight_counts=(8, 0),
        variant="show_attend_tell",
    ),
    LayerSpec(
        layers.StateBridge,
        # A bidirectional LSTM's four final states to an LSTMCell(5)'s two.
        lambda **kwargs: layers.StateBridge([5, 5], **kwargs),
        make_inputs=lambda rng, batch_size: {
            name: rng.normal(size=(batch_size, 3)).astype("float32")
            for name in ("forward_h", "forward_c", "backward_h", "backward_c")
        },
        reference=lambda layer, inputs: attention_references.state_bridge(layer, inputs),
        output_shapes=[(B, 5), (B, 5)],
        weight_counts=(4, 0),
    ),
    LayerSpec(
        layers.GlimpseNetwork,
        # Two scales of 4 x 4 patches.
        lambda **kwargs: layers.GlimpseNetwork(
            4, num_scales=2, glimpse_units=6, location_units=5, units=7, **kwargs
        ),
        make_inputs=_images_and_locations,
        reference=lambda layer, inputs: glimpse_references.glimpse_network(layer, *inputs),
        output_shapes=(B, 7),
        weight_counts=(7, 0),
        tolerances={"reference": 1e-4},
    ),
    LayerSpec(
        layers.GaussianLocationPolicy,
        lambda **kwargs: layers.GaussianLocationPolicy(std=0.1, seed=3, **kwargs),
        make_inputs=lambda rng, batch_size: {
            "hidden": rng.normal(size=(batch_size, 5)).astype("float32")
        },
        # At inference the location is the mean: log pi(mu | mu) per axis.
        reference=lambda layer, hidden: [
            np.clip(glimpse_references.policy_mean(layer, hidden), -1, 1),
            np.full(len(hidden), 2 * glimpse_references.normal_log_prob(0.0, 0.0, 0.1)),
        ],
        output_shapes=[(B, 2), (B,)],
        weight_counts=(2, 0),
        # The sampled location is under stop_gradient: log pi trains the mean.
        head_output=1,
    ),
    LayerSpec(
        layers.RecurrentAttentionModel,
        # Seeded: the jit check compares two seeded fit steps (sampled paths).
        lambda **kwargs: layers.RecurrentAttentionModel(
            4,
            num_glimpses=3,
            patch_size=4,
            num_scales=2,
            glimpse_units=6,
            location_units=5,
            glimpse_output_units=7,
            core_units=8,
            seed=2,
            **kwargs,
        ),
        make_inputs=_glimpse_images,
        reference=lambda layer, images: list(
            glimpse_references.recurrent_attention_model(layer, images)
        ),
        output_shapes=[(B, 4), (B, 3, 2), (B, 3), (B, 3)],
        weight_counts=(16, 0),
        tolerances={"reference": 1e-4},
    ),
    LayerSpec(
        CoordinateChannels,
        # The captioner's CoordConv channels: no weights, shape-dependent
        # constants (a non-square map, so x and y cannot be swapped).
        lambda **kwargs: CoordinateChannels(**kwargs),
        make_inputs=lambda rng, batch_size: {
            "images": rng.uniform(size=(batch_size, 3, 5, 2)).astype("float32")
        },
        reference=lambda layer, images: np.concatenate(
            [
                images,
                np.broadcast_to(np.linspace(-1, 1, 5)[None, None, :, None], (*images.shape[:3], 1)),
                np.broadcast_to(np.linspace(-1, 1, 3)[None, :, None, None], (*images.shape[:3], 1)),
            ],
            axis=-1,
        ),
        output_shapes=(B, 3, 5, 4),
        weight_counts=(0, 0),
    ),
)
