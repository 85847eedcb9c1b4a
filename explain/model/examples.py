"""Curated sentences for the bundled sentiment model, each with one teaching point."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    """A sentence worth explaining, and what to look at in its explanation.

    Args:
        name: what the picker shows.
        text: the sentence.
        look_for: one line on what the explanation should reveal.
    """

    name: str
    text: str
    look_for: str


EXAMPLES: tuple[Example, ...] = (
    Example(
        name="Negation",
        text="Self-driving cars are not safe enough for busy city streets.",
        look_for="Does 'not' push against 'safe', or does the model read 'safe' alone? "
        "Delete 'not' in Counterfactuals and watch the prediction.",
    ),
    Example(
        name="Contrast with “but”",
        text="The ride was smooth and quiet, but the car braked hard for no reason twice.",
        look_for="Which half wins? Words after 'but' usually carry the writer's verdict; "
        "see whether the scores agree.",
    ),
    Example(
        name="Sarcasm",
        text="Oh great, another self-driving car that cannot see a cyclist. Just what we needed.",
        look_for="'great' and 'needed' look positive on their own; check whether the model "
        "is fooled by them or picks up the complaint.",
    ),
    Example(
        name="Neutral statement of fact",
        text="Google has tested its self-driving cars on public roads in California since 2012.",
        look_for="A plain fact: expect small scores everywhere, and see which words still "
        "tip it away from neutral.",
    ),
)


def get_example(name: str) -> Example:
    """Look up an example by name.

    Raises:
        ValueError: the name is unknown; the message lists the valid ones.
    """
    for example in EXAMPLES:
        if example.name == name:
            return example
    raise ValueError(
        f"Unknown example {name!r}. Choose one of: {', '.join(e.name for e in EXAMPLES)}."
    )
