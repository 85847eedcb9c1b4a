"""The registry of attribution methods, each with the settings it declares.

A method's settings carry their default and range, and the UI builds its
controls from them, so each default lives here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.checkpoints import LoadedModel
from explain.integrated_gradients import EmbeddingIntegratedGradients
from explain.results import Attribution
from explain.settings import IntSetting


@dataclass(frozen=True)
class Method:
    """One attribution method.

    Args:
        name: registry key.
        title: what the UI calls it.
        description: one line for the UI.
        paper: link to the paper that introduced it.
        explainer: the class that does the work; built with a
            :class:`LoadedModel` and called with ``attribute``.
        settings: the settings it declares.
        uses_baseline: whether the baseline picker applies.
    """

    name: str
    title: str
    description: str
    paper: str
    explainer: type[EmbeddingIntegratedGradients]
    settings: tuple[IntSetting, ...]
    uses_baseline: bool = True


METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        Method(
            name="layer_integrated_gradients",
            title="Layer Integrated Gradients (embeddings)",
            description="Integrates gradients along a straight path from the baseline's "
            "embeddings to the input's; scores add up to F(input) - F(baseline).",
            paper="https://arxiv.org/abs/1703.01365",
            explainer=EmbeddingIntegratedGradients,
            settings=EmbeddingIntegratedGradients.settings,
        ),
    )
}
DEFAULT_METHOD = "layer_integrated_gradients"


def get_method(name: str) -> Method:
    """Look up a method by name.

    Raises:
        ValueError: the name is unknown; the message lists the valid ones.
    """
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"Unknown method {name!r}. Choose one of: {', '.join(METHODS)}.") from None


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
        **options: ``target``, ``output``, ``baseline`` and the method's own
            settings (for Layer IG, ``n_steps``), which it checks against their ranges.

    Returns:
        The :class:`Attribution`.
    """
    return get_method(method).explainer(loaded).attribute(text, **options)  # type: ignore[arg-type]
