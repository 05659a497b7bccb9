"""Project configuration: pipeline settings and the landing-zone contract."""
