"""Imported once by the validation pool's fork server: build and warm the engine there.

Every worker is forked from the fork server, so each starts with the KG context built, the
shapes parsed and pySHACL's shapes harvested (:meth:`Engine.warm`), instead of paying ~2 s and
the memory for it per worker. Importing this module has that side effect on purpose; nothing
else imports it.
"""

from __future__ import annotations

import gc
import logging

from ..limits import mark_limited
from ..validation.engine import _engine

# Every task in a worker runs under the pool's own time limit (the worker is killed when it
# runs out), so the loaders read in place instead of forking a time-limited reader child
# (which a daemonic worker may not have).
mark_limited()

# As ``validate`` does: rdflib logs a traceback for every ill-typed literal, which the shapes
# report anyway.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)
_engine(None).warm()
gc.collect()
gc.freeze()  # the inherited objects stay out of the workers' collections (fewer copied pages)
