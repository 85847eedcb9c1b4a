"""The registry of attribution methods, each with the settings it declares.

A method's settings carry their default and range, and the UI builds its
controls from them, so each default lives here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.checkpoints import LoadedModel
from explain.integrated_gradients import EmbeddingIntegratedGradients
from explain.results import Attribution


@dataclass(frozen=True)
class IntSetting:
    """An integer setting a method declares.

    Args:
        name: the keyword argument of the method's ``attribute``.
        label: what the UI calls it.
        default: its default value.
        minimum: the smallest allowed value.
        maximum: the largest allowed value.
        step: the UI's increment.
        help: one or two sentences for the UI's help text.
    """

    name: str
    label: str
    default: int
    minimum: int
    maximum: int
    step: int
    help: str

    def check(self, value: int) -> int:
        """Return ``value`` if it is in range.

        Raises:
            TypeError: it is not an integer.
            ValueError: it is outside ``[minimum, maximum]``.
        """
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{self.label} must be an integer, not {value!r}.")
        if not self.minimum <= value <= self.maximum:
            raise ValueError(
                f"{self.label} must be between {self.minimum} and {self.maximum}, not {value}."
            )
        return value


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
        signed: whether scores can be negative (display hint).
        uses_baseline: whether the baseline picker applies.
    """

    name: str
    title: str
    description: str
    paper: str
    explainer: type[EmbeddingIntegratedGradients]
    settings: tuple[IntSetting, ...]
    signed: bool = True
    uses_baseline: bool = True

    def defaults(self) -> dict[str, int]:
        return {setting.name: setting.default for setting in self.settings}


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
            settings=(
                IntSetting(
                    name="n_steps",
                    label="Integration steps",
                    default=50,
                    minimum=1,
                    maximum=500,
                    step=10,
                    help="Points on the path from baseline to input (Gauss-Legendre rule). "
                    "More steps: a smaller convergence delta, proportionally slower.",
                ),
            ),
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
            settings (for Layer IG, ``n_steps``), checked against their declared ranges.

    Returns:
        The :class:`Attribution`.
    """
    spec = get_method(method)
    for setting in spec.settings:
        if setting.name in options:
            setting.check(options[setting.name])  # type: ignore[arg-type]
    return spec.explainer(loaded).attribute(text, **options)  # type: ignore[arg-type]
