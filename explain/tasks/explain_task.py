"""Explain one text of a task other than sequence classification, with any method that serves it.

The task decides the target and the explained output ``F``; the method is the
registered one, run on a view of the model whose outputs are ``F`` per choice
(:mod:`explain.tasks.heads`). The result is an ordinary
:class:`~explain.core.results.Attribution` whose ``labels`` are the task's
choices, with the task's prediction in ``task_info``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from explain.core.errors import InputError
from explain.core.results import Attribution
from explain.core.targets import OUTPUT_KINDS, OutputKind
from explain.core.task_results import (
    QuestionAnsweringInfo,
    TaskName,
    TokenClassificationInfo,
    ZeroShotInfo,
)
from explain.core.task_targets import (
    AnswerTarget,
    TaskTarget,
    TokenTarget,
    ZeroShotTarget,
    check_task_options,
    target_task,
)
from explain.engine.hooks import rows_per_pass
from explain.methods.baselines import DEFAULT_BASELINE
from explain.methods.registry import DEFAULT_METHOD, METHODS, Method, attribute, get_method
from explain.methods.request import AttributionRequest
from explain.model.checkpoints import LoadedModel
from explain.tasks import question_answering as qa
from explain.tasks import token_classification as tokens
from explain.tasks import zero_shot
from explain.tasks.encoding import encode_whole
from explain.tasks.heads import AnswerHead, SpanHead, view_of


def refusal(method: Method, task: TaskName) -> str | None:
    """Why ``method`` cannot explain ``task``, or None when it can.

    Args:
        method: a registered method's class.
        task: the task.

    Returns:
        The reason in words, or None.
    """
    if task == "sequence-classification":
        return None
    if method.sequence_only is not None:
        return f"{method.title} cannot explain {task}: {method.sequence_only}."
    if task == "question-answering" and not method.capabilities.sentence_pairs:
        return (
            f"{method.title} cannot explain question answering: it reads one text, and an "
            "answer needs the question and the context as a pair."
        )
    return None


def methods_for(task: TaskName) -> tuple[str, ...]:
    """The registered methods that serve ``task``, by name, in registry order.

    Args:
        task: the task.

    Returns:
        The names.
    """
    return tuple(name for name, method in METHODS.items() if refusal(method, task) is None)


def serving_method(method: str, target: TaskTarget) -> Method:
    """The registered method ``method`` once it serves ``target``.

    Args:
        method: a method's name.
        target: what is explained; a zero-shot target with its hypothesis
            needs a method that reads sentence pairs.

    Returns:
        The method's class.

    Raises:
        InputError: an unknown method, or one that cannot serve the target;
            the message says why and lists those that can.
    """
    explainer = get_method(method)
    task = target_task(target)
    reason = refusal(explainer, task)
    if reason is not None:
        raise InputError(f"{reason} Methods that can: {', '.join(methods_for(task))}.")
    if (
        isinstance(target, ZeroShotTarget)
        and target.with_hypothesis
        and not explainer.capabilities.sentence_pairs
    ):
        able = [name for name in methods_for(task) if METHODS[name].capabilities.sentence_pairs]
        raise InputError(
            f"{explainer.title} reads one text, so it cannot attribute the hypothesis's tokens "
            f"with the premise's. Methods that can (they read sentence pairs): "
            f"{', '.join(able)}; or leave the hypothesis out."
        )
    return explainer


def explain_request(loaded: LoadedModel, request: AttributionRequest) -> Attribution:
    """The attribution a request asks for, of any task.

    A request without a task target goes to the method as it is
    (:func:`explain.methods.registry.attribute`); one with a task target to
    :func:`explain_task`.

    Args:
        loaded: the checkpoint the request names, loaded for its task.
        request: what to explain and how.

    Returns:
        The :class:`Attribution`.

    Raises:
        InputError: as :func:`explain_task` and the method do; also when a
            token classifier or QA model is asked for a whole text's label.
        CheckpointError: the zero-shot model has no entailment label.
    """
    if request.task_target is None:  # the method refuses a token classifier or QA model
        return attribute(loaded, request.text, method=request.method, **request.options())
    return explain_task(
        loaded,
        request.text,
        request.task_target,
        method=request.method,
        output=request.output,  # type: ignore[arg-type]
        baseline=request.baseline,
        **request.method_settings(),
    )


def explain_task(
    loaded: LoadedModel,
    text: str,
    target: TaskTarget,
    method: str = DEFAULT_METHOD,
    output: OutputKind = "probability",
    baseline: str = DEFAULT_BASELINE,
    **options: Any,
) -> Attribution:
    """Explain one output of a token classifier, a zero-shot NLI model or a QA model.

    Args:
        loaded: the checkpoint, loaded for the target's task.
        text: the text (for question answering, the context).
        target: a :class:`~explain.core.task_targets.TokenTarget`,
            :class:`~explain.core.task_targets.ZeroShotTarget` or
            :class:`~explain.core.task_targets.AnswerTarget`.
        method: a method that serves the task (:func:`methods_for`).
            Default: ``"layer_integrated_gradients"``
        output: ``"probability"``, ``"logit"`` or ``"log_odds"`` of the
            target. Default: ``"probability"``
        baseline: a baseline name. Default: ``"pad"``
        **options: the method's own settings (``n_steps``, ...).

    Returns:
        The :class:`Attribution`, with ``task`` and ``task_info`` set; its
        scores add up to ``f_input - f_baseline`` up to ``delta``.

    Raises:
        InputError: the method cannot serve the task (the message says why
            and lists those that can), the output or an option is unknown,
            the text with its question or hypotheses does not fit the model's
            window, the target is out of range, or the checkpoint is not
            loaded for the target's task.
        CheckpointError: the zero-shot model has no entailment label.
    """
    started = time.perf_counter()
    task = target_task(target)
    explainer = serving_method(method, target)
    _check_fits(loaded, task)
    check_task_options(task, options)
    if output not in OUTPUT_KINDS:
        raise InputError(f"Unknown output {output!r}. Choose one of: {', '.join(OUTPUT_KINDS)}.")
    if isinstance(target, TokenTarget):
        result = _tokens(loaded, text, target, explainer, output, baseline, options)
    elif isinstance(target, ZeroShotTarget):
        result = _zero_shot(loaded, text, target, explainer, output, baseline, options)
    else:
        result = _answer(loaded, text, target, explainer, output, baseline, options)
    return replace(
        result,
        seconds=time.perf_counter() - started,
        settings=replace(result.settings, checkpoint=loaded.name, output=output),
    )


def _check_fits(loaded: LoadedModel, task: TaskName) -> None:
    wanted = "sequence-classification" if task == "zero-shot" else task
    have = "sequence-classification" if loaded.task == "zero-shot" else loaded.task
    if wanted != have:
        raise InputError(
            f"{loaded.name} is loaded for {loaded.task}, not {task}. Load it with task={task!r} "
            f"(--task {task})."
        )


def _tokens(
    loaded: LoadedModel,
    text: str,
    target: TokenTarget,
    explainer: Method,
    output: OutputKind,
    baseline: str,
    options: dict[str, Any],
) -> Attribution:
    encoding, logits, entities = tokens.read_tokens(loaded, text)
    groups, members = tokens.label_groups(loaded.labels)
    positions, chosen = tokens.resolve_span(target, entities, encoding, logits, groups, members)
    head = SpanHead(loaded.model, groups, members, positions, output)
    result = explainer(view_of(loaded, head)).attribute(
        text, target=chosen, output=output, baseline=baseline, **options
    )
    probabilities = tokens.span_probabilities(logits, positions, members)
    start, end = encoding.offsets[positions[0]][0], encoding.offsets[positions[-1]][1]
    return replace(
        result,
        probabilities=probabilities,
        predicted_index=max(range(len(groups)), key=probabilities.__getitem__),
        head="single_label",
        task="token-classification",
        task_info=TokenClassificationInfo(
            entities,
            positions,
            start,
            end,
            groups[chosen],
            entity=(target.entity or 0) if target.token is None else None,
        ),
        settings=replace(result.settings, requested_label=target.label),
    )


def _zero_shot(
    loaded: LoadedModel,
    text: str,
    target: ZeroShotTarget,
    explainer: Method,
    output: OutputKind,
    baseline: str,
    options: dict[str, Any],
) -> Attribution:
    with loaded.lock:
        encoding = encode_whole(loaded, text)
        head = zero_shot.hypotheses_head(loaded, text, encoding, target, output)
        probabilities = zero_shot.candidate_probabilities(head, encoding)
    labels = target.candidate_labels
    best = max(range(len(labels)), key=probabilities.__getitem__)
    chosen = best if target.label is None else labels.index(target.label)
    hypothesis = zero_shot.hypothesis_of(target, chosen) if target.with_hypothesis else None
    if hypothesis is not None:  # the chosen candidate's pair is the input
        head.read_hypothesis_of(chosen)
    requested = options.get("internal_batch_size")
    if explainer.capabilities.internal_batch_size and requested is None:
        # Each row the method sends becomes one row per candidate, each a whole pair long.
        pair_rows = rows_per_pass(int(head.pair_ids.shape[1])) // len(labels)
        options = {**options, "internal_batch_size": max(1, pair_rows)}
    if hypothesis is not None:  # only methods that read sentence pairs take a second text
        options = {**options, "text_pair": hypothesis}
    result = explainer(view_of(loaded, head)).attribute(
        text, target=chosen, output=output, baseline=baseline, **options
    )
    # The pass size chosen here is not the caller's: the result records what was asked.
    result = replace(result, settings=replace(result.settings, internal_batch_size=requested))
    alone = zero_shot.scored_alone(target)
    info = ZeroShotInfo(
        labels, probabilities, target.hypothesis_template, alone, target.with_hypothesis
    )
    return replace(
        result,
        probabilities=probabilities,
        predicted_index=best,
        head="multi_label" if alone else "single_label",
        task="zero-shot",
        task_info=info,
        settings=replace(result.settings, requested_label=target.label),
    )


def _answer(
    loaded: LoadedModel,
    context: str,
    target: AnswerTarget,
    explainer: Method,
    output: OutputKind,
    baseline: str,
    options: dict[str, Any],
) -> Attribution:
    with loaded.lock:
        encoding = encode_whole(loaded, target.question, context)
        answer, allowed, probabilities = qa.predict_answer(
            loaded, encoding, target.question, context
        )
    head = AnswerHead(loaded.model, answer.start_token, answer.end_token, allowed, output)
    chosen = 0 if target.explained == "start" else 1
    result = explainer(view_of(loaded, head)).attribute(
        target.question,
        target=chosen,
        output=output,
        baseline=baseline,
        text_pair=context,
        **options,
    )
    return replace(
        result,
        probabilities=probabilities,
        predicted_index=chosen,
        head="multi_label",
        task="question-answering",
        task_info=QuestionAnsweringInfo(target.question, answer, target.explained),
        settings=replace(result.settings, requested_label=target.explained),
    )


def target_of(result: Attribution) -> TaskTarget | None:
    """The task target that gives ``result`` again; None for a sequence classifier's result.

    A token-classification span is targeted by the entity's index when an
    entity was explained, else by its one token.

    Args:
        result: an explanation, as computed or read back from JSON.

    Returns:
        The target, or None for a sequence classifier's result.
    """
    info = result.task_info
    if isinstance(info, TokenClassificationInfo):
        if info.entity is not None:
            return TokenTarget(entity=info.entity, label=info.label)
        return TokenTarget(token=info.positions[0], label=info.label)
    if isinstance(info, ZeroShotInfo):
        return ZeroShotTarget(
            candidate_labels=info.candidate_labels,
            hypothesis_template=info.hypothesis_template,
            multi_label=info.multi_label,
            label=result.target_label,
            with_hypothesis=info.with_hypothesis,
        )
    if isinstance(info, QuestionAnsweringInfo):
        return AnswerTarget(question=info.question, explained=info.explained)
    return None
