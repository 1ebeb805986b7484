"""Graph checks over a flow's nodes: branch targets, reachability and endless loops.

A loop is fine when the caller steers it (it passes a menu or collect node, whose retries and
the run's step limit bound it); a loop through only automatic nodes (say, set, condition,
lookup ...) would play to a caller forever, so it is an error.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping

from .errors import Issue
from .model import INPUT_NODES, Node


def _targets(node: Node, declared: Collection[str]) -> Iterator[str]:
    for _, target in node.branches():
        if target in declared:
            yield target


def unknown_targets(
    start: str, declared: Collection[str], nodes: Mapping[str, Node]
) -> list[Issue]:
    """Errors for a missing start node and for branches to nodes that do not exist."""
    issues: list[Issue] = []
    if start not in declared:
        issues.append(Issue(None, f"start node {start!r} is not defined", "start"))
    for name, node in nodes.items():
        for label, target in node.branches():
            if target not in declared:
                issues.append(Issue(name, f"branch {label!r} goes to unknown node {target!r}"))
    return issues


def unreachable(start: str, declared: Collection[str], nodes: Mapping[str, Node]) -> list[Issue]:
    """Warnings for declared nodes that no path from the start reaches."""
    if start not in declared:
        return []
    seen = {start}
    todo = [start]
    while todo:
        node = nodes.get(todo.pop())
        if node is None:
            continue
        for target in _targets(node, declared):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return [Issue(name, "unreachable from the start node") for name in declared if name not in seen]


def _components(order: list[str], edges: Mapping[str, list[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative so deep flows cannot overflow)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in order:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            name, child = work.pop()
            if child == 0:
                index[name] = low[name] = len(index)
                stack.append(name)
                on_stack.add(name)
            successors = edges[name]
            if child < len(successors):
                work.append((name, child + 1))
                target = successors[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[name] = min(low[name], index[target])
                continue
            if low[name] == index[name]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == name:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[name])
    return components


def endless_loops(nodes: Mapping[str, Node]) -> list[Issue]:
    """Errors for loops that pass no input node (menu or collect)."""
    order = list(nodes)
    edges = {name: [t for t in _targets(node, nodes)] for name, node in nodes.items()}
    issues: list[Issue] = []
    for component in _components(order, edges):
        looped = len(component) > 1 or component[0] in edges[component[0]]
        if not looped or any(isinstance(nodes[n], INPUT_NODES) for n in component):
            continue
        members = sorted(component, key=order.index)
        listed = ", ".join(repr(n) for n in members)
        issues.append(
            Issue(
                members[0],
                f"loop through {listed} has no menu or collect node, so it would never end",
            )
        )
    return issues
