"""Kedro pipelines: ``node(func, inputs, outputs)`` joined with the data catalogue as declared hand-offs.

A Kedro node never opens its files: Kedro loads the node's inputs and saves its outputs through the data
catalogue (``conf/**/catalog*.yml``) by dataset name, and runs the nodes in the order their datasets
imply. A dataset one node outputs and another takes as input is therefore a hand-off the tool declares
(:class:`NodeHandoff`): its file, when the catalogue names one, is a declared artifact (never jungle, see
:mod:`debtscan.project.pipeline.declared`), and a dataset the catalogue does not list is a ``MemoryDataset``
passed in memory. Nodes join within one Kedro project: the folder holding ``conf/`` (the scan root when
the repo has no catalogue). Transcoded datasets (``X_train@pyspark`` written, ``X_train@pandas`` read) are one
dataset, as in Kedro.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Tuple

from debtscan.facts.model import FileFacts, PipelineNodeFact
from debtscan.project.pipeline.declared import Declared
from debtscan.records import record


@record(frozen=True)
class NodeHandoff:
    """Dataset ``dataset`` of Kedro project ``project`` written by the node at ``writer`` (path, line, function)
    and read by the node at ``reader``; ``artifact`` is the dataset's file per the catalogue (``""``: kept in
    memory, or not a file)."""

    project: str
    dataset: str
    artifact: str
    writer: Tuple[str, int, str]
    reader: Tuple[str, int, str]


def _project_of(path: str, projects: List[str]) -> str:
    """The Kedro project (folder holding ``conf/``) a pipeline file belongs to: the deepest enclosing one."""
    best = ""
    for project in projects:
        if (not project or path.startswith(project + "/")) and len(project) >= len(best):
            best = project
    return best


def _base(dataset: str) -> str:
    """A transcoded dataset's name (``X_train@pandas`` -> ``X_train``)."""
    return dataset.split("@", 1)[0]


def node_handoffs(facts: Mapping[str, FileFacts], declared: Declared) -> List[NodeHandoff]:
    """Every dataset passed from one Kedro node to another, in file and line order."""
    projects = sorted({project for project, _ in declared.datasets})
    files: Dict[Tuple[str, str], str] = {}
    for (project, name), path in sorted(declared.datasets.items()):
        if path or (project, _base(name)) not in files:
            files[(project, _base(name))] = files.get((project, _base(name))) or path
    writers: Dict[Tuple[str, str], List[Tuple[str, PipelineNodeFact]]] = {}
    readers: Dict[Tuple[str, str], List[Tuple[str, PipelineNodeFact]]] = {}
    for path in sorted(facts):
        nodes = facts[path].pipeline_nodes
        if not nodes:
            continue
        project = _project_of(path, projects)
        for node in nodes:
            for dataset in node.outputs:
                writers.setdefault((project, _base(dataset)), []).append((path, node))
            for dataset in node.inputs:
                readers.setdefault((project, _base(dataset)), []).append((path, node))
    out: List[NodeHandoff] = []
    for key in sorted(writers):
        project, dataset = key
        artifact = files.get(key, "")
        for writer_path, writer in writers[key]:
            for reader_path, reader in readers.get(key, ()):
                if (reader_path, reader.line) == (writer_path, writer.line):
                    continue
                out.append(NodeHandoff(project, dataset, artifact, (writer_path, writer.line, writer.function),
                                       (reader_path, reader.line, reader.function)))
    return out
