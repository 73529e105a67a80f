"""A mean over the calls of a layer, kept as the layer's own state (private).

For RNN layers that track a per-call rate inside `call` (the Skip RNN's
update rate, the ACT ponder time) on every backend and under tf.distribute.
"""

import keras
from keras import ops

try:  # Keras 3.15; read-only use, guarded below
    from keras.src.backend.common.stateless_scope import get_stateless_scope
except ImportError:  # pragma: no cover - a Keras without it
    get_stateless_scope = None


class LayerState:
    """A variable of a layer's state that is neither a weight nor saved.

    Held the way Keras holds a `SeedGenerator`'s state (`layer.variables`
    lists `.state`, `layer.weights` does not), so that the JAX backend's
    stateless call maps the variable and returns its updates with the
    layer's other non-trainable variables: a `keras.metrics.Mean` updated
    inside `call` fails there (its variables are not mapped: Keras issue
    #21639).
    """

    def __init__(self, name):
        # Like a metric's counts: each replica of a tf.distribute strategy
        # adds to its own copy, summed when read across replicas. A variable
        # synchronised on write would all-reduce inside `call`, a sync point
        # at which the other replica's forward pass runs and replaces this
        # replica's `add_loss` term (the layer's loss list is shared),
        # and which a per-replica XLA function cannot hold.
        self.state = keras.Variable(
            [0.0, 0.0],
            trainable=False,
            dtype="float32",
            aggregation="sum",
            synchronization="on_read",
            name=name,
        )


class CallMean(keras.metrics.Metric):
    """The mean of the per-call values a layer records in `call`.

    Its counts `[sum of values, calls]` are the layer's state (`LayerState`),
    updated in `call` on every backend; the metric itself has no variables.
    """

    def __init__(self, counts, name):
        super().__init__(name=name)
        self._counts = counts

    def update_state(self, value):
        self._counts.state.assign_add(ops.stack([ops.cast(value, "float32"), 1.0]))

    def reset_state(self):
        self._counts.state.assign(ops.zeros((2,), "float32"))

    def result(self):
        variable = self._counts.state
        scope = get_stateless_scope() if get_stateless_scope else None
        if scope is not None and scope.get_current_value(variable) is None:
            # The JAX trainer's metrics step maps only metric variables (the
            # layer's state is carried with the model's non-trainable
            # variables): the per-step value is not known there. The epoch's
            # value, which `fit` and `evaluate` report in their history and
            # logs, is computed after the state is written back.
            return ops.convert_to_tensor(float("nan"))
        total, count = ops.unstack(variable.value)
        return ops.divide_no_nan(total, count)
