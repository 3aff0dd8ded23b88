"""Back-fill response.index_fingerprint: every stored response was scored by its own instrument version.

Until now the stored element ratings were each element's first answered item; every published version has
one item per element, where that equals the index definition's rule (the lowest answered item), so the
ratings stand and only the fingerprint of the version's definition is written. A response of a version this
release does not publish, or of a version with an element of several items (whose ratings would first need
re-scoring from its answers), keeps an empty fingerprint, and reports refuse to pool it with anything.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-04T20:22:43:000000"
VERSION = "1.38.0"
DESCRIPTION = "back-fill response.index_fingerprint from each response's instrument version"

UPDATE = ("UPDATE response SET index_fingerprint = {} "
          "WHERE instrument_key = {} AND instrument_version = {} AND index_fingerprint = ''")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def back_fill():
        import instruments

        engine = engine_finder()
        for instrument in instruments.registry():
            definition = instrument.index_definition()
            if any(len(element.item_codes) > 1 for element in definition.elements):
                continue
            await engine.run_querystring(QueryString(UPDATE, definition.fingerprint, instrument.key,
                                                     instrument.version))

    manager.add_raw(back_fill)
    return manager
