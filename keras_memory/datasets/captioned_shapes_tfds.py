"""A TFDS builder of the captioned-shapes task.

`CaptionedShapes`, registered with TFDS as `captioned_shapes`, writes the
examples of the seeded generator `keras_memory.datasets.captioned_shapes.
captioned_shapes`; nothing is downloaded. Its splits `train`, `validation`
and `test` are the generator's splits by scene (never sharing a scene),
split `s` (train 0, validation 1, test 2) drawn with the seed
`(config.seed, s)`, in generation order (`disable_shuffling=True`). Every
example is a dict: `"image"` (uint8 `(S, S, 3)`, the generator's float
image times 255, exactly: its values are 0 and 1), `"caption"` (the
string), `"caption_ids"` and `"cells"` (int32 `(CAPTION_LENGTH,)`) and
`"scene"` (int32 `(g, g, 3)`).

Importing this module imports `tensorflow_datasets` (slow); the rest of
`keras_memory.datasets` never does.

Example:

```python
from keras_memory.datasets import captioned_shapes_tfds

config = captioned_shapes_tfds.CaptionedShapesConfig(
    name="small", train_size=1000, validation_size=100, test_size=100
)
builder = captioned_shapes_tfds.CaptionedShapes(data_dir="/tmp/tfds", config=config)
builder.download_and_prepare()
test = builder.as_dataset(split="test")  # dicts of image, caption, ids, cells, scene
```
"""

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

# By name, not as `datasets.captioned_shapes`: the package may export a
# function of that name.
from keras_memory import validation
from keras_memory.datasets._tfds_source import SourceFileCodePath
from keras_memory.datasets.captioned_shapes import CAPTION_LENGTH
from keras_memory.datasets.captioned_shapes import captioned_shapes
from keras_memory.datasets.captioned_shapes import decode_caption

# Split name -> the split's number in the examples' seeds.
SPLITS = {"train": 0, "validation": 1, "test": 2}

_CITATION = """\
@inproceedings{xu2015show,
  title={Show, Attend and Tell: Neural Image Caption Generation with Visual Attention},
  author={Xu, Kelvin and Ba, Jimmy and Kiros, Ryan and Cho, Kyunghyun and
          Courville, Aaron and Salakhutdinov, Ruslan and Zemel, Richard and
          Bengio, Yoshua},
  booktitle={ICML},
  year={2015}
}"""


@dataclasses.dataclass(eq=False)
class CaptionedShapesConfig(tfds.core.BuilderConfig):
    """Split sizes, seeds and the generator's arguments.

    Attributes:
        train_size, validation_size, test_size: Positive integers.
            Defaults: `20000`, `1000`, `2000`.
        seed: Non-negative integer; split `s` is drawn with `(seed, s)`.
            Default: `0`.
        grid_size, cell_size, min_objects, max_objects, jitter: As in
            `captioned_shapes`. Defaults: `7`, `8`, `1`, `3`, `1`.
        split_seed, validation_fraction, test_fraction: The split by scene,
            as in `captioned_shapes`. Defaults: `0`, `0.05`, `0.1`.
    """

    train_size: int = 20000
    validation_size: int = 1000
    test_size: int = 2000
    seed: int = 0
    grid_size: int = 7
    cell_size: int = 8
    min_objects: int = 1
    max_objects: int = 3
    jitter: int = 1
    split_seed: int = 0
    validation_fraction: float = 0.05
    test_fraction: float = 0.1

    def split_sizes(self):
        """`{split name: number of examples}`, validated."""
        return {
            name: validation.check_positive_int(f"{name}_size", getattr(self, f"{name}_size"))
            for name in SPLITS
        }

    def generator_arguments(self):
        """The arguments of `captioned_shapes` other than size, seed, split."""
        return {
            "grid_size": self.grid_size,
            "cell_size": self.cell_size,
            "min_objects": self.min_objects,
            "max_objects": self.max_objects,
            "jitter": self.jitter,
            "split_seed": self.split_seed,
            "validation_fraction": self.validation_fraction,
            "test_fraction": self.test_fraction,
        }


class CaptionedShapes(SourceFileCodePath, tfds.core.GeneratorBasedBuilder):
    """Scenes of one to three coloured shapes, captioned, with word cells."""

    name = "captioned_shapes"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        CaptionedShapesConfig(
            name="default", description="56 x 56 images, a 7 x 7 grid, 1 to 3 shapes."
        )
    ]

    def _info(self):
        config = self.builder_config
        size = config.grid_size * config.cell_size
        grid = config.grid_size
        features = tfds.features.FeaturesDict(
            {
                "image": tfds.features.Image(shape=(size, size, 3)),
                "caption": tfds.features.Text(),
                "caption_ids": tfds.features.Tensor(shape=(CAPTION_LENGTH,), dtype=np.int32),
                "cells": tfds.features.Tensor(shape=(CAPTION_LENGTH,), dtype=np.int32),
                "scene": tfds.features.Tensor(shape=(grid, grid, 3), dtype=np.int32),
            }
        )
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "Generated scenes of one to three coloured shapes of two sizes on a grid, "
                "captioned from a small grammar ('a small red square left of a large blue "
                "circle'), with the grid cell of the object each content word names; "
                "splits by scene."
            ),
            features=features,
            homepage="https://arxiv.org/abs/1502.03044",
            citation=_CITATION,
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Generated: nothing to download.
        config = self.builder_config
        sizes = config.split_sizes()
        # Validates the arguments and the seed before any writing.
        captioned_shapes(1, seed=(config.seed, 0), split="all", **config.generator_arguments())
        return {
            name: self._generate_examples(name, number, sizes[name])
            for name, number in SPLITS.items()
        }

    def _generate_examples(self, split, split_number, num_examples):
        config = self.builder_config
        examples = captioned_shapes(
            num_examples,
            seed=(config.seed, split_number),
            split=split,
            **config.generator_arguments(),
        )
        for index, (image, ids, cells, scene) in enumerate(zip(*examples)):
            yield (
                index,
                {
                    # The colours' channels are 0 or 1: uint8 keeps them exactly.
                    "image": np.round(image * 255).astype(np.uint8),
                    "caption": decode_caption(ids),
                    "caption_ids": ids,
                    "cells": cells,
                    "scene": scene,
                },
            )
