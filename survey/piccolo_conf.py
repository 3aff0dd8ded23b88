"""piccolo's configuration: the engine chosen from DATABASE_URL and the app registry."""

from piccolo.conf.apps import AppRegistry

from survey.db.engine import engine_from_settings
from survey.settings import get_settings

DB = engine_from_settings(get_settings())

APP_REGISTRY = AppRegistry(apps=["survey.db.piccolo_app"])
