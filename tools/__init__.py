"""Repository tools: the lock files and the function image's payload."""
