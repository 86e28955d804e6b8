"""Runs INSIDE a warm kernel: prewarm it once, then reset it between pages.

The warm engine executes ``prewarm(...)`` once after the kernel started and ``reset()``
before every page. State kept on purpose: imported modules (sys.modules) and their caches,
e.g. the helpers.mart cache. State restored to the snapshot taken after prewarm: the user
namespace (IPython's reset, like ``%reset -f``), builtins, os.environ, the working
directory, sys.path, warnings filters, IPython event callbacks, random generators, pandas
options and altair's active renderer/theme/data transformer. Execution counts restart at 1
so every page numbers its cells the same way whichever worker ran it.

Keep this module free of heavy imports: it is imported into every kernel.
"""

from __future__ import annotations

import builtins
import copy
import gc
import importlib
import os
import random
import sys
import warnings

_snap: dict = {}


def prewarm(imports: list[str], mart_dir: str | None, load_mart: bool) -> list[str]:
    """Import the modules pages use and load the mart once. Returns notes (failures)."""
    notes: list[str] = []
    for name in imports:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a missing optional module must not stop the worker
            notes.append(f"import {name}: {type(exc).__name__}: {exc}")
    if "altair" in sys.modules and "pandas" in sys.modules:
        try:  # build altair's schema validators once (the first chart is slow otherwise)
            import altair as alt
            import pandas as pd

            alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict()
        except Exception as exc:
            notes.append(f"altair: {type(exc).__name__}: {exc}")
    if load_mart:
        try:
            mart = importlib.import_module("helpers.mart")
            mart.load(mart_dir).preload()      # every table into memory, once per kernel
        except Exception as exc:
            notes.append(f"helpers.mart.load: {type(exc).__name__}: {exc}")
    return notes


def _pandas_options():
    pd = sys.modules.get("pandas")
    if pd is None:
        return None
    try:
        from pandas._config import config as cfg

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return {k: copy.deepcopy(pd.get_option(k)) for k in cfg._registered_options}
    except Exception:
        return None


def _altair_state():
    alt = sys.modules.get("altair")
    if alt is None:
        return None
    state = {"renderer": (alt.renderers.active, dict(alt.renderers.options or {})),
             "transformer": alt.data_transformers.active}
    theme = getattr(alt, "theme", None)
    if theme is not None and hasattr(theme, "active"):
        state["theme"] = theme.active
    return state


def snapshot() -> None:
    """Remember the clean state (called once, after prewarm)."""
    ip = get_ipython()  # noqa: F821 (IPython builtin)
    np = sys.modules.get("numpy")
    _snap.clear()
    _snap.update(
        builtins=dict(vars(builtins)),
        environ=dict(os.environ),
        cwd=os.getcwd(),
        path=list(sys.path),
        filters=list(warnings.filters),
        callbacks={k: list(v) for k, v in ip.events.callbacks.items()},
        random=random.getstate(),
        numpy_random=np.random.get_state() if np is not None else None,
        pandas=_pandas_options(),
        altair=_altair_state(),
    )


def _restore_pandas(options) -> None:
    pd = sys.modules.get("pandas")
    if pd is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if options is None:   # pandas was first imported by a page: back to its defaults
            pd.reset_option("all")
            return
        for k, v in options.items():
            try:
                if pd.get_option(k) != v:
                    pd.set_option(k, v)
            except Exception:
                pass


def _restore_altair(state) -> None:
    alt = sys.modules.get("altair")
    if alt is None:
        return
    if state is None:
        state = {"renderer": ("default", {}), "transformer": "default", "theme": "default"}
    name, options = state["renderer"]
    if alt.renderers.active != name or (alt.renderers.options or {}) != options:
        alt.renderers.enable(name, **options)
    if alt.data_transformers.active != state["transformer"]:
        alt.data_transformers.enable(state["transformer"])
    theme = getattr(alt, "theme", None)
    if "theme" in state and theme is not None and theme.active != state["theme"]:
        theme.enable(state["theme"])


def reset() -> None:
    """Clean the kernel for the next page."""
    ip = get_ipython()  # noqa: F821
    s = _snap
    # What %reset -f does (user namespace, In/Out, output cache), minus the full gc.collect()
    # IPython runs when flushing the output cache (~30 ms with pandas loaded, per page); the
    # interpreter's own generational collection still frees cycles as usual.
    collect = gc.collect
    gc.collect = lambda *args, **kwargs: 0
    try:
        ip.reset(new_session=False)
    finally:
        gc.collect = collect
    ip.execution_count = 1
    b = vars(builtins)
    for k in [k for k in b if k not in s["builtins"]]:
        del b[k]
    b.update(s["builtins"])
    if dict(os.environ) != s["environ"]:
        os.environ.clear()
        os.environ.update(s["environ"])
    os.chdir(s["cwd"])
    sys.path[:] = s["path"]
    warnings.filters[:] = s["filters"]
    if hasattr(warnings, "_filters_mutated"):
        warnings._filters_mutated()
    for k, v in s["callbacks"].items():
        ip.events.callbacks[k][:] = v
    random.setstate(s["random"])
    np = sys.modules.get("numpy")
    if np is not None and s["numpy_random"] is not None:
        np.random.set_state(s["numpy_random"])
    _restore_pandas(s["pandas"])
    _restore_altair(s["altair"])
    # The displayhook keeps the last results (_, __, ___) outside the user namespace.
    dh = ip.displayhook
    for attr in ("_", "__", "___"):
        if hasattr(dh, attr):
            setattr(dh, attr, "")
