"""Receipt tokens minted by the one-stop-shop software, one survey answer each, and their API keys."""
