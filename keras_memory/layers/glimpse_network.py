"""The glimpse network `f_g` of the Recurrent Attention Model."""

import keras
from keras import ops

from keras_memory import validation
from keras_memory.layers._utils.initializers import distinct_initializer
from keras_memory.ops.glimpse import _check_sensor_arguments
from keras_memory.ops.glimpse import glimpse_sensor


@keras.saving.register_keras_serializable(package="keras_memory")
class GlimpseNetwork(keras.layers.Layer):
    """Encodes what a glimpse sees and where it was taken (RAM's `f_g`).

    Section 3.1 and 4 of the paper: the glimpse sensor `rho(x, l)` extracts
    `k` patches of `g x g` pixels around the location `l` (the first at full
    resolution, each next one covering `scale_factor` times the width), and

    ```
    h_g = relu(Linear(rho(x, l)))            what:  glimpse_units (128 in the paper)
    h_l = relu(Linear(l))                    where: location_units (128)
    g   = relu(Linear(h_g) + Linear(h_l))    the glimpse feature: units (256)
    ```

    The sensor is `keras_memory.ops.glimpse.glimpse_sensor` (pure
    `keras.ops`, compiles under XLA). The location's gradient through the
    sensor is not useful (it is piecewise constant): the location network
    trains by REINFORCE, and its sampled locations arrive here under
    `stop_gradient` (see `GaussianLocationPolicy`).

    Args:
        patch_size: `g`, the side of each patch in output pixels.
        num_scales: `k`, the number of patches. Default: `1`.
        scale_factor: How much wider each next patch is. Default: `2`.
        glimpse_units: Size of `h_g`. Default: `128`.
        location_units: Size of `h_l`. Default: `128`.
        units: Size of `g`. Default: `256`.
        kernel_initializer: Initializer of the four linear maps.
            Default: `"glorot_uniform"`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: A list `[images, locations]`: images `(batch, H, W, C)` with
            static `H`, `W`, `C`, and locations `(batch, 2)` as `(y, x)` in
            `[-1, 1]` (`(0, 0)` the centre; values outside are clipped).

    Returns:
        The glimpse feature `g`, `(batch, units)`.

    Example:

    >>> import numpy as np
    >>> from keras_memory.layers import GlimpseNetwork
    >>> images = np.random.rand(2, 28, 28, 1).astype("float32")
    >>> locations = np.zeros((2, 2), "float32")
    >>> network = GlimpseNetwork(8, num_scales=2, units=32)
    >>> tuple(network([images, locations]).shape)
    (2, 32)

    Reference:
        Mnih, Heess, Graves and Kavukcuoglu. Recurrent Models of Visual
        Attention. NIPS 2014, sections 3.1 and 4.
        https://arxiv.org/abs/1406.6247
    """

    def __init__(
        self,
        patch_size,
        num_scales=1,
        scale_factor=2,
        glimpse_units=128,
        location_units=128,
        units=256,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.patch_size, self.num_scales, self.scale_factor = _check_sensor_arguments(
            patch_size, num_scales, scale_factor
        )
        self.glimpse_units = validation.check_positive_int("glimpse_units", glimpse_units)
        self.location_units = validation.check_positive_int("location_units", location_units)
        self.units = validation.check_positive_int("units", units)
        self.kernel_initializer = validation.get_initializer(
            "kernel_initializer", kernel_initializer
        )

        def dense(units, name, index, use_bias=True):
            # Each Dense gets its own copy of the initializer: one shared
            # object would give weights of the same shape the same start.
            return keras.layers.Dense(
                units,
                use_bias=use_bias,
                kernel_initializer=distinct_initializer(self.kernel_initializer, index),
                dtype=self.dtype_policy,
                name=name,
            )

        self.what = dense(self.glimpse_units, "what", 0)  # theta_g^0: rho -> h_g
        self.where = dense(self.location_units, "where", 1)  # theta_g^1: l -> h_l
        self.what_to_glimpse = dense(self.units, "what_to_glimpse", 2)  # theta_g^2
        self.where_to_glimpse = dense(self.units, "where_to_glimpse", 3, use_bias=False)

    def _check_shapes(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise validation.invalid_argument("inputs", "a list [images, locations]", input_shape)
        images_shape, locations_shape = (tuple(s) for s in input_shape)
        if len(images_shape) != 4 or None in images_shape[1:]:
            raise validation.invalid_argument(
                "images",
                "a tensor of rank 4 (batch, H, W, C) with static H, W and C",
                f"shape {images_shape}",
            )
        if len(locations_shape) != 2 or locations_shape[-1] != 2:
            raise validation.invalid_argument(
                "locations", "a tensor of shape (batch, 2)", f"shape {locations_shape}"
            )
        return images_shape, locations_shape

    def build(self, input_shape):
        images_shape, _ = self._check_shapes(input_shape)
        retina = self.num_scales * self.patch_size**2 * images_shape[-1]
        self.what.build((None, retina))
        self.where.build((None, 2))
        self.what_to_glimpse.build((None, self.glimpse_units))
        self.where_to_glimpse.build((None, self.location_units))

    def call(self, inputs):
        images, locations = inputs
        images = ops.cast(images, self.compute_dtype)
        locations = ops.cast(locations, self.compute_dtype)
        # rho(x, l): (B, k, g, g, C), flattened to the retina vector.
        retina = glimpse_sensor(
            images, locations, self.patch_size, self.num_scales, self.scale_factor
        )
        retina = ops.reshape(retina, (ops.shape(images)[0], -1))
        h_g = ops.relu(self.what(retina))
        h_l = ops.relu(self.where(ops.clip(locations, -1.0, 1.0)))
        return ops.relu(self.what_to_glimpse(h_g) + self.where_to_glimpse(h_l))

    def compute_output_shape(self, input_shape):
        images_shape, _ = self._check_shapes(input_shape)
        return (images_shape[0], self.units)

    def get_config(self):
        config = {
            "patch_size": self.patch_size,
            "num_scales": self.num_scales,
            "scale_factor": self.scale_factor,
            "glimpse_units": self.glimpse_units,
            "location_units": self.location_units,
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
        base_config = super().get_config()
        return {**base_config, **config}
