"""piccolo's configuration: the engine and the app registry.

Importing this module opens and writes nothing. ``DB`` is the engine the process bound
(``survey.db.engine.bind``); piccolo's own tools, run before anything is bound, get one made from the
settings on first use.
"""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

APP_REGISTRY = AppRegistry(apps=["survey.db.piccolo_app"])


def __getattr__(name: str) -> Engine:
    if name != "DB":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from survey.db.engine import bind, bound_engine, engine_from_settings
    from survey.settings import get_settings

    engine = bound_engine()
    if engine is None:
        engine = engine_from_settings(get_settings())
        bind(engine)
    return engine
