from tests.accounts.fixtures import client, world  # noqa: F401  (fixtures)
from tests.admin.fixtures import places  # noqa: F401  (fixture)
