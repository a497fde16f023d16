"""The exceptions of the signature database, one tree::

    SignatureError          a signature file or pack is invalid or unreadable; the message
     |                      names the file and the field
     +-- PackWriteError     an imported pack could not be written (destination not writable)

Every module of the package raises these and nothing else for bad input, so a caller (the
CLI, a scan) catches ``SignatureError`` alone.
"""

from __future__ import annotations


class SignatureError(Exception):
    """A signature file or pack is invalid; the message names the file and the field.

    Example::

        SignatureError("services/x.toml: 'hosts[0]' must be a host name like 'mjt.lu'")
    """


class PackWriteError(SignatureError):
    """The pack could not be written (destination not writable)."""
