"""A TFDS builder of the date-normalisation task.

`DateNormalization`, registered with TFDS as `date_normalization`, writes
the examples of the seeded generator `keras_memory.datasets.dates.
date_normalization`; nothing is downloaded. Its splits `train`,
`validation` and `test` are the generator's splits by date (never sharing a
date), split `s` (train 0, validation 1, test 2) drawn with the seed
`(config.seed, s)`, in generation order (`disable_shuffling=True`). Every
example is a dict of four strings: `"source"`, `"target"` (ISO 8601),
`"language"` and `"format"`.

Importing this module imports `tensorflow_datasets` (slow); the rest of
`keras_memory.datasets` never does.

Example:

```python
from keras_memory.datasets.dates import tfds as dates_tfds

config = dates_tfds.DateNormalizationConfig(
    name="small", train_size=1000, validation_size=100, test_size=100
)
builder = dates_tfds.DateNormalization(data_dir="/tmp/tfds", config=config)
builder.download_and_prepare()
test = builder.as_dataset(split="test")  # dicts of four tf.string scalars
```
"""

import dataclasses

import tensorflow_datasets as tfds

from keras_memory import validation
from keras_memory.datasets._tfds_source import SourceFileCodePath
from keras_memory.datasets.dates import formats as date_formats
from keras_memory.datasets.dates.generator import date_normalization

# Split name -> the split's number in the examples' seeds.
SPLITS = {"train": 0, "validation": 1, "test": 2}

_CITATION = """\
@inproceedings{bahdanau2015neural,
  title={Neural Machine Translation by Jointly Learning to Align and Translate},
  author={Bahdanau, Dzmitry and Cho, Kyunghyun and Bengio, Yoshua},
  booktitle={ICLR},
  year={2015}
}"""


@dataclasses.dataclass(eq=False)
class DateNormalizationConfig(tfds.core.BuilderConfig):
    """Split sizes, seeds and the generator's arguments.

    Attributes:
        train_size, validation_size, test_size: Positive integers.
            Defaults: `50000`, `2000`, `5000`.
        seed: Non-negative integer; split `s` is drawn with `(seed, s)`.
            Default: `0`.
        languages: Tuple of languages. Default: `("en", "fr", "de")`.
        formats: Tuple of format names, or `"all"`. Default: `"all"`.
        min_year, max_year: The years. Defaults: `1900`, `2099`.
        split_seed, validation_fraction, test_fraction: The split by date,
            as in `date_normalization`. Defaults: `0`, `0.05`, `0.1`.
    """

    train_size: int = 50000
    validation_size: int = 2000
    test_size: int = 5000
    seed: int = 0
    languages: tuple = date_formats.LANGUAGES
    formats: object = "all"
    min_year: int = 1900
    max_year: int = 2099
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
        """The arguments of `date_normalization` other than size, seed, split."""
        return {
            "languages": self.languages,
            "formats": self.formats,
            "min_year": self.min_year,
            "max_year": self.max_year,
            "split_seed": self.split_seed,
            "validation_fraction": self.validation_fraction,
            "test_fraction": self.test_fraction,
        }


class DateNormalization(SourceFileCodePath, tfds.core.GeneratorBasedBuilder):
    """Dates in English, French and German, to ISO 8601."""

    name = "date_normalization"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        DateNormalizationConfig(
            name="default", description="Three languages, eleven formats, 1900-2099."
        )
    ]

    def _info(self):
        features = tfds.features.FeaturesDict(
            {
                "source": tfds.features.Text(),
                "target": tfds.features.Text(),
                "language": tfds.features.Text(),
                "format": tfds.features.Text(),
            }
        )
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "Dates written in English, French and German in eleven formats "
                "('mardi 4 mai 1999', 'Dienstag, 4. Mai 1999', 'May 4th, 1999', ...), "
                "to be rewritten as ISO 8601 ('1999-05-04'); splits by date."
            ),
            features=features,
            homepage="https://arxiv.org/abs/1409.0473",
            citation=_CITATION,
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Generated: nothing to download.
        config = self.builder_config
        sizes = config.split_sizes()
        # Validates the arguments and the seed before any writing.
        date_normalization(1, seed=(config.seed, 0), **config.generator_arguments())
        return {
            name: self._generate_examples(name, number, sizes[name])
            for name, number in SPLITS.items()
        }

    def _generate_examples(self, split, split_number, num_examples):
        config = self.builder_config
        examples = date_normalization(
            num_examples,
            seed=(config.seed, split_number),
            split=split,
            **config.generator_arguments(),
        )
        for index, example in enumerate(zip(*examples)):
            source, target, language, format_name = example
            yield index, {
                "source": source,
                "target": target,
                "language": language,
                "format": format_name,
            }
