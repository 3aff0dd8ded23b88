"""The feedback inbox: citizens' comments reach the managers of their unit, sorted to SIPAS elements, handled
with a deadline."""
