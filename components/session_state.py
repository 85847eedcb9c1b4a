"""What the page's widgets start from: the values an opened link or a picked example gives them.

:mod:`components.permalink` and :mod:`components.examples` put those values
under :data:`LINK_VALUES`, by widget key; every widget reads its first value
through :func:`initial`.
"""

from __future__ import annotations

from typing import TypeVar

import streamlit as st

LINK_VALUES = "link_values"  # session-state entry holding a link's values, by widget key

T = TypeVar("T")


def initial(key: str, default: T) -> T:
    """A widget's first value: what an opened link set for ``key``, else ``default``.

    Widgets get it through ``value=``/``index=``. Writing widget keys into
    ``st.session_state`` instead races with quick reruns: a run interrupted by
    the next one can drop the entry, and the widget falls back to its own
    default (a number input's minimum). A link's value has the type of
    ``default``: :mod:`explain.io.links` checks each one before it is kept.
    """
    return st.session_state.get(LINK_VALUES, {}).get(key, default)
