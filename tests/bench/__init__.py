"""`make bench`: load figures of a real stack, reported as ratios to a baseline of the same run."""
