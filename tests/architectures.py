"""Tiny random checkpoints of every BERT-family architecture, each with its own tokenizer kind.

Each architecture gets the kind of tokenizer its family ships with, trained in
the test process with the ``tokenizers`` library (no download):

- WordPiece with ``[CLS]``/``[SEP]`` (BERT, DistilBERT, ELECTRA);
- byte-level BPE with ``<s>``/``</s>`` and ``<pad>`` at id 1 (RoBERTa), or
  with ``[CLS]``/``[SEP]`` (ModernBERT);
- Unigram with the ``▁`` metaspace (XLM-RoBERTa with ``<s>``/``</s>``,
  ALBERT and DeBERTa-v2 with ``[CLS]``/``[SEP]``).

Models are 2 layers of width 32 over a vocabulary of a few hundred tokens, with
weights drawn wider than usual so the outputs vary visibly with the input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from tokenizers.trainers import BpeTrainer, UnigramTrainer
from transformers import (
    AlbertConfig,
    AlbertForSequenceClassification,
    AutoModelForQuestionAnswering,
    AutoModelForTokenClassification,
    BertConfig,
    BertForSequenceClassification,
    DebertaV2Config,
    DebertaV2ForSequenceClassification,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    ElectraConfig,
    ElectraForSequenceClassification,
    ModernBertConfig,
    ModernBertForSequenceClassification,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerFast,
    RobertaConfig,
    RobertaForSequenceClassification,
    XLMRobertaConfig,
    XLMRobertaForSequenceClassification,
)

TASK_CLASSES = {
    "token-classification": AutoModelForTokenClassification,
    "question-answering": AutoModelForQuestionAnswering,
}
TokenizerKind = Literal["wordpiece", "bpe", "unigram"]
HIDDEN = 32
LAYERS = 2
HEADS = 4
MAX_LENGTH = 64
VOCAB = 300

# Training text: the words the tests use, with punctuation, contractions, accents and numbers.
CORPUS = [
    "The movie was not very good, but the ride was smooth and quiet.",
    "I love this film! I hate that car. It's loud; it isn't great.",
    "Self-driving cars don't stop at 42 lights (or 7,000 signs) in 2024.",
    "Café résumé naïve: the crème brûlée was terrible... awful, really.",
    "A quiet, smooth ride? Yes: very good and great, not bad at all.",
    "They'll say we've seen 3.5 stars and 100% of the reviews were bad.",
] * 20

# Text every test explains: punctuation, a contraction, accents, an emoji and numbers.
SAMPLE = "The café's ride wasn't bad: 42 stars (really!) 😀 — naïve, self-driving cars."


@dataclass(frozen=True)
class Specials:
    """A family's special tokens, in vocabulary order from id 0."""

    cls: str
    sep: str
    pad: str
    unk: str
    mask: str
    order: tuple[str, ...]


BERT_SPECIALS = Specials(
    "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
)
ROBERTA_SPECIALS = Specials(
    "<s>", "</s>", "<pad>", "<unk>", "<mask>", ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
)
ALBERT_SPECIALS = Specials(
    "[CLS]", "[SEP]", "<pad>", "<unk>", "[MASK]", ("<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]")
)
DEBERTA_SPECIALS = Specials(
    "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", ("[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]")
)
MODERNBERT_SPECIALS = Specials(
    "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", ("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]")
)


def train_tokenizer(
    kind: TokenizerKind, specials: Specials, token_types: bool
) -> PreTrainedTokenizerFast:
    """Train a tokenizer of ``kind`` on :data:`CORPUS` and wrap it as a fast tokenizer.

    Args:
        kind: ``"wordpiece"`` (lower-cased, accents stripped, ``##`` pieces),
            ``"bpe"`` (byte-level, ``Ġ`` marks a space) or ``"unigram"``
            (``▁`` metaspace, SentencePiece style).
        specials: the family's special tokens, in id order.
        token_types: whether the model takes ``token_type_ids``.
    """
    order = list(specials.order)
    if kind == "wordpiece":
        # WordPiece's own trainer breaks ties in hash order, so its vocabulary changed from
        # run to run. A plain BPE trainer's does not: each piece it learns goes in both as a
        # word start and as a ``##`` continuation.
        tokenizer = Tokenizer(models.BPE(unk_token=specials.unk))
        tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
        tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tokenizer.train_from_iterator(
            CORPUS, BpeTrainer(vocab_size=VOCAB // 2, special_tokens=order)
        )
        learned = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
        pieces = [piece for piece, _ in learned if piece not in order]
        vocab = order + pieces + [f"##{piece}" for piece in pieces]
        tokenizer.model = models.WordPiece(
            vocab={piece: index for index, piece in enumerate(vocab)}, unk_token=specials.unk
        )
        tokenizer.decoder = decoders.WordPiece()
    elif kind == "bpe":
        tokenizer = Tokenizer(models.BPE(unk_token=None))
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = BpeTrainer(
            vocab_size=VOCAB,
            special_tokens=order,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        )
        tokenizer.train_from_iterator(CORPUS, trainer)
    else:
        tokenizer = Tokenizer(models.Unigram())
        tokenizer.normalizer = normalizers.NFKC()
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
        trainer = UnigramTrainer(vocab_size=VOCAB, special_tokens=order, unk_token=specials.unk)
        tokenizer.train_from_iterator(CORPUS, trainer)
        # The trainer's scores differ in the last digits from run to run: round them and sort
        # the pieces, so every run gives the same ids and the same segmentation.
        pieces = json.loads(tokenizer.to_str())["model"]["vocab"]
        scored = sorted(
            ((piece, round(score, 3)) for piece, score in pieces if piece not in order),
            key=lambda item: (-item[1], item[0]),
        )
        vocab = [(token, 0.0) for token in order] + scored
        tokenizer.model = models.Unigram(vocab, unk_id=order.index(specials.unk))
    cls, sep = specials.cls, specials.sep
    ids = {token: tokenizer.token_to_id(token) for token in order}
    if kind == "bpe" and cls == "<s>":
        tokenizer.post_processor = processors.RobertaProcessing(
            (sep, ids[sep]), (cls, ids[cls]), trim_offsets=True, add_prefix_space=False
        )
    elif kind == "bpe":
        tokenizer.post_processor = processors.Sequence(
            [
                processors.ByteLevel(trim_offsets=True),
                processors.TemplateProcessing(
                    single=f"{cls} $A {sep}",
                    pair=f"{cls} $A {sep} $B:1 {sep}:1",
                    special_tokens=[(cls, ids[cls]), (sep, ids[sep])],
                ),
            ]
        )
    else:
        pair = f"{cls} $A {sep} $B:1 {sep}:1"
        if cls == "<s>":  # XLM-RoBERTa separates a pair with two </s>
            pair = f"{cls} $A {sep} {sep} $B {sep}"
        tokenizer.post_processor = processors.TemplateProcessing(
            single=f"{cls} $A {sep}",
            pair=pair,
            special_tokens=[(cls, ids[cls]), (sep, ids[sep])],
        )
    names = ["input_ids", "token_type_ids", "attention_mask"] if token_types else None
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        cls_token=cls,
        sep_token=sep,
        pad_token=specials.pad,
        unk_token=specials.unk,
        mask_token=specials.mask,
        bos_token=cls,
        eos_token=sep,
        model_max_length=MAX_LENGTH,
        model_input_names=names or ["input_ids", "attention_mask"],
    )
    return wrapped


@dataclass(frozen=True)
class Architecture:
    """One architecture of the matrix: its config, classifier and tokenizer kind.

    Args:
        name: what the tests call it.
        tokenizer_kind: the family's kind of tokenizer.
        specials: its special tokens.
        token_types: whether its tokenizer gives ``token_type_ids``.
        config: builds the config from the tokenizer.
        classifier: the ``*ForSequenceClassification`` class.
    """

    name: str
    tokenizer_kind: TokenizerKind
    specials: Specials
    token_types: bool
    config: Callable[[PreTrainedTokenizerFast, dict], PretrainedConfig]
    classifier: type[PreTrainedModel]


def _labels(labels: tuple[str, ...]) -> dict:
    return {
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {name: i for i, name in enumerate(labels)},
    }


def _bert_like(config_class: type[PretrainedConfig], **extra: object):
    def build(tokenizer: PreTrainedTokenizerFast, common: dict) -> PretrainedConfig:
        return config_class(
            vocab_size=len(tokenizer),
            hidden_size=HIDDEN,
            num_hidden_layers=LAYERS,
            num_attention_heads=HEADS,
            intermediate_size=2 * HIDDEN,
            max_position_embeddings=MAX_LENGTH,
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
            initializer_range=0.3,
            pad_token_id=tokenizer.pad_token_id,
            **extra,
            **common,
        )

    return build


def _roberta_like(config_class: type[PretrainedConfig]):
    def build(tokenizer: PreTrainedTokenizerFast, common: dict) -> PretrainedConfig:
        return config_class(
            vocab_size=len(tokenizer),
            hidden_size=HIDDEN,
            num_hidden_layers=LAYERS,
            num_attention_heads=HEADS,
            intermediate_size=2 * HIDDEN,
            max_position_embeddings=MAX_LENGTH + 2,  # positions start after the pad id
            type_vocab_size=1,
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
            initializer_range=0.3,
            pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.cls_token_id,
            eos_token_id=tokenizer.sep_token_id,
            **common,
        )

    return build


def _distilbert(tokenizer: PreTrainedTokenizerFast, common: dict) -> PretrainedConfig:
    return DistilBertConfig(
        vocab_size=len(tokenizer),
        dim=HIDDEN,
        n_layers=LAYERS,
        n_heads=HEADS,
        hidden_dim=2 * HIDDEN,
        max_position_embeddings=MAX_LENGTH,
        dropout=0.0,
        attention_dropout=0.0,
        seq_classif_dropout=0.0,
        initializer_range=0.3,
        pad_token_id=tokenizer.pad_token_id,
        **common,
    )


def _deberta_v2(tokenizer: PreTrainedTokenizerFast, common: dict) -> PretrainedConfig:
    return DebertaV2Config(  # DeBERTa-v3 style: relative positions, no absolute ones
        vocab_size=len(tokenizer),
        hidden_size=HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=2 * HIDDEN,
        max_position_embeddings=MAX_LENGTH,
        relative_attention=True,
        position_buckets=16,
        max_relative_positions=-1,
        pos_att_type=["p2c", "c2p"],
        position_biased_input=False,
        norm_rel_ebd="layer_norm",
        share_att_key=True,
        type_vocab_size=0,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pooler_dropout=0.0,
        pooler_hidden_size=HIDDEN,
        initializer_range=0.3,
        pad_token_id=tokenizer.pad_token_id,
        **common,
    )


def _modernbert(tokenizer: PreTrainedTokenizerFast, common: dict) -> PretrainedConfig:
    return ModernBertConfig(
        vocab_size=len(tokenizer),
        hidden_size=HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=2 * HIDDEN,
        max_position_embeddings=MAX_LENGTH,
        global_attn_every_n_layers=2,
        local_attention=16,
        embedding_dropout=0.0,
        attention_dropout=0.0,
        mlp_dropout=0.0,
        classifier_dropout=0.0,
        initializer_range=0.3,
        pad_token_id=tokenizer.pad_token_id,
        cls_token_id=tokenizer.cls_token_id,
        sep_token_id=tokenizer.sep_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        **common,
    )


ARCHITECTURES: dict[str, Architecture] = {
    architecture.name: architecture
    for architecture in (
        Architecture(
            "bert",
            "wordpiece",
            BERT_SPECIALS,
            True,
            _bert_like(BertConfig),
            BertForSequenceClassification,
        ),
        Architecture(
            "distilbert",
            "wordpiece",
            BERT_SPECIALS,
            False,
            _distilbert,
            DistilBertForSequenceClassification,
        ),
        Architecture(
            "electra",
            "wordpiece",
            BERT_SPECIALS,
            True,
            _bert_like(ElectraConfig, embedding_size=16),
            ElectraForSequenceClassification,
        ),
        Architecture(
            "roberta",
            "bpe",
            ROBERTA_SPECIALS,
            False,
            _roberta_like(RobertaConfig),
            RobertaForSequenceClassification,
        ),
        Architecture(
            "xlm-roberta",
            "unigram",
            ROBERTA_SPECIALS,
            False,
            _roberta_like(XLMRobertaConfig),
            XLMRobertaForSequenceClassification,
        ),
        Architecture(
            "albert",
            "unigram",
            ALBERT_SPECIALS,
            True,
            _bert_like(AlbertConfig, embedding_size=16),
            AlbertForSequenceClassification,
        ),
        Architecture(
            "deberta-v2",
            "unigram",
            DEBERTA_SPECIALS,
            True,
            _deberta_v2,
            DebertaV2ForSequenceClassification,
        ),
        Architecture(
            "modernbert",
            "bpe",
            MODERNBERT_SPECIALS,
            False,
            _modernbert,
            ModernBertForSequenceClassification,
        ),
    )
}


def save_architecture(
    name: str,
    directory: Path,
    labels: tuple[str, ...] = ("negative", "positive"),
    seed: int = 0,
    problem_type: str | None = None,
    task: str = "sequence-classification",
) -> Path:
    """Write a tiny random classifier of architecture ``name`` and its tokenizer to ``directory``.

    Args:
        name: a key of :data:`ARCHITECTURES`.
        directory: where to save (created).
        labels: the label names; one label makes a regressor.
        seed: seeds the weights.
        problem_type: the config's ``problem_type``. Default: None
        task: ``"token-classification"`` or ``"question-answering"`` saves that
            task's model (its ``*For...`` class) instead of a sequence
            classifier. Default: ``"sequence-classification"``

    Returns:
        ``directory``.
    """
    architecture = ARCHITECTURES[name]
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(
        architecture.tokenizer_kind, architecture.specials, architecture.token_types
    )
    common = _labels(labels)
    if problem_type is not None:
        common["problem_type"] = problem_type
    config = architecture.config(tokenizer, common)
    torch.manual_seed(seed)
    model = (
        TASK_CLASSES[task].from_config(config)
        if task in TASK_CLASSES
        else (architecture.classifier(config))
    )
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
