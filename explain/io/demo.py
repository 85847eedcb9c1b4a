"""The locked demo mode: which checkpoints a demo page offers and how much one viewer may ask.

``tokenlight run --demo --checkpoints NAME[,NAME...]`` checks the names at
start-up (:func:`parse_checkpoints`) and hands them to the page in one
environment variable, ``TOKENLIGHT_DEMO_CHECKPOINTS``, written as on the
command line: comma-separated, the first one the default. The page reads it
back with :func:`policy_from_env`; set, even to nothing, it makes the page a
demo, so a mistyped value locks the page with an error rather than opening
it. ``streamlit run streamlit_app.py`` with the variable set gives the same
demo.

A name is a registered checkpoint (:data:`explain.model.checkpoints.CHECKPOINTS`)
or, because the operator names it when starting the server, a local checkpoint
directory with a ``config.json`` and safetensors weights, written as it will
appear in the page's picker and links. Hub ids are refused: a demo must not
depend on a download while an audience watches.

Everything here is pure: the page calls it, renders what it returns, and
decides nothing itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from explain.core.errors import TokenlightError
from explain.io.links import LinkValues, read_link
from explain.io.readers import MAX_BYTES
from explain.methods.batch import MAX_TEXTS
from explain.model.checkpoints import CHECKPOINTS, DEFAULT_CHECKPOINT, vet_directory

DEMO_ENV = "TOKENLIGHT_DEMO_CHECKPOINTS"
SEPARATOR = ","

DEMO_MAX_TEXTS = 50
"""The most texts one Many texts batch explains in a demo (1,000 outside one).

The bundled model explains about 3.3 texts a second on a 2-core CPU, so 50
texts take about 15 s: long enough to show a batch, too short for one viewer
to hold the machine while others wait.
"""

DEMO_MAX_UPLOAD_BYTES = 200_000
"""The largest file a demo's Many texts view reads: 200 KB (1 MB outside one).

Fifty texts of a paragraph each (about 4 KB) with a label column fit; a file
that is mostly texts the batch would leave out does not.
"""

_NO_CHECKPOINT = (
    "A demo needs at least one checkpoint. Name them with --checkpoints, such as "
    f"`tokenlight run --demo --checkpoints {DEFAULT_CHECKPOINT}`."
)


class DemoError(TokenlightError):
    """The demo's checkpoints are missing, unknown or not usable."""


@dataclass(frozen=True)
class DemoPolicy:
    """What a demo page offers.

    Args:
        checkpoints: the checkpoints the page offers, in the picker's order;
            the first is the default. Each is a registered name or a local
            directory, as :func:`parse_checkpoints` accepts them.
        max_texts: the most texts one Many texts batch holds.
            Default: :data:`DEMO_MAX_TEXTS` (50)
        max_upload_bytes: the largest file Many texts reads.
            Default: :data:`DEMO_MAX_UPLOAD_BYTES` (200 KB)
        typed_directories: whether the Dataset view opens a results directory a
            viewer types. A demo opens only the run the viewer saved from Many
            texts: a typed path would reach the host's disk. Default: False

    Raises:
        DemoError: no checkpoint, or a cap below one.
    """

    checkpoints: tuple[str, ...]
    max_texts: int = DEMO_MAX_TEXTS
    max_upload_bytes: int = DEMO_MAX_UPLOAD_BYTES
    typed_directories: bool = False

    def __post_init__(self) -> None:
        if not self.checkpoints:
            raise DemoError(_NO_CHECKPOINT)
        if self.max_texts < 1 or self.max_upload_bytes < 1:
            raise DemoError(
                f"A demo's caps must be at least 1 (max_texts={self.max_texts}, "
                f"max_upload_bytes={self.max_upload_bytes})."
            )

    @property
    def default(self) -> str:
        """The checkpoint the page opens with: the first one named."""
        return self.checkpoints[0]

    @property
    def directories(self) -> tuple[Path, ...]:
        """The named local directories, resolved: the page loads checkpoints from these too."""
        return tuple(
            Path(spec).expanduser().resolve()
            for spec in self.checkpoints
            if spec not in CHECKPOINTS
        )


def parse_checkpoints(raw: str) -> tuple[str, ...]:
    """The checkpoints a demo offers, from ``NAME[,NAME...]``, each checked.

    Blanks around names are dropped, and so are empty entries and repeats.

    Args:
        raw: the comma-separated names, as ``--checkpoints`` takes them.

    Returns:
        The names in the order given; the first is the demo's default.

    Raises:
        DemoError: no name is given, or one is neither a registered checkpoint
            nor a usable local checkpoint directory; the message lists the
            registered ones.
    """
    names = tuple(dict.fromkeys(name.strip() for name in raw.split(SEPARATOR) if name.strip()))
    if not names:
        raise DemoError(_NO_CHECKPOINT)
    for name in names:
        check_checkpoint(name)
    return names


def check_checkpoint(name: str) -> None:
    """Refuse a demo checkpoint that is not registered and not a checkpoint directory.

    Raises:
        DemoError: with the registered names, or what the directory lacks.
    """
    if name in CHECKPOINTS:
        return
    try:
        directory = Path(name).expanduser()
        is_directory = directory.is_dir()
    except (OSError, RuntimeError, ValueError):  # too long, ~nosuchuser, NUL byte
        is_directory = False
    if not is_directory:
        raise DemoError(
            f"{name[:200]!r} is neither a registered checkpoint nor a local checkpoint directory. "
            f"Registered checkpoints: {', '.join(CHECKPOINTS)}. A Hub model can be demoed from "
            "a local copy: save it with save_pretrained and name that directory."
        )
    try:
        vet_directory(directory)
    except TokenlightError as error:
        raise DemoError(f"The demo checkpoint {name!r} is not usable: {error}") from error


def policy_from_env(environ: Mapping[str, str]) -> DemoPolicy | None:
    """The demo policy that ``environ`` sets, or None when the page is not a demo.

    Args:
        environ: the environment, such as ``os.environ``.

    Returns:
        The policy, with the demo caps; None when :data:`DEMO_ENV` is unset.

    Raises:
        DemoError: the variable is set but names no usable checkpoint, so the
            page must not open unlocked.
    """
    raw = environ.get(DEMO_ENV)
    if raw is None:
        return None
    return DemoPolicy(parse_checkpoints(raw))


def demo_env(checkpoints: tuple[str, ...]) -> dict[str, str]:
    """The environment variable that makes a page a demo offering ``checkpoints``."""
    return {DEMO_ENV: SEPARATOR.join(checkpoints)}


def is_allowed(policy: DemoPolicy, spec: str) -> bool:
    """Whether the demo offers the checkpoint ``spec`` (exactly as its picker shows it)."""
    return spec.strip() in policy.checkpoints


@dataclass(frozen=True)
class LinkCheckpoint:
    """The checkpoint a shared link opens in a demo.

    Args:
        checkpoint: one the demo offers.
        notice: why it is not the one the link named; None when it is.
    """

    checkpoint: str
    notice: str | None


def link_checkpoint(policy: DemoPolicy, named: str | None) -> LinkCheckpoint:
    """What a link naming ``named`` opens: that checkpoint if the demo offers it, else the default.

    Args:
        policy: the demo.
        named: the link's ``checkpoint`` value; None or blank when it names none.

    Returns:
        The checkpoint to open, with a notice when it is not the one named.
    """
    spec = (named or "").strip()
    if not spec or is_allowed(policy, spec):
        return LinkCheckpoint(spec or policy.default, None)
    return LinkCheckpoint(
        policy.default,
        f"This link names the checkpoint {spec[:200]!r}, which this demo does not offer "
        f"(it offers {offered(policy)}). It opens {policy.default!r} instead.",
    )


def read_demo_link(params: Mapping[str, str], policy: DemoPolicy) -> LinkValues:
    """What a shared link opens in a demo: :func:`explain.io.links.read_link`, checkpoint limited.

    Args:
        params: the link's query parameters, by name.
        policy: the demo.

    Returns:
        The link's checked values; a checkpoint the demo does not offer becomes
        the default, with the notice of :func:`link_checkpoint` first.
    """
    named = params.get("checkpoint", "").strip()
    if not named:
        return read_link(params, registered=policy.checkpoints)
    opened = link_checkpoint(policy, named)
    link = read_link({**params, "checkpoint": opened.checkpoint}, registered=policy.checkpoints)
    return link if opened.notice is None else replace(link, notices=(opened.notice, *link.notices))


def batch_caps(policy: DemoPolicy | None) -> tuple[int, int]:
    """The most texts and bytes one Many texts batch takes: the demo's, else the page's usual.

    Args:
        policy: the demo; None for a page that is not one.

    Returns:
        ``(max_texts, max_bytes)``: 50 and 200 KB in a demo, 1,000 and 1 MB otherwise.
    """
    if policy is None:
        return MAX_TEXTS, MAX_BYTES
    return policy.max_texts, policy.max_upload_bytes


def offered(policy: DemoPolicy) -> str:
    """The demo's checkpoints in words: ``'a'``, ``'a' and 'b'``, ``'a', 'b' and 'c'``."""
    quoted = [repr(name) for name in policy.checkpoints]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def size_words(size: int) -> str:
    """A byte count as the page writes it: ``200 KB``, ``1 MB``, ``512 bytes``."""
    for unit, scale in (("MB", 1_000_000), ("KB", 1_000)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"


def caps_words(policy: DemoPolicy) -> str:
    """The demo's batch caps in words, for help texts: ``at most 50 texts and 200 KB``."""
    return f"at most {policy.max_texts} texts and {size_words(policy.max_upload_bytes)}"


def banner(policy: DemoPolicy) -> str:
    """The short line that tells viewers the page is a demo and what it limits."""
    one = len(policy.checkpoints) == 1
    return (
        f"Demo: this page offers the checkpoint{'' if one else 's'} {offered(policy)} "
        f"only, Many texts takes {caps_words(policy)} per batch, and each viewer runs one "
        "explanation at a time."
    )
