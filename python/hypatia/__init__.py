"""Hypatia: PyMC's modelling language on a compiled C++ engine."""
