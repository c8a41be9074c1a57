"""sigcheck: will this training job survive being stopped?"""

__version__ = "0.1.0"
