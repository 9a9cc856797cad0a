"""Jupyter runs a notebook from its own folder: its relative paths are taken from there."""
import json

from debtscan.testing import scan_sources


def notebook(*lines: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
                   "source": [line + "\n" for line in lines]}],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    })


PREPARE = """
    import pandas as pd
    pd.read_csv("data/raw/sales.csv").dropna().to_parquet("data/interim/sales.parquet")
"""


def test_a_notebook_reading_up_from_its_folder_meets_the_writer():
    report = scan_sources({
        "prepare.py": PREPARE,
        "notebooks/explore.ipynb": notebook("import pandas as pd",
                                            "sales = pd.read_parquet('../data/interim/sales.parquet')"),
    }, select=["DS201"])
    assert sorted((f.path, f.line, f.cell) for f in report.findings) == [
        ("notebooks/explore.ipynb", 2, 0), ("prepare.py", 2, None)]


def test_the_same_relative_path_in_two_notebook_folders_names_two_files():
    report = scan_sources({
        "week1/homework.ipynb": notebook("import pandas as pd",
                                         "pd.read_csv('raw.csv').to_parquet('./data/trips.parquet')"),
        "week2/homework.ipynb": notebook("import pandas as pd",
                                         "trips = pd.read_parquet('./data/trips.parquet')"),
    }, select=["DS2"])
    assert [f for f in report.findings if f.code == "DS201"] == []
