"""sspr-audit: who can and who cannot reset their own password in Microsoft Entra ID."""

__version__ = "0.1.0"
