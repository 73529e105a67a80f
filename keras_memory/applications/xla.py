"""The package's `jit_compile="auto"`: XLA where it was measured to pay.

Keras resolves `compile(jit_compile="auto")` to no XLA on any machine
without a GPU. The applications' compile functions (`compile_for_copy`,
`compile_for_babi`, `compile_glimpse_classifier`) take `"auto"` to mean
this module's decision instead: XLA on, CPU included, because their
training steps are faster with it on this package's CPU benchmarks
(`benchmarks/ntm.py --parts throughput`: the NTM copy step 2 to 3 times;
the table per layer is in `docs/results.md`), except where XLA cannot run:

- under a `tf.distribute` strategy, where Keras's `fit(jit_compile=True)`
  fails (Keras issue 19005; the tested workaround is the per-replica XLA
  step of `tests/distribute`);
- on the torch backend, where Keras has no XLA;
- when a layer of the model says `supports_jit = False`, or TensorFlow's
  op determinism is on (XLA has no deterministic form of some ops).

`True` or `False` is passed to Keras unchanged.
"""

import keras

from keras_memory import validation


def resolve_jit_compile(model, jit_compile="auto"):
    """`jit_compile` for `model.compile`: `"auto"` resolved as above.

    Args:
        model: The `keras.Model` about to be compiled.
        jit_compile: `"auto"`, `True` or `False`.

    Returns:
        A Python bool.

    Raises:
        ValueError: When `jit_compile` is not `"auto"` or a bool.
    """
    if isinstance(jit_compile, str) and jit_compile == "auto":
        return _xla_pays(model)
    return validation.check_bool("jit_compile", jit_compile)


def _xla_pays(model):
    backend = keras.backend.backend()
    if backend == "torch":
        return False
    if backend == "tensorflow":
        import tensorflow as tf
        from tensorflow.python.framework import config as tf_config

        if tf.distribute.has_strategy() or getattr(model, "_distribute_strategy", None):
            return False
        if tf_config.is_op_determinism_enabled():
            return False
    return all(getattr(layer, "supports_jit", True) for layer in model._flatten_layers())
