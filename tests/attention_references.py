"""NumPy references of BahdanauAttention and LuongAttention, written from the papers.

Loops over the batch, the query steps and the source positions, with the
layer's weights read by name; shared by the layer tests and the conformance
specs (imported as `attention_references`).
"""

import numpy as np


def _weights(layer):
    return {w.path.split("/")[-1]: np.asarray(w.numpy(), "float64") for w in layer.weights}


def _softmax_read(scores, memory, mask):
    """a_j = softmax over kept j, 0 elsewhere; c = sum_j a_j h_j (0 with no kept j)."""
    kept = np.ones(scores.shape, bool) if mask is None else np.asarray(mask, bool)
    weights = np.zeros_like(scores)
    if kept.any():
        shifted = np.exp(scores[kept] - scores[kept].max())
        weights[kept] = shifted / shifted.sum()
    return weights @ memory, weights


def _attend(score, query, memory, mask):
    """Runs `score(s, h_j)` for every example and query step."""
    query = np.asarray(query, "float64")
    memory = np.asarray(memory, "float64")
    squeeze = query.ndim == 2
    query = query[:, None] if squeeze else query
    batch, steps, sources = query.shape[0], query.shape[1], memory.shape[1]
    contexts = np.zeros((batch, steps, memory.shape[2]))
    weights = np.zeros((batch, steps, sources))
    for n in range(batch):
        for t in range(steps):
            scores = np.array([score(query[n, t], memory[n, j]) for j in range(sources)])
            contexts[n, t], weights[n, t] = _softmax_read(
                scores, memory[n], None if mask is None else mask[n]
            )
    if squeeze:
        return contexts[:, 0], weights[:, 0]
    return contexts, weights


def bahdanau(layer, query, memory, mask=None):
    """`(context, weights)`: e_j = v^T tanh(W s + U h_j) (normalised: g v/||v||, + b)."""
    w = _weights(layer)
    v = w["attention_v"]
    b = 0.0
    if layer.normalize:
        v = w["attention_g"] * v / np.linalg.norm(v)
        b = w["attention_b"]

    def score(s, h):
        return v @ np.tanh(s @ w["query_kernel"] + h @ w["memory_kernel"] + b)

    return _attend(score, query, memory, mask)


def luong(layer, query, memory, mask=None):
    """`(context, weights)`: s^T h_j, s^T W_a h_j or v_a^T tanh(W_a [s; h_j]), times g."""
    w = _weights(layer)
    g = w["attention_g"] if layer.scale else 1.0

    def score(s, h):
        if layer.score_name == "dot":
            return g * s @ h
        if layer.score_name == "general":
            return g * s @ w["kernel"].T @ h  # W_a = kernel^T
        return g * w["attention_v"] @ np.tanh(np.concatenate([s, h]) @ w["kernel"])

    return _attend(score, query, memory, mask)


def _as_float32(x):
    return np.asarray(x, "float32")


def attention_decoder(layer, targets, memory, memory_mask=None, cell_states=None):
    """`(outputs, alignments)` of an `AttentionDecoder`, one step at a time.

    The trusted Keras cell is called as it is; the attention is the NumPy
    reference above; `h~_t = tanh(W_c [c_t; h_t])` (or `[c_t; h_t]`).
    """
    import references

    from keras_memory.layers import BahdanauAttention

    attend = bahdanau if isinstance(layer.attention, BahdanauAttention) else luong
    cell_step = references.keras_cell_step(layer.cell)
    targets = np.asarray(targets, "float64")
    batch, steps = targets.shape[:2]
    if cell_states is None:
        cell_states = references.initial_states(layer.cell, batch)
    states = [_as_float32(s) for s in cell_states]
    kernel = None
    if layer.attention_kernel is not None:
        kernel = np.asarray(layer.attention_kernel.numpy(), "float64")
    memory_values = np.asarray(memory, "float64")

    def read(query):
        """Soft `c_t`, or at inference the hard read `M_{argmax alpha}`;
        gated by `beta_t = sigmoid(q W_beta + b_beta)` (Xu et al. 4.1, 4.2.1)."""
        context, weights = attend(layer.attention, query, memory, memory_mask)
        if layer.read == "hard":
            context = memory_values[np.arange(batch), np.argmax(weights, -1)]
        if layer.context_gate:
            gate_kernel = np.asarray(layer.gate_kernel.numpy(), "float64")
            gate_bias = np.asarray(layer.gate_bias.numpy(), "float64")
            query = np.asarray(query, "float64")
            context = context / (1.0 + np.exp(-(query @ gate_kernel + gate_bias)))
        return context, weights

    attentional = np.zeros((batch, layer.output_size))  # h~_0
    outputs, alignments = [], []
    for t in range(steps):
        pieces = [targets[:, t]] + ([attentional] if layer.input_feeding else [])
        if layer.attention_order == "bahdanau":
            context, weights = read(states[0])
            pieces.append(context)
            cell_output, states = cell_step(_as_float32(np.concatenate(pieces, -1)), states)
        else:
            cell_output, states = cell_step(_as_float32(np.concatenate(pieces, -1)), states)
            context, weights = read(cell_output)
        attentional = np.concatenate([context, np.asarray(cell_output, "float64")], -1)
        if kernel is not None:
            attentional = np.tanh(attentional @ kernel)
        outputs.append(attentional)
        alignments.append(weights)
    return np.stack(outputs, 1), np.stack(alignments, 1)


def state_bridge(layer, encoder_states):
    """The decoder's initial states: activation([e_1; ...] W_k + b_k), or zeros."""
    states = encoder_states if isinstance(encoder_states, (list, tuple)) else [encoder_states]
    encoded = np.concatenate([np.asarray(s, "float64") for s in states], -1)
    if layer.bridge == "zeros":
        return [np.zeros((encoded.shape[0], size)) for size in layer.state_size]
    w = _weights(layer)
    return [
        np.tanh(encoded @ w[f"kernel_{k}"] + w[f"bias_{k}"]) for k in range(len(layer.state_size))
    ]
