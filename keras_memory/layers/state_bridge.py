"""The bridge from an encoder's final states to a decoder's initial states."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils.initializers import distinct_initializer

BRIDGES = ("dense", "zeros")


@keras.saving.register_keras_serializable(package="keras_memory")
class StateBridge(keras.layers.Layer):
    """Maps an encoder's final states to a decoder cell's initial states.

    With `bridge="dense"`, each decoder state is a learned map of all the
    encoder's final states concatenated, as RNNsearch initialises its
    decoder from the backward encoder (Bahdanau et al., appendix A.2.2:
    `s_0 = tanh(W_s h<-_1)`), here over both directions:

    ```
    e     = [h->_S; c->_S; h<-_1; c<-_1]      every final state of the encoder
    s_0^k = activation(e W_k + b_k)           one map per decoder state k
    ```

    With `bridge="zeros"` every decoder state starts at zero (the bridge
    has no weights; the encoder reaches the decoder through attention only).

    The encoder may be any `keras.layers.Bidirectional(RNN(cell,
    return_state=True))` (or a plain `RNN`); its sizes need not match the
    decoder's.

    Args:
        state_size: The decoder cell's `state_size`: a positive integer or
            a list of them (`[units, units]` for an `LSTMCell`).
        bridge: `"dense"` (learned) or `"zeros"`. Default: `"dense"`.
        activation: Activation of the dense maps. Default: `"tanh"`.
        kernel_initializer: Initializer of the `W_k`.
            Default: `"glorot_uniform"`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The encoder's final states: a tensor `(batch, d)` or a list
            of them (any sizes).

    Returns:
        A list with one tensor `(batch, state_size[k])` per decoder state
        (the `initial_state` of an `AttentionDecoder` or `keras.layers.RNN`).

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers import StateBridge
    >>> forward_h, backward_h = np.ones((2, 3), "float32"), np.ones((2, 5), "float32")
    >>> states = StateBridge([4, 4])([forward_h, backward_h])  # for LSTMCell(4)
    >>> [tuple(s.shape) for s in states]
    [(2, 4), (2, 4)]
    >>> zeros = StateBridge(4, bridge="zeros")([forward_h, backward_h])
    >>> float(np.abs(np.asarray(zeros[0])).max())
    0.0

    Reference:
        Bahdanau, Cho and Bengio. Neural Machine Translation by Jointly
        Learning to Align and Translate. ICLR 2015, appendix A.2.2.
        https://arxiv.org/abs/1409.0473
    """

    def __init__(
        self,
        state_size,
        bridge="dense",
        activation="tanh",
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if validation.is_integer(state_size):
            # One state: named as given (`got 0`, not `got (0,)`).
            state_size = [validation.check_positive_int("state_size", state_size)]
        self.state_size = validation.check_positive_int_list("state_size", state_size)
        self.bridge = validation.check_choice("bridge", bridge, BRIDGES)
        self.activation = validation.get_activation("activation", activation)
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )

    @staticmethod
    def _shapes(input_shape):
        if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(
            input_shape[0], (list, tuple)
        ):
            shapes = [tuple(s) for s in input_shape]
        else:
            shapes = [tuple(input_shape)]
        for index, shape in enumerate(shapes):
            if len(shape) != 2 or shape[-1] is None:
                raise validation.invalid_argument(
                    f"inputs[{index}]",
                    "an encoder state of rank 2 with a static size, (batch, d)",
                    f"shape {shape}",
                )
        return shapes

    def build(self, input_shape):
        encoder_size = sum(shape[-1] for shape in self._shapes(input_shape))
        self.kernels, self.biases = [], []
        if self.bridge == "zeros":
            return
        for index, size in enumerate(self.state_size):
            self.kernels.append(
                self.add_weight(
                    shape=(encoder_size, size),
                    name=f"kernel_{index}",
                    initializer=distinct_initializer(self.kernel_initializer, index),
                )
            )  # W_k
            self.biases.append(
                self.add_weight(shape=(size,), name=f"bias_{index}", initializer="zeros")
            )  # b_k

    def call(self, inputs):
        states = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        states = [ops.cast(s, self.compute_dtype) for s in states]
        if self.bridge == "zeros":
            batch_size = ops.shape(states[0])[0]
            return [ops.zeros((batch_size, size), self.compute_dtype) for size in self.state_size]
        encoded = ops.concatenate(states, axis=-1) if len(states) > 1 else states[0]
        return [
            self.activation(ops.matmul(encoded, kernel) + bias)
            for kernel, bias in zip(self.kernels, self.biases)
        ]

    def compute_output_shape(self, input_shape):
        batch = self._shapes(input_shape)[0][0]
        return [(batch, size) for size in self.state_size]

    def compute_output_spec(self, inputs):
        if isinstance(inputs, (list, tuple)):
            shapes = self._shapes([tuple(x.shape) for x in inputs])
        else:
            shapes = self._shapes(tuple(inputs.shape))
        return [
            keras.KerasTensor((shapes[0][0], size), dtype=self.compute_dtype)
            for size in self.state_size
        ]

    def get_config(self):
        base_config = super().get_config()
        config = {
            "state_size": list(self.state_size),
            "bridge": self.bridge,
            "activation": keras.activations.serialize(self.activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
        return {**base_config, **config}
