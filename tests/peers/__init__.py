"""Test peers: real servers and emulators that the test suite starts itself (see ../shared/PEERS.md)."""
