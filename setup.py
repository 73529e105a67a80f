"""Packaging for keras_memory."""

import pathlib
import re

from setuptools import find_packages
from setuptools import setup

HERE = pathlib.Path(__file__).parent
VERSION = re.search(
    r'^__version__ = "([^"]+)"',
    (HERE / "keras_memory" / "version.py").read_text(),
    re.M,
).group(1)

# The shipped weights and their metadata, one folder per application.
SAVED_MODELS = ["keras_memory.saved_models"] + sorted(
    f"keras_memory.saved_models.{folder.name}"
    for folder in (HERE / "saved_models").iterdir()
    if folder.is_dir() and not folder.name.startswith((".", "_"))
)
SAVED_MODELS_FILES = ["*.h5", "*.json", "*.md"]

setup(
    name="keras-memory",
    version=VERSION,
    description=(
        "Neural memory and multiscale recurrence for Keras 3: Clockwork RNN, "
        "Skip RNN, HM-LSTM, Zoneout, Neural Turing Machines, Memory Networks."
    ),
    long_description=(HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10,<3.13",
    packages=find_packages(include=["keras_memory", "keras_memory.*"]) + SAVED_MODELS,
    # saved_models/ stays at the top of the repository and is installed as
    # keras_memory/saved_models/, so that a wheel carries the shipped weights.
    package_dir={"keras_memory.saved_models": "saved_models"},
    package_data={
        "keras_memory": ["py.typed"],
        **{package: SAVED_MODELS_FILES for package in SAVED_MODELS},
    },
    include_package_data=True,
    install_requires=[
        "tensorflow>=2.16",
        "keras>=3",
        "tensorflow-probability",
        # tensorflow-probability imports tf_keras when used with Keras 3.
        "tf-keras",
        "tensorflow-datasets",
        "matplotlib",
        "numpy",
        # BLEU of the captioning evaluation (nltk.translate.bleu_score).
        "nltk",
    ],
    extras_require={
        # build, setuptools and wheel: tests/test_packaging.py builds the
        # wheel and the sdist without network access (no build isolation).
        "test": [
            # pytest 9.2 keeps a node id in `_id`; pytest-xdist 3.8's
            # loadgroup still writes `_nodeid`, so every `xdist_group` was
            # silently ignored and shared fixtures ran once per worker
            # (tests/test_xdist_groups.py checks the groups reach xdist).
            "pytest>=8,<9.2",
            "pytest-xdist",
            "hypothesis",
            "jax",
            "ruff",
            "build",
            "setuptools>=64",
            "wheel",
        ],
        "docs": ["mkdocs", "mkdocs-material", "mkdocstrings[python]"],
    },
    entry_points={"console_scripts": ["keras-memory=keras_memory.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
