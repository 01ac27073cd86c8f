"""The KG as a network: projections into networkx, analyses, exports and pictures.

Researchers ask network questions of Decision 7301/24 (which EU systems do many practices
lean on, what does a state lose without SIENA, which practices cluster together). This
package answers them from the compiled KG itself, so the answers follow the data:

- :mod:`.projection` turns the RDF graph (and optional action plans) into a typed
  :class:`networkx.MultiDiGraph`;
- :mod:`.resolve` maps friendly names (``III.3``, ``SIS``, ``europol``, a label, an IRI) to nodes;
- :mod:`.analysis` computes dependencies, impact, rankings, paths, clusters, similarity;
- :mod:`.report` renders analysis results as text tables or JSON-ready dicts;
- :mod:`.export`, :mod:`.draw` and :mod:`.html` write files for Gephi, Cytoscape, papers
  and browsers.

networkx and matplotlib are imported by these modules, so the CLI imports them lazily.
"""

from __future__ import annotations

from .projection import Plan, Projection, project, read_plans

__all__ = ["Plan", "Projection", "project", "read_plans"]
