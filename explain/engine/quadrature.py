"""Nested quadrature rules on ``[0, 1]``: a rule and a lower-order one on a subset of its nodes.

A Gauss-Kronrod pair (Kronrod, 1965; Laurie, 1997,
https://doi.org/10.1090/S0025-5718-97-00861-2) adds ``n + 1`` nodes to the
``n``-point Gauss-Legendre rule so that the ``2n + 1``-point Kronrod rule is
exact for polynomials of degree ``3n + 1``. Both rules use the same function
values, so their difference estimates the error of the lower-order rule for
free; it is a generous estimate of the Kronrod rule's own error. The nodes
and weights are computed here in float64 from the Stieltjes polynomial, not
copied from a table (the tests compare them with QUADPACK's table).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import legendre


@dataclass(frozen=True)
class NestedRule:
    """A quadrature rule on ``[0, 1]`` with an embedded lower-order rule.

    Args:
        name: what the settings record, such as ``"G7/K15"``.
        nodes: ascending nodes strictly inside ``(0, 1)``.
        weights: the higher-order rule's weights; they add up to 1.
        embedded_weights: the lower-order rule's weights at the same nodes,
            0 where it has no node; they add up to 1.
    """

    name: str
    nodes: tuple[float, ...]
    weights: tuple[float, ...]
    embedded_weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if not len(self.nodes) == len(self.weights) == len(self.embedded_weights):
            raise ValueError("A nested rule needs one weight of each rule per node.")

    @property
    def size(self) -> int:
        """Function evaluations per interval."""
        return len(self.nodes)

    def on(self, low: float, high: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nodes, weights and embedded weights for the interval ``[low, high]``.

        Returns:
            Three float64 arrays of :attr:`size`: the nodes mapped into the
            interval, and both rules' weights scaled by its width.
        """
        width = high - low
        return (
            low + width * np.asarray(self.nodes),
            width * np.asarray(self.weights),
            width * np.asarray(self.embedded_weights),
        )


@functools.cache
def gauss_kronrod(n_gauss: int) -> NestedRule:
    """The ``n_gauss``-point Gauss rule and its ``2 n_gauss + 1``-point Kronrod extension.

    Args:
        n_gauss: the Gauss rule's points, 1 to 20.

    Returns:
        The pair as a :class:`NestedRule` on ``[0, 1]``, named ``"G{n}/K{2n+1}"``.

    Raises:
        ValueError: ``n_gauss`` is out of range.
    """
    if not 1 <= n_gauss <= 20:
        raise ValueError(f"gauss_kronrod takes 1 to 20 Gauss points, not {n_gauss}.")
    n = n_gauss
    gauss_nodes, gauss_weights = legendre.leggauss(n)  # on [-1, 1]
    # The Stieltjes polynomial E = P_{n+1} + sum_j c_j P_j (j <= n) is orthogonal to
    # every polynomial of degree <= n under the weight P_n; its roots are the new nodes.
    x, w = legendre.leggauss(2 * n + 2)  # exact up to degree 4n + 3
    basis = legendre.legvander(x, n + 1)  # (points, n + 2): P_0 .. P_{n+1}
    weighted = w * basis[:, n]  # the weight P_n, times the Gauss weights
    moments = (basis[:, : n + 1].T * weighted) @ basis  # (n + 1, n + 2): int P_n P_k P_j
    coefficients, *_ = np.linalg.lstsq(moments[:, : n + 1], -moments[:, n + 1], rcond=None)
    stieltjes = np.append(coefficients, 1.0)
    new_nodes = np.sort(legendre.legroots(stieltjes).real)
    # The companion matrix's eigenvalues are good to a few ulps, depending on the
    # LAPACK build; one Newton step, as numpy's leggauss takes, makes them as good
    # as the polynomial's evaluation on every machine.
    new_nodes -= legendre.legval(new_nodes, stieltjes) / legendre.legval(
        new_nodes, legendre.legder(stieltjes)
    )
    nodes = np.sort(np.concatenate([gauss_nodes, new_nodes]))
    # Weights: exact for P_0 .. P_{2n}, a square system in the well-conditioned Legendre basis.
    system = legendre.legvander(nodes, 2 * n).T  # (2n + 1, 2n + 1)
    right = np.zeros(2 * n + 1)
    right[0] = 2.0
    kronrod_weights = np.linalg.solve(system, right)
    return _nested(f"G{n}/K{2 * n + 1}", nodes, kronrod_weights, gauss_nodes, gauss_weights)


def _nested(
    name: str,
    nodes: np.ndarray,
    weights: np.ndarray,
    embedded_nodes: np.ndarray,
    embedded_weights: np.ndarray,
) -> NestedRule:
    """The pair on ``[-1, 1]`` as a :class:`NestedRule` on ``[0, 1]``."""
    embedded = np.zeros_like(nodes)
    for node, weight in zip(embedded_nodes, embedded_weights, strict=True):
        embedded[np.argmin(np.abs(nodes - node))] = weight
    return NestedRule(
        name=name,
        nodes=tuple((0.5 * (1 + nodes)).tolist()),
        weights=tuple((0.5 * weights).tolist()),
        embedded_weights=tuple((0.5 * embedded).tolist()),
    )
