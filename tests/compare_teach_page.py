"""A page with only the "Compare & teach" section, for AppTest.

The dashboard (``streamlit_app.py``) calls :func:`components.compare.render`
under its main result; this page calls it with a fixed request on the
checkpoint in ``$TOKENLIGHT_CHECKPOINT``, which tests can vary through
``page_*`` entries of the session state.
"""

import streamlit as st

import explain
from components import backend, compare

TEXT = "The movie was not very good, but the ride was smooth!"

spec = backend.default_checkpoint()
loaded = backend.load_model(spec)
request = explain.AttributionRequest(
    checkpoint=spec,
    text=st.session_state.get("page_text", TEXT),
    method=st.session_state.get("page_method", explain.DEFAULT_METHOD),
    target=st.session_state.get("page_target"),
    output=st.session_state.get("page_output", "probability"),
    baseline=st.session_state.get("page_baseline", "pad"),
    settings=st.session_state.get("page_settings", (("n_steps", 8),)),
)
compare.render(spec, loaded, request)
