"""drugpolicy-kg: a knowledge graph of Council Implementing Decision 7301/24.

The package is a library first; the ``drugpolicy-kg`` command line is a thin layer over it.
Heavy libraries (rdflib, pyshacl, networkx, owlready2) are imported lazily by the modules
that need them, so ``import drugpolicy_kg`` stays cheap.
"""

__version__ = "0.1.0"
