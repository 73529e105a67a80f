"""Randomness helpers shared by the cells that draw at every step.

`ZoneoutCell` (its masks) and `MemoryCell` (its hard reads) draw random
numbers inside a `keras.layers.RNN` loop. Two things make that harder than a
plain `keras.random` call, and both cells solve them the same way here:

- On TensorFlow 2.21 a float draw (`keras.random.uniform`,
  `keras.random.categorical`) gives different numbers with and without XLA
  for the same seed, while integer draws agree bit for bit. Both cells draw
  integers in `[0, DRAW_RESOLUTION)` (see `integer_draws`), so that a
  `jit_compile=True` training step sees the same draws as an uncompiled one.
- On JAX the loop is a `lax.scan`, in which a `SeedGenerator` cannot advance
  (see `jax_step_key`). The cells draw one key per sequence in
  `get_dropout_mask`, before the loop, and derive each step's key from it.
"""

import keras

# Integer draws in [0, 2^24): exact in float32, so `draws / 2^24` is a
# uniform number with 24 bits, and `draws < round(p * 2^24)` an exact
# Bernoulli(p) up to 2^-25.
DRAW_RESOLUTION = 2**24


def integer_draws(shape, seed):
    """Uniform integers in `[0, DRAW_RESOLUTION)`, `int32`, of `shape`.

    Args:
        shape: The shape of the draws.
        seed: A `keras.random.SeedGenerator`, or a JAX key from
            `jax_step_key` / `jax_fold_in` inside a `lax.scan`.
    """
    return keras.random.randint(shape, 0, DRAW_RESOLUTION, dtype="int32", seed=seed)


def uniform(shape, seed):
    """Uniform float32 numbers in `(0, 1)` from `integer_draws` (the same with
    and without XLA): `(draws + 0.5) / DRAW_RESOLUTION`."""
    draws = integer_draws(shape, seed)
    return (keras.ops.cast(draws, "float32") + 0.5) / float(DRAW_RESOLUTION)


def jax_step_key(sequence_key, tensors):
    """A JAX PRNG key for one step of a `lax.scan`, from data, not a counter.

    The scan traces the step function once, so a `SeedGenerator` cannot
    advance from one step to the next inside it (Keras 3.15 repeats the same
    draw at every step and leaks a tracer when it tries). The only values that
    change from step to step are the scanned inputs and the carried states,
    so the key of a step folds a hash of their bits into the key drawn for the
    sequence before the loop. The hash is a wrapping integer sum, so it does
    not depend on the order of the reduction.

    Args:
        sequence_key: The key drawn for the sequence (`SeedGenerator.next()`
            in `get_dropout_mask`).
        tensors: The step's inputs and previous states.
    """
    import jax
    import jax.numpy as jnp

    key = sequence_key
    for tensor in tensors:
        tensor = jax.lax.stop_gradient(jnp.asarray(tensor)).astype(jnp.float32)
        bits = jax.lax.bitcast_convert_type(tensor, jnp.uint32).reshape(-1)
        # Odd multipliers by position, so that moving a value changes the hash.
        positions = jnp.arange(bits.shape[0], dtype=jnp.uint32)
        weights = positions * jnp.uint32(0x9E3779B2) + jnp.uint32(1)
        key = jax.random.fold_in(key, jnp.sum(bits * weights, dtype=jnp.uint32))
    return key


def jax_fold_in(key, data):
    """`jax.random.fold_in`: one independent key per integer `data`."""
    import jax

    return jax.random.fold_in(key, data)
