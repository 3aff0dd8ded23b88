"""Research exports: anonymised microdata with weights, design identifiers, a codebook and disclosure control."""
