"""Exceptions whose messages tell an operator what to do."""


class BridgeError(Exception):
    """Base class of every error the bridge raises on purpose."""


class SettingsError(BridgeError):
    """A setting is missing or invalid; the message names the environment variable."""


class DatabaseUnavailable(BridgeError):
    """A database cannot be reached; the message says which one, credentials masked."""


class SchemaError(BridgeError):
    """A database does not have the layout the bridge needs; nothing was written."""


class LockTimeout(BridgeError):
    """Another reconcile held the bridge lock for longer than BRIDGE_LOCK_TIMEOUT."""


class ReconcileBusy(BridgeError):
    """Another process holds the bridge lock and this run was asked not to wait for it."""
