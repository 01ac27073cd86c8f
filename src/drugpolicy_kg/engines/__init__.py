"""SPARQL engines behind one interface, and the dataset they answer over.

:func:`open_engine` is what the CLI and library callers use: it loads the KG and any action
plans into the chosen engine. With the default engine, the parsed dataset is cached on disk
(an Oxigraph store keyed by the hashes of the package's sources and the plan files), so a
repeated query over an unchanged corpus skips parsing entirely.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from .base import DEFAULT_TIMEOUT, QueryEngine, QueryResult, load_plan_graphs

__all__ = [
    "DEFAULT_ENGINE",
    "DEFAULT_TIMEOUT",
    "ENGINES",
    "QueryEngine",
    "QueryResult",
    "cache_dir",
    "kg_ntriples",
    "open_engine",
    "prune_cache",
]

#: The default engine: oxigraph, since tests/test_engines_equal.py shows the whole catalogue
#: answers identically on it and on the rdflib reference.
DEFAULT_ENGINE = "oxigraph"
ENGINES = ("oxigraph", "rdflib")


def cache_dir() -> Path:
    """The user cache folder (``$DRUGPOLICY_KG_CACHE``, else XDG ``~/.cache/drugpolicy-kg``)."""
    env = os.environ.get("DRUGPOLICY_KG_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "drugpolicy-kg"


def sources_hash() -> str:
    """A hash of everything the KG is compiled from: package version, assets, and the code
    that compiles them (a change there must not serve a stale cached KG)."""
    import importlib.util

    from ..resources import asset

    h = hashlib.sha256(__version__.encode())
    for module in ("kg", "source", "vocab"):
        spec = importlib.util.find_spec(f"drugpolicy_kg.{module}")
        if spec is not None and spec.origin:
            h.update(Path(spec.origin).read_bytes())
    for folder in ("ontology", "data", "sources"):
        node = asset(folder)
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_file():
                h.update(child.name.encode())
                h.update(child.read_bytes())
    return h.hexdigest()[:24]


def kg_ntriples(*, use_cache: bool = True) -> bytes:
    """The compiled KG as N-Triples, cached on disk by :func:`sources_hash`."""
    from ..atomic import write_bytes

    path = cache_dir() / f"kg-{sources_hash()}.nt"
    if use_cache and path.is_file():
        return path.read_bytes()
    from ..kg import cached_kg

    data: bytes = cached_kg().serialize(format="nt", encoding="utf-8")
    if use_cache:
        with contextlib.suppress(OSError):  # a read-only home is no reason to fail a query
            write_bytes(path, data)
    return data


def _dataset_key(plans: Sequence[str]) -> str | None:
    """A key for the parsed dataset, or None when a plan path cannot be read."""
    from ..errors import InputError
    from ..rdfio import expand_paths, read_bounded

    h = hashlib.sha256(sources_hash().encode())
    try:
        for f in expand_paths(plans):
            if f == "-":
                return None  # standard input cannot be read twice
            # bounded and checked as the loader reads it: no FIFO, device, outside link or
            # oversized file is ever read whole for its key (issue #11, item 3)
            h.update(str(Path(f).resolve()).encode())
            h.update(hashlib.sha256(read_bounded(f)).digest())
    except (OSError, InputError):
        return None
    import pyoxigraph

    h.update(pyoxigraph.__version__.encode() if hasattr(pyoxigraph, "__version__") else b"")
    return h.hexdigest()[:32]


def open_engine(
    name: str = DEFAULT_ENGINE,
    *,
    plans: Sequence[str] = (),
    endpoint: str | None = None,
    use_cache: bool = False,
) -> QueryEngine:
    """An engine holding the KG (and ``plans``), or a remote endpoint if ``endpoint`` is set.

    ``use_cache`` (the CLI's default) keeps the parsed dataset as an on-disk Oxigraph store;
    it only applies to the oxigraph engine.
    """
    if endpoint:
        from ..netguard import check_endpoint_url
        from .remote import RemoteEngine

        return RemoteEngine(check_endpoint_url(endpoint))
    if name not in ENGINES:
        from ..errors import InputError

        raise InputError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    if name == "rdflib":
        from ..kg import cached_kg
        from .rdflib_engine import RdflibEngine

        engine = RdflibEngine(cached_kg())
        for g in load_plan_graphs(plans):
            engine.add_graph(g)
        return engine
    from .oxigraph_engine import OxigraphEngine

    key = _dataset_key(plans) if use_cache else None
    if key is not None:
        store_dir = cache_dir() / f"store-{key}"
        if (store_dir / ".complete").is_file():
            try:
                with contextlib.suppress(OSError):  # last use, for prune_cache
                    os.utime(store_dir / ".complete")
                cached = OxigraphEngine.open_read_only(store_dir)
                cached.untrusted_data = bool(plans)  # plans: every query in the sandbox
                return cached
            except OSError:
                pass
        built = _build_store(store_dir, plans)
        prune_cache(keep=store_dir)
        if built is not None:
            built.untrusted_data = bool(plans)
            return built
    fast = OxigraphEngine()
    fast.add_ntriples(kg_ntriples(use_cache=use_cache))
    fast.add_plans(plans)
    return fast


#: Bounds of the parsed-dataset cache (issue #11: ~290 MB per distinct 7 MB plan, never
#: evicted). ``$DRUGPOLICY_KG_CACHE_MAX_MB`` and ``$DRUGPOLICY_KG_CACHE_MAX_DAYS`` change them.
CACHE_MAX_BYTES = 2 * 1024**3
CACHE_MAX_AGE_DAYS = 30.0


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def prune_cache(*, keep: Path | None = None) -> list[Path]:
    """Remove cached stores unused for :data:`CACHE_MAX_AGE_DAYS`, then the least recently
    used ones until the rest fit in :data:`CACHE_MAX_BYTES`; ``keep`` is never removed.

    "Used" is the time of the store's ``.complete`` marker, touched on every open. Returns
    the folders removed. Half-built stores (``.store-*``) older than a day go too.
    """
    import time

    root = cache_dir()
    max_bytes = _env_number("DRUGPOLICY_KG_CACHE_MAX_MB", CACHE_MAX_BYTES / 1024**2) * 1024**2
    max_age = _env_number("DRUGPOLICY_KG_CACHE_MAX_DAYS", CACHE_MAX_AGE_DAYS) * 86400
    now = time.time()
    stores: list[tuple[float, int, Path]] = []
    removed: list[Path] = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        try:
            if entry.name.startswith(".store-") and now - entry.stat().st_mtime > 86400:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
            if not entry.name.startswith("store-") or entry == keep:
                continue
            marker = entry / ".complete"
            used = marker.stat().st_mtime if marker.exists() else entry.stat().st_mtime
            size = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
        except OSError:
            continue
        stores.append((used, size, entry))
    stores.sort()  # oldest first
    total = sum(size for _, size, _ in stores)
    if keep is not None:
        with contextlib.suppress(OSError):
            total += sum(f.stat().st_size for f in keep.rglob("*") if f.is_file())
    for used, size, entry in stores:
        if now - used > max_age or total > max_bytes:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
            total -= size
    return removed


def _build_store(store_dir: Path, plans: Sequence[str]) -> QueryEngine | None:
    """Parse the dataset into an on-disk store, published by one atomic rename."""
    import pyoxigraph as ox

    from .oxigraph_engine import OxigraphEngine

    try:
        store_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".store-", dir=store_dir.parent))
    except OSError:
        return None
    try:
        store = ox.Store(str(tmp))
        engine = OxigraphEngine(store)
        engine.add_ntriples(kg_ntriples())
        engine.add_plans(plans)  # bad input raises here, and the half-built store goes
        store.flush()
        del engine, store
        (tmp / ".complete").write_text("ok\n", encoding="utf-8")
        try:
            os.replace(tmp, store_dir)
        except OSError:  # another process won the race: use its store
            shutil.rmtree(tmp, ignore_errors=True)
        return OxigraphEngine.open_read_only(store_dir)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
