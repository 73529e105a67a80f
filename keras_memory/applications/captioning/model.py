"""Show, attend and tell: `ShowAttendTell`, and its decoding step.

`images -> CNN -> (H, W, C) features -> flatten_feature_grid ->` the
annotations `a_1 .. a_L` (the memory), their mean `-> StateBridge ->` the
LSTM's `h_0, c_0`, and `previous word ids -> Embedding -> AttentionDecoder
(Bahdanau order, context gate, soft or hard read) ->` the deep output
`L_o(E y_{t-1} + L_h h_t + L_z z_t)` (the logits of the next word). The
same weights decode one word at a time (`decoding_step`) for greedy and beam
search (`keras_memory.decoding`), as the encoder-decoder does.
"""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.datasets.text import END_ID
from keras_memory.datasets.text import PAD_ID
from keras_memory.datasets.text import START_ID
from keras_memory.decoding import BeamSearch
from keras_memory.decoding import GreedySampler
from keras_memory.layers import AttentionDecoder
from keras_memory.layers import BahdanauAttention
from keras_memory.layers import StateBridge
from keras_memory.ops.feature_grid import flatten_feature_grid

ATTENTIONS = ("soft", "hard", "none")
IMAGE_INPUT = "images"
DECODER_INPUT = "decoder_input_ids"
# The logit of the ids that decoding never outputs (finite: no NaN in sums).
NEVER = -1e9
LAYER_NAMES = (
    "image_encoder",
    "bridge",
    "word_embedding",
    "decoder",
    "output_h",
    "output_z",
    "output_logits",
)


def _convolutions(x, filters):
    # 3 x 3 convolutions, each followed by a 2 x 2 max pooling.
    for index, size in enumerate(filters):
        x = keras.layers.Conv2D(size, 3, padding="same", activation="relu", name=f"conv_{index}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool_{index}")(x)
    return x


def small_cnn(image_shape, filters=(16, 32), name="image_encoder"):
    """A small convolutional encoder from scratch: `(H, W, 3) -> (H/2^k, W/2^k, C)`.

    Args:
        image_shape: `(H, W, channels)` of the images.
        filters: The filters of each 3 x 3 convolution, each followed by a
            2 x 2 max pooling.
        name: The model's name.

    Returns:
        A `keras.Model` from images to a channels-last feature map.
    """
    images = keras.Input(tuple(image_shape))
    return keras.Model(images, _convolutions(images, filters), name=name)


@keras.saving.register_keras_serializable(package="keras_memory")
class CoordinateChannels(keras.layers.Layer):
    """Appends x and y coordinate channels, in `[-1, 1]`, to images `(B, H, W, C)`.

    CoordConv (Liu et al., 2018): a convolutional network on a plain
    background is translation equivariant, so without them no annotation
    says where it is, and the relation words ("above", "left of") of a
    caption need the objects' positions. Channel `C` is `x` (left -1, right
    1), channel `C + 1` is `y` (top -1, bottom 1).

    Example:

    >>> import numpy as np
    >>> out = CoordinateChannels()(np.zeros((1, 2, 3, 1), "float32"))
    >>> np.asarray(out)[0, :, :, 1].tolist(), np.asarray(out)[0, :, :, 2].tolist()
    ([[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]], [[-1.0, -1.0, -1.0], [1.0, 1.0, 1.0]])
    """

    def call(self, images):
        height, width = images.shape[1], images.shape[2]
        xs, ys = ops.meshgrid(
            ops.linspace(-1.0, 1.0, width), ops.linspace(-1.0, 1.0, height), indexing="xy"
        )  # (H, W) each
        grid = ops.cast(ops.stack([xs, ys], axis=-1), images.dtype)
        grid = ops.broadcast_to(grid[None], (ops.shape(images)[0], height, width, 2))
        return ops.concatenate([images, grid], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 2)


def coordinate_cnn(image_shape, filters=(16, 32, 64), name="image_encoder"):
    """`small_cnn` of the images with coordinate channels appended (CoordConv).

    With the default three poolings (stride 8) a 56 x 56 captioned-shapes
    image (7 x 7 cells of 8 pixels) gives a 7 x 7 grid: location `(i, j)`
    sees exactly object cell `(i, j)`.

    Args:
        image_shape: `(H, W, channels)` of the images.
        filters: The filters of each 3 x 3 convolution, each followed by a
            2 x 2 max pooling.
        name: The model's name.

    Returns:
        A `keras.Model` from images to a channels-last feature map.
    """
    images = keras.Input(tuple(image_shape))
    x = CoordinateChannels(name="coordinates")(images)
    return keras.Model(images, _convolutions(x, filters), name=name)


def _mean_annotation(memory):
    return ops.mean(memory, axis=1)  # (1 / L) sum_i a_i


def ShowAttendTell(
    vocabulary_size,
    image_shape=(56, 56, 3),
    encoder=None,
    embedding_dim=32,
    decoder_units=64,
    attention_units=32,
    attention="soft",
    context_gate=True,
    seed=None,
    name="show_attend_tell",
):
    """Xu et al.'s captioner, as a functional model.

    The image encoder gives annotation vectors `a_i`, one per feature-map
    location (`L = H * W`); the LSTM's initial state is `h_0 = f_init,h(mean
    a)`, `c_0 = f_init,c(mean a)` (a `StateBridge`); at every word the MLP
    attention `f_att` (`BahdanauAttention`) over the `a_i` from `h_{t-1}`
    gives `alpha_t`, the context is gated (`z_t = beta_t c_t`, `beta_t =
    sigmoid(f_beta(h_{t-1}))`) and fed to the LSTM with `E y_{t-1}`, and the
    deep output gives `p(y_t | a, y_<t) ~ exp(L_o(E y_{t-1} + L_h h_t + L_z
    z_t))` (eq. 7).

    - `attention="soft"`: the expected context (section 4.2);
    - `attention="hard"`: a sampled location in training (section 4.1),
      the argmax at inference; trained with REINFORCE (`training.py`);
    - `attention="none"`: the baseline, the mean-pooled features as a memory
      of one location (the same decoder, with `alpha = 1`).

    The model maps `{"images", "decoder_input_ids"}` to a dict: `"logits"`
    `(B, T, V)`, `"alignments"` `(B, T, L)` and `"location_log_probs"`
    `(B, T)` (zero unless `attention="hard"`).

    Args:
        vocabulary_size: Integer >= 5, the word ids (0 padding, 1 start,
            2 end, as `keras_memory.datasets.text`).
        image_shape: `(H, W, channels)` of the images. Default: `(56, 56, 3)`.
        encoder: Optional `keras.Model` from images to a `(h, w, C)` feature
            map (a `keras.applications` backbone with `include_top=False`,
            `weights=None` offline); the default is `small_cnn(image_shape)`.
        embedding_dim: Positive integer, the size of `E y` and of the deep
            output's sum. Default: `32`.
        decoder_units: Positive integer, the LSTM's size. Default: `64`.
        attention_units: Positive integer, the size of `f_att`. Default: `32`.
        attention: `"soft"`, `"hard"` or `"none"`. Default: `"soft"`.
        context_gate: Boolean, the gating scalar `beta_t`. Default: `True`.
        seed: Optional integer, the seed of the hard read.
        name: The model's name.

    Returns:
        A `keras.Model`.

    Example:

    >>> import numpy as np
    >>> model = ShowAttendTell(12, image_shape=(16, 16, 3), embedding_dim=8,
    ...                        decoder_units=8, attention_units=8)
    >>> outputs = model({"images": np.zeros((2, 16, 16, 3), "float32"),
    ...                  "decoder_input_ids": np.array([[1, 5, 6], [1, 7, 0]])})
    >>> tuple(outputs["logits"].shape), tuple(outputs["alignments"].shape)
    ((2, 3, 12), (2, 3, 16))

    Reference:
        Xu, Ba, Kiros, Cho, Courville, Salakhutdinov, Zemel and Bengio.
        Show, Attend and Tell: Neural Image Caption Generation with Visual
        Attention. ICML 2015. https://arxiv.org/abs/1502.03044
    """
    vocabulary_size = validation.check_int_at_least("vocabulary_size", vocabulary_size, 5)
    if not (
        isinstance(image_shape, (list, tuple))
        and len(image_shape) == 3
        and all(validation.is_integer(s) and s > 0 for s in image_shape)
    ):
        raise validation.invalid_argument(
            "image_shape", "three positive integers (H, W, channels)", image_shape
        )
    embedding_dim = validation.check_positive_int("embedding_dim", embedding_dim)
    decoder_units = validation.check_positive_int("decoder_units", decoder_units)
    attention_units = validation.check_positive_int("attention_units", attention_units)
    attention = validation.check_choice("attention", attention, ATTENTIONS)
    context_gate = validation.check_bool("context_gate", context_gate)
    if encoder is None:
        encoder = small_cnn(image_shape)
    elif not isinstance(encoder, keras.Model):
        raise validation.invalid_argument(
            "encoder", "a keras.Model from images to a (h, w, C) feature map", encoder
        )
    encoder.name = "image_encoder"

    # === Layers ===
    cell = keras.layers.LSTMCell(decoder_units, name="decoder_cell")
    bridge = StateBridge(cell.state_size, name="bridge")  # f_init,h and f_init,c
    embedding = keras.layers.Embedding(
        vocabulary_size, embedding_dim, mask_zero=True, name="word_embedding"
    )  # E
    decoder = AttentionDecoder(
        cell,
        BahdanauAttention(attention_units, name="attention"),  # f_att
        attention_order="bahdanau",
        input_feeding=False,
        attention_units=None,  # the output is [z_t; h_t], for the deep output
        context_gate=context_gate,
        read="hard" if attention == "hard" else "soft",
        seed=seed,
        return_alignments=True,
        return_log_probs=attention == "hard",
        name="decoder",
    )
    output_h = keras.layers.Dense(embedding_dim, use_bias=False, name="output_h")  # L_h
    output_z = keras.layers.Dense(embedding_dim, use_bias=False, name="output_z")  # L_z
    output_logits = keras.layers.Dense(vocabulary_size, name="output_logits")  # L_o

    # === Functional Model ===
    images = keras.Input(tuple(image_shape), name=IMAGE_INPUT)
    decoder_input_ids = keras.Input((None,), dtype="int32", name=DECODER_INPUT)
    memory = flatten_feature_grid(encoder(images))  # a_1 .. a_L
    mean = _mean_annotation(memory)
    if attention == "none":
        memory = ops.expand_dims(mean, 1)  # one location: alpha = 1, z = mean a
    initial_state = bridge(mean)
    embedded = embedding(decoder_input_ids)
    target_mask = ops.not_equal(decoder_input_ids, 0)
    decoded = decoder([embedded, memory], initial_state=initial_state, mask=[target_mask, None])
    features, alignments = decoded[0], decoded[1]
    if attention == "hard":
        log_probs = decoded[2]
    else:
        log_probs = ops.zeros_like(ops.cast(decoder_input_ids, "float32"))
    logits = _deep_output(features, embedded, memory.shape[-1], output_h, output_z, output_logits)
    return keras.Model(
        {IMAGE_INPUT: images, DECODER_INPUT: decoder_input_ids},
        {"logits": logits, "alignments": alignments, "location_log_probs": log_probs},
        name=name,
    )


def _deep_output(features, embedded, memory_dim, output_h, output_z, output_logits):
    # features = [z_t; h_t]: L_o(E y_{t-1} + L_h h_t + L_z z_t), eq. 7.
    z, h = features[..., :memory_dim], features[..., memory_dim:]
    return output_logits(embedded + output_h(h) + output_z(z))


# --- One word at a time ------------------------------------------------------------


def _layers(model):
    try:
        return {name: model.get_layer(name) for name in LAYER_NAMES}
    except ValueError as error:
        raise validation.invalid_argument(
            "model", f"a `ShowAttendTell` model (with layers {LAYER_NAMES})", model.name
        ) from error


def encode(model, images):
    """The decoding state of `model` for `images`, before the first word.

    Returns:
        A dict: `"decoder"` (the decoder's state list), `"memory"` `(B, L,
        C)` (one location for `attention="none"`) and `"keys"`.
    """
    parts = _layers(model)
    images = ops.convert_to_tensor(images, "float32")
    if len(images.shape) != 4:
        raise validation.invalid_argument(
            "images",
            "a float image batch of rank 4, (B, H, W, channels)",
            f"shape {tuple(images.shape)}",
        )
    memory = flatten_feature_grid(parts["image_encoder"](images))
    mean = _mean_annotation(memory)
    decoder = parts["decoder"]
    if _one_location(model):
        memory = ops.expand_dims(mean, 1)
    state = decoder.get_initial_state(ops.shape(memory)[0], parts["bridge"](mean))
    return {"decoder": state, "memory": memory, "keys": decoder.project_memory(memory)}


def _one_location(model):
    # attention="none": the model's alignments have one location.
    return model.output["alignments"].shape[-1] == 1


def decoding_step(model):
    """`next_fn(tokens, state, index) -> (logits, state, attention)` of `model`."""
    parts = _layers(model)
    decoder = parts["decoder"]
    ids = ops.arange(parts["output_logits"].units)
    never_output = ops.logical_or(ops.equal(ids, PAD_ID), ops.equal(ids, START_ID))

    def next_fn(tokens, state, index):
        del index
        embedded = parts["word_embedding"](tokens)
        features, decoder_state, weights = decoder.step(
            embedded, state["decoder"], state["keys"], state["memory"]
        )
        logits = _deep_output(
            features,
            embedded,
            state["memory"].shape[-1],
            parts["output_h"],
            parts["output_z"],
            parts["output_logits"],
        )
        logits = ops.where(never_output, NEVER, ops.cast(logits, "float32"))
        return logits, {**state, "decoder": decoder_state}, weights

    return next_fn


def sampler_for(beam_width, max_length):
    """`GreedySampler` for `beam_width=1`, else `BeamSearch(beam_width)`."""
    beam_width = validation.check_positive_int("beam_width", beam_width)
    if beam_width == 1:
        return GreedySampler(max_length=max_length)
    return BeamSearch(beam_width, max_length=max_length)


def generate(model, images, sampler, max_length=None):
    """Captions `images` with `sampler` (greedy or beam search).

    Returns:
        The sampler's dict: `"tokens"` `(B, N, T)`, `"lengths"`,
        `"scores"`, `"log_probs"` and `"alignments"` `(B, N, T, L)`.
    """
    state = encode(model, images)
    return sampler(
        decoding_step(model),
        state,
        START_ID,
        END_ID,
        max_length=max_length,
        vocabulary_size=model.get_layer("output_logits").units,
    )
