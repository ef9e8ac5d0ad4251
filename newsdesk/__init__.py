"""newsdesk: the content desk of a securities advisory team.

The domain core is plain Python and never imports Prefect; ``tasks/`` and
``flows/`` wrap it, and the CLI and web app call the same service functions.
"""

__version__ = "0.1.0"
