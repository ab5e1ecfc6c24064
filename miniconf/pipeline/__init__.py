"""The offline pipeline: embed every paper, find similar papers, lay papers out on a map.

``miniconf pipeline`` runs it (see commands/pipeline.py); ``run.py`` ties the steps
together. The heavy libraries (torch, sentence-transformers, faiss, scikit-learn) are imported
inside the functions that need them, so that the site and ``miniconf freeze`` never
load them.
"""

# What the command line offers; kept here, free of numpy and torch, so that building
# the ``miniconf`` command never imports them.
DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEVICES = ("auto", "cpu", "cuda", "mps")
INDEX_KINDS = ("auto", "flat", "ivf", "hnsw")
MAP_METHODS = ("auto", "tsne", "pca")


class EmbeddingError(Exception):
    """A problem the organizer can fix (model not available, device missing, ...)."""
