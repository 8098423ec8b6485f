"""gaitcheck: trustworthy running gait analysis from an ordinary video."""

__version__ = "0.1.0"

__all__ = ["__version__"]
