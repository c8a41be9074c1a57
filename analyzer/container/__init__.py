"""Containers: Dockerfiles and entry scripts parsed, and the launch chain `docker run IMAGE train` runs."""
