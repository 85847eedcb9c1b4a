"""Salience clusters, as LIT makes them (Ebert et al. 2022): texts alike in their top words.

Each text becomes its top-k words by absolute score, weighted by that score and
scaled to a unit vector over the vocabulary (sparse); scikit-learn's KMeans groups
them. To keep a directory of a million rows feasible on one machine, the fit uses a
fixed sample of the explained rows (those with the smallest hash of their row id):
the cluster sizes count that sample.
"""

from __future__ import annotations

from explain.core.report_results import Cluster, ClusterText
from explain.report.directory import INSTALL, ReportMissing, ResultsDirectory

SAMPLE_ROWS = 20_000
TOP_K = 5
CLUSTERS = 6
CLUSTER_WORDS = 8
CLUSTER_TEXTS = 3
SEED = 0
N_INIT = 4

TOP_WORDS_SQL = """
WITH sample AS (
    SELECT row_id, words, word_scores FROM ok ORDER BY hash(row_id), row_id LIMIT $sample
), occurrences AS (
    SELECT row_id, lower(word) AS word, score FROM (
        SELECT row_id, unnest(words) AS word, unnest(word_scores) AS score FROM sample
    ) WHERE score IS NOT NULL AND word IS NOT NULL
), per_row AS (
    SELECT row_id, word, abs(sum(score)) AS weight FROM occurrences GROUP BY row_id, word
)
SELECT row_id, word, weight FROM per_row WHERE weight > 0
QUALIFY row_number() OVER (PARTITION BY row_id ORDER BY weight DESC, word) <= $k
ORDER BY row_id, weight DESC, word
"""


def salience_clusters(
    results: ResultsDirectory,
    clusters: int = CLUSTERS,
    sample: int = SAMPLE_ROWS,
    k: int = TOP_K,
) -> tuple[tuple[Cluster, ...], int]:
    """Cluster a sample of the explained texts by their top-k words.

    Args:
        results: an open results directory.
        clusters: the clusters asked for; fewer when the sample has fewer distinct
            texts. Default: 6
        sample: the most rows fitted. Default: 20,000
        k: the words kept per text. Default: 5

    Returns:
        The clusters, largest first, and the number of rows fitted.

    Raises:
        ReportMissing: scikit-learn is not installed.
    """
    import numpy as np

    try:
        from scipy.sparse import csr_matrix
        from sklearn.cluster import KMeans
    except ImportError as error:
        raise ReportMissing(INSTALL) from error
    entries = results.query(TOP_WORDS_SQL, {"sample": sample, "k": k})
    row_ids = sorted({str(row[0]) for row in entries})
    if len(row_ids) < 2:
        return (), len(row_ids)
    row_of = {row_id: i for i, row_id in enumerate(row_ids)}
    vocabulary = sorted({str(row[1]) for row in entries})
    column_of = {word: i for i, word in enumerate(vocabulary)}
    weights = np.array([float(row[2]) for row in entries])
    matrix = csr_matrix(
        (
            weights,
            ([row_of[str(row[0])] for row in entries], [column_of[str(row[1])] for row in entries]),
        ),
        shape=(len(row_ids), len(vocabulary)),
    )
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = csr_matrix(matrix.multiply(1.0 / norms[:, None]))
    pointers, indices = matrix.indptr, matrix.indices
    distinct = len({tuple(indices[pointers[i] : pointers[i + 1]]) for i in range(len(row_ids))})
    n_clusters = max(1, min(clusters, distinct, len(row_ids)))
    model = KMeans(n_clusters=n_clusters, random_state=SEED, n_init=N_INIT).fit(matrix)
    assignment = model.labels_
    distances = model.transform(matrix)
    sizes = np.bincount(assignment, minlength=n_clusters)
    order = sorted(range(n_clusters), key=lambda c: (-int(sizes[c]), c))
    chosen: list[tuple[int, list[str]]] = []
    for cluster in order:
        members = np.flatnonzero(assignment == cluster)
        closest = members[np.argsort(distances[members, cluster], kind="stable")][:CLUSTER_TEXTS]
        chosen.append((cluster, [row_ids[i] for i in closest]))
    wanted = [row_id for _, ids in chosen for row_id in ids]
    texts = dict(
        results.query(
            "SELECT row_id, text FROM ok WHERE list_contains($ids, row_id)", {"ids": wanted}
        )
    )
    found = []
    for index, (cluster, ids) in enumerate(chosen):
        centre = model.cluster_centers_[cluster]
        strongest = [i for i in np.argsort(-centre, kind="stable")[:CLUSTER_WORDS] if centre[i] > 0]
        found.append(
            Cluster(
                index=index,
                size=int(sizes[cluster]),
                top_words=tuple(vocabulary[i] for i in strongest),
                texts=tuple(ClusterText(row_id, str(texts.get(row_id, ""))) for row_id in ids),
            )
        )
    return tuple(found), len(row_ids)
