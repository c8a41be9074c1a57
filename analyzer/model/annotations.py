"""What a definition's annotations say of the values it handles: the class an annotated name
holds (`trainer: Trainer = build(cfg)`), and the parameter whose class a function returns an
instance of (`def resolve(self, kls: type[T]) -> T`)."""

from __future__ import annotations

import libcst as cst


def annotated_class(annotation) -> cst.BaseExpression | None:
    """The class an annotation declares, as a name or attribute: `Trainer`, `Trainer | None`,
    `Optional[Trainer]`; None for anything else (`list[int]`, a string)."""
    if type(annotation) is cst.BinaryOperation and type(annotation.operator) is cst.BitOr:
        sides = [side for side in (annotation.left, annotation.right) if not (type(side) is cst.Name and side.value == "None")]
        annotation = sides[0] if len(sides) == 1 else None
    elif type(annotation) is cst.Subscript and len(annotation.slice) == 1 and type(annotation.slice[0].slice) is cst.Index \
            and _dotted(annotation.value) in ("Optional", "typing.Optional"):
        annotation = annotation.slice[0].slice.value
    return annotation if type(annotation) in (cst.Name, cst.Attribute) else None


def annotated_items(annotation) -> cst.BaseExpression | None:
    """The class of the items a collection annotation declares: `List[BaseProcess]`,
    `list[Callback]`, `Sequence[Hook]`, `tuple[Hook, ...]`; None for anything else."""
    if type(annotation) is not cst.Subscript or _dotted(annotation.value) not in _COLLECTIONS or not annotation.slice:
        return None
    first = annotation.slice[0].slice
    if type(first) is not cst.Index or (len(annotation.slice) > 1 and not _dotted(annotation.value).lower().endswith("tuple")):
        return None
    return first.value if type(first.value) in (cst.Name, cst.Attribute) else None


_COLLECTIONS = frozenset(f"{prefix}{name}" for prefix in ("", "typing.", "collections.abc.")
                         for name in ("List", "list", "Sequence", "Iterable", "Tuple", "tuple", "Set", "set", "MutableSequence"))


def class_param_made(node: cst.FunctionDef) -> str | None:
    """The parameter whose class a function returns an instance of, as its annotations say:
    `def resolve(self, kls: type[T]) -> T` (fairseq2's dependency resolver, an injector's `get`)."""
    returned = node.returns.annotation if node.returns is not None else None
    if type(returned) is not cst.Name:
        return None
    for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
        annotation = param.annotation.annotation if param.annotation else None
        if type(annotation) is cst.Subscript and _dotted(annotation.value) in ("type", "Type", "typing.Type") \
                and len(annotation.slice) == 1 and type(annotation.slice[0].slice) is cst.Index \
                and type(annotation.slice[0].slice.value) is cst.Name and annotation.slice[0].slice.value.value == returned.value:
            return param.name.value
    return None


def _dotted(node) -> str | None:
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None
