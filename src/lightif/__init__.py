"""lightif: the Light-IF method (arXiv 2508.03178) as a tested package.

Importing this package is cheap and side-effect free: no torch, no network, no downloads.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
