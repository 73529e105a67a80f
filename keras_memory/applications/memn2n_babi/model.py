"""The MemN2N bAbI model: `MemN2NbAbI` and `memory_network_layer`."""

import keras

from keras_memory import validation
from keras_memory.applications import shipped_weights
from keras_memory.applications.memn2n_babi import presets
from keras_memory.datasets import babi
from keras_memory.layers.memory_network import MemoryNetwork

# The architecture of the paper's "PE LS RN" (section 4.1): the joint
# model's embedding dimension d, the per-task models' d, hops K, the
# sentences kept in memory and the rate of random empty memories.
EMBEDDING_DIM = 50
PER_TASK_EMBEDDING_DIM = 20
HOPS = 3
MEMORY_SIZE = babi.DEFAULT_MEMORY_SIZE
RANDOM_NOISE = 0.1
# The position encoding of the authors' code (MemN2N-babi-matlab), with its
# J: the longest bAbI 1k sentence or question (11 words) plus one.
ENCODING = "centered_position"
SENTENCE_SIZE = 12
# The authors' memory always has memory_size rows: the empty ones take part
# in every hop's softmax (MemoryNetwork(attend_empty_slots=True)).
ATTEND_EMPTY_SLOTS = True


def MemN2NbAbI(
    weights="babi-en-1k",
    vocabulary=None,
    embedding_dim=None,
    hops=HOPS,
    memory_size=None,
    random_noise=RANDOM_NOISE,
    return_attention=False,
    seed=None,
    name="memn2n_babi",
    encoding=None,
    sentence_size=None,
    attend_empty_slots=None,
):
    """An End-to-End Memory Network for bAbI, optionally with trained weights.

    `[story (B, S, W), question (B, W_q)] -> MemoryNetwork -> softmax`:
    position encoding (the authors' code's, `"centered_position"`),
    the empty memory slots in the softmax (the authors' code's too),
    temporal encoding, adjacent weight tying, no
    nonlinearity, a memory of the `memory_size` most recent sentences, and
    random noise in training (the paper's "PE LS RN"; linear start is a
    training callback, see `train_babi`). Word ids are those of
    `keras_memory.datasets.babi.vectorize` with the model's vocabulary; `S`
    and `W` may be anything (padding words and sentences change nothing).

    The output `"answer"` holds the probabilities of every vocabulary entry
    being the answer, `(B, V)` (not logits: what a served model returns;
    Keras' cross-entropy on a softmax output uses the logits underneath).
    `argmax` gives the answer's id.

    Args:
        weights: `"babi-en-1k"` (trained by the project jointly on the 20
            bAbI 1k training files; see `shipped_metadata()`; the shipped
            per-task models are `babi_models()`), `None` (a fresh model;
            give `vocabulary`) or the path of a `.weights.h5` file of this
            architecture with its `vocabulary.json` beside it.
            Default: `"babi-en-1k"`.
        vocabulary: The vocabulary (a dict token -> id, as from
            `keras_memory.datasets.babi.build_vocabulary`) or its size `V`.
            Default: `None`, the vocabulary of `weights`.
        embedding_dim: Positive integer `d`. Default: `None`, the one that
            `metadata.json` beside `weights` records (as `train_babi` writes
            it), else `50`.
        hops: Positive integer `K`. Default: `3`.
        memory_size: Positive integer, the most recent sentences kept.
            Default: `None`, the one `metadata.json` beside `weights`
            records, else `50`.
        random_noise: Float in `[0, 1)`, the probability of an empty memory
            after each sentence in training. Default: `0.1`.
        return_attention: Boolean; also output `"attention"`, `(B, hops,
            S)`, the attention of every hop over the sentences (for
            `keras_memory.viz.plot_hops`). Default: `False`.
        seed: Optional integer seed of the random noise. Default: `None`.
        name: Model name. Default: `"memn2n_babi"`.
        encoding: The `MemoryNetwork` position encoding, `"centered_position"`
            or `"position"` (the formula printed in the paper). Default:
            `None`, the one `metadata.json` beside `weights` records
            (`"position"` when it records none, as weights trained before
            the option), else `"centered_position"`.
        sentence_size: Positive integer `J` of `"centered_position"`.
            Default: `None`, the recorded one, else `12`.
        attend_empty_slots: Boolean, as in `MemoryNetwork`: the empty
            memory slots take part in the softmax, as in the authors' code.
            Default: `None`, the recorded value (`False` when none is
            recorded), else `True`.

    Returns:
        An uncompiled `keras.Model` with inputs `"story"` (int32 `(B, S,
        W)`) and `"question"` (int32 `(B, W_q)`) and output `"answer"`
        (`(B, V)` probabilities), plus `"attention"` when asked.
        `compile_for_babi` compiles it the paper's way.

    Example:

    >>> from keras_memory.applications.memn2n_babi import MemN2NbAbI
    >>> import numpy as np
    >>> model = MemN2NbAbI(weights=None, vocabulary=30)
    >>> story = np.array([[[3, 4, 5], [6, 7, 0]]], "int32")
    >>> question = np.array([[8, 9, 0]], "int32")
    >>> tuple(model([story, question]).shape)
    (1, 30)

    Reference:
        Sukhbaatar, Szlam, Weston and Fergus. End-To-End Memory Networks.
        NIPS 2015. https://arxiv.org/abs/1503.08895
    """
    weights_path = presets.weights_file(weights)
    if vocabulary is None:
        if weights_path is None:
            raise validation.invalid_argument(
                "vocabulary",
                "a vocabulary (dict) or its size when `weights=None`",
                vocabulary,
            )
        vocabulary = presets.load_vocabulary(weights_path)
    if isinstance(vocabulary, dict):
        vocab_size = len(babi.check_vocabulary(vocabulary))
    else:
        vocab_size = validation.check_positive_int("vocabulary", vocabulary)
    return_attention = validation.check_bool("return_attention", return_attention)
    recorded = presets.recorded_training(weights_path)
    if embedding_dim is None:
        embedding_dim = recorded.get("embedding_dim") or EMBEDDING_DIM
    if encoding is None:
        # Weights trained before the option used the printed formula.
        encoding = recorded.get("encoding", "position") if weights_path else ENCODING
    if sentence_size is None and encoding == "centered_position":
        sentence_size = recorded.get("sentence_size") or SENTENCE_SIZE
    if memory_size is None:
        memory_size = recorded.get("memory_size") or MEMORY_SIZE
    if attend_empty_slots is None:
        attend_empty_slots = (
            recorded.get("attend_empty_slots", False) if weights_path else ATTEND_EMPTY_SLOTS
        )

    # === Layers ===
    network = MemoryNetwork(
        vocab_size,
        embedding_dim,
        hops=hops,
        memory_size=memory_size,
        weight_tying="adjacent",
        encoding=encoding,
        sentence_size=sentence_size,
        attend_empty_slots=attend_empty_slots,
        temporal_encoding=True,
        random_noise=random_noise,
        return_attention=True,
        seed=seed,
        name="memory_network",
    )
    softmax = keras.layers.Activation("softmax", name="answer")

    # === Functional Model ===
    story = keras.Input((None, None), dtype="int32", name="story")
    question = keras.Input((None,), dtype="int32", name="question")
    logits, attention = network([story, question])
    answer = softmax(logits)
    if return_attention:
        attention = keras.layers.Identity(name="attention")(attention)
        outputs = {"answer": answer, "attention": attention}
    else:
        outputs = answer
    model = keras.Model([story, question], outputs, name=name)
    if weights_path is not None:
        shipped_weights.load_weights(
            model,
            weights_path,
            mismatch_hint=f" (a vocabulary of {vocab_size} tokens, embedding_dim="
            f"{embedding_dim}, hops={hops}: the vocabulary must be the one the "
            "weights were trained with)",
        )
    return model


def memory_network_layer(model):
    """The `MemoryNetwork` layer of a `MemN2NbAbI` model."""
    return model.get_layer("memory_network")


def model_vocab_size(model):
    """The vocabulary size of a `MemN2NbAbI` model, or `None` for another."""
    try:
        return memory_network_layer(model).vocab_size
    except ValueError:
        return None
