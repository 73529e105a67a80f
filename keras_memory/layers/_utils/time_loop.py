"""A loop over time steps that trains under XLA on every backend (private).

`keras.ops.scan` cannot serve a layer's own recurrence on TensorFlow: its
`tf.while_loop` has no `maximum_iterations`, so the gradient's accumulators
have no fixed size and a `jit_compile=True` training step fails ("XLA
compilation requires a fixed tensor list size"), and it stacks its outputs in
buffers shaped like the carry. `keras.layers.RNN` avoids both in Keras's
private backend `rnn` functions; this module does the same for layers that
are not cells (the attention decoder): on TensorFlow a `tf.while_loop` with
`maximum_iterations` set to the number of steps (a compile-time constant under
XLA) and `TensorArray`s; on JAX (and any other backend) `keras.ops.scan`,
which is `jax.lax.scan` there and differentiable.
"""

import keras
from keras import ops


def scan_states(step, init, sequence):
    """Runs `carry = step(carry, sequence[t])` over `t`; stacks every carry.

    Args:
        step: A function `(carry, inputs_t) -> new carry` of the structure
            and dtypes of `init`.
        init: A nest of tensors, the carry before the first step.
        sequence: A nest of time-major tensors `(T, ...)`.

    Returns:
        `(final_carry, stacked)`: the last carry, and every step's carry
        stacked on a new first axis `(T, ...)`.
    """
    if keras.backend.backend() != "tensorflow":

        def scan_step(carry, inputs):
            new_carry = step(carry, inputs)
            return new_carry, new_carry

        return ops.scan(scan_step, init, sequence)
    return _tensorflow_scan(step, init, sequence)


def _tensorflow_scan(step, init, sequence):
    import tensorflow as tf

    inputs_flat = [tf.convert_to_tensor(x) for x in keras.tree.flatten(sequence)]
    init_flat = [tf.convert_to_tensor(x) for x in keras.tree.flatten(init)]
    steps = tf.shape(inputs_flat[0])[0]
    inputs_arrays = [
        tf.TensorArray(x.dtype, size=steps, element_shape=x.shape[1:]).unstack(x)
        for x in inputs_flat
    ]
    outputs_arrays = [
        tf.TensorArray(x.dtype, size=steps, element_shape=x.shape) for x in init_flat
    ]

    def body(t, carry_flat, arrays):
        inputs = keras.tree.pack_sequence_as(sequence, [a.read(t) for a in inputs_arrays])
        carry = keras.tree.pack_sequence_as(init, carry_flat)
        new_flat = [
            tf.cast(tf.convert_to_tensor(x), old.dtype)
            for x, old in zip(keras.tree.flatten(step(carry, inputs)), carry_flat)
        ]
        for new, old in zip(new_flat, carry_flat):
            new.set_shape(old.shape)
        arrays = [a.write(t, x) for a, x in zip(arrays, new_flat)]
        return t + 1, new_flat, arrays

    _, final_flat, outputs_arrays = tf.while_loop(
        lambda t, *_: t < steps,
        body,
        (tf.constant(0), init_flat, outputs_arrays),
        maximum_iterations=steps,
    )
    stacked_flat = [a.stack() for a in outputs_arrays]
    static_steps = inputs_flat[0].shape[0]
    for x in stacked_flat:
        x.set_shape(tf.TensorShape([static_steps]).concatenate(x.shape[1:]))
    return (
        keras.tree.pack_sequence_as(init, final_flat),
        keras.tree.pack_sequence_as(init, stacked_flat),
    )
