"""Packaging for keras_memory."""

import pathlib
import re

from setuptools import find_packages, setup

HERE = pathlib.Path(__file__).parent
VERSION = re.search(
    r'^__version__ = "([^"]+)"',
    (HERE / "keras_memory" / "version.py").read_text(),
    re.M,
).group(1)

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
    packages=find_packages(include=["keras_memory", "keras_memory.*"]),
    package_data={"keras_memory": ["py.typed"]},
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
    ],
    extras_require={
        "test": ["pytest", "pytest-xdist", "hypothesis", "jax"],
        "docs": ["mkdocs", "mkdocs-material"],
    },
    entry_points={"console_scripts": ["keras-memory=keras_memory.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
