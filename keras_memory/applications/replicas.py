"""Losses of a model's own `compute_loss` that are right under `tf.distribute`.

Under a `tf.distribute` strategy Keras runs `compute_loss` once per replica,
on the replica's share of the global batch, and sums the replicas'
gradients. Keras's compiled losses divide each share's mean by the number of
replicas (`scale_loss_for_distribution`), so that the sum is the global
mean when the shares are equal; a model that overrides `compute_loss`
does not get that, and its gradient was the sum of the shares' means: twice
one device's on two replicas (the reported loss too). The helpers here give
the exact global mean instead, whatever the shares: every replica divides
its sum by the global count, all-reduced across the replicas. On one
device, and on JAX (where `keras.distribution` compiles one program for the
global batch), they are the plain sums and means.
"""

import keras
from keras import ops


def _replica_context():
    """The replica context of a strategy with several replicas, else `None`."""
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context


def global_sum(value):
    """`value` summed over the replicas in sync (itself on one device).

    Only for values without a gradient (counts, rewards): the all-reduce is
    taken under `stop_gradient`.
    """
    value = ops.stop_gradient(value)
    context = _replica_context()
    if context is None:
        return value
    import tensorflow as tf

    return context.all_reduce(tf.distribute.ReduceOp.SUM, value)


def global_mean(values, weights=None):
    """This replica's part of the mean of `values` over the global batch.

    `sum(values * weights) / global_sum(sum(weights))` (weights default to
    ones): summed over the replicas, as their gradients are, it is the mean
    over every replica's examples; on one device, the mean.

    Args:
        values: A float tensor.
        weights: Optional tensor broadcastable to `values` (a mask).
    """
    values = ops.cast(values, "float32")
    if weights is None:
        weights = ops.ones_like(values)
    weights = ops.cast(ops.broadcast_to(weights, ops.shape(values)), "float32")
    total = ops.sum(values * weights)
    return total / ops.maximum(global_sum(ops.sum(weights)), 1e-12)


def replica_share(value):
    """`value` divided by the replicas in sync: a replica's part of a loss
    that every replica computes whole (a regulariser), as Keras scales the
    losses of `add_loss`."""
    context = _replica_context()
    if context is None:
        return value
    return value / context.num_replicas_in_sync
