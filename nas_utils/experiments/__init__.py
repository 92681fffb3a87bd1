"""Experiment drivers: the functions each notebook stage calls (one module per stage)."""
