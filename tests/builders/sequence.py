"""One running number for the `another_…` builders, so every object they build gets a unique name."""

import itertools

numbers = itertools.count(1)
