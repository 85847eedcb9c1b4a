"""Tokenlight's backend: explain a Hugging Face text classifier's predictions with Captum.

A plain library, usable from a notebook or the command line::

    from explain import load_checkpoint, attribute
    model = load_checkpoint("tokenlight-sentiment")
    result = attribute(model, "The ride was smooth and quiet.", baseline="pad", n_steps=50)
    print(result.predicted_label, result.delta)
"""

from explain.core.errors import (
    BundledCheckpointMissing,
    CheckpointError,
    InputError,
    TokenlightError,
)
from explain.core.results import LONG_MODES, Attribution, AttributionSettings, LongMode
from explain.core.settings import ChoiceSetting, FloatSetting, IntSetting, Setting, TextSetting
from explain.core.targets import (
    MULTI_LABEL_THRESHOLD,
    OUTPUT_DESCRIPTIONS,
    OUTPUT_KINDS,
    Head,
    OutputKind,
    check_output,
    check_threshold,
)
from explain.core.task_results import (
    TASKS,
    Answer,
    Entity,
    QuestionAnsweringInfo,
    TaskName,
    TokenClassificationInfo,
    ZeroShotInfo,
)
from explain.core.task_targets import AnswerTarget, TaskTarget, TokenTarget, ZeroShotTarget
from explain.evaluation.agreement import AgreementMatrix, agreement_matrix, spearman, top_k_overlap
from explain.evaluation.faithfulness import (
    Faithfulness,
    evaluate_faithfulness,
    faithfulness,
    rank_methods,
)
from explain.evaluation.sanity import SanityCheck, randomization_cascade
from explain.io.export import from_json, html_report, to_csv, to_json
from explain.methods.base import Capabilities, Explainer, PreparedExplainer
from explain.methods.baselines import BASELINES, DEFAULT_BASELINE, Baseline, get_baseline
from explain.methods.batch import (
    BatchItem,
    BatchResult,
    TokenMean,
    attribute_batch,
    mean_token_scores,
)
from explain.methods.layer_integrated_gradients import EmbeddingIntegratedGradients
from explain.methods.registry import DEFAULT_METHOD, METHODS, Method, attribute, get_method
from explain.methods.request import AttributionRequest
from explain.model.bundled import BUNDLED_NAME, ModelCard, TrainingRecipe, build_bundled, read_card
from explain.model.checkpoints import (
    CHECKPOINTS,
    DEFAULT_CHECKPOINT,
    LoadedModel,
    checkpoint_names,
    load_checkpoint,
)
from explain.model.devices import resolve_device
from explain.model.prediction import Prediction, predict
from explain.render.charts import (
    label_token_heatmap,
    mean_token_chart,
    probability_chart,
    token_bar_chart,
)
from explain.render.conductance_figures import conductance_heatmap
from explain.render.highlight import escape, highlight_html, visualization_record
from explain.render.word_figures import word_highlight_html
from explain.tasks.batch import explain_batch_request, explain_task_batch
from explain.tasks.explain_task import explain_request, explain_task, methods_for
from explain.text.words import Word, WordAttribution, group_words, merge_words
from explain.views.attention_maps import AttentionMaps, attention_maps
from explain.views.conductance import AllLayerConductance, LayerConductanceResult
from explain.views.integration_path import IntegrationPath, convergence, integration_path

__all__ = [
    "BASELINES",
    "BUNDLED_NAME",
    "CHECKPOINTS",
    "DEFAULT_BASELINE",
    "DEFAULT_CHECKPOINT",
    "DEFAULT_METHOD",
    "LONG_MODES",
    "METHODS",
    "MULTI_LABEL_THRESHOLD",
    "OUTPUT_DESCRIPTIONS",
    "OUTPUT_KINDS",
    "TASKS",
    "AgreementMatrix",
    "AllLayerConductance",
    "Answer",
    "AnswerTarget",
    "AttentionMaps",
    "Attribution",
    "AttributionRequest",
    "AttributionSettings",
    "Baseline",
    "BatchItem",
    "BatchResult",
    "BundledCheckpointMissing",
    "Capabilities",
    "CheckpointError",
    "ChoiceSetting",
    "EmbeddingIntegratedGradients",
    "Entity",
    "Explainer",
    "Faithfulness",
    "FloatSetting",
    "Head",
    "InputError",
    "IntSetting",
    "IntegrationPath",
    "LayerConductanceResult",
    "LoadedModel",
    "LongMode",
    "Method",
    "ModelCard",
    "OutputKind",
    "Prediction",
    "PreparedExplainer",
    "QuestionAnsweringInfo",
    "SanityCheck",
    "Setting",
    "TaskName",
    "TaskTarget",
    "TextSetting",
    "TokenClassificationInfo",
    "TokenMean",
    "TokenTarget",
    "TokenlightError",
    "TrainingRecipe",
    "Word",
    "WordAttribution",
    "ZeroShotInfo",
    "ZeroShotTarget",
    "agreement_matrix",
    "attention_maps",
    "attribute",
    "attribute_batch",
    "build_bundled",
    "check_output",
    "check_threshold",
    "checkpoint_names",
    "conductance_heatmap",
    "convergence",
    "escape",
    "evaluate_faithfulness",
    "explain_batch_request",
    "explain_request",
    "explain_task",
    "explain_task_batch",
    "faithfulness",
    "from_json",
    "get_baseline",
    "get_method",
    "group_words",
    "highlight_html",
    "html_report",
    "integration_path",
    "label_token_heatmap",
    "load_checkpoint",
    "mean_token_chart",
    "mean_token_scores",
    "merge_words",
    "methods_for",
    "predict",
    "probability_chart",
    "randomization_cascade",
    "rank_methods",
    "read_card",
    "resolve_device",
    "spearman",
    "to_csv",
    "to_json",
    "token_bar_chart",
    "top_k_overlap",
    "visualization_record",
    "word_highlight_html",
]
