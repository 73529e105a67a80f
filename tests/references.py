"""NumPy references of the layers, shared by their tests and the harness.

Each reference recomputes a layer's forward pass from its weights (read back
with `keras.ops.convert_to_numpy`) without calling the layer's own `call`.
Keras's own cells (`LSTMCell`, `GRUCell`), which wrappers and controllers
take, are trusted and called as they are. The conformance specs
(`tests/conformance_specs.py`) use them on every layer's tiny config; the
layers' test files use them on their own configs.
"""

import keras
import numpy as np

EPS = 1e-6  # the epsilon of the memory cells' norms and sharpening


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def softplus(x):
    return np.log1p(np.exp(x))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _as_list(states):
    return list(states) if isinstance(states, (list, tuple)) else [states]


def keras_cell_step(cell):
    """A step function `(x_t, states) -> (output, states)` of a trusted cell."""

    def step(x, states):
        output, new_states = cell(x, states)
        return _numpy(output), [_numpy(s) for s in _as_list(new_states)]

    return step


def initial_states(cell, batch):
    return [_numpy(s) for s in _as_list(cell.get_initial_state(batch_size=batch))]


def run_steps(step, x, states):
    """Outputs `(batch, T, ...)` and final states of `step` over `x`."""
    outputs = []
    for t in range(x.shape[1]):
        output, states = step(x[:, t], states)
        outputs.append(output)
    return np.stack(outputs, 1), states


# --- Clockwork RNN ------------------------------------------------------------------


def clockwork_step(cell):
    """Koutnik et al. (2014), eq. 1-2: active modules update, the rest copy."""
    periods = np.array(cell.periods)
    unit_periods = np.repeat(periods, cell.units // len(periods))
    mask = (unit_periods[:, None] >= unit_periods[None, :]).astype("float32")
    w_i, w_h = _numpy(cell.kernel), _numpy(cell.recurrent_kernel) * mask
    bias = _numpy(cell.bias) if cell.use_bias else 0.0

    def step(x, states):
        h, phases = states
        candidate = np.tanh(x @ w_i + h @ w_h + bias)
        active = np.repeat(phases == 0, cell.units // len(periods), axis=1)
        h = np.where(active, candidate, h)
        return h, [h, (phases + 1) % periods]

    return step


def clockwork_rnn(cell, x):
    """The outputs `(batch, T, units)` of a tanh ClockworkRNNCell from zeros."""
    batch = x.shape[0]
    states = [np.zeros((batch, cell.units)), np.zeros((batch, len(cell.periods)))]
    return run_steps(clockwork_step(cell), x, states)[0]


# --- Wrappers: Skip RNN, Zoneout and ACT (inference) ---------------------------------------


def skip_rnn(cell, x, inner_step=None):
    """Campos et al. (2018) at inference: `(batch, T, output [+ gate])`.

    u_t = round(u~_t) (here `u~_t > inference_threshold`); an update runs the
    wrapped cell and Δu~_t = sigmoid(W_p s_t + b_p), a skip copies both;
    u~_{t+1} = u_t Δu~_t + (1 - u_t) (u~_t + min(Δu~_t, 1 - u~_t)).
    """
    inner_step = inner_step or keras_cell_step(cell.cell)
    w_p, b_p = _numpy(cell.update_kernel), _numpy(cell.update_bias)
    batch = x.shape[0]
    inner = initial_states(cell.cell, batch)
    output = np.zeros((batch, cell.output_size - int(cell.return_gates)))
    cumulative = np.ones((batch, 1))
    increment = np.zeros((batch, 1))
    outputs = []
    for t in range(x.shape[1]):
        update = (cumulative > cell.inference_threshold).astype("float32")
        new_output, new_inner = inner_step(x[:, t], inner)
        new_increment = sigmoid(np.concatenate(new_inner, -1) @ w_p + b_p)
        chosen = update > 0
        output = np.where(chosen, new_output, output)
        inner = [np.where(chosen, n, o) for n, o in zip(new_inner, inner)]
        increment = np.where(chosen, new_increment, increment)
        cumulative = update * increment + (1 - update) * (
            cumulative + np.minimum(increment, 1 - cumulative)
        )
        outputs.append(np.concatenate([output, update], -1) if cell.return_gates else output)
    return np.stack(outputs, 1)


def zoneout_step(cell, inner_step=None):
    """Krueger et al. (2017) at inference: `s_t = (1 - z) s~_t + z s_{t-1}`."""
    inner_step = inner_step or keras_cell_step(cell.cell)

    def step(x, states):
        rates = [0.0] * len(states)
        rates[0] = cell.zoneout_h
        if cell.zoneout_c:
            rates[1] = cell.zoneout_c
        _, new_states = inner_step(x, states)
        zoned = [(1 - r) * new + r * old for new, old, r in zip(new_states, states, rates)]
        return zoned[0], zoned

    return step


def act(cell, x, inner_step=None, discrete=()):
    """Graves (2016), eq. 3-14, example by example: `(batch, T, output [+ ρ])`.

    For each example and input step, the wrapped cell runs on `[x_t, δ_{n,1}]`
    until the halting sum reaches `1 - ε` or `M` steps have run; state and
    output are the means weighted by `h^1 .. h^{N-1}, R`; `discrete` states
    (the clock phase) are taken from step `N`.
    """
    inner_step = inner_step or keras_cell_step(cell.cell)
    w_h, b_h = _numpy(cell.halting_kernel), _numpy(cell.halting_bias)
    outputs = []
    for example in range(x.shape[0]):
        states = initial_states(cell.cell, 1)
        sequence = []
        for t in range(x.shape[1]):
            weights, step_outputs, step_states = [], [], []
            previous, total = states, 0.0
            for n in range(1, cell.max_ponder_steps + 1):
                flag = np.array([[1.0 if n == 1 else 0.0]])
                output, previous = inner_step(
                    np.concatenate([x[example : example + 1, t], flag], -1), previous
                )
                continuous = [s for i, s in enumerate(previous) if i not in discrete]
                h = float(sigmoid(np.concatenate(continuous, -1) @ w_h + b_h)[0, 0])
                step_outputs.append(output)
                step_states.append(previous)
                if total + h >= 1.0 - cell.epsilon or n == cell.max_ponder_steps:
                    remainder = 1.0 - total
                    weights.append(remainder)
                    break
                weights.append(h)
                total += h
            output = sum(p * y for p, y in zip(weights, step_outputs))
            states = [
                step_states[-1][i]
                if i in discrete
                else sum(p * s[i] for p, s in zip(weights, step_states))
                for i in range(len(states))
            ]
            if cell.return_ponder:
                output = np.concatenate([output, [[len(weights) + remainder]]], -1)
            sequence.append(output[0])
        outputs.append(sequence)
    return np.array(outputs)


# --- Hierarchical multiscale LSTM ---------------------------------------------------


def named_weights(cell):
    """The cell's weights by name: kernel_1, recurrent_kernel_1, ..."""
    return {w.path.split("/")[-1]: _numpy(w) for w in cell.weights}


def hmlstm_step(cell, x, h, c, z):
    """One HM-LSTM step in NumPy, straight from equations 6-9 and 11.

    `h`, `c` are lists of per-layer arrays, `z` the list of the L-1
    boundaries `(batch, 1)`. Returns `(output, h, c, z, operations)`, where
    `operations[l]` is an array of "UPDATE", "COPY" or "FLUSH" per example.
    """
    w = named_weights(cell)
    slope = w["slope"]
    num_layers = cell.num_layers
    below, z_below = x, np.ones((x.shape[0], 1), "float32")
    new_h, new_c, new_z, operations = [], [], [], []
    for layer, n in enumerate(cell.units_per_layer):
        number = layer + 1
        top = layer == num_layers - 1
        z_prev = np.zeros_like(z_below) if top else z[layer]
        s = z_below * (below @ w[f"kernel_{number}"])  # bottom-up
        s = s + h[layer] @ w[f"recurrent_kernel_{number}"]  # recurrent
        if not top:
            s = s + z_prev * (h[layer + 1] @ w[f"top_down_kernel_{number}"])
        if cell.use_bias:
            s = s + w[f"bias_{number}"]
        f, i, o = (sigmoid(s[:, k * n : (k + 1) * n]) for k in range(3))
        g = np.tanh(s[:, 3 * n : 4 * n])
        flush = z_prev[:, 0] == 1
        update = (z_prev[:, 0] == 0) & (z_below[:, 0] == 1)
        copy = (z_prev[:, 0] == 0) & (z_below[:, 0] == 0)
        c_l = np.where(
            flush[:, None], i * g, np.where(update[:, None], f * c[layer] + i * g, c[layer])
        )
        h_l = np.where(copy[:, None], h[layer], o * np.tanh(c_l))
        operations.append(np.where(flush, "FLUSH", np.where(copy, "COPY", "UPDATE")))
        if not top:
            z_tilde = np.clip((slope * s[:, 4 * n : 4 * n + 1] + 1) / 2, 0, 1)
            z_l = (z_tilde > 0.5).astype("float32")
            new_z.append(z_l)
            z_below = z_l
        new_h.append(h_l)
        new_c.append(c_l)
        below = h_l
    h_all = np.concatenate(new_h, -1)
    if cell.output_module_units is None:
        output = h_all
    else:
        gates = sigmoid(h_all @ w["output_gate_kernel"])
        blocks = np.cumsum([0] + list(cell.units_per_layer))
        output = sum(
            gates[:, k : k + 1]
            * (new_h[k] @ w["output_kernel"][blocks[k] : blocks[k + 1]])
            for k in range(num_layers)
        )
        output = np.maximum(output, 0.0)
    if cell.return_boundaries:
        output = np.concatenate([output] + new_z, -1)
    return output, new_h, new_c, new_z, operations


def hmlstm(cell, x):
    """The cell's outputs `(batch, T, ...)` from zero states and boundaries."""
    batch = x.shape[0]
    h = [np.zeros((batch, n), "float32") for n in cell.units_per_layer]
    c = [np.zeros((batch, n), "float32") for n in cell.units_per_layer]
    z = [np.zeros((batch, 1), "float32")] * (cell.num_layers - 1)
    outputs = []
    for t in range(x.shape[1]):
        output, h, c, z, _ = hmlstm_step(cell, x[:, t], h, c, z)
        outputs.append(output)
    return np.stack(outputs, 1)


# --- External memory (NTM and the general memory cell) ----------------------------


def np_address(params, previous, memory, addressing, s):
    """params (B, H, head), previous (B, H, N), memory (B, N, M) -> (B, H, N)."""
    m = memory.shape[-1]
    key, beta = params[..., :m], softplus(params[..., m])
    key_norm = np.sqrt((key**2).sum(-1) + EPS)
    memory_norm = np.sqrt((memory**2).sum(-1) + EPS)
    similarity = np.einsum("bhm,bnm->bhn", key, memory) / (
        key_norm[:, :, None] * memory_norm[:, None, :] + EPS
    )
    w = softmax(beta[..., None] * similarity)
    if addressing == "content":
        return w
    gate = sigmoid(params[..., m + 1])[..., None]
    w = gate * w + (1 - gate) * previous
    shifts = softmax(params[..., m + 2 : m + 3 + 2 * s])
    shifted = np.zeros_like(w)
    for k, offset in enumerate(range(-s, s + 1)):
        shifted += shifts[..., k : k + 1] * np.roll(w, offset, axis=-1)
    gamma = 1 + softplus(params[..., m + 3 + 2 * s])[..., None]
    sharp = (shifted + EPS) ** gamma
    return sharp / sharp.sum(-1, keepdims=True)


def np_write(memory, w, vectors, writes):
    if writes == "erase_add":
        erase, add = vectors
        keep = np.prod(1 - w[..., None] * erase[:, :, None, :], axis=1)
        return memory * keep + np.einsum("bhn,bhm->bnm", w, add)
    (values,) = vectors
    written = np.einsum("bhn,bhm->bnm", w, values)
    if writes == "residual":
        return memory + written
    # Shared claim: (1 - min(1, S)) M + sum_h w_h v_h / max(1, S).
    claim = w.sum(1)[..., None]
    return (1 - np.minimum(1, claim)) * memory + written / np.maximum(1, claim)


def memory_cell(cell, x):
    """A MemoryCell (or NTMCell) at inference over `x`: `(batch, T, output)`.

    The controller reads `[x_t, r_{t-1}]`; its output `h_t` projects (clipped)
    to the heads' parameters (read heads, then write heads) and the write
    vectors; the write heads address and write `M_{t-1}`, then the read heads
    address and read `M_t` (soft, or the argmax location when hard). The
    initial memory, reads and weightings are the cell's decoded initial state.
    """
    batch = x.shape[0]
    r, w, n, m = cell.read_heads, cell.write_heads, cell.memory_size, cell.memory_width
    s = cell.shift_range
    head = m + 1 if cell.addressing == "content" else m + 4 + 2 * s
    initial = cell.get_initial_state(batch_size=batch)
    decoded = {k: _numpy(v) for k, v in cell.decode_state(initial).items()}
    memory, reads = decoded["memory"], decoded["read_vectors"]
    read_w, write_w = decoded["read_weightings"], decoded["write_weightings"]
    controller = cell.controller
    recurrent = hasattr(controller, "state_size")
    controller_states = initial_states(controller, batch) if recurrent else None
    kernel, bias = _numpy(cell.head_kernel), _numpy(cell.head_bias)
    outputs = []
    for t in range(x.shape[1]):
        controller_input = np.concatenate([x[:, t], reads.reshape(batch, -1)], -1)
        if recurrent:
            h, controller_states = keras_cell_step(controller)(
                controller_input, controller_states
            )
        else:
            h = _numpy(controller(controller_input))
        params = np.clip(h @ kernel + bias, -cell.clip_value, cell.clip_value)
        heads = params[:, : (r + w) * head].reshape(batch, r + w, head)
        rest = params[:, (r + w) * head :]
        if cell.writes == "erase_add":
            vectors = [sigmoid(rest[:, : w * m]).reshape(batch, w, m),
                       np.tanh(rest[:, w * m :]).reshape(batch, w, m)]
        else:
            vectors = [np.tanh(rest).reshape(batch, w, m)]
        write_w = np_address(heads[:, r:], write_w, memory, cell.addressing, s)
        memory = np_write(memory, write_w, vectors, cell.writes)
        read_w = np_address(heads[:, :r], read_w, memory, cell.addressing, s)
        if cell.reads == "soft":
            reads = np.einsum("bhn,bnm->bhm", read_w, memory)
        else:
            indices = read_w.argmax(-1)
            log_probs = np.log(np.take_along_axis(read_w, indices[..., None], -1))[..., 0]
            reads = np.take_along_axis(memory, indices[:, :, None], axis=1)
            read_w = np.eye(n)[indices]
        pieces = [h, reads.reshape(batch, -1)]
        if cell.return_access:
            pieces += [read_w.reshape(batch, -1), write_w.reshape(batch, -1)]
        if cell.return_log_probs:
            pieces.append(log_probs)
        outputs.append(np.concatenate(pieces, -1))
    return np.stack(outputs, 1)


# --- Attention over previous states -------------------------------------------------


def previous_state_attention(cell, x):
    """A NumPy loop over a plain list of past states (no ring).

    Returns the outputs `(batch, T, units)`, the attention weights in order
    of recency `(batch, T, window)` and the history `[s_0, s_1, ...]`.
    """
    inner = cell.cell
    window = cell.window
    batch, timesteps, _ = x.shape
    count = 1 if cell.attended_states == "first" else len(cell._cell_state_sizes)
    states = [_numpy(s) for s in inner.get_initial_state(batch_size=batch)]
    history = [states]
    w_q, w_k = _numpy(cell.query_kernel), _numpy(cell.key_kernel)
    outputs, attention = [], []
    for t in range(timesteps):
        past = history[::-1][:window]  # s_{t-1}, s_{t-2}, ... (most recent first)
        h_previous = states[0]
        query = {
            "input_and_state": np.concatenate([x[:, t], h_previous], -1),
            "input": x[:, t],
            "state": h_previous,
        }[cell.query]
        keys = np.stack([s[0] for s in past], 1)  # (batch, k, H)
        projected_query, projected_keys = query @ w_q, keys @ w_k
        if cell.score == "additive":
            scores = np.tanh(projected_query[:, None] + projected_keys) @ _numpy(
                cell.score_vector
            )
            scores = scores[..., 0]
        else:
            scores = (projected_query[:, None] * projected_keys).sum(-1) / np.sqrt(
                w_k.shape[-1]
            )
        a = np.exp(scores - scores.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        mixed = [
            (a[:, :, None] * np.stack([s[i] for s in past], 1)).sum(1)
            for i in range(count)
        ]
        attended = mixed + states[count:]
        output, new_states = inner(x[:, t], attended)
        states = [_numpy(s) for s in new_states]
        history.append(states)
        outputs.append(_numpy(output))
        padded = np.zeros((batch, window), "float32")
        padded[:, : a.shape[1]] = a
        attention.append(padded)
    return np.stack(outputs, 1), np.stack(attention, 1), history


# --- Stacked attention ----------------------------------------------------------------


def stacked_attention(layer, v_i, v_q, mask=None):
    """The paper's eq. 15-19 with loops and NumPy: `(u^K, [p_I^1, ...])`."""
    w_ia = _numpy(layer.image_kernel)  # (K, d, k)
    w_qa = _numpy(layer.question_kernel)  # (K, d, k)
    w_p = _numpy(layer.attention_kernel)  # (K, k, 1)
    b_a = _numpy(layer.bias) if layer.bias is not None else np.zeros(w_ia.shape[::2])
    if mask is None:
        mask = np.ones(v_i.shape[:2], bool)
    outputs, maps = [], []
    for b in range(v_i.shape[0]):
        u = v_q[b].astype("float64")  # u^0 = v_Q
        example_maps = []
        for k in range(layer.hops):
            scores = []
            for i in range(v_i.shape[1]):
                h_a = np.tanh(v_i[b, i] @ w_ia[k] + u @ w_qa[k] + b_a[k])  # eq. 15
                scores.append((h_a @ w_p[k])[0])
            scores = np.array(scores)
            p = np.where(mask[b], np.exp(scores - scores[mask[b]].max()), 0.0)
            p /= p.sum()  # eq. 16, over the unmasked regions
            u = p @ v_i[b] + u  # eq. 17-19
            example_maps.append(p)
        outputs.append(u)
        maps.append(example_maps)
    return np.array(outputs), np.array(maps)


# --- End-to-end memory networks -------------------------------------------------------


def np_position_encoding(J, d):
    """l_kj for j = 1..J, k = 1..d: an array (J, d)."""
    j = np.arange(1, J + 1)[:, None]
    k = np.arange(1, d + 1)[None, :]
    return (1 - j / J) - (k / d) * (1 - 2 * j / J)


def np_centered_position_encoding(words, J, d):
    """The authors' code's l_kj for j = 1..words, k = 1..d, with a fixed J."""
    j = np.arange(1, words + 1)[:, None]
    k = np.arange(1, d + 1)[None, :]
    return 1 + 4 * (k - (d + 1) / 2) * (j - (J + 1) / 2) / (d * J)


def np_embed(ids, embedding, encoding, sentence_size=None):
    words = [w for w in ids if 0 < w < embedding.shape[0]]
    if not words:
        return np.zeros(embedding.shape[1])
    vectors = embedding[words]
    if encoding == "position":
        vectors = vectors * np_position_encoding(len(words), embedding.shape[1])
    elif encoding == "centered_position":
        vectors = vectors * np_centered_position_encoding(
            len(words), sentence_size, embedding.shape[1]
        )
    return vectors.sum(0)


def np_weights(net):
    """The paper's symbols per hop, as NumPy arrays."""
    get = lambda v: None if v is None else _numpy(v)  # noqa: E731
    hops = [tuple(map(get, net.memory_embeddings(k))) for k in range(1, net.hops + 1)]
    H = _numpy(net.hop_map) if net.weight_tying == "layerwise" else None
    return get(net.question_embedding()), hops, H, _numpy(net.answer_matrix())


def np_encode(net, story, question, linear=False):
    """The final controller states u^{K+1} (B, d) and attention (B, K, S)."""
    B_emb, hops, H, _ = np_weights(net)
    all_u, all_attention = [], []
    for b in range(story.shape[0]):
        real = [i for i in range(story.shape[1]) if (story[b, i] != 0).any()]
        kept = real[-net.memory_size :]
        age = {i: len(real) - 1 - n for n, i in enumerate(real)}  # 0 = most recent
        u = np_embed(question[b], B_emb, net.encoding, net.sentence_size)
        attention = np.zeros((net.hops, story.shape[1]))
        for k, (A, C, T_A, T_C) in enumerate(hops):
            m = {i: np_embed(story[b, i], A, net.encoding, net.sentence_size) for i in kept}
            c = {i: np_embed(story[b, i], C, net.encoding, net.sentence_size) for i in kept}
            if T_A is not None:
                m = {i: m[i] + T_A[age[i]] for i in kept}
                c = {i: c[i] + T_C[age[i]] for i in kept}
            scores = np.array([u @ m[i] for i in kept])
            if linear:
                p = scores
            else:
                p = np.exp(scores - scores.max()) if kept else scores
                # The empty slots of the authors' memory: score 0 each.
                empty = net.memory_size - len(kept) if net.attend_empty_slots else 0
                p = p / (p.sum() + empty * np.exp(-scores.max())) if kept else p
            o = sum((p_i * c[i] for p_i, i in zip(p, kept)), np.zeros(net.embedding_dim))
            attention[k, kept] = p
            u = (u @ H if H is not None else u) + o
            if net.nonlinearity == "relu":
                u = np.maximum(u, 0)
        all_u.append(u)
        all_attention.append(attention)
    return np.array(all_u), np.array(all_attention)


def np_forward(net, story, question, linear=False):
    """Logits (B, V) and attention (B, K, S), one example at a time."""
    u, attention = np_encode(net, story, question, linear)
    return u @ np_weights(net)[3], attention


def memory_network_response(net, story, question):
    """Greedy decoding: logits `(B, answer_length, V)` and the attention.

    The decoder cell starts from u^{K+1} (and zero memory for an LSTM), is fed
    the start token 0 and then its own argmax; logits are `h_t W`.
    """
    u, attention = np_encode(net, story, question)
    u = u.astype("float32")
    answer_matrix = np_weights(net)[3]
    embedding = _numpy(net.decoder_embedding)
    step = keras_cell_step(net.decoder_cell)
    states = [u, np.zeros_like(u)] if net.response_cell == "lstm" else [u]
    previous = np.zeros(u.shape[0], "int32")
    logits = []
    for _ in range(net.answer_length):
        h, states = step(embedding[previous], states)
        logits.append(h @ answer_matrix)
        previous = logits[-1].argmax(-1)
    return np.stack(logits, 1), attention


# --- Recursive (tree) networks ------------------------------------------------------


def recursive_cell_step(cell):
    """Socher et al. (2011): p = f(W_x x + sum_k W_k c_k + b)."""
    w_x, w_c, b = (_numpy(w) for w in (cell.input_kernel, cell.child_kernel, cell.bias))
    activation = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0)}[
        cell.activation.__name__
    ]

    def step(x, children):
        slots = [children[k][0] if k < len(children) else np.zeros(cell.units)
                 for k in range(cell.arity)]
        return [activation(x @ w_x + np.concatenate(slots) @ w_c + b)]

    return step


def child_sum_tree_lstm_step(cell):
    """Tai et al. (2015), eq. 2-8: gates on the sum of h_k, a forget gate per child."""
    w, u, u_f, b = (_numpy(v) for v in (
        cell.kernel, cell.recurrent_kernel, cell.forget_kernel, cell.bias))
    n = cell.units

    def step(x, children):
        h_sum = sum((h for h, _ in children), np.zeros(n))
        z = x @ w + b
        gates = z[: 3 * n] + h_sum @ u
        i, o, candidate = sigmoid(gates[:n]), sigmoid(gates[n : 2 * n]), np.tanh(gates[2 * n :])
        c = i * candidate + sum(
            (sigmoid(z[3 * n :] + h @ u_f) * c_k for h, c_k in children), np.zeros(n)
        )
        return [o * np.tanh(c), c]

    return step


def nary_tree_lstm_step(cell):
    """Tai et al. (2015), eq. 9-14: matrices per child position."""
    w, u, b = (_numpy(v) for v in (cell.kernel, cell.recurrent_kernel, cell.bias))
    n, arity = cell.units, cell.arity

    def step(x, children):
        hs = [children[k][0] if k < len(children) else np.zeros(n) for k in range(arity)]
        cs = [children[k][1] if k < len(children) else np.zeros(n) for k in range(arity)]
        gates = x @ w + np.concatenate(hs) @ u + b
        i, o, candidate = sigmoid(gates[:n]), sigmoid(gates[n : 2 * n]), np.tanh(
            gates[2 * n : 3 * n])
        c = i * candidate + sum(
            sigmoid(gates[(3 + k) * n : (4 + k) * n]) * cs[k] for k in range(arity))
        return [o * np.tanh(c), c]

    return step


TREE_STEPS = {
    "RecursiveCell": recursive_cell_step,
    "ChildSumTreeLSTMCell": child_sum_tree_lstm_step,
    "NaryTreeLSTMCell": nary_tree_lstm_step,
}


def tree_rnn(cell, inputs, return_nodes=False, mask=None):
    """Each tree evaluated node by node from its leaves (memoised recursion).

    A child slot `k` of node `j` holds `children[j, k]` when it is >= 0 and
    names a valid node; slots are kept in order for the position-aware cells
    (an empty slot in the middle stays a zero state in its position).
    """
    nodes, children = (np.asarray(v) for v in inputs)
    step = TREE_STEPS[type(cell).__name__](cell)
    mask = np.ones(nodes.shape[:2], bool) if mask is None else np.asarray(mask, bool)
    size = cell.units
    results = []
    for b in range(nodes.shape[0]):
        memo = {}

        def state(j, b=b, memo=memo):
            if j not in memo:
                slots = []
                for k in children[b, j]:
                    if k >= 0 and mask[b, k]:
                        slots.append(state(int(k)))
                    else:
                        slots.append(None)
                if type(cell).__name__ == "ChildSumTreeLSTMCell":
                    present = [s for s in slots if s is not None]
                else:
                    zero = [np.zeros(size)] * len(cell.state_size)
                    present = [s if s is not None else zero for s in slots]
                memo[j] = step(nodes[b, j], present)
            return memo[j]

        valid = np.flatnonzero(mask[b])
        if return_nodes:
            results.append([
                state(j)[0] if mask[b, j] else np.zeros(size) for j in range(nodes.shape[1])
            ])
        else:
            results.append(state(int(valid[-1]))[0])
    return np.array(results)
