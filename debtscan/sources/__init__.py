"""Sources: the first stage of a scan, everything read from the disk before any file is analysed.

Takes the scan root and the configuration (excludes, ``.gitignore``); gives a frozen
:class:`~debtscan.sources.discover.SourceSet` (the Python files and notebooks as tasks, the runner, DVC and
Kedro texts, the folder listings) and each file's decoded text. No later stage reads the disk again.

- :mod:`~debtscan.sources.discover`: the one walk (``.py``, ``.ipynb``, runner shell scripts and Makefiles,
  ``dvc.yaml``, Kedro catalogues, folder listings; excludes and ``.gitignore`` applied; never leaving the
  root), handed on as a frozen :class:`~debtscan.sources.discover.SourceSet`;
- :mod:`~debtscan.sources.files`: each Python file as a task (its path and dotted module name);
- :mod:`~debtscan.sources.text`: bytes to source text (PEP 263 decoding, notebook code cells);
- :mod:`~debtscan.sources.guards`: hostile input refused before the parser, and the limits around one
  file's parse (deadline, recursion budget, size);
- :mod:`~debtscan.sources.syntax`: readable, located syntax-error messages.

A new kind of file the project stage needs (another runner, another pipeline declaration) is recognised in
:func:`~debtscan.sources.discover.aux_kind` and read by :func:`~debtscan.sources.discover.find_sources`.
"""
