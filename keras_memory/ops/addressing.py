"""Memory addressing, reads and writes of the Neural Turing Machine.

Pure `keras.ops` functions, one per equation of Graves, Wayne and Danihelka
(2014), "Neural Turing Machines", section 3, plus the soft/hard reads and the
overwrite/residual writes that other external-memory models use. They hold no
weights and no state, run on every Keras backend and compile under XLA
(`tf.function(jit_compile=True)`, `jax.jit`).

The addressing pipeline of one step (section 3.3, figure 2) is

    w_c = content_weighting(k_t, beta_t, M_t)      # eq. 5-6
    w_g = interpolate(w_c, w_{t-1}, g_t)           # eq. 7
    w~  = shift(w_g, s_t)                          # eq. 8
    w_t = sharpen(w~, gamma_t)                     # eq. 9
    r_t = soft_read(M_t, w_t)                      # eq. 2

Shapes are batch first with a heads axis:

- memory `M`: `(batch, N, M)`, N memory locations (rows) of width M;
- keys `k`, read vectors `r`, erase `e`, add `a`, values `v`: `(batch, heads, M)`;
- weightings `w`: `(batch, heads, N)`, non-negative and summing to 1 over N;
- per-head scalars (`beta`, `g`, `gamma`): `(batch, heads)`.

The functions take the controller's outputs already squashed into their
ranges (`beta = softplus(.)`, `g = sigmoid(.)`, `gamma = 1 + softplus(.)`,
`s = softmax(.)`, `e = sigmoid(.)`): they never clip values themselves.

Numerics. Earlier NTM implementations met NaN in training from three
places, each handled here: the cosine similarity of an all-zero memory row
or key (a norm of zero in a denominator, and the infinite gradient of
`sqrt` at zero), sharpening of exact zeros (`0 ** gamma` and `log(0)`), and
large key strengths or sharpening exponents. The similarity, content
weighting, sharpening and hard-read log-probabilities are computed in at
least float32 (and cast back), since `beta = 1e6` or `gamma * log(eps)`
overflow float16.
"""

import collections

import numpy as np
from keras import backend
from keras import ops
from keras import random

# Added under every square root and to every denominator and logarithm:
# `sqrt(sum(x**2) + eps)` is at least 1e-3 and has a finite gradient at
# x = 0, so an all-zero memory row or key gives a similarity of 0, not NaN;
# `log(w + eps)` is finite for the exact zeros that shifting one-hot
# weightings produces. 1e-6 is the DNC's choice: it is far below any weight
# or norm that matters and still a normal float32 (and a float16 subnormal).
_EPSILON = 1e-6

# The floor under a probability before its logarithm in `hard_read`: the
# smallest normal float32, so `log p` is exact for every normal p, is -87.3
# (not -inf) at p = 0, and its gradient 1 / p stays finite.
_TINY = float(np.finfo(np.float32).tiny)

_LOW_PRECISION = ("float16", "bfloat16")


HardRead = collections.namedtuple("HardRead", ["values", "indices", "log_probs"])
HardRead.__doc__ = """The result of `hard_read`.

Attributes:
    values: The read vectors `M[j]`, shape `(batch, heads, M)`.
    indices: The chosen locations `j`, int32, shape `(batch, heads)`.
    log_probs: `log p(j)`, shape `(batch, heads)`: the term of a REINFORCE
        loss `-log p(j) * advantage`, the only path of gradient to the
        probabilities.
"""


# --- Argument checks --------------------------------------------------------


def _check_rank(name, x, layout):
    """Raises unless `x` has rank `len(layout)`; `layout` names the axes."""
    if len(x.shape) != len(layout):
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected a "
            f"rank-{len(layout)} tensor of shape ({', '.join(layout)}), got a "
            f"tensor of shape {tuple(x.shape)}."
        )


def _check_dim(name, x, axis, what, other_name, other, other_axis):
    """Raises if static sizes of `x.shape[axis]` and `other.shape[other_axis]` differ."""
    size, other_size = x.shape[axis], other.shape[other_axis]
    if size is not None and other_size is not None and size != other_size:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected its "
            f"{what} to be {other_size} as in `{other_name}` (shape "
            f"{tuple(other.shape)}), got a tensor of shape {tuple(x.shape)}."
        )


def _check_batch_and_heads(name, x, reference_name, reference):
    # Both tensors start with (batch, heads).
    _check_dim(name, x, 0, "batch size", reference_name, reference, 0)
    _check_dim(name, x, 1, "number of heads", reference_name, reference, 1)


def _check_memory_and_weights(memory, weights, weights_name="weights"):
    _check_rank("memory", memory, ("batch", "N", "M"))
    _check_rank(weights_name, weights, ("batch", "heads", "N"))
    _check_dim(weights_name, weights, 0, "batch size", "memory", memory, 0)
    _check_dim(
        weights_name, weights, 2, "last dimension (N, the number of memory "
        "locations)", "memory", memory, 1,
    )


def _check_head_vectors(name, x, memory, weights, weights_name="weights"):
    _check_rank(name, x, ("batch", "heads", "M"))
    _check_batch_and_heads(name, x, weights_name, weights)
    _check_dim(
        name, x, 2, "last dimension (M, the memory word size)", "memory", memory, 2
    )


def _at_least_float32(x):
    """Returns `x` in float32 if it is float16/bfloat16, else unchanged."""
    if backend.standardize_dtype(x.dtype) in _LOW_PRECISION:
        return ops.cast(x, "float32")
    return x


# --- Addressing (section 3.3) ------------------------------------------------


def cosine_similarity(keys, memory):
    """Cosine similarity `K[k, M_i]` of every key with every memory row.

    `K[u, v] = u . v / (||u|| ||v|| + eps)` (NTM eq. 6), with the smoothed
    norm `||u|| = sqrt(sum_m u_m^2 + eps)`: an all-zero key or memory row has
    similarity 0 with everything, and a finite gradient.

    Args:
        keys: The keys `k_t`, shape `(batch, heads, M)`.
        memory: The memory `M_t`, shape `(batch, N, M)`.

    Returns:
        The similarities, in [-1, 1], shape `(batch, heads, N)`, in the dtype
        of `memory` (computed in at least float32).

    Example:

    >>> import numpy as np
    >>> memory = np.array([[[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]], "float32")
    >>> keys = np.array([[[3.0, 0.0]]], "float32")
    >>> np.round(ops.convert_to_numpy(cosine_similarity(keys, memory)), 4)
    array([[[1., 0., 0.]]], dtype=float32)
    """
    keys = ops.convert_to_tensor(keys)
    memory = ops.convert_to_tensor(memory)
    _check_rank("memory", memory, ("batch", "N", "M"))
    _check_rank("keys", keys, ("batch", "heads", "M"))
    _check_dim("keys", keys, 0, "batch size", "memory", memory, 0)
    _check_dim(
        "keys", keys, 2, "last dimension (M, the memory word size)",
        "memory", memory, 2,
    )
    dtype = memory.dtype
    keys = _at_least_float32(keys)
    memory = _at_least_float32(memory)
    # u . v for every (head, location): (batch, heads, M) x (batch, M, N).
    dot = ops.matmul(keys, ops.transpose(memory, (0, 2, 1)))
    # The epsilon sits inside the square root: d sqrt(x) / dx is infinite
    # at 0, d sqrt(x + eps) / dx is not.
    key_norm = ops.sqrt(ops.sum(ops.square(keys), axis=-1) + _EPSILON)
    memory_norm = ops.sqrt(ops.sum(ops.square(memory), axis=-1) + _EPSILON)
    denominator = key_norm[:, :, None] * memory_norm[:, None, :] + _EPSILON
    return ops.cast(dot / denominator, dtype)


def content_weighting(keys, strengths, memory):
    """Content-based addressing `w^c_t` (NTM eq. 5).

    `w^c_t(i) = exp(beta_t K[k_t, M_t(i)]) / sum_j exp(beta_t K[k_t, M_t(j)])`,
    a softmax over the N locations of the key strength times the cosine
    similarity. The softmax subtracts its maximum first, so a key strength
    of 1e6 (all the weight on the most similar rows) gives no NaN.

    Args:
        keys: The keys `k_t`, shape `(batch, heads, M)`.
        strengths: The key strengths `beta_t`, shape `(batch, heads)`,
            positive. Callers produce them with `softplus` (not `exp`, whose
            unbounded values were a source of NaN in earlier NTMs).
        memory: The memory `M_t`, shape `(batch, N, M)`.

    Returns:
        The content weighting `w^c_t`, shape `(batch, heads, N)`: each row
        non-negative and summing to 1.

    Example:

    >>> import numpy as np
    >>> memory = np.eye(3, 2, dtype="float32")[None]   # rows e1, e2, 0
    >>> keys = np.array([[[1.0, 0.0]]], "float32")
    >>> w = content_weighting(keys, np.array([[100.0]], "float32"), memory)
    >>> np.round(ops.convert_to_numpy(w), 3)
    array([[[1., 0., 0.]]], dtype=float32)
    """
    keys = ops.convert_to_tensor(keys)
    strengths = ops.convert_to_tensor(strengths)
    similarity = cosine_similarity(keys, memory)  # K[k_t, M_t(i)]
    _check_rank("strengths", strengths, ("batch", "heads"))
    _check_batch_and_heads("strengths", strengths, "keys", keys)
    dtype = similarity.dtype
    similarity = _at_least_float32(similarity)
    strengths = ops.cast(strengths, similarity.dtype)
    # beta_t * K: the logits of the softmax over N.
    logits = strengths[:, :, None] * similarity
    return ops.cast(ops.softmax(logits, axis=-1), dtype)


def interpolate(content_weights, previous_weights, gate):
    """Interpolation gate `w^g_t = g_t w^c_t + (1 - g_t) w_{t-1}` (NTM eq. 7).

    With `g_t = 1` the result is `w^c_t` exactly, with `g_t = 0` it is
    `w_{t-1}` exactly (location-only addressing).

    Args:
        content_weights: The content weighting `w^c_t`, shape
            `(batch, heads, N)`.
        previous_weights: The previous step's weighting `w_{t-1}`, shape
            `(batch, heads, N)`.
        gate: The interpolation gate `g_t` in [0, 1] (a sigmoid output),
            shape `(batch, heads)`.

    Returns:
        The gated weighting `w^g_t`, shape `(batch, heads, N)`; a convex
        combination, so it sums to 1 when both inputs do.
    """
    content_weights = ops.convert_to_tensor(content_weights)
    previous_weights = ops.convert_to_tensor(previous_weights)
    gate = ops.convert_to_tensor(gate)
    _check_rank("content_weights", content_weights, ("batch", "heads", "N"))
    _check_rank("previous_weights", previous_weights, ("batch", "heads", "N"))
    _check_rank("gate", gate, ("batch", "heads"))
    for axis, what in enumerate(("batch size", "number of heads", "size N")):
        _check_dim(
            "previous_weights", previous_weights, axis, what,
            "content_weights", content_weights, axis,
        )
    _check_batch_and_heads("gate", gate, "content_weights", content_weights)
    gate = ops.cast(gate, content_weights.dtype)[:, :, None]  # g_t
    return gate * content_weights + (1.0 - gate) * previous_weights


def _shift_indices(memory_size, shift_range):
    """`idx[k, i] = (i - o_k) mod N` for the offsets `o_k = k - s`."""
    offsets = np.arange(-shift_range, shift_range + 1)
    locations = np.arange(memory_size)
    return ((locations[None, :] - offsets[:, None]) % memory_size).astype("int32")


def shift(weights, shift_weights):
    """Rotation by a distribution over shifts: circular convolution (NTM eq. 8).

    `w~_t(i) = sum_j w^g_t(j) s_t((i - j) mod N)`, where the shift weighting
    `s_t` puts mass only on the offsets `-s, ..., s`. Written as a sum over
    the 2s + 1 offsets `o` of `s_t(o) w^g_t((i - o) mod N)`, it is one static
    gather and a weighted sum: no loop over N, and it compiles under XLA.
    A one-hot `s_t` on offset `o` is `np.roll(w, o, axis=-1)`: offset +1
    moves the weight to the next location.

    Args:
        weights: The gated weighting `w^g_t`, shape `(batch, heads, N)`; N
            must be known statically.
        shift_weights: The shift weighting `s_t`, a distribution (a softmax
            output) over the offsets `[-s, s]`, shape `(batch, heads, 2s + 1)`:
            index 0 is offset `-s`, index `s` is no shift. The 2s + 1 offsets
            must be distinct modulo N, so 2s + 1 <= N.

    Returns:
        The shifted weighting `w~_t`, shape `(batch, heads, N)`; it sums to 1
        when `w^g_t` and `s_t` do.

    Raises:
        ValueError: if `shift_weights` has an even last dimension or one
            larger than N.

    Example:

    >>> import numpy as np
    >>> w = np.array([[[0.0, 1.0, 0.0, 0.0]]], "float32")
    >>> forward_by_one = np.array([[[0.0, 0.0, 1.0]]], "float32")  # s = 1
    >>> ops.convert_to_numpy(shift(w, forward_by_one))
    array([[[0., 0., 1., 0.]]], dtype=float32)
    """
    weights = ops.convert_to_tensor(weights)
    shift_weights = ops.convert_to_tensor(shift_weights)
    _check_rank("weights", weights, ("batch", "heads", "N"))
    _check_rank("shift_weights", shift_weights, ("batch", "heads", "2s + 1"))
    _check_batch_and_heads("shift_weights", shift_weights, "weights", weights)
    memory_size = weights.shape[-1]
    num_offsets = shift_weights.shape[-1]
    if memory_size is None:
        raise ValueError(
            "Received an invalid value for argument `weights`, expected a "
            "static last dimension (N, the number of memory locations), got a "
            f"tensor of shape {tuple(weights.shape)}."
        )
    if num_offsets is None or num_offsets % 2 != 1:
        raise ValueError(
            "Received an invalid value for argument `shift_weights`, expected "
            "a static odd last dimension 2s + 1 (offsets -s..s), got a tensor "
            f"of shape {tuple(shift_weights.shape)}."
        )
    if num_offsets > memory_size:
        raise ValueError(
            "Received an invalid value for argument `shift_weights`, expected "
            f"at most N = {memory_size} shift offsets (2s + 1 <= N, so that "
            f"the offsets are distinct modulo N), got {num_offsets} (shape "
            f"{tuple(shift_weights.shape)})."
        )
    indices = _shift_indices(memory_size, num_offsets // 2)  # (2s + 1, N)
    # rolled[b, h, k, i] = w^g((i - o_k) mod N)
    rolled = ops.take(weights, indices, axis=-1)
    shift_weights = ops.cast(shift_weights, weights.dtype)
    return ops.sum(shift_weights[:, :, :, None] * rolled, axis=2)


def sharpen(weights, gamma):
    """Sharpening `w_t(i) = w~_t(i)^gamma_t / sum_j w~_t(j)^gamma_t` (NTM eq. 9).

    Computed in log space as `softmax(gamma_t * log(w~_t + eps))`: a power
    of 1e4 neither underflows to 0 / 0 nor overflows, and exact zeros in
    `w~_t` (left by shifting a one-hot weighting) have a finite logarithm and
    gradient. The epsilon makes `gamma_t = 1` the identity up to `O(N eps)`:
    `(w + eps) / (1 + N eps)`.

    Args:
        weights: The shifted weighting `w~_t`, non-negative, shape
            `(batch, heads, N)`.
        gamma: The sharpening exponent `gamma_t >= 1`, shape
            `(batch, heads)`. Callers produce it as `1 + softplus(.)`: with
            `gamma_t < 1` sharpening blurs and, in earlier NTMs, was a source
            of NaN.

    Returns:
        The final weighting `w_t`, shape `(batch, heads, N)`: non-negative and
        summing to 1.

    Example:

    >>> import numpy as np
    >>> w = np.array([[[0.2, 0.3, 0.5]]], "float32")
    >>> np.round(ops.convert_to_numpy(sharpen(w, np.array([[2.0]]))), 4)
    array([[[0.1053, 0.2368, 0.6579]]], dtype=float32)
    """
    weights = ops.convert_to_tensor(weights)
    gamma = ops.convert_to_tensor(gamma)
    _check_rank("weights", weights, ("batch", "heads", "N"))
    _check_rank("gamma", gamma, ("batch", "heads"))
    _check_batch_and_heads("gamma", gamma, "weights", weights)
    dtype = weights.dtype
    weights = _at_least_float32(weights)
    gamma = ops.cast(gamma, weights.dtype)
    # log(w~^gamma) up to the normaliser, which the softmax's max-shift takes.
    logits = gamma[:, :, None] * ops.log(weights + _EPSILON)
    return ops.cast(ops.softmax(logits, axis=-1), dtype)


# --- Writes (section 3.2 and variants) ---------------------------------------


def _weighted_sum_over_heads(weights, vectors):
    """`sum_h w_h(i) v_h`: (batch, heads, N), (batch, heads, M) -> (batch, N, M)."""
    return ops.matmul(ops.transpose(weights, (0, 2, 1)), vectors)


def erase_and_add(memory, weights, erase, add):
    """The NTM write: erase then add (NTM eq. 3-4), for one or several heads.

    `M_t(i) = M_{t-1}(i) * prod_h [1 - w_h(i) e_h] + sum_h w_h(i) a_h`.

    Several heads: all erases, then all adds. Products and sums commute, so
    the result does not depend on the order of the heads, as the paper
    notes for multiple write heads. (Interleaving erase and add head by head
    would let a later head erase an earlier head's add, an order-dependent
    rule.) With `e_h = 1` and a one-hot `w_h` on row i, row i becomes `a_h`
    exactly.

    Args:
        memory: The memory `M_{t-1}`, shape `(batch, N, M)`.
        weights: The write weightings `w_t`, shape `(batch, heads, N)`.
        erase: The erase vectors `e_t`, in [0, 1] (sigmoid outputs), shape
            `(batch, heads, M)`.
        add: The add vectors `a_t`, shape `(batch, heads, M)`.

    Returns:
        The new memory `M_t`, shape `(batch, N, M)`.

    Example:

    >>> import numpy as np
    >>> memory = np.ones((1, 3, 2), "float32")
    >>> w = np.array([[[0.0, 1.0, 0.0]]], "float32")
    >>> erase, add = np.ones((1, 1, 2), "float32"), np.array([[[7.0, 8.0]]], "float32")
    >>> ops.convert_to_numpy(erase_and_add(memory, w, erase, add))[0]
    array([[1., 1.],
           [7., 8.],
           [1., 1.]], dtype=float32)
    """
    memory = ops.convert_to_tensor(memory)
    weights = ops.cast(ops.convert_to_tensor(weights), memory.dtype)
    erase = ops.cast(ops.convert_to_tensor(erase), memory.dtype)
    add = ops.cast(ops.convert_to_tensor(add), memory.dtype)
    _check_memory_and_weights(memory, weights)
    _check_head_vectors("erase", erase, memory, weights)
    _check_head_vectors("add", add, memory, weights)
    # 1 - w_h(i) e_h for every head: (batch, heads, N, M).
    keep = 1.0 - weights[:, :, :, None] * erase[:, :, None, :]
    heads = keep.shape[1]
    if heads is None:
        kept = ops.prod(keep, axis=1)
    else:
        # A product of the static heads, not `ops.prod`: JAX's gradient of
        # a product reduction needs a constant batch size, so a model with
        # a dynamic batch would not export from the JAX backend (jax2tf).
        kept = keep[:, 0]
        for head in range(1, heads):
            kept = kept * keep[:, head]
    erased = memory * kept  # M~_t (eq. 3)
    return erased + _weighted_sum_over_heads(weights, add)  # eq. 4


def overwrite(memory, weights, values):
    """Soft overwrite: `M_t(i) = (1 - w(i)) M_{t-1}(i) + w(i) v` for one head.

    Several heads: `w_h(i)` is the share of row i that head h replaces with
    `v_h`. With the total claim `S(i) = sum_h w_h(i)`,

        M_t(i) = (1 - min(1, S(i))) M_{t-1}(i)
                 + sum_h w_h(i) v_h / max(1, S(i)),

    i.e. the single-head rule with weight `min(1, S(i))` and the value the
    `w`-weighted mean of the heads' values. The rule does not depend on the
    order of the heads; each row stays a convex combination of its old
    content and the written values (the memory cannot grow by collisions);
    heads on disjoint rows act exactly as if applied one after another; two
    heads that both claim a whole row leave the mean of their values there.
    For one head it is the formula above. (Applying the heads'
    `1 - w` multiplicatively and then adding every `w_h v_h`, i.e.
    `erase_and_add` with `e = 1`, would write `v_1 + v_2` on a shared row.)

    Args:
        memory: The memory `M_{t-1}`, shape `(batch, N, M)`.
        weights: The write weightings `w`, in [0, 1], shape
            `(batch, heads, N)`.
        values: The written values `v`, shape `(batch, heads, M)`.

    Returns:
        The new memory `M_t`, shape `(batch, N, M)`.

    Example:

    >>> import numpy as np
    >>> memory = np.zeros((1, 2, 2), "float32")
    >>> w = np.array([[[1.0, 0.0], [1.0, 0.5]]], "float32")   # both on row 0
    >>> v = np.array([[[2.0, 2.0], [4.0, 4.0]]], "float32")
    >>> ops.convert_to_numpy(overwrite(memory, w, v))[0]
    array([[3., 3.],
           [2., 2.]], dtype=float32)
    """
    memory = ops.convert_to_tensor(memory)
    weights = ops.cast(ops.convert_to_tensor(weights), memory.dtype)
    values = ops.cast(ops.convert_to_tensor(values), memory.dtype)
    _check_memory_and_weights(memory, weights)
    _check_head_vectors("values", values, memory, weights)
    claim = ops.sum(weights, axis=1)  # S(i): (batch, N)
    # 1 / max(1, S) is in (0, 1] and never divides by a small number, so
    # rows that no head writes (S = 0) have finite gradients. For one head
    # S = w <= 1 and the scale is exactly 1.
    scale = 1.0 / ops.maximum(claim, 1.0)
    keep = 1.0 - claim * scale  # 1 - min(1, S(i))
    written = _weighted_sum_over_heads(weights, values)  # sum_h w_h(i) v_h
    return memory * keep[:, :, None] + written * scale[:, :, None]


def residual_write(memory, weights, values):
    """Additive write `M_t(i) = M_{t-1}(i) + sum_h w_h(i) v_h`.

    Nothing is erased; heads commute.

    Args:
        memory: The memory `M_{t-1}`, shape `(batch, N, M)`.
        weights: The write weightings `w`, shape `(batch, heads, N)`.
        values: The added values `v`, shape `(batch, heads, M)`.

    Returns:
        The new memory `M_t`, shape `(batch, N, M)`.
    """
    memory = ops.convert_to_tensor(memory)
    weights = ops.cast(ops.convert_to_tensor(weights), memory.dtype)
    values = ops.cast(ops.convert_to_tensor(values), memory.dtype)
    _check_memory_and_weights(memory, weights)
    _check_head_vectors("values", values, memory, weights)
    return memory + _weighted_sum_over_heads(weights, values)


# --- Reads (section 3.1) -----------------------------------------------------


def soft_read(memory, weights):
    """Soft read `r_t = sum_i w_t(i) M_t(i)` (NTM eq. 2), for every head.

    Args:
        memory: The memory `M_t`, shape `(batch, N, M)`.
        weights: The read weightings `w_t`, shape `(batch, heads, N)`.

    Returns:
        The read vectors `r_t`, shape `(batch, heads, M)`.

    Example:

    >>> import numpy as np
    >>> memory = np.array([[[1.0, 2.0], [3.0, 4.0]]], "float32")
    >>> w = np.array([[[0.25, 0.75]]], "float32")
    >>> ops.convert_to_numpy(soft_read(memory, w))
    array([[[2.5, 3.5]]], dtype=float32)
    """
    memory = ops.convert_to_tensor(memory)
    weights = ops.cast(ops.convert_to_tensor(weights), memory.dtype)
    _check_memory_and_weights(memory, weights)
    return ops.matmul(weights, memory)


def log_probabilities(probabilities):
    """`log p`, floored at the smallest normal float32, in float32 at least.

    The log-probabilities of a read distribution for sampling and for a
    REINFORCE loss: `log max(p, 1.18e-38)`, so that `log p` is exact for
    every normal `p`, is -87.3 (not -inf) at `p = 0`, and its gradient
    `1 / p` stays finite. float16 and bfloat16 inputs are cast to float32
    first (their own smallest normals would floor far higher).

    Args:
        probabilities: Non-negative float tensor of any shape.

    Returns:
        A tensor of the shape of `probabilities`, float32 for float16 and
        bfloat16 inputs, else of their dtype.

    Example:

    >>> import numpy as np
    >>> log_p = log_probabilities(np.array([1.0, 0.5, 0.0], "float32"))
    >>> [round(float(v), 3) for v in ops.convert_to_numpy(log_p)]
    [0.0, -0.693, -87.337]
    """
    probabilities = ops.convert_to_tensor(probabilities)
    return ops.log(ops.maximum(_at_least_float32(probabilities), _TINY))


def hard_read(memory, probabilities, training, seed=None):
    """Hard read of one location per head: `r = M_t(j)`.

    In training, `j ~ Categorical(p)` for every head (sampled with
    `keras.random.categorical` on `log p`); at inference, `j = argmax_i p(i)`
    (the first on ties). The choice is not differentiable: the gradient
    reaches `probabilities` only through the returned `log p(j)`, for a
    REINFORCE loss `-log p(j) * advantage` (Zaremba and Sutskever, 2015,
    "Reinforcement Learning Neural Turing Machines"). The read vectors carry
    the gradient to `memory`.

    Args:
        memory: The memory `M_t`, shape `(batch, N, M)`.
        probabilities: The read distribution `p` (e.g. an addressing
            weighting), non-negative and summing to 1, shape
            `(batch, heads, N)`. `log p` is floored at the smallest normal
            float32 (-87.3), so zero-probability locations are never drawn
            and have a finite log-probability and gradient.
        training: Python bool: sample (True) or take the argmax (False or
            None). A scalar boolean tensor also works: both are computed and
            one is selected.
        seed: `None`, a Python int, or a `keras.random.SeedGenerator`, as in
            `keras.random.categorical`. A layer passes its own
            `SeedGenerator` (an int gives the same draw at every call, and
            `None` cannot be used under `jax.jit`).

    Returns:
        A `HardRead(values, indices, log_probs)` named tuple: the read
        vectors `(batch, heads, M)`, the chosen indices, int32
        `(batch, heads)`, and `log p(j)`, `(batch, heads)`.

    Example:

    >>> import numpy as np
    >>> memory = np.array([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]], "float32")
    >>> p = np.array([[[0.1, 0.7, 0.2]]], "float32")
    >>> read = hard_read(memory, p, training=False)
    >>> ops.convert_to_numpy(read.values), ops.convert_to_numpy(read.indices)
    (array([[[3., 4.]]], dtype=float32), array([[1]], dtype=int32))
    """
    memory = ops.convert_to_tensor(memory)
    probabilities = ops.convert_to_tensor(probabilities)
    _check_memory_and_weights(memory, probabilities, "probabilities")
    memory_size = probabilities.shape[-1]
    if memory_size is None:
        raise ValueError(
            "Received an invalid value for argument `probabilities`, expected "
            "a static last dimension (N, the number of memory locations), got "
            f"a tensor of shape {tuple(probabilities.shape)}."
        )
    dtype = probabilities.dtype
    log_p = log_probabilities(probabilities)

    def argmax():
        return ops.cast(ops.argmax(probabilities, axis=-1), "int32")

    def sample():
        flat = ops.reshape(log_p, (-1, memory_size))  # (batch * heads, N)
        drawn = random.categorical(flat, 1, dtype="int32", seed=seed)
        return ops.reshape(drawn, ops.shape(probabilities)[:-1])

    if training is None or isinstance(training, (bool, np.bool_)):
        indices = sample() if training else argmax()
    else:
        indices = ops.where(ops.cast(training, "bool"), sample(), argmax())
    # Gathers as one-hot products (exact): the gradient of `take_along_axis`
    # is a BroadcastTo of a batch-dependent shape, which XLA cannot compile
    # for a partial batch inside a recurrent loop.
    chosen = ops.one_hot(indices, memory_size, dtype=memory.dtype)  # e_j
    values = ops.matmul(chosen, memory)
    log_probs = ops.sum(ops.cast(chosen, log_p.dtype) * log_p, axis=-1)
    return HardRead(values, indices, ops.cast(log_probs, dtype))
