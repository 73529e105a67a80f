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


def repeat_step(step, init, steps, keep_going=None):
    """Runs `carry = step(i, carry)` for `i = 0 .. steps - 1`; trains under XLA.

    For a loop of a fixed maximum number of iterations inside one time step
    (the ponder steps of `ACTCell`). With `keep_going=None` every iteration
    runs, and the loop is differentiable on every backend and compiles in a
    `jit_compile=True` training step: on TensorFlow a `tf.while_loop` whose
    `maximum_iterations` is `steps` (see the module docstring), elsewhere
    `keras.ops.fori_loop` over Python bounds (`jax.lax.scan` on JAX).

    Args:
        step: A function `(i, carry) -> new carry` of the structure and
            dtypes of `init`; `i` is a scalar int32 tensor.
        init: A nest of tensors.
        steps: Python int, the number of iterations (the most, with
            `keep_going`); on TensorFlow also a scalar int tensor (a
            dimension known only at run time), outside XLA.
        keep_going: Optional function `carry -> scalar bool tensor`. When
            given, the iterations after it is first false (checked before
            each one) do no work. For inference only: on TensorFlow the
            loop is then a `while_loop` that stops there, which an XLA
            training step cannot hold; on JAX a fixed loop whose later
            iterations take the empty branch of a `cond`.

    Returns:
        The last carry.
    """
    if keras.backend.backend() != "tensorflow":
        if keep_going is None:
            return ops.fori_loop(0, steps, step, init)

        # JAX: a `while_loop` cannot be differentiated, and Keras's export
        # from JAX traces the gradient of everything it exports. The fixed
        # loop with a `cond` skips the work of the iterations after the stop
        # (only the taken branch runs) and stays differentiable.
        def guarded(i, carry):
            return ops.cond(keep_going(carry), lambda: step(i, carry), lambda: carry)

        return ops.fori_loop(0, steps, guarded, init)

    def condition(i, carry):
        within = ops.less(i, steps)
        if keep_going is None:
            return within
        return ops.logical_and(within, keep_going(carry))

    def body(i, carry):
        return i + 1, step(i, carry)

    _, final = ops.while_loop(
        condition, body, (ops.convert_to_tensor(0, "int32"), init),
        maximum_iterations=steps,
    )
    return final
