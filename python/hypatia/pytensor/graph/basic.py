"""``pytensor.graph.basic``: ``Apply`` and ``Variable``."""

from hypatia.pytensor.graph.op import Apply, Variable  # noqa: F401
