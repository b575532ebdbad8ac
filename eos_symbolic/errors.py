"""The one exception users see: a one-line message naming the problem and the valid range."""


class EosError(ValueError):
    """Bad input or an object that does not exist for the given parameters.

    The message is meant for the terminal as is: it names what was wrong, what was
    expected, and (where there is one) the valid range.
    """


class Interrupted(EosError):
    """The work was interrupted (Ctrl-C or SIGTERM); the message says what was saved and how
    to continue. The CLI prints it as ``interrupted: ...`` and exits with 130."""


class ClusterLost(EosError):
    """A Dask cluster lost or cancelled work (a worker died, the scheduler went away): says
    nothing about the work itself, so a re-check reports it as an error, not a verdict."""
