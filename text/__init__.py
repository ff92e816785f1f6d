"""The bottom layer: pure text functions (no Flask, no models) that every other layer may use."""
