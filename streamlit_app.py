"""Tokenlight: see which tokens pushed a text classifier towards a label (or a tagger, a
zero-shot NLI model or a question-answering model towards its output).

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
    task_inputs,
    task_view,
)
from explain import MULTI_LABEL_THRESHOLD
from explain.core.task_results import DEFAULT_TASK as SEQUENCE

header.page_header()
demo_mode.banner_or_stop()
notices = permalink.restore_from_link()
spec = sidebar.checkpoint_picker(backend.default_checkpoint())
loaded = model_panel.load_or_stop(spec)
task = task_inputs.task_picker(loaded)
tagged = task != SEQUENCE  # a task with its own inputs: entities, candidates or a question
threshold = label_pickers.threshold_slider(loaded.head) if not tagged else MULTI_LABEL_THRESHOLD
permalink.show_notices(notices + permalink.restore_target(loaded.labels, task))
mode = inputs.mode_switch()
one_text = mode == inputs.MODE_ONE
if tagged and mode == inputs.MODE_DATASET:
    task_inputs.dataset_notice(task)
if one_text and not tagged:
    examples.example_picker()
text = inputs.text_input(task) if one_text else ""
if tagged and mode != inputs.MODE_DATASET:
    if one_text:
        target = task_inputs.task_target(spec, task, text)
    else:
        target = task_inputs.batch_task_target(loaded, task)
    current = sidebar.task_controls(spec, text, task, target)
    threshold = label_pickers.candidate_threshold(target)
elif not tagged:
    prediction = model_panel.prediction_or_none(spec, text) if one_text else None
    current = sidebar.attribution_controls(spec, text, loaded, prediction, threshold)
    if one_text:
        current = inputs.with_text_pair(current)
if one_text:
    result = run_panel.requested_result(
        current, loaded.labels, task if task != loaded.task else None
    )
    if tagged:
        task_view.prediction_panel(result, threshold)
    else:
        results_view.prediction_panel(result, threshold)
        results_view.truncation_notice(result)
    results_view.attribution_panels(result, run_panel.shown_request())
    results_view.completeness_panel(result)
    labels_view.label_panels(result, run_panel.shown_request(), threshold)
    exports.export_buttons(result)
    compare.render(spec, loaded, run_panel.shown_request())
elif mode == inputs.MODE_MANY:
    batch_view.batch_panel(current, threshold)
else:
    dataset_view.dataset_panel()
