"""peerprep: exam prep for the IC&RC Peer Recovery (PR) examination."""

__version__ = "0.1.0"
