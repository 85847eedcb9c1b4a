"""The "Try an example" picker: curated sentences, each with what to look at."""

from __future__ import annotations

import streamlit as st

from components.markdown import literal
from components.session_state import LINK_VALUES
from explain.model.examples import EXAMPLES, get_example

OWN = "Your own text"
PICKER_KEY = "example"
TEXT_KEY = "text"


def _fill() -> None:
    """Callback: put the picked example in the text box, as an opened link does."""
    name = st.session_state.get(PICKER_KEY)
    if name and name != OWN:
        st.session_state.setdefault(LINK_VALUES, {})[TEXT_KEY] = get_example(name).text
        st.session_state.pop(TEXT_KEY, None)  # the box takes its value from LINK_VALUES again


def example_picker() -> None:
    """A picker of curated sentences; the chosen one fills the text box, with a line to read."""
    options = [OWN, *(example.name for example in EXAMPLES)]
    name = st.selectbox(
        "Try an example",
        options,
        key=PICKER_KEY,
        on_change=_fill,
        help="Sentences chosen for the bundled sentiment model, each showing one thing about "
        "how it reads text: a negation, a contrast with 'but', sarcasm and a plain fact. "
        "Picking one puts it in the text box; edit it freely.",
    )
    if name != OWN:
        st.caption(f"What to look at: {literal(get_example(name).look_for)}")
