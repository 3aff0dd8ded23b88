from tests.accounts.fixtures import client, world  # noqa: F401  (fixtures)
