"""Neural Turing Machine cell (Graves, Wayne and Danihelka, 2014)."""

import keras

from keras_memory.layers.memory_cell import MemoryCell

# The options that make a `MemoryCell` the NTM: they are fixed, so they are
# neither constructor arguments nor config keys of `NTMCell`.
_NTM_ACCESS = {
    "addressing": "location",
    "reads": "soft",
    "writes": "erase_add",
    "return_log_probs": False,
}


@keras.saving.register_keras_serializable(package="keras_memory")
class NTMCell(MemoryCell):
    """A Neural Turing Machine: a controller cell with an external memory.

    At each step the controller (a recurrent cell) reads `[x_t, r_{t-1}]`,
    the input and the previous read vectors. One linear projection of its
    output `h_t`, clipped to `[-clip_value, clip_value]`, gives every head's
    parameters (section 3.3 of the paper):

    ```
    k_t                   key, M values (linear)
    beta_t  = softplus(.)  key strength (not exp: unbounded strengths gave NaN)
    g_t     = sigmoid(.)   interpolation gate
    s_t     = softmax(.)   shift weighting over the offsets -s..s
    gamma_t = 1 + softplus(.)  sharpening exponent, >= 1
    e_t     = sigmoid(.)   erase vector (write heads), M values
    a_t     = tanh(.)      add vector (write heads), M values
    ```

    and each head addresses the memory `M` (N locations of width M) by

    ```
    w^c_t = softmax(beta_t K[k_t, M(i)])            content    (eq. 5, 6)
    w^g_t = g_t w^c_t + (1 - g_t) w_{t-1}            interpolate (eq. 7)
    w~_t  = sum_j w^g_t(j) s_t(i - j)                 shift      (eq. 8)
    w_t   = w~_t^gamma_t / sum_j w~_t(j)^gamma_t      sharpen    (eq. 9)
    ```

    with the pure functions of `keras_memory.ops` (epsilons in every norm
    and in the sharpening's logarithm).

    **Order within a step: write, then read.** The write heads address
    `M_{t-1}` and write it to `M_t = M_{t-1} prod_h (1 - w_h e_h) + sum_h
    w_h a_h` (eq. 3, 4); the read heads then address `M_t` and read
    `r_t = sum_i w_t(i) M_t(i)` (eq. 2), so a read sees the same step's
    write. The output is `y_t = [h_t, r_t]`, and `r_t` enters the
    controller at step `t + 1`.

    State, in this order (every entry flat, `(batch, size)`):

    1. `y_{t-1}`, the previous output (`output_size`; zeros before the first
       step): first, and literally the output, so that masking works on
       every backend (Keras' JAX masking returns `states[0]` as the output of
       padded steps).
    2. The controller's states (for an `LSTMCell`, `h` and `c`).
    3. The read vectors `r_{t-1} - r_0`, `read_heads * M`, head-major.
    4. The read weightings `w^r_{t-1} - w^r_0`, `read_heads * N`, head-major.
    5. The write weightings `w^w_{t-1} - w^w_0`, `write_heads * N`,
       head-major.
    6. The memory `M_{t-1} - M_0`, `N * M`, row-major (location-major).

    Entries 3 to 6 are offsets from the initial values, so that the
    all-zeros state is the true initial state: `keras.layers.RNN.reset_state()`
    assigns zeros, and a stateful NTM reset that way restarts from the
    initial memory, not from an all-zero one. `decode_state(states)` returns
    the true memory, read vectors and weightings. The initial values: the
    memory `M_0` of `memory_init`, every weighting one-hot on location 0,
    and the read vectors `r_0` read from `M_0` with those weightings; the
    controller starts from its own initial state (zeros for Keras cells; a
    controller whose initial state is not zeros is restarted at zeros by
    `keras.layers.RNN.reset_state()`, and at its own initial state by
    `NTM.reset_state()`).

    **Feed-forward controller.** `controller` may also be a layer that is
    not a cell, such as `keras.layers.Dense(100, activation="relu")` or a
    `keras.Sequential` of `Dense` layers (`controller="feedforward"` builds
    `Dense(units, relu)`): it maps `[x_t, r_{t-1}]` to `h_t` with no state
    of its own, so the memory is the machine's only recurrence (the paper's
    feed-forward NTM, easier to interpret, section 4). Its state list has
    no controller entries. A feed-forward controller must state its output
    size: a layer with an integer `units` attribute, or a `Sequential` whose
    last layer has one.

    `NTMCell` is the `MemoryCell` preset `addressing="location",
    reads="soft", writes="erase_add"`: the same weights, state and outputs,
    with a config that holds no access options.

    Args:
        controller: A Keras RNN cell with a flat state (e.g.
            `keras.layers.LSTMCell(100)` or `keras.layers.GRUCell(64)`),
            a feed-forward layer (see above), `"feedforward"` for
            `keras.layers.Dense(units, activation="relu")`, or `None` for
            `keras.layers.LSTMCell(units)`. Default: `None`.
        units: Positive integer; the units of the default LSTM or
            feed-forward controller (ignored when `controller` is a layer).
            Default: `100`.
        memory_size: Positive integer `N`, the number of memory locations.
            Default: `128`.
        memory_width: Positive integer `M`, the width of a location.
            Default: `20`.
        read_heads: Positive integer, the number of read heads. Default: `1`.
        write_heads: Positive integer, the number of write heads.
            Default: `1`.
        shift_range: Non-negative integer `s`; shifts by `-s..s` locations.
            `2 s + 1` must not exceed `N` (a shift range of at least half the
            memory is refused). Default: `1`.
        clip_value: Positive float; the controller's projections are clipped
            to `[-clip_value, clip_value]`. Default: `20.0`.
        memory_init: `"constant"` (every value 1e-6; Collier and Beel 2018),
            `"learned"` (a trainable `(N, M)` weight, initialised from a
            truncated normal, broadcast over the batch) or `"random"` (a
            fixed, non-trainable `(N, M)` truncated normal drawn at build
            with `seed`). Default: `"constant"`.
        return_access: Boolean; append the flattened read weightings
            (`read_heads * N`) and write weightings (`write_heads * N`) to the
            output. `NTM(return_access=True)` splits them off.
            Default: `False`.
        seed: Optional integer seed of the `"learned"` and `"random"` memory
            initializers. Default: `None`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: A 2D tensor `x_t`, `(batch, features)`.
        states: The state list described above.
        training: Python boolean, passed to the controller.

    Returns:
        `(y_t, new_states)`: `y_t = [h_t, r_t]`, `(batch, controller_units +
        read_heads * M)`, then the read and write weightings when
        `return_access=True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from keras_memory.layers import NTMCell
    >>> cell = NTMCell(units=8, memory_size=16, memory_width=4)
    >>> outputs = keras.layers.RNN(cell, return_sequences=True)(
    ...     np.ones((2, 5, 3), "float32"))
    >>> tuple(outputs.shape)  # 8 controller units and one read of width 4
    (2, 5, 12)

    Reference:
        Graves, Wayne and Danihelka. Neural Turing Machines. 2014.
        https://arxiv.org/abs/1410.5401
        Collier and Beel. Implementing Neural Turing Machines. ICANN 2018.
        https://arxiv.org/abs/1807.08518
    """

    def __init__(
        self,
        controller=None,
        units=100,
        memory_size=128,
        memory_width=20,
        read_heads=1,
        write_heads=1,
        shift_range=1,
        clip_value=20.0,
        memory_init="constant",
        return_access=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(
            controller=controller,
            units=units,
            memory_size=memory_size,
            memory_width=memory_width,
            read_heads=read_heads,
            write_heads=write_heads,
            shift_range=shift_range,
            clip_value=clip_value,
            memory_init=memory_init,
            return_access=return_access,
            seed=seed,
            **_NTM_ACCESS,
            **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        for key in _NTM_ACCESS:
            del config[key]
        return config
