"""Tokenlight: see which tokens pushed a text classifier towards a label.

Run with ``streamlit run streamlit_app.py``. This file only composes the page;
``components/`` renders and ``explain/`` computes.
"""

import streamlit as st

import explain
from components import backend, controls, exports, model_panel, permalink, results_view

st.set_page_config(page_title="Tokenlight", page_icon="🔦", layout="wide")
st.title("Tokenlight")
st.caption(
    "Explain why a BERT-family text classifier predicts what it does: "
    "Layer Integrated Gradients from Captum, token by token."
)

notices = permalink.restore_from_link()
spec = controls.checkpoint_picker(backend.default_checkpoint())
loaded = model_panel.load_or_stop(spec)
permalink.show_notices(notices + permalink.restore_target(loaded.labels))
text = controls.text_input()
prediction = model_panel.prediction_or_none(loaded, spec, text)
method, target, output, baseline, settings = controls.attribution_controls(loaded, prediction)
current = controls.Request(spec, text, method, target, output, baseline, settings)

if controls.run_button() or permalink.autorun_pending():
    if not text.strip():
        st.info("The text is empty. Type a sentence to explain, then press Run.")
        st.stop()
    st.session_state["request"] = current
    permalink.write_link(current, loaded.labels)

request: controls.Request | None = st.session_state.get("request")
if request is None:
    st.info("Type a sentence, pick the settings in the sidebar, and press **Run**.")
    st.stop()
if request != current:
    st.caption("The inputs changed since the last run: press **Run** to update the explanation.")

try:
    with st.spinner("Computing attributions ..."):
        result = backend.attribute(
            backend.load_model(request.checkpoint),
            backend.cache_key(request.checkpoint),
            request.text,
            request.method,
            request.target,
            request.output,
            request.baseline,
            request.settings,
        )
except (explain.TokenlightError, ValueError) as error:
    st.error(str(error))
    st.stop()

results_view.prediction_panel(result)
results_view.truncation_notice(result, backend.load_model(request.checkpoint).max_length)
results_view.attribution_panels(result)
results_view.completeness_panel(result)
exports.export_buttons(result)
