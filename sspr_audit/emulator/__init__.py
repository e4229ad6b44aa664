"""A loopback Microsoft Graph v1.0 emulator serving a snapshot, and the collector's test oracle."""
