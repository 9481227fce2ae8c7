"""The KinderTrack adapter (an httpx client of the core port) and its sandbox server."""
