"""The one error the back office shows as a message on the page it came from."""


class AdminError(ValueError):
    """A change was refused; the message (Vietnamese) says why."""
