"""Widgets built from declared settings, and the help that names which methods take an option.

Method settings, baseline options and the auto-steps tolerance are built from
their declared ``IntSetting``/``FloatSetting``/``ChoiceSetting``/``TextSetting``
specs, so defaults and ranges live in ``explain`` only. Each widget's key
comes from :func:`setting_key` or :func:`baseline_setting_key`, and an opened
link's value for that key comes first.
"""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

import explain
from components.session_state import initial
from explain.methods.registry import method_options, methods_with
from explain.methods.request import Pairs


def accepts(method: str, option: str) -> bool:
    """Whether ``method``'s ``attribute`` takes the keyword argument ``option``.

    ``explain.attribute`` refuses options a method does not take, so the page
    offers (and sends) an option only where this is True.
    """
    return option in method_options(method)


def titles_with(capability: str) -> str:
    """The titles of the methods that declare ``capability``, for a help text."""
    return ", ".join(method.title for method in methods_with(capability))


def setting_key(method: str, name: str) -> str:
    """The widget key of one method setting."""
    return f"setting_{method}_{name}"


def baseline_setting_key(baseline: str, name: str) -> str:
    """The widget key of one baseline option."""
    return f"baseline_setting_{baseline}_{name}"


def method_setting_inputs(method: str) -> Pairs:
    """Inputs for the settings ``method`` declares, each only while it applies.

    A setting declared with ``applies_when=(other, value)`` is shown only
    while the input for ``other``, declared before it, reads ``value``.

    Returns:
        ``(name, value)`` pairs, the keyword arguments of ``attribute``.
    """
    values: dict[str, int | float | str] = {}
    for spec in explain.get_method(method).settings:
        condition = getattr(spec, "applies_when", None)
        if condition is None or values.get(condition[0]) == condition[1]:
            values[spec.name] = setting_input(method, spec)
    return tuple(values.items())


def setting_input(method: str, spec: explain.Setting) -> int | float | str:
    """A widget built from a method's declared setting: its range, default, step and help."""
    return setting_widget(spec, setting_key(method, spec.name))


def setting_widget(
    spec: explain.Setting | explain.TextSetting, key: str, disabled: bool = False
) -> int | float | str:
    """A widget built from a declared setting: its range, default, step and help.

    Args:
        spec: the setting.
        key: the widget's key; an opened link's value for it comes first.
        disabled: show the widget greyed out. Default: False

    Returns:
        The widget's value, of the setting's type.
    """
    if isinstance(spec, explain.IntSetting):
        return int(
            st.number_input(
                spec.label,
                min_value=spec.minimum,
                max_value=spec.maximum,
                value=initial(key, spec.default),
                step=spec.step,
                key=key,
                disabled=disabled,
                help=spec.help,
            )
        )
    if isinstance(spec, explain.FloatSetting):
        decimals = max(2, -int(Decimal(str(spec.step)).as_tuple().exponent))
        return float(
            st.number_input(
                spec.label,
                min_value=float(spec.minimum),
                max_value=float(spec.maximum),
                value=float(initial(key, spec.default)),
                step=float(spec.step),
                format=f"%.{decimals}f",
                key=key,
                disabled=disabled,
                help=spec.help,
            )
        )
    if isinstance(spec, explain.ChoiceSetting):
        choices = list(spec.choices)
        return st.selectbox(
            spec.label,
            choices,
            index=choices.index(initial(key, spec.default)),
            key=key,
            disabled=disabled,
            help=spec.help,
        )
    return st.text_input(
        spec.label,
        value=initial(key, spec.default),
        max_chars=spec.max_chars,
        key=key,
        disabled=disabled,
        help=spec.help,
    )
