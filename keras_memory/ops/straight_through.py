"""Straight-through estimators (Bengio, Léonard and Courville, 2013).

A binary decision has zero gradient almost everywhere. The straight-through
estimator takes the binary value in the forward pass and the gradient of a
smooth stand-in in the backward pass. Each function here is written as
`binary + (x - stop_gradient(x))`: the bracket is exactly zero in the
forward pass (a value minus itself), so the output is `binary` bit for bit,
and its gradient with respect to `x` is 1. (The common form
`x + stop_gradient(binary - x)` can be off by one ulp.) No custom-gradient
registration is needed, so it runs unchanged on every Keras backend and
under XLA.
"""

from keras import ops


def straight_through(forward_value, surrogate):
    """`forward_value` in the forward pass, the gradient of `surrogate` backward.

    ```
    y = stop_gradient(forward_value) + (surrogate - stop_gradient(surrogate))
    ```

    The general estimator behind the functions of this module: the bracket
    is exactly zero, so `y` equals `forward_value` bit for bit, and
    `dy/dθ = d surrogate/dθ`. `straight_through_round(x)` is
    `straight_through(round(x), x)`; the HM-LSTM's COPY/UPDATE/FLUSH
    selection is `straight_through(selected, blend)`, with `blend` the
    same mixture weighted by the boundaries instead of selected by them.

    Args:
        forward_value: A tensor, the value of the result (no gradient flows
            into it).
        surrogate: A tensor broadcastable with `forward_value`, whose
            gradient the result takes.

    Returns:
        A tensor of the broadcast shape, equal to `forward_value`.

    Example:

    >>> import numpy as np
    >>> x = np.array([0.2, 0.7], "float32")
    >>> np.asarray(straight_through(np.round(x), 3.0 * x)).tolist()
    [0.0, 1.0]
    """
    return ops.stop_gradient(forward_value) + (surrogate - ops.stop_gradient(surrogate))


def straight_through_round(x):
    """Rounds `x` forward; passes the gradient through unchanged.

    Used by the Skip RNN (Campos et al., 2018) for the update gate
    `u_t = f_binarize(u~_t)`.

    Args:
        x: A float tensor, typically probabilities in [0, 1].

    Returns:
        `round(x)` with the gradient of the identity.

    Example:

    >>> import numpy as np
    >>> straight_through_round(np.array([0.2, 0.5, 0.51, 0.9], "float32"))
    ... # doctest: +ELLIPSIS
    <tf.Tensor: ... numpy=array([0., 0., 1., 1.], dtype=float32)>
    """
    x = ops.convert_to_tensor(x)
    return straight_through(ops.round(x), x)


def hard_sigmoid(x, slope=1.0):
    """The HM-RNN's hard sigmoid: `max(0, min(1, (slope * x + 1) / 2))`.

    Note that this differs from `keras.ops.hard_sigmoid`
    (`relu6(x + 3) / 6`): it crosses 0.5 at `x = 0` and its slope `a / 2`
    is annealed during training (Chung et al., 2017, section 3.3).

    Args:
        x: A float tensor.
        slope: The slope `a` (a float or a scalar tensor), at least 1 in
            the paper's annealing schedule.

    Returns:
        A tensor in [0, 1], with the shape of `x`.
    """
    x = ops.convert_to_tensor(x)
    slope = ops.cast(slope, x.dtype)
    return ops.clip((slope * x + 1.0) / 2.0, 0.0, 1.0)


def binary_step(x, threshold=0.5):
    """`1` where `x > threshold` else `0`, with the identity's gradient.

    The HM-RNN's boundary detector is
    `z_t = binary_step(hard_sigmoid(z~_t, slope))`: the gradient then is
    that of the hard sigmoid, the "slope annealing trick" of Chung et al.

    Args:
        x: A float tensor, typically in [0, 1].
        threshold: Python float; values strictly above it map to 1.

    Returns:
        A tensor of exact zeros and ones, with the shape of `x`.
    """
    x = ops.convert_to_tensor(x)
    step = ops.cast(ops.greater(x, threshold), x.dtype)
    return straight_through(step, x)
