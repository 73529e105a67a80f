"""Every public layer, registered once in a tiny configuration.

A new public layer adds one `LayerSpec` here; `test_every_public_layer_is_
registered` fails until it does.
"""

from conformance import LayerSpec

from keras_memory import layers

SPECS = (
    LayerSpec(
        layers.ClockworkRNNCell,
        kind="cell",
        # Periods that are not powers of two, so phases wrap unevenly.
        factory=lambda: layers.ClockworkRNNCell(6, periods=[1, 2, 3]),
    ),
    LayerSpec(
        layers.ClockworkRNN,
        kind="rnn",
        factory=lambda **kwargs: layers.ClockworkRNN(6, periods=[1, 2, 3], **kwargs),
    ),
)
