"""The attention encoder-decoder: `AttentionSeq2Seq`, and its decoding step.

`source ids -> Embedding -> Bidirectional(RNN) -> memory h_1..S`, the final
states of both directions `-> StateBridge ->` the decoder's initial state,
and `decoder input ids -> Embedding -> AttentionDecoder(memory) -> Dense`
(the logits of the next token), trained with teacher forcing. The same
weights decode one token at a time (`decoding_step`), so that greedy and
beam search (`keras_memory.decoding`) run the model's own maths.
"""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.datasets.text import END_ID
from keras_memory.datasets.text import PAD_ID
from keras_memory.datasets.text import START_ID
from keras_memory.layers import AttentionDecoder
from keras_memory.layers import BahdanauAttention
from keras_memory.layers import LuongAttention
from keras_memory.layers import StateBridge

CELLS = ("lstm", "gru")
# The logit of the ids that decoding never outputs (finite: no NaN in sums).
NEVER = -1e9
ATTENTIONS = ("luong", "bahdanau", "none")
LUONG_SCORES = ("dot", "general", "concat")
# The names of the model's inputs and layers: decoding finds them by name.
SOURCE_INPUT = "source_ids"
DECODER_INPUT = "decoder_input_ids"
LAYER_NAMES = (
    "source_embedding",
    "encoder",
    "bridge",
    "target_embedding",
    "decoder",
    "readout",
)


def _cell(kind, units, name):
    if kind == "lstm":
        return keras.layers.LSTMCell(units, name=name)
    return keras.layers.GRUCell(units, name=name)


def AttentionSeq2Seq(
    vocabulary_size,
    target_vocabulary_size=None,
    embedding_dim=32,
    encoder_units=64,
    decoder_units=128,
    cell="lstm",
    attention="luong",
    score="general",
    attention_units=128,
    input_feeding=True,
    bridge="dense",
    name="attention_seq2seq",
):
    """A bidirectional encoder and an attention decoder, as a functional model.

    The encoder reads the source ids with a `Bidirectional` RNN; its states
    `h_j = [h->_j; h<-_j]` are the memory the decoder attends over
    (content-based addressing: the decoder state is the query, `alpha_j =
    f(q, K(h_j))`, `p = softmax(alpha)`, the context `sum_j p_j h_j`); the
    final states of both directions give the decoder's initial state through
    a `StateBridge`. The decoder is an `AttentionDecoder`:

    - `attention="luong"`: Luong et al.'s global attention (`score` one of
      `"dot"`, `"general"`, `"concat"`), attending from `h_t` after the
      cell, `h~_t = tanh(W_c [c_t; h_t])`, with input feeding;
    - `attention="bahdanau"`: Bahdanau et al.'s additive attention,
      attending from `s_{t-1}` before the cell (the context is part of the
      cell's input), then the same `h~_t`;
    - `attention="none"`: the baseline without attention (Sutskever et al.
      2014, Cho et al. 2014): the source reaches the decoder through its
      initial state only, a fixed-size encoding.

    The readout `Dense(target_vocabulary_size)` gives the logits of the next
    target token. Ids follow `keras_memory.datasets.text`: 0 padding (masked
    on both sides), 1 start, 2 end, 3 unknown.

    Args:
        vocabulary_size: Positive integer, the source ids' vocabulary (with
            the 4 special ids).
        target_vocabulary_size: Positive integer, the target vocabulary;
            `None` for the source's. Default: `None`.
        embedding_dim: Positive integer, the size of both embeddings.
            Default: `32`.
        encoder_units: Positive integer, the units of each encoder direction
            (the memory is `2 * encoder_units` wide). Default: `64`.
        decoder_units: Positive integer, the decoder cell's units.
            Default: `128`.
        cell: `"lstm"` or `"gru"`, the cells of both sides. Default: `"lstm"`.
        attention: `"luong"`, `"bahdanau"` or `"none"`. Default: `"luong"`.
        score: Luong's score, `"dot"`, `"general"` or `"concat"` (`"dot"`
            needs `decoder_units == 2 * encoder_units`). Default: `"general"`.
        attention_units: Positive integer, the size of `h~_t` (and of
            Bahdanau's and Luong's concat score projections). Default: `128`.
        input_feeding: Boolean, whether `h~_{t-1}` joins the decoder's next
            input. Default: `True`.
        bridge: `"dense"` (learned, from the encoder's final states) or
            `"zeros"`. Default: `"dense"`.
        name: Model name. Default: `"attention_seq2seq"`.

    Returns:
        An uncompiled `keras.Model` with inputs `"source_ids"` `(B, S)` and
        `"decoder_input_ids"` `(B, T)` (int32; the start id, then the target
        ids shifted right) and the logits `(B, T, target_vocabulary_size)`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.applications import AttentionSeq2Seq
    >>> model = AttentionSeq2Seq(20, embedding_dim=8, encoder_units=8,
    ...                          decoder_units=8, attention_units=8)
    >>> logits = model({"source_ids": np.array([[5, 6, 7, 2, 0]]),
    ...                 "decoder_input_ids": np.array([[1, 7, 6]])})
    >>> tuple(logits.shape)
    (1, 3, 20)

    Reference:
        Bahdanau, Cho and Bengio. Neural Machine Translation by Jointly
        Learning to Align and Translate. ICLR 2015.
        https://arxiv.org/abs/1409.0473 ;
        Luong, Pham and Manning. Effective Approaches to Attention-based
        Neural Machine Translation. EMNLP 2015.
        https://arxiv.org/abs/1508.04025
    """
    vocabulary_size = validation.check_int_at_least("vocabulary_size", vocabulary_size, 5)
    if target_vocabulary_size is None:
        target_vocabulary_size = vocabulary_size
    target_vocabulary_size = validation.check_int_at_least(
        "target_vocabulary_size", target_vocabulary_size, 5
    )
    embedding_dim = validation.check_positive_int("embedding_dim", embedding_dim)
    encoder_units = validation.check_positive_int("encoder_units", encoder_units)
    decoder_units = validation.check_positive_int("decoder_units", decoder_units)
    cell = validation.check_choice("cell", cell, CELLS)
    attention = validation.check_choice("attention", attention, ATTENTIONS)
    score = validation.check_choice("score", score, LUONG_SCORES)
    attention_units = validation.check_positive_int("attention_units", attention_units)
    input_feeding = validation.check_bool("input_feeding", input_feeding)
    if attention == "luong" and score == "dot" and decoder_units != 2 * encoder_units:
        raise validation.invalid_argument(
            "decoder_units",
            f"2 * encoder_units ({2 * encoder_units}) for the dot score",
            decoder_units,
        )

    # === Layers ===
    source_embedding = keras.layers.Embedding(
        vocabulary_size, embedding_dim, mask_zero=True, name="source_embedding"
    )
    encoder = keras.layers.Bidirectional(
        keras.layers.RNN(
            _cell(cell, encoder_units, "encoder_cell"),
            return_sequences=True,
            return_state=True,
        ),
        name="encoder",
    )
    decoder_cell = _cell(cell, decoder_units, "decoder_cell")
    state_bridge = StateBridge(decoder_cell.state_size, bridge=bridge, name="bridge")
    target_embedding = keras.layers.Embedding(
        target_vocabulary_size, embedding_dim, mask_zero=True, name="target_embedding"
    )
    if attention == "none":
        decoder = keras.layers.RNN(decoder_cell, return_sequences=True, name="decoder")
    else:
        if attention == "luong":
            attention_layer = LuongAttention(
                score, units=attention_units if score == "concat" else None, name="attention"
            )
            order = "luong"
        else:
            attention_layer = BahdanauAttention(attention_units, name="attention")
            order = "bahdanau"
        decoder = AttentionDecoder(
            decoder_cell,
            attention_layer,
            attention_order=order,
            input_feeding=input_feeding,
            attention_units=attention_units,
            name="decoder",
        )
    readout = keras.layers.Dense(target_vocabulary_size, name="readout")

    # === Functional Model ===
    source_ids = keras.Input((None,), dtype="int32", name=SOURCE_INPUT)
    decoder_input_ids = keras.Input((None,), dtype="int32", name=DECODER_INPUT)
    memory, *final_states = encoder(source_embedding(source_ids))
    initial_state = state_bridge(final_states)
    embedded_targets = target_embedding(decoder_input_ids)
    if attention == "none":
        # keras.layers.RNN infers no mask when `initial_state` is given.
        target_mask = ops.not_equal(decoder_input_ids, 0)
        features = decoder(embedded_targets, initial_state=initial_state, mask=target_mask)
    else:
        features = decoder([embedded_targets, memory], initial_state=initial_state)
    logits = readout(features)
    return keras.Model(
        {SOURCE_INPUT: source_ids, DECODER_INPUT: decoder_input_ids}, logits, name=name
    )


# --- One token at a time ---------------------------------------------------------


def _layers(model):
    try:
        return {name: model.get_layer(name) for name in LAYER_NAMES}
    except ValueError as error:
        raise validation.invalid_argument(
            "model", f"an `AttentionSeq2Seq` model (with layers {LAYER_NAMES})", model.name
        ) from error


def encode(model, source_ids):
    """The decoding state of `model` for `source_ids`, before the first token.

    Args:
        model: An `AttentionSeq2Seq` model.
        source_ids: int `(B, S)` source ids (0 padding).

    Returns:
        A dict of tensors `(B, ...)`: `"decoder"` (the decoder's state
        list), and with attention `"memory"` `(B, S, 2 * encoder_units)`,
        `"keys"` (the memory's projection, once per sequence) and `"mask"`
        (boolean `(B, S)`, the real source positions).
    """
    parts = _layers(model)
    source_ids = ops.cast(ops.convert_to_tensor(source_ids), "int32")
    if len(source_ids.shape) != 2:
        raise validation.invalid_argument(
            "source_ids", "int ids of rank 2, (batch, S)", f"shape {tuple(source_ids.shape)}"
        )
    mask = ops.not_equal(source_ids, 0)
    memory, *final_states = parts["encoder"](parts["source_embedding"](source_ids), mask=mask)
    cell_states = parts["bridge"](final_states)
    decoder = parts["decoder"]
    if isinstance(decoder, AttentionDecoder):
        state = decoder.get_initial_state(ops.shape(source_ids)[0], cell_states)
        return {
            "decoder": state,
            "memory": memory,
            "keys": decoder.project_memory(memory),
            "mask": mask,
        }
    return {"decoder": list(cell_states)}


def decoding_step(model):
    """`next_fn(tokens, state, index) -> (logits, state, attention)` of `model`.

    The step function of `keras_memory.decoding` samplers over the state of
    `encode(model, source_ids)`: embeds the previous tokens, runs one decoder
    step (`AttentionDecoder.step`, or the plain cell without attention) and
    the readout. The padding and start ids get the logit `-1e9`: they are
    never outputs.
    """
    parts = _layers(model)
    decoder = parts["decoder"]
    ids = ops.arange(parts["readout"].units)
    never_output = ops.logical_or(ops.equal(ids, PAD_ID), ops.equal(ids, START_ID))

    def next_fn(tokens, state, index):
        del index
        # `call`, not `__call__`: the embedding's Keras mask (`mask_zero`)
        # would reach the bare cell of the no-attention decoder, which takes
        # none (a warning at every step). A decoding step has no padding.
        inputs = parts["target_embedding"].call(tokens)
        if isinstance(decoder, AttentionDecoder):
            features, decoder_state, weights = decoder.step(
                inputs, state["decoder"], state["keys"], state["memory"], state["mask"]
            )
        else:
            features, decoder_state = decoder.cell(inputs, state["decoder"])
            decoder_state = list(decoder_state) if isinstance(decoder_state, (list, tuple)) else [
                decoder_state
            ]
            weights = None
        logits = ops.cast(parts["readout"](features), "float32")
        # Padding and the start id are never outputs: training never targets
        # them (padded targets are masked), so nothing else rules them out.
        logits = ops.where(never_output, NEVER, logits)
        return logits, {**state, "decoder": decoder_state}, weights

    return next_fn


def generate(model, source_ids, sampler, max_length=None):
    """Decodes `source_ids` with `sampler` (greedy or beam search).

    Args:
        model: An `AttentionSeq2Seq` model.
        source_ids: int `(B, S)` source ids.
        sampler: A `keras_memory.decoding` sampler (`GreedySampler`,
            `BeamSearch`).
        max_length: Optional positive integer overriding the sampler's.

    Returns:
        The sampler's dict: `"tokens"` `(B, N, T)`, `"lengths"`, `"scores"`,
        `"log_probs"` and, with attention, `"alignments"` `(B, N, T, S)`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.applications import AttentionSeq2Seq
    >>> from keras_memory.applications.seq2seq import generate
    >>> from keras_memory.decoding import BeamSearch
    >>> model = AttentionSeq2Seq(20, embedding_dim=8, encoder_units=8,
    ...                          decoder_units=8, attention_units=8)
    >>> outputs = generate(model, np.array([[5, 6, 7, 2]]), BeamSearch(3, max_length=6))
    >>> tuple(outputs["tokens"].shape), tuple(outputs["alignments"].shape)
    ((1, 1, 6), (1, 1, 6, 4))
    """
    state = encode(model, source_ids)
    return sampler(
        decoding_step(model),
        state,
        START_ID,
        END_ID,
        source_mask=state.get("mask"),
        max_length=max_length,
        vocabulary_size=model.get_layer("readout").units,
    )
