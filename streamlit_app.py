"""Tokenlight: see which tokens pushed a text classifier towards a label.

Run with ``streamlit run streamlit_app.py``. This file only composes the page;
``components/`` renders and ``explain/`` computes.
"""

from components import (
    backend,
    batch_view,
    compare,
    dataset_view,
    demo_mode,
    examples,
    exports,
    header,
    inputs,
    label_pickers,
    labels_view,
    model_panel,
    permalink,
    results_view,
    run_panel,
    sidebar,
)

header.page_header()
demo_mode.banner_or_stop()
notices = permalink.restore_from_link()
spec = sidebar.checkpoint_picker(backend.default_checkpoint())
loaded = model_panel.load_or_stop(spec)
threshold = label_pickers.threshold_slider(loaded.head)
permalink.show_notices(notices + permalink.restore_target(loaded.labels))
mode = inputs.mode_switch()
one_text = mode == inputs.MODE_ONE
if one_text:
    examples.example_picker()
text = inputs.text_input() if one_text else ""
prediction = model_panel.prediction_or_none(spec, text) if one_text else None
current = sidebar.attribution_controls(spec, text, loaded, prediction, threshold)
if one_text:
    current = inputs.with_text_pair(current)
if one_text:
    result = run_panel.requested_result(current, loaded.labels)
    results_view.prediction_panel(result, threshold)
    results_view.truncation_notice(result)
    results_view.attribution_panels(result)
    results_view.completeness_panel(result)
    labels_view.label_panels(result, run_panel.shown_request(), threshold)
    exports.export_buttons(result)
    compare.render(spec, loaded, run_panel.shown_request())
elif mode == inputs.MODE_MANY:
    batch_view.batch_panel(current, threshold)
else:
    dataset_view.dataset_panel()
