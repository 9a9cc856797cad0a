"""The data flow's graph algorithms (``project.model``, ports of networkx's so that a scan never imports
networkx) give what networkx gives, in the same order, on random graphs."""
import random

import networkx as nx

from debtscan.project.model import (
    _lexicographical_topological_sort, _strongly_connected_components, _weakly_connected_components,
)


def random_graph(rnd):
    graph = nx.DiGraph()
    succ, pred = {}, {}
    nodes = [f"m{i}" for i in range(rnd.randint(1, 12))] + list(range(rnd.randint(0, 8)))
    rnd.shuffle(nodes)
    for _ in range(rnd.randint(0, 30)):
        u, v = rnd.choice(nodes), rnd.choice(nodes)
        graph.add_edge(u, v)
        for node in (u, v):
            succ.setdefault(node, {})
            pred.setdefault(node, {})
        succ[u][v] = None
        pred[v][u] = None
    return graph, succ, pred


def test_components_and_order_are_networkx_s():
    rnd = random.Random(7)
    for _ in range(3000):
        graph, succ, pred = random_graph(rnd)
        assert list(_strongly_connected_components(succ)) == list(nx.strongly_connected_components(graph))
        assert sorted(map(sorted, map(lambda p: map(str, p), _weakly_connected_components(succ, pred)))) == \
            sorted(map(sorted, map(lambda p: map(str, p), nx.weakly_connected_components(graph))))
        members = list(nx.strongly_connected_components(graph))
        component = {n: i for i, nodes in enumerate(members) for n in nodes}
        condensed = nx.DiGraph()
        condensed.add_nodes_from(range(len(members)))
        mine = [{} for _ in members]
        for u, v in graph.edges:
            if component[u] != component[v]:
                condensed.add_edge(component[u], component[v])
                mine[component[u]][component[v]] = None
        keys = {i: rnd.choice([(0,), (1, rnd.randint(0, 5))]) for i in range(len(members))}
        assert list(_lexicographical_topological_sort(mine, key=keys.__getitem__)) == \
            list(nx.lexicographical_topological_sort(condensed, key=keys.__getitem__))
