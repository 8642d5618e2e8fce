"""Document-reading helpers that work on extracted text, not on the web or the database.

`openidv.vision.mrz` parses and validates ICAO Doc 9303 machine-readable zones.
"""
