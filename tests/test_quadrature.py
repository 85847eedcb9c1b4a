"""Gauss-Kronrod pairs: QUADPACK's table, polynomial exactness, nesting."""

from __future__ import annotations

import numpy as np
import pytest

from explain.engine.quadrature import gauss_kronrod
from tests.tolerances import FLOAT64_EPS, ulps

# QUADPACK's dqk15 (Piessens et al., 1983) on [-1, 1]: the non-negative nodes, the
# Kronrod weights at them and the Gauss weights at the Gauss nodes (every other one).
QUADPACK_K15_NODES = (
    0.991455371120812639206854697526329,
    0.949107912342758524526189684047851,
    0.864864423359769072789712788640926,
    0.741531185599394439863864773280788,
    0.586087235467691130294144845693013,
    0.405845151377397166906606412076961,
    0.207784955007898467600689403773245,
    0.0,
)
QUADPACK_K15_WEIGHTS = (
    0.022935322010529224963732008058970,
    0.063092092629978553290700663189204,
    0.104790010322250183839876322541518,
    0.140653259715525918745189590510238,
    0.169004726639267902826583426598550,
    0.190350578064785409913256402421014,
    0.204432940075298892414161999234649,
    0.209482141084727828012999174891714,
)
QUADPACK_G7_WEIGHTS = (
    0.129484966168869693270611432679082,
    0.279705391489276667901467771423780,
    0.381830050505118944950369775488975,
    0.417959183673469387755102040816327,
)


def test_g7_k15_is_quadpacks_table() -> None:
    rule = gauss_kronrod(7)
    nodes = 2 * np.asarray(rule.nodes) - 1  # back on [-1, 1], ascending
    weights = 2 * np.asarray(rule.weights)
    gauss = 2 * np.asarray(rule.embedded_weights)
    upper = slice(7, None)  # the non-negative half, from 0 up
    # The nodes are eigenvalues (the roots of the Stieltjes polynomial, and numpy's
    # Gauss-Legendre nodes): each is good to a few ulps of the interval's scale, 1,
    # which also covers the middle node, 0 in the table.
    np.testing.assert_allclose(nodes[upper][::-1], QUADPACK_K15_NODES, rtol=0, atol=ulps(8))
    # The Kronrod weights solve a linear system: a backward-stable solve keeps each
    # weight to about size * cond(system) * eps of the largest one, not to a few ulps
    # of each (the smallest, 0.023, is 9 times smaller than the largest).
    system = np.polynomial.legendre.legvander(nodes, rule.size - 1).T
    weight_error = rule.size * np.linalg.cond(system) * FLOAT64_EPS * weights.max()
    np.testing.assert_allclose(
        weights[upper][::-1], QUADPACK_K15_WEIGHTS, rtol=0, atol=weight_error
    )
    assert weight_error < 1e-13  # a well-conditioned system: the bound stays tight
    # The Gauss weights come from numpy's formula at each node: a few ulps each.
    np.testing.assert_allclose(gauss[upper][::-1][1::2], QUADPACK_G7_WEIGHTS, rtol=ulps(8))
    assert not gauss[upper][::-1][0::2].any()  # the Kronrod-only nodes


def _moment(degree: int) -> float:
    """``int_0^1 (2x - 1)^degree dx``."""
    return (1 + (-1) ** degree) / (2 * (degree + 1))


@pytest.mark.parametrize("n_gauss", [1, 2, 3, 5, 7, 10, 15])
def test_each_rule_is_exact_to_its_degree_and_no_further(n_gauss: int) -> None:
    rule = gauss_kronrod(n_gauss)
    x = np.asarray(rule.nodes)
    t = 2 * x - 1  # Legendre's variable: the rules' errors show clearly there
    kronrod, gauss = np.asarray(rule.weights), np.asarray(rule.embedded_weights)
    assert rule.size == 2 * n_gauss + 1
    assert rule.name == f"G{n_gauss}/K{2 * n_gauss + 1}"
    assert np.all(np.diff(x) > 0)
    assert x[0] > 0
    assert x[-1] < 1
    assert np.all(kronrod > 0)
    # A dot product of weights that add up to 1 with values in [-1, 1]: its rounding
    # is at most about size * eps, and the weights' own error adds as much again.
    exact = 4 * rule.size * FLOAT64_EPS
    for degree in range(3 * n_gauss + 2):  # the Kronrod rule: degree 3n + 1
        assert abs(kronrod @ t**degree - _moment(degree)) < exact
    for degree in range(2 * n_gauss):  # the Gauss rule: degree 2n - 1
        assert abs(gauss @ t**degree - _moment(degree)) < exact
    # Both miss their next even degree (symmetric rules get odd degrees right); past
    # ten Gauss points the Kronrod rule's miss is too small to tell from rounding.
    assert abs(gauss @ t ** (2 * n_gauss) - _moment(2 * n_gauss)) > 1e-12
    miss = 3 * n_gauss + 2 + n_gauss % 2
    assert n_gauss > 10 or abs(kronrod @ t**miss - _moment(miss)) > 1e-12


def test_gauss_nodes_are_gauss_legendre() -> None:
    rule = gauss_kronrod(7)
    embedded = np.asarray(rule.embedded_weights) > 0
    legendre_nodes, legendre_weights = np.polynomial.legendre.leggauss(7)
    np.testing.assert_allclose(
        np.asarray(rule.nodes)[embedded], (legendre_nodes + 1) / 2, rtol=0, atol=ulps(4)
    )
    np.testing.assert_allclose(
        np.asarray(rule.embedded_weights)[embedded], legendre_weights / 2, rtol=ulps(4)
    )


def test_rule_on_an_interval_scales_nodes_and_weights() -> None:
    nodes, weights, gauss = gauss_kronrod(7).on(0.25, 0.75)
    assert nodes.min() > 0.25
    assert nodes.max() < 0.75
    assert weights.sum() == pytest.approx(0.5)
    assert gauss.sum() == pytest.approx(0.5)
    assert weights @ np.exp(nodes) == pytest.approx(np.exp(0.75) - np.exp(0.25), rel=ulps(64))


def test_out_of_range_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 20"):
        gauss_kronrod(0)
