"""Baozhang (保障): service-assurance platform."""

__version__ = "0.1.0"
