"""A Griffe extension for the API reference: Keras-style docstring sections.

Keras docstrings (and ours) title their doctests `Example:` and do not indent
the `>>>` lines under it, which Griffe's Google parser reads as prose. This
renames the title `Examples:` and indents its block (up to the next section
title) right under it, so that the doctests render as code. Only the parsed copy changes.
"""

import re

import griffe

_SECTION_TITLE = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")


def keras_examples_to_google(text):
    """`text` with each `Example:` section in Google's indented form."""
    lines = text.splitlines()
    result = []
    in_example = False
    for line in lines:
        title = line.strip()
        if _SECTION_TITLE.match(line):
            in_example = title == "Example:"
            result.append("Examples:" if in_example else line)
            continue
        if in_example and not line.strip() and result[-1] == "Examples:":
            continue  # the block starts on the line after its title
        result.append("    " + line if in_example and line.strip() else line)
    return "\n".join(result)


class KerasStyleSections(griffe.Extension):
    def on_object(self, *, obj, **kwargs):
        docstring = obj.docstring
        if docstring is not None and "Example:" in docstring.value:
            docstring.value = keras_examples_to_google(docstring.value)
