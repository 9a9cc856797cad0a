"""Pipeline work done when the graph is built: helper-wrapper instantiation across modules, runners
(``os.system``/``subprocess``/shell scripts/Makefile recipes) and declared pipelines (dvc.yaml, Kedro)."""
