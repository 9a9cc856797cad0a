"""The cross-file model of the repository, built from every file's facts."""
