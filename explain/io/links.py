"""Shareable links: an explanation request as a page address's query parameters, and back.

A link carries the text, checkpoint, method, target, output, baseline and the
method's settings (``n_steps`` as ``steps``), and, when they are set, the
second text of a sentence pair (``pair``), the contrast label (``contrast``),
auto steps and their tolerance (``auto=1``, ``tol``), long texts in windows and
their stride (``long=windows``, ``stride``) and the baseline's options (by
their names, such as ``baseline_seed``). Labels are written by name, and the
predicted label as ``target=predicted``.

A task's explanation adds ``task`` and what its target holds: a token
classifier's ``entity`` (the K-th predicted entity) or ``token`` (the N-th
model token), with the entity group as ``target``; a zero-shot run's
``candidates`` (comma-separated), ``template``, ``multi=1`` and the explained
candidate as ``target``; a question-answering run's ``question`` and
``explained`` (``start`` or ``end``). An NLI checkpoint explained as the
sequence classifier it is carries ``task=sequence-classification``.

Reading a link checks every value before anything uses it, with the checks the
service's requests get (:mod:`explain.io.request_checks`): an unusable value is
left out, and a notice says what was wrong and what is used instead. A link
opens registered checkpoints only (:func:`link_checkpoint`). Its labels are
checked once the model, and so its labels, are known (:func:`read_link_labels`),
and its task's values once the page's task is (:func:`read_link_task`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from explain.core.errors import CheckpointError, InputError
from explain.core.limits import MAX_TEXT_CHARS
from explain.core.results import LONG_MODES, LongMode
from explain.core.settings import FloatSetting, IntSetting, Setting, SettingValue, TextSetting
from explain.core.targets import DEFAULT_OUTPUT, check_output
from explain.core.task_results import ANSWER_ENDS, DEFAULT_TASK, AnswerEnd, TaskName
from explain.core.task_targets import (
    DEFAULT_TEMPLATE,
    TaskTarget,
    TokenTarget,
    ZeroShotTarget,
    parse_candidates,
)
from explain.io.request_checks import check_checkpoint, check_option
from explain.methods.baselines import DEFAULT_BASELINE, get_baseline
from explain.methods.registry import (
    DEFAULT_METHOD,
    baseline_settings,
    get_method,
    method_options,
    tolerance_setting,
)
from explain.methods.request import AttributionRequest
from explain.model.checkpoints import checkpoint_names
from explain.model.tasks import check_task
from explain.render.task_figures import task_words
from explain.tasks.token_classification import label_groups

PREDICTED_IN_LINK = "predicted"
"""The target a link names when the predicted label was explained."""
LINK_NAMES = {"n_steps": "steps"}  # method setting -> its shorter name in links
LINK_FLAGS = {"1": True, "0": False}  # how a link writes auto steps
MAX_QUESTION_CHARS = 1000
"""The longest question a page or a link asks of a context."""
MAX_CANDIDATES_CHARS = 1000
"""The longest candidate-labels text a page's box or a link holds."""
MAX_TEMPLATE_CHARS = 300
"""The longest hypothesis template a page's box or a link holds."""
DEFAULT_CANDIDATES = ("positive", "negative", "neutral")
"""The candidate labels a zero-shot page starts from."""
TASK_PARAMS: dict[str, TaskName] = {
    "entity": "token-classification",
    "token": "token-classification",
    "candidates": "zero-shot",
    "template": "zero-shot",
    "multi": "zero-shot",
    "hypothesis": "zero-shot",
    "question": "question-answering",
    "explained": "question-answering",
}
"""A task's own link parameters, and the task each belongs to."""

Pairs = tuple[tuple[str, SettingValue], ...]


@dataclass(frozen=True)
class LinkTask:
    """What a link asks of a task checkpoint, each value checked on its own.

    Values the link leaves out, or that were unusable, are None.

    Args:
        task: the task the link was made for.
        entity: a token classifier's K-th predicted entity, from 0. Default: None
        token: a token classifier's N-th model token, from 0. Default: None
        candidates: a zero-shot run's candidate labels. Default: None
        template: its hypothesis template. Default: None
        multi_label: its mode. Default: None
        with_hypothesis: whether its hypothesis's tokens are attributed too. Default: None
        question: a question-answering run's question. Default: None
        explained: the answer's ``"start"`` or ``"end"``. Default: None
    """

    task: TaskName
    entity: int | None = None
    token: int | None = None
    candidates: tuple[str, ...] | None = None
    template: str | None = None
    multi_label: bool | None = None
    with_hypothesis: bool | None = None
    question: str | None = None
    explained: AnswerEnd | None = None


@dataclass(frozen=True)
class LinkValues:
    """What a link asks for, every value checked.

    A value the link leaves out, or that was unusable, is None (or absent from
    its pairs); ``notices`` say what was unusable and what is used instead.

    Args:
        method: the method; the default one when the link names none or an unknown one.
        checkpoint: a checkpoint the link may open. Default: None
        text: the text, cut to :data:`explain.core.limits.MAX_TEXT_CHARS`. Default: None
        output: an output kind. Default: None
        baseline: a baseline's name. Default: None
        settings: the method's settings, ``(name, value)``. Default: ``()``
        baseline_options: the options the baseline declares and the method
            reads, ``(name, value)``. Default: ``()``
        text_pair: the second text, where the method takes one. Default: None
        target: the target label's name, or :data:`PREDICTED_IN_LINK`;
            checked by :func:`read_link_labels`. Default: None
        contrast: the contrast label's name, where the method takes one;
            checked by :func:`read_link_labels`. Default: None
        auto_steps: auto steps on or off, where the method has them. Default: None
        tolerance: the delta tolerance, where the method has auto steps. Default: None
        long: the long-text mode, where the method takes it. Default: None
        stride: the windows' stride, with windows. Default: None
        task: a task's values; checked against the page's task by
            :func:`read_link_task`. Default: None
        notices: one sentence per unusable value. Default: ``()``
    """

    method: str
    checkpoint: str | None = None
    text: str | None = None
    output: str | None = None
    baseline: str | None = None
    settings: Pairs = ()
    baseline_options: Pairs = ()
    text_pair: str | None = None
    target: str | None = None
    contrast: str | None = None
    auto_steps: bool | None = None
    tolerance: float | None = None
    long: LongMode | None = None
    stride: int | None = None
    task: LinkTask | None = None
    notices: tuple[str, ...] = ()

    @property
    def runs(self) -> bool:
        """Whether opening the link explains at once: it carries some text."""
        return bool(self.text and self.text.strip())


@dataclass(frozen=True)
class LinkLabels:
    """A link's target and contrast labels, as indices of the model's labels.

    Args:
        target: the target's index; None for the predicted label.
        contrast: the contrast's index; None for no contrast.
        notices: one sentence per unusable label; the page then waits for Run.
    """

    target: int | None
    contrast: int | None
    notices: tuple[str, ...]


def link_checkpoint(name: str, registered: Collection[str]) -> str:
    """The checkpoint a link names, once a link may open it: one of ``registered``.

    A link must not make the server download or read a checkpoint on its own.

    Args:
        name: the link's checkpoint.
        registered: the checkpoints a link may open.

    Returns:
        ``name`` without surrounding whitespace.

    Raises:
        CheckpointError: it is not one of ``registered``; the message says how
            to open it anyway.
    """
    try:
        return check_checkpoint(name, registered, directories=False)
    except CheckpointError:
        raise CheckpointError(
            f"This link names the checkpoint {name.strip()[:200]!r}. Links open registered "
            "checkpoints only: to use it, choose 'Other' in the sidebar and type it."
        ) from None


def read_link(params: Mapping[str, str], registered: Collection[str] | None = None) -> LinkValues:
    """The values a link's query parameters ask for, each checked.

    Args:
        params: the query parameters, by name.
        registered: the checkpoints a link may open. Default: None, every
            registered checkpoint

    Returns:
        The usable values, and a notice for each unusable one.
    """
    notices: list[str] = []
    checkpoint = params.get("checkpoint", "").strip() or None
    if checkpoint is not None:
        try:
            checkpoint = link_checkpoint(
                checkpoint, checkpoint_names() if registered is None else registered
            )
        except CheckpointError as error:
            notices.append(str(error))
            checkpoint = None
    text = params.get("text")
    if text is not None and len(text) > MAX_TEXT_CHARS:
        notices.append(f"The link's text was cut to the first {MAX_TEXT_CHARS} characters.")
    method = params.get("method", DEFAULT_METHOD)
    try:
        method = get_method(method).name
    except InputError:
        notices.append(f"Unknown method {method!r} in the link; using {DEFAULT_METHOD}.")
        method = DEFAULT_METHOD
    output = _named(params, "output", check_output, DEFAULT_OUTPUT, notices)
    baseline = _named(
        params, "baseline", lambda name: get_baseline(name).name, DEFAULT_BASELINE, notices
    )
    settings = _settings(params, get_method(method).settings, LINK_NAMES, notices)
    baseline_options = _settings(
        params, baseline_settings(method, baseline or DEFAULT_BASELINE), {}, notices
    )
    text_pair, contrast = _pair_and_contrast(params, method, notices)
    auto_steps, tolerance = _auto_steps(params, method, notices)
    long, stride = _long(params, method, notices)
    task = _task(params, notices)
    return LinkValues(
        method=method,
        checkpoint=checkpoint,
        text=None if text is None else text[:MAX_TEXT_CHARS],
        output=output,
        baseline=baseline,
        settings=settings,
        baseline_options=baseline_options,
        text_pair=text_pair,
        target=params.get("target"),
        contrast=contrast,
        auto_steps=auto_steps,
        tolerance=tolerance,
        long=long,
        stride=stride,
        task=task,
        notices=tuple(notices),
    )


def _named(
    params: Mapping[str, str],
    name: str,
    check: Callable[[str], str],
    default: str,
    notices: list[str],
) -> str | None:
    """The link's value for ``name`` if ``check`` takes it; None if absent or refused."""
    value = params.get(name)
    if value is None:
        return None
    try:
        return check(value)
    except InputError:
        notices.append(f"Unknown {name} {value!r} in the link; using {default}.")
        return None


def _settings(
    params: Mapping[str, str],
    specs: tuple[Setting | TextSetting, ...],
    link_names: Mapping[str, str],
    notices: list[str],
) -> Pairs:
    """The usable values the link gives ``specs``, each under its name in links."""
    found: list[tuple[str, SettingValue]] = []
    for spec in specs:
        raw = params.get(link_names.get(spec.name, spec.name))
        if raw is None:
            continue
        value = setting_from_link(spec, raw, notices)
        if value is not None:
            found.append((spec.name, value))
    return tuple(found)


def setting_from_link(
    spec: Setting | TextSetting, raw: str, notices: list[str]
) -> SettingValue | None:
    """The link's text ``raw`` as a checked value of ``spec``; None, with a notice, if unusable.

    Args:
        spec: the declared setting.
        raw: the link's text for it.
        notices: where the notice goes.
    """
    try:
        value = check_option(spec.name, parse_setting(spec, raw), {spec.name: spec})
    except ValueError as error:
        notices.append(
            f"The link's {spec.label.lower()} {raw[:50]!r} is not usable ({error}); "
            f"using {spec.default}."
        )
        return None
    assert not isinstance(value, bool)  # only auto_steps is a flag, and it is no setting
    return value


def parse_setting(spec: Setting | TextSetting, raw: str) -> SettingValue:
    """A link's text for ``spec`` as the type the setting takes.

    Raises:
        ValueError: the text is not a number where one is needed.
    """
    if isinstance(spec, IntSetting):
        return int(raw)
    if isinstance(spec, FloatSetting):
        return float(raw)
    return raw


def _pair_and_contrast(
    params: Mapping[str, str], method: str, notices: list[str]
) -> tuple[str | None, str | None]:
    """The link's second text and contrast label, where ``method`` takes them."""
    title = get_method(method).title
    taken = method_options(method)
    pair, contrast = params.get("pair"), params.get("contrast")
    if pair is not None and "text_pair" not in taken:
        notices.append(f"{title} explains one text, so the link's second text is ignored.")
        pair = None
    elif pair is not None and len(pair) > MAX_TEXT_CHARS:
        notices.append(f"The link's second text was cut to the first {MAX_TEXT_CHARS} characters.")
        pair = pair[:MAX_TEXT_CHARS]
    if contrast is not None and "contrast" not in taken:
        notices.append(f"{title} explains one label, so the link's contrast label is ignored.")
        contrast = None
    return pair, contrast


def _auto_steps(
    params: Mapping[str, str], method: str, notices: list[str]
) -> tuple[bool | None, float | None]:
    """The link's auto steps and tolerance, where ``method`` has auto steps."""
    title = get_method(method).title
    tolerance = tolerance_setting(method)
    auto, raw = params.get("auto"), params.get("tol")
    flag: bool | None = None
    if auto is not None and tolerance is None:
        notices.append(f"{title} does not raise its own steps, so the link's auto steps are off.")
    else:
        flag = _flag(params, "auto", "auto steps are off", notices, shown="auto steps")
    if raw is None or tolerance is None:
        return flag, None
    value = setting_from_link(tolerance, raw, notices)
    return flag, None if value is None else float(value)


def _long(
    params: Mapping[str, str], method: str, notices: list[str]
) -> tuple[LongMode | None, int | None]:
    """The link's long-text mode and stride, where ``method`` explains in windows."""
    long, raw = params.get("long"), params.get("stride")
    if long is None:
        return None, None
    if long not in LONG_MODES:
        notices.append(f"Unknown long {long[:50]!r} in the link; long texts are truncated.")
        return None, None
    spec = get_method(method)
    if long == "windows" and not spec.capabilities.windows:
        notices.append(
            f"{spec.title} cannot explain in windows, so the link's long text is truncated."
        )
        return None, None
    mode: LongMode = "windows" if long == "windows" else "truncate"
    if raw is None or mode != "windows":
        return mode, None
    if not raw.isdigit() or int(raw) < 1:
        notices.append(
            f"The link's stride {raw[:50]!r} is not a positive whole number; using half a window."
        )
        return mode, None
    return mode, int(raw)


def _task(params: Mapping[str, str], notices: list[str]) -> LinkTask | None:
    """The link's task and its own values (``entity``, ``candidates``, ``question`` ...)."""
    raw = params.get("task")
    given = [name for name in TASK_PARAMS if name in params]
    if raw is None:
        if given:
            notices.append(
                f"The link's {', '.join(given)} name no task (task=...), so they are not used."
            )
        return None
    try:
        task = check_task(raw)
    except InputError:
        notices.append(
            f"Unknown task {raw[:50]!r} in the link; the checkpoint's own task is explained."
        )
        return None
    foreign = [name for name in given if TASK_PARAMS[name] != task]
    if foreign:
        notices.append(
            f"The link's {', '.join(foreign)} belong to another task than {task}, so they are "
            "not used."
        )
    if task == "token-classification":
        return _token_task(params, notices)
    if task == "zero-shot":
        return _zero_shot_task(params, notices)
    if task == "question-answering":
        return _answer_task(params, notices)
    return LinkTask(task)


def _position(params: Mapping[str, str], name: str, notices: list[str]) -> int | None:
    """The link's ``entity`` or ``token``, a whole number from 0; None if absent or unusable."""
    raw = params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        fallback = "the first entity" if name == "entity" else "the first entity, not a token"
        notices.append(
            f"The link's {name} {raw[:50]!r} is not a whole number from 0; explaining {fallback}."
        )
        return None
    return int(raw)


def _token_task(params: Mapping[str, str], notices: list[str]) -> LinkTask:
    entity = _position(params, "entity", notices)
    token = _position(params, "token", notices)
    if entity is not None and token is not None:
        notices.append(
            "The link names both an entity and a token; the entity is explained. A link names "
            "one of them."
        )
        token = None
    return LinkTask("token-classification", entity=entity, token=token)


def _zero_shot_task(params: Mapping[str, str], notices: list[str]) -> LinkTask:
    defaults = ", ".join(DEFAULT_CANDIDATES)
    raw = params.get("candidates")
    candidates: tuple[str, ...] | None = None
    if raw is not None:
        try:
            if len(raw) > MAX_CANDIDATES_CHARS:
                raise InputError(f"longer than {MAX_CANDIDATES_CHARS} characters")
            candidates = ZeroShotTarget(parse_candidates(raw), multi_label=True).candidate_labels
        except InputError as error:
            notices.append(
                f"The link's candidate labels {raw[:100]!r} are not usable ({error}); using "
                f"{defaults}."
            )
    template = params.get("template")
    if template is not None:
        try:
            if len(template) > MAX_TEMPLATE_CHARS:
                raise InputError(
                    f"The link's template is longer than {MAX_TEMPLATE_CHARS} characters."
                )
            ZeroShotTarget(DEFAULT_CANDIDATES, template)
        except InputError as error:
            notices.append(f"{error} The link's template is not used; using {DEFAULT_TEMPLATE!r}.")
            template = None
    return LinkTask(
        "zero-shot",
        candidates=candidates,
        template=template,
        multi_label=_flag(params, "multi", "candidates compete (single-label)", notices),
        with_hypothesis=_flag(
            params, "hypothesis", "only the premise's tokens are attributed", notices
        ),
    )


def _flag(
    params: Mapping[str, str],
    name: str,
    otherwise: str,
    notices: list[str],
    shown: str | None = None,
) -> bool | None:
    """A link's 1-or-0 switch ``name`` (called ``shown`` in the notice); None, with a notice
    saying ``otherwise``, for another value."""
    raw = params.get(name)
    if raw is not None and raw not in LINK_FLAGS:
        notices.append(f"The link's {shown or name} {raw[:50]!r} is not 1 or 0; {otherwise}.")
        return None
    return None if raw is None else LINK_FLAGS[raw]


def _answer_task(params: Mapping[str, str], notices: list[str]) -> LinkTask:
    question = params.get("question")
    if question is not None and not question.strip():
        notices.append("The link's question is empty; type a question about the text.")
        question = None
    elif question is not None and len(question) > MAX_QUESTION_CHARS:
        notices.append(f"The link's question was cut to its first {MAX_QUESTION_CHARS} characters.")
        question = question[:MAX_QUESTION_CHARS]
    explained = params.get("explained")
    end: AnswerEnd | None = None
    if explained is not None and explained not in ANSWER_ENDS:
        notices.append(
            f"The link's explained {explained[:50]!r} is not {' or '.join(ANSWER_ENDS)}; "
            "explaining the answer's start."
        )
    elif explained is not None:
        end = "end" if explained == "end" else "start"
    return LinkTask("question-answering", question=question, explained=end)


@dataclass(frozen=True)
class LinkTaskChoice:
    """A link's task values and target, checked against the task the page explains.

    Args:
        task: the link's task values, when they are for the page's task; else None.
        label: a token classifier's entity group or a zero-shot candidate to
            explain; None for the entity's own group or the most probable candidate.
        notices: one sentence per unusable value; the page then waits for Run.
    """

    task: LinkTask | None
    label: str | None
    notices: tuple[str, ...]


def read_link_task(
    task: LinkTask | None, target: str | None, page: TaskName, labels: tuple[str, ...]
) -> LinkTaskChoice:
    """A link's task values and target, for a page explaining ``page``.

    A sequence classifier's target is checked by :func:`read_link_labels`;
    this checks that the link was made for the page's task, and, for a token
    classifier or zero-shot, its target: an entity group of the model's, or
    one of the candidates.

    Args:
        task: the link's task values; None when it names no task.
        target: the link's target; None when it names none.
        page: the task the page explains.
        labels: the model's labels.

    Returns:
        The usable values, and a notice for each unusable one.
    """
    notices: list[str] = []
    if task is not None and task.task != page:
        notices.append(
            f"This link explains {task_words(task.task)}, and this checkpoint is "
            f"explained as {task_words(page)}: the link's task settings are not used. "
            "Press Run to explain it."
        )
        task = None
    named = target if target not in (None, PREDICTED_IN_LINK) else None
    if page == DEFAULT_TASK or named is None:
        return LinkTaskChoice(task, None, tuple(notices))
    if page == "token-classification":
        groups = label_groups(labels)[0]
        if named in groups:
            return LinkTaskChoice(task, named, tuple(notices))
        notices.append(
            f"The link's target {named[:100]!r} is not one of this model's entity groups "
            f"({', '.join(groups)}); explaining the entity's own group. Press Run to explain it."
        )
    elif page == "zero-shot":
        candidates = task.candidates if task is not None and task.candidates else None
        offered = candidates or DEFAULT_CANDIDATES
        if named in offered:
            return LinkTaskChoice(task, named, tuple(notices))
        notices.append(
            f"The link's target {named[:100]!r} is not one of the candidate labels "
            f"({', '.join(offered)}); explaining the most probable. Press Run to explain it."
        )
    else:
        notices.append(
            f"A question-answering page explains the answer's start or end, so the link's target "
            f"{named[:100]!r} is not used."
        )
    return LinkTaskChoice(task, None, tuple(notices))


def read_span(
    entity: int | None, token: int | None, entities: int, tokens: tuple[int, ...]
) -> str | None:
    """Why a link's entity or token does not exist in this text's prediction; None when it does.

    Args:
        entity: the link's entity, or None.
        token: the link's token, or None.
        entities: how many entities the model predicts in the text.
        tokens: the positions of the text's tokens (special tokens left out).
    """
    if entity is not None and entity >= entities:
        return (
            f"The link's entity {entity} does not exist: the model predicts {entities} "
            f"entit{'y' if entities == 1 else 'ies'} in this text"
            + ("; explaining the first. Press Run to explain it." if entities else ".")
        )
    if token is not None and token not in tokens:
        return (
            f"The link's token {token} is not a text token of this text (those are "
            f"{tokens[0]}-{tokens[-1]}); explaining the first entity. Press Run to explain it."
            if tokens
            else f"The link's token {token} is not a text token of this text."
        )
    return None


def task_params(target: TaskTarget) -> dict[str, str]:
    """A task target as link parameters: ``task``, its own values, and its ``target`` label."""
    if isinstance(target, TokenTarget):
        span = (
            {"entity": str(target.entity)}
            if target.entity is not None
            else {"token": str(target.token)}
            if target.token is not None
            else {}
        )
        return {
            "task": "token-classification",
            "target": PREDICTED_IN_LINK if target.label is None else target.label,
            **span,
        }
    if isinstance(target, ZeroShotTarget):
        return {
            "task": "zero-shot",
            "target": PREDICTED_IN_LINK if target.label is None else target.label,
            "candidates": ", ".join(target.candidate_labels),
            **(
                {"template": target.hypothesis_template}
                if target.hypothesis_template != DEFAULT_TEMPLATE
                else {}
            ),
            **({"multi": "1"} if target.multi_label else {}),
            **({"hypothesis": "1"} if target.with_hypothesis else {}),
        }
    return {
        "task": "question-answering",
        "question": target.question,
        "explained": target.explained,
    }


def read_link_labels(
    target: str | None, contrast: str | None, labels: tuple[str, ...]
) -> LinkLabels:
    """A link's target and contrast labels, checked against the model's ``labels``.

    Args:
        target: the link's target label by name, or :data:`PREDICTED_IN_LINK`,
            or None when it names none.
        contrast: the link's contrast label by name; None when it names none.
        labels: the model's labels.

    Returns:
        The labels' indices, and a notice for each unusable one: an unknown
        target falls back to the predicted label, an unknown contrast (or the
        target itself) to none.
    """
    notices: list[str] = []
    index: int | None = None
    if target is not None and target != PREDICTED_IN_LINK and target in labels:
        index = labels.index(target)
    elif target is not None and target != PREDICTED_IN_LINK:
        notices.append(
            f"The link's target label {target!r} is not one of this model's labels "
            f"({', '.join(labels)}); using the predicted label. Press Run to explain it."
        )
    if contrast is None:
        return LinkLabels(index, None, tuple(notices))
    if contrast not in labels or labels.index(contrast) == index:
        reason = (
            "the target label itself"
            if contrast in labels
            else f"not one of this model's labels ({', '.join(labels)})"
        )
        notices.append(
            f"The link's contrast label {contrast[:100]!r} is {reason}; explaining the target "
            "alone. Pick a label to compare with and press Run."
        )
        return LinkLabels(index, None, tuple(notices))
    return LinkLabels(index, labels.index(contrast), tuple(notices))


def link_params(
    request: AttributionRequest, labels: tuple[str, ...], task: TaskName | None = None
) -> dict[str, str]:
    """The query parameters of a link to ``request``; options at their defaults stay out.

    Args:
        request: what was explained.
        labels: the model's labels, to name the target and contrast by.
        task: the task the page explained a request without a task target
            as, when the checkpoint's own task is another (an NLI checkpoint
            explained as a sequence classifier). Default: None

    Returns:
        The parameters, by name, in the order the link lists them.
    """
    settings = {LINK_NAMES.get(name, name): str(value) for name, value in request.settings}
    optional = {
        **({"pair": request.text_pair} if request.text_pair is not None else {}),
        **(
            {"contrast": label_name(labels, request.contrast)}
            if request.contrast is not None
            else {}
        ),
        **({"auto": "1"} if request.auto_steps else {}),
        **({"tol": str(request.tolerance)} if request.tolerance is not None else {}),
        **({"long": request.long} if request.long != "truncate" else {}),
        **({"stride": str(request.stride)} if request.stride is not None else {}),
        **{name: str(value) for name, value in request.baseline_options},
    }
    if request.task_target is not None:
        target = task_params(request.task_target)
    else:
        target = {
            **({"task": task} if task is not None else {}),
            "target": PREDICTED_IN_LINK
            if request.target is None
            else label_name(labels, request.target),
        }
    return {
        "text": request.text,
        "checkpoint": request.checkpoint,
        "method": request.method,
        **target,
        "output": request.output,
        "baseline": request.baseline,
        **settings,
        **optional,
    }


def label_name(labels: tuple[str, ...], label: int | str) -> str:
    """A label as a link names it: by name."""
    return label if isinstance(label, str) else labels[label]
