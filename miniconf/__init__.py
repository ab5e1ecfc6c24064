"""MiniConf: a virtual research conference in a box. YAML in sitedata/, a static site out."""

__version__ = "0.1.0"
