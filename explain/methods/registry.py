"""The registry of attribution methods, built from each method class's declarations.

A method's class declares its name, title, paper, settings and capabilities
(:class:`explain.methods.base.Explainer`); the UI, the command line and batch
mode read them from here, so each lives in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

from explain.core.errors import InputError
from explain.core.results import Attribution
from explain.core.settings import FloatSetting
from explain.methods.attention_rollout import AttentionRollout
from explain.methods.base import COMMON_OPTIONS, LONG_OPTIONS, Capabilities, Explainer
from explain.methods.baselines import BaselineSetting, get_baseline
from explain.methods.deeplift import EmbeddingDeepLift
from explain.methods.gradient_shap import EmbeddingGradientShap
from explain.methods.input_x_gradient import TokenInputXGradient
from explain.methods.kernel_shap import TokenKernelShap
from explain.methods.last_layer_attention import LastLayerAttention
from explain.methods.layer_integrated_gradients import EmbeddingIntegratedGradients
from explain.methods.lime import TokenLime
from explain.methods.occlusion import TokenOcclusion
from explain.methods.saliency import TokenSaliency
from explain.methods.smoothgrad import SmoothGrad
from explain.methods.smoothgrad_ig import SmoothGradIntegratedGradients
from explain.methods.vargrad import VarGrad
from explain.methods.vargrad_ig import VarGradIntegratedGradients
from explain.methods.word_integrated_gradients import WordEmbeddingIntegratedGradients
from explain.model.checkpoints import LoadedModel

Method = type[Explainer]
"""A registered method: its class, whose attributes are its declarations."""

EXPLAINERS: tuple[Method, ...] = (
    EmbeddingIntegratedGradients,
    WordEmbeddingIntegratedGradients,
    TokenSaliency,
    TokenInputXGradient,
    EmbeddingDeepLift,
    EmbeddingGradientShap,
    SmoothGrad,
    SmoothGradIntegratedGradients,
    VarGrad,
    VarGradIntegratedGradients,
    TokenOcclusion,
    TokenLime,
    TokenKernelShap,
    LastLayerAttention,
    AttentionRollout,
)
METHODS: dict[str, Method] = {explainer.name: explainer for explainer in EXPLAINERS}
DEFAULT_METHOD = EmbeddingIntegratedGradients.name


def methods_with(capability: str) -> tuple[Method, ...]:
    """The registered methods that declare ``capability``, a field of :class:`Capabilities`.

    Raises:
        InputError: ``capability`` is not a field of :class:`Capabilities`.
    """
    if capability not in {field.name for field in fields(Capabilities)}:
        known = ", ".join(field.name for field in fields(Capabilities))
        raise InputError(f"Unknown capability {capability!r}. Choose one of: {known}.")
    return tuple(method for method in EXPLAINERS if getattr(method.capabilities, capability))


def get_method(name: str) -> Method:
    """Look up a method by name.

    Raises:
        InputError: the name is unknown; the message lists the valid ones.
    """
    try:
        return METHODS[name]
    except (KeyError, TypeError):
        raise InputError(f"Unknown method {name!r}. Choose one of: {', '.join(METHODS)}.") from None


def attribute(
    loaded: LoadedModel,
    text: str,
    method: str = DEFAULT_METHOD,
    **options: object,
) -> Attribution:
    """Explain ``text`` with a registered method.

    Args:
        loaded: from :func:`explain.load_checkpoint`.
        text: the sentence to explain.
        method: a name from :data:`METHODS`. Default: ``"layer_integrated_gradients"``
        **options: ``target``, ``output``, ``baseline``, ``long`` and
            ``stride`` (see :meth:`Explainer.attribute`) and the method's own
            settings (for Layer IG, ``n_steps``), which it checks against their
            ranges. Methods without a baseline ignore ``baseline``.

    Returns:
        The :class:`Attribution`.

    Raises:
        InputError: the method, target, output or baseline is unknown, an
            option is not one this method takes (the message lists those it
            does), or a setting is out of range.
    """
    explainer = get_method(method)
    check_options(method, options)
    return explainer(loaded).attribute(text, **options)  # type: ignore[arg-type]


def method_options(method: str) -> tuple[str, ...]:
    """The keyword options ``method``'s explainer takes besides the text, from its declarations.

    Raises:
        InputError: the method is unknown.
    """
    return get_method(method).options()


def check_options(method: str, options: Mapping[str, object]) -> None:
    """Refuse options that ``method`` does not take, and values out of their declared range.

    Args:
        method: a name from :data:`METHODS`.
        options: keyword options, ``target``, ``output`` and ``baseline`` included.

    Raises:
        InputError: an option is unknown (the message lists the method's
            options), a value is out of range, or windows are asked of a
            method that cannot use them (the message names those that can).
    """
    check_long(method, options.get("long", "truncate"), options.get("stride"))
    get_method(method).check_options(
        {
            name: value
            for name, value in options.items()
            if name not in COMMON_OPTIONS and name not in LONG_OPTIONS
        }
    )


def check_long(method: str, long: object, stride: object) -> None:
    """Refuse a long-text mode ``method`` cannot use, naming the methods that can.

    Raises:
        InputError: the method or mode is unknown, the stride is not a positive
            integer or comes without windows, or the method cannot use windows.
    """
    windowed = tuple(explainer.name for explainer in methods_with("windows"))
    get_method(method).check_long(long, stride, windowed)


def baseline_settings(method: str, baseline: str) -> tuple[BaselineSetting, ...]:
    """The options ``baseline`` declares that ``method`` reads; () if it reads none of them.

    A method without a baseline reads none; one without the ``baseline_options``
    capability builds every baseline with its default options.

    Raises:
        InputError: the method or baseline is unknown.
    """
    declared = get_baseline(baseline).settings
    if not get_method(method).uses_baseline:
        return ()
    taken = method_options(method)
    return tuple(setting for setting in declared if setting.name in taken)


def tolerance_setting(method: str) -> FloatSetting | None:
    """The delta tolerance auto steps aim for; None for a method without auto steps.

    Raises:
        InputError: the method is unknown.
    """
    spec = get_method(method)
    if not spec.capabilities.auto_steps:
        return None
    return next((setting for setting in spec.auto_settings if setting.name == "tolerance"), None)
