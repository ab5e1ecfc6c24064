"""Importers: convert another conference tool's data into MiniConf sitedata/.

Each importer reads a foreign layout, maps what our model has a place for, and
reports everything else, so an organizer knows exactly what did not come over.
"""
