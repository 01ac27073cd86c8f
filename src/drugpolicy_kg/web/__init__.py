"""The KG on the web: a page for every resource, IRIs that dereference, one app, a static site.

A sibling of :mod:`drugpolicy_kg.commands` (docs/ARCHITECTURE.md): routes are thin and call
the same library as the verbs. :mod:`.iris` maps IRIs to paths, :mod:`.rdf` gives a
resource's description in every RDF format and negotiates which, :mod:`.pages` assembles
what each page shows from the KG and the graph analyses, :mod:`.app` is the FastAPI
application of ``drugpolicy-kg serve``, :mod:`.sparql` its SPARQL 1.1 Protocol endpoint,
:mod:`.validator` the validation service (upload page and REST API, a router the app
includes) and :mod:`.site` the static site of ``drugpolicy-kg site``.
"""
