"""Tokenlight's backend: explain a Hugging Face text classifier's predictions with Captum.

A plain library, usable from a notebook or the command line::

    from explain import load_checkpoint, attribute
    model = load_checkpoint("tokenlight-sentiment")
    result = attribute(model, "The ride was smooth and quiet.", baseline="pad", n_steps=50)
    print(result.predicted_label, result.delta)
"""

from explain.agreement import AgreementMatrix, agreement_matrix, spearman, top_k_overlap
from explain.attention import AttentionMaps, attention_maps
from explain.baselines import BASELINES, DEFAULT_BASELINE, Baseline, get_baseline
from explain.batch import BatchItem, BatchResult, TokenMean, attribute_batch, mean_token_scores
from explain.bundled import (
    BUNDLED_NAME,
    ModelCard,
    TrainingRecipe,
    build_bundled,
    read_card,
)
from explain.checkpoints import (
    CHECKPOINTS,
    DEFAULT_CHECKPOINT,
    LoadedModel,
    checkpoint_names,
    load_checkpoint,
)
from explain.conductance import AllLayerConductance, LayerConductanceResult, conductance_heatmap
from explain.devices import resolve_device
from explain.errors import (
    BundledCheckpointMissing,
    CheckpointError,
    InputError,
    TokenlightError,
)
from explain.export import from_json, html_report, to_csv, to_json
from explain.faithfulness import Faithfulness, evaluate_faithfulness, faithfulness, rank_methods
from explain.highlight import escape, highlight_html, visualization_record
from explain.integrated_gradients import EmbeddingIntegratedGradients
from explain.methods import (
    DEFAULT_METHOD,
    METHODS,
    Method,
    attribute,
    get_method,
)
from explain.path import IntegrationPath, convergence, integration_path
from explain.plots import mean_token_chart, probability_chart, token_bar_chart
from explain.prediction import Prediction, predict
from explain.results import Attribution, AttributionSettings
from explain.sanity import SanityCheck, randomization_cascade
from explain.settings import ChoiceSetting, FloatSetting, IntSetting, Setting, TextSetting
from explain.targets import OUTPUT_DESCRIPTIONS, OUTPUT_KINDS, OutputKind
from explain.words import Word, WordAttribution, group_words, merge_words, word_highlight_html

__all__ = [
    "BASELINES",
    "BUNDLED_NAME",
    "CHECKPOINTS",
    "DEFAULT_BASELINE",
    "DEFAULT_CHECKPOINT",
    "DEFAULT_METHOD",
    "METHODS",
    "OUTPUT_DESCRIPTIONS",
    "OUTPUT_KINDS",
    "AgreementMatrix",
    "AllLayerConductance",
    "AttentionMaps",
    "Attribution",
    "AttributionSettings",
    "Baseline",
    "BatchItem",
    "BatchResult",
    "BundledCheckpointMissing",
    "CheckpointError",
    "ChoiceSetting",
    "EmbeddingIntegratedGradients",
    "Faithfulness",
    "FloatSetting",
    "InputError",
    "IntSetting",
    "IntegrationPath",
    "LayerConductanceResult",
    "LoadedModel",
    "Method",
    "ModelCard",
    "OutputKind",
    "Prediction",
    "SanityCheck",
    "Setting",
    "TextSetting",
    "TokenMean",
    "TokenlightError",
    "TrainingRecipe",
    "Word",
    "WordAttribution",
    "agreement_matrix",
    "attention_maps",
    "attribute",
    "attribute_batch",
    "build_bundled",
    "checkpoint_names",
    "conductance_heatmap",
    "convergence",
    "escape",
    "evaluate_faithfulness",
    "faithfulness",
    "from_json",
    "get_baseline",
    "get_method",
    "group_words",
    "highlight_html",
    "html_report",
    "integration_path",
    "load_checkpoint",
    "mean_token_chart",
    "mean_token_scores",
    "merge_words",
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
