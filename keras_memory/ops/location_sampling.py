"""Hard attention from noise drawn ahead: sample a location with the Gumbel-max trick.

Xu et al.'s hard attention samples one location `s_t ~ Multinoulli(alpha_t)`
at every decoder step. Drawing inside the decoder's loop would update a
`keras.random.SeedGenerator` from inside `while_loop`/`scan` (a stateful op in
a JAX scan, and a variable in an XLA loop); instead the decoder draws all the
loop's uniform noise once, before the loop, with its `SeedGenerator`, and each
step turns its slice into a sample here, with no state:

```
g_i = -log(-log(u_i))               Gumbel(0, 1) noise from u_i ~ U(0, 1)
s   = argmax_i (log alpha_i + g_i)  a sample of Categorical(alpha)
```

(the Gumbel-max trick: `P(s = i) = alpha_i` exactly).
"""

from keras import ops

from keras_memory.ops.addressing import HardRead
from keras_memory.ops.addressing import log_probabilities

# Uniform noise is clipped into (0, 1) so that log(-log(u)) is finite.
_NOISE_EPSILON = 1e-7


def _check(memory, weights):
    if len(memory.shape) != 3:
        raise ValueError(
            "Received an invalid value for argument `memory`, expected a rank-3 tensor "
            f"(batch, L, D), got a tensor of shape {tuple(memory.shape)}."
        )
    if len(weights.shape) != 2:
        raise ValueError(
            "Received an invalid value for argument `weights`, expected a rank-2 tensor "
            f"(batch, L), got a tensor of shape {tuple(weights.shape)}."
        )
    locations, memory_locations = weights.shape[-1], memory.shape[1]
    if locations is None or (memory_locations is not None and locations != memory_locations):
        raise ValueError(
            "Received an invalid value for argument `weights`, expected its static last "
            f"dimension to be the L = {memory_locations} locations of `memory` (shape "
            f"{tuple(memory.shape)}), got a tensor of shape {tuple(weights.shape)}."
        )


def gumbel_max_locations(weights, noise):
    """Samples `s ~ Categorical(weights)` from uniform `noise` (Gumbel-max).

    Args:
        weights: The attention weights `alpha`, `(batch, L)`, non-negative,
            summing to 1. Zero weights are never drawn.
        noise: Uniform noise `u ~ U(0, 1)` of the shape of `weights` (from
            `keras.random.uniform` with a `SeedGenerator`).

    Returns:
        The sampled locations, int32 `(batch,)`.

    Example:

    >>> import numpy as np
    >>> weights = np.array([[0.0, 1.0, 0.0]], "float32")
    >>> noise = np.array([[0.99, 0.01, 0.5]], "float32")
    >>> ops.convert_to_numpy(gumbel_max_locations(weights, noise)).tolist()
    [1]
    """
    weights = ops.convert_to_tensor(weights)
    noise = ops.cast(ops.convert_to_tensor(noise), "float32")
    noise = ops.clip(noise, _NOISE_EPSILON, 1.0 - _NOISE_EPSILON)
    gumbel = -ops.log(-ops.log(noise))  # g_i
    # log alpha floored at -87.3: a zero weight loses to any positive one.
    return ops.cast(ops.argmax(log_probabilities(weights) + gumbel, axis=-1), "int32")


def read_location(memory, weights, locations):
    """The hard read `z = a_s` at given locations, and `log alpha_s`.

    Args:
        memory: The annotations `a_1 .. a_L`, `(batch, L, D)`.
        weights: The attention weights `alpha`, `(batch, L)`.
        locations: int `(batch,)`, the locations `s` (sampled with
            `gumbel_max_locations`, or the argmax at inference).

    Returns:
        A `HardRead(values, indices, log_probs)`: the read `(batch, D)`, the
        locations int32 `(batch,)` and `log alpha_s` `(batch,)`, the
        REINFORCE term (the read itself passes no gradient to `alpha`). A row
        of all-zero weights (an all-padding memory) reads zero, with
        `log alpha_s = 0`.

    Example:

    >>> import numpy as np
    >>> memory = np.array([[[1.0, 2.0], [3.0, 4.0]]], "float32")
    >>> weights = np.array([[0.25, 0.75]], "float32")
    >>> read = read_location(memory, weights, np.array([1]))
    >>> ops.convert_to_numpy(read.values).tolist()
    [[3.0, 4.0]]
    >>> [round(float(v), 4) for v in ops.convert_to_numpy(read.log_probs)]
    [-0.2877]
    """
    memory = ops.convert_to_tensor(memory)
    weights = ops.convert_to_tensor(weights)
    _check(memory, weights)
    locations = ops.cast(ops.convert_to_tensor(locations), "int32")
    # A one-hot product instead of a gather: exact, and its gradient compiles
    # under XLA for a partial batch inside a loop (as `hard_read`).
    chosen = ops.one_hot(locations, weights.shape[-1], dtype=memory.dtype)  # e_s
    values = ops.matmul(chosen[:, None, :], memory)[:, 0, :]
    log_p = log_probabilities(weights)
    log_probs = ops.sum(ops.cast(chosen, log_p.dtype) * log_p, axis=-1)
    attends = ops.sum(ops.cast(weights, "float32"), axis=-1) > 0
    values = values * ops.cast(attends, values.dtype)[:, None]
    log_probs = ops.where(attends, log_probs, ops.zeros_like(log_probs))
    return HardRead(values, locations, ops.cast(log_probs, weights.dtype))
