"""Both sides of a comparison as resource states, their normalisation, and the field diff."""
