"""Importers: convert another conference tool's data into MiniConf sitedata/.

Each importer reads a foreign layout into a ``common.Draft`` (plain dicts in our YAML's
shape) and tallies, per kind, what the source held and why anything did not come
across; ``writer`` validates every record with our model and writes the sitedata.

- ``miniconf``: Mini-Conf folders; finds the layout and hands it to ``classic``,
  ``aclfork``, ``conference_json`` or ``iclr``;
- ``openreview``: accepted notes from OpenReview's API;
- ``csv_export``: CMT, START/Softconf and other CSV exports, with a saved column map;
- ``records`` (papers and videos from columns) and ``links`` (relative links of the old
  site) are shared by all of them.
"""
