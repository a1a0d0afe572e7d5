"""Prove most of the spec's validation rules silent in one cheap walk.

graphql-core runs every rule as its own visitor over the whole document, with
type info tracked per node: about 30 visitors x every node, plus a second full
walk for variable usages. A large fresh document (30 KB, thousands of fields)
then costs a quarter of a second or more of CPU, which an attacker can repeat
at will. This module walks the document once, with the types known from the
schema, and returns the rules it could NOT prove silent. Only those run in
graphql-core, so every error a client sees still comes from graphql-core's own
rule, with its message and locations; in the common valid case none run at all.

Soundness is the whole contract: a rule is left out only when the walk proved
it would report nothing. Anything unusual (an error of any kind, directives
other than @skip/@include, subscriptions, introspection, fragment arguments,
variables nested in list or object literals) gives up and leaves every rule in.
Selections of one response name that are not trivially identical leave
OverlappingFieldsCanBeMergedRule in (the one rule whose proof needs its full
algorithm); everything else proven stays out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import (
    ArgumentNode,
    ASTValidationRule,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_composite_type,
    is_input_type,
    is_leaf_type,
    is_required_argument,
    specified_rules,
    type_from_ast,
)
from graphql.utilities import do_types_overlap
from graphql.utilities.validate_input_value import validate_input_literal
from graphql.validation import (
    ExecutableDefinitionsRule,
    FieldsOnCorrectTypeRule,
    FragmentsOnCompositeTypesRule,
    KnownArgumentNamesRule,
    KnownDirectivesRule,
    KnownFragmentNamesRule,
    KnownOperationTypesRule,
    KnownTypeNamesRule,
    LoneAnonymousOperationRule,
    MaxIntrospectionDepthRule,
    NoFragmentCyclesRule,
    NoUndefinedVariablesRule,
    NoUnusedFragmentsRule,
    NoUnusedVariablesRule,
    OverlappingFieldsCanBeMergedRule,
    PossibleFragmentSpreadsRule,
    ProvidedRequiredArgumentsRule,
    ScalarLeafsRule,
    SingleFieldSubscriptionsRule,
    UniqueArgumentNamesRule,
    UniqueDirectivesPerLocationRule,
    UniqueFragmentNamesRule,
    UniqueInputFieldNamesRule,
    UniqueOperationNamesRule,
    UniqueVariableNamesRule,
    ValuesOfCorrectTypeRule,
    VariablesAreInputTypesRule,
    VariablesInAllowedPositionRule,
)
from graphql.validation.rules.defer_stream_directive_label import DeferStreamDirectiveLabel
from graphql.validation.rules.defer_stream_directive_on_root_field import (
    DeferStreamDirectiveOnRootField,
)
from graphql.validation.rules.defer_stream_directive_on_valid_operations_rule import (
    DeferStreamDirectiveOnValidOperationsRule,
)
from graphql.validation.rules.stream_directive_on_list_field import StreamDirectiveOnListField
from graphql.validation.rules.variables_in_allowed_position import allowed_variable_usage
from graphql.validation.validate import FragmentNestingVisitor

# Proven silent by a walk that did not give up. The overlap rule is proven
# separately (only when every response name is trivially unambiguous).
PROVABLE: frozenset[type[ASTValidationRule]] = frozenset(
    {
        ExecutableDefinitionsRule,
        KnownOperationTypesRule,
        UniqueOperationNamesRule,
        LoneAnonymousOperationRule,
        SingleFieldSubscriptionsRule,
        KnownTypeNamesRule,
        FragmentsOnCompositeTypesRule,
        VariablesAreInputTypesRule,
        ScalarLeafsRule,
        FieldsOnCorrectTypeRule,
        UniqueFragmentNamesRule,
        KnownFragmentNamesRule,
        NoUnusedFragmentsRule,
        PossibleFragmentSpreadsRule,
        NoFragmentCyclesRule,
        UniqueVariableNamesRule,
        NoUndefinedVariablesRule,
        NoUnusedVariablesRule,
        KnownDirectivesRule,
        UniqueDirectivesPerLocationRule,
        DeferStreamDirectiveOnRootField,
        DeferStreamDirectiveOnValidOperationsRule,
        DeferStreamDirectiveLabel,
        StreamDirectiveOnListField,
        KnownArgumentNamesRule,
        UniqueArgumentNamesRule,
        ValuesOfCorrectTypeRule,
        ProvidedRequiredArgumentsRule,
        VariablesInAllowedPositionRule,
        UniqueInputFieldNamesRule,
        MaxIntrospectionDepthRule,
    }
)

# The only directives proven: the specified ones (a schema could redefine the names).
_CONDITIONS = {"skip": GraphQLSkipDirective, "include": GraphQLIncludeDirective}


# Field entries copied while expanding fragments for the overlap proof; past it,
# OverlappingFieldsCanBeMergedRule runs (it meters its own work).
OVERLAP_WORK_BUDGET = 50_000


class _Unsure(Exception):
    """The walk met something it does not prove: every rule runs."""


def rules_to_run(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: Sequence[type[ASTValidationRule]] = specified_rules,
) -> tuple[type[ASTValidationRule], ...]:
    """`rules` minus those proven to report nothing on `document`, order kept."""
    try:
        overlap_proven = _Walk(schema, document).run()
    except (_Unsure, RecursionError):
        return tuple(rules)
    except Exception:
        # The walk only saves time: a fault of its own must not fail a request
        # (graphql-core decides alone then). Tests run the walk unguarded.
        return tuple(rules)
    proven = PROVABLE | {OverlappingFieldsCanBeMergedRule} if overlap_proven else PROVABLE
    return tuple(rule for rule in rules if rule not in proven)


class _Usage:
    __slots__ = ("default", "name", "type")

    def __init__(self, name: str, type_: GraphQLInputType, default: Any) -> None:
        self.name = name
        self.type = type_
        self.default = default


class _Walk:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.document = document
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        self.operations: list[OperationDefinitionNode] = []
        # Per fragment (filled by walking it once): its variable usages and spreads.
        self.usages: dict[str, list[_Usage]] = {}
        self.spreads: dict[str, set[str]] = {}
        # Per fragment: response name -> fields, all fragments expanded (None: ambiguous).
        self.collected: dict[str, dict[str, list[tuple[FieldNode, Any]]] | None] = {}
        self.overlap_proven = True
        self.overlap_work = 0

    def run(self) -> bool:
        self._definitions()
        nesting = FragmentNestingVisitor(self.fragments)  # raises RecursionError when too deep
        for name, fragment in self.fragments.items():
            nesting.enter_fragment_definition(fragment)
            usages: list[_Usage] = []
            spreads: set[str] = set()
            self._selection_set(
                self._fragment_type(fragment), fragment.selection_set, usages, spreads
            )
            self.usages[name] = usages
            self.spreads[name] = spreads
        self._no_cycles()
        used: set[str] = set()
        for operation in self.operations:
            nesting.enter_operation_definition(operation)
            used |= self._operation(operation)
        if used != set(self.fragments):
            raise _Unsure
        return self.overlap_proven

    def _definitions(self) -> None:
        names: set[str] = set()
        anonymous = False
        for definition in self.document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                if definition.name is None:
                    anonymous = True
                elif definition.name.value in names:
                    raise _Unsure
                else:
                    names.add(definition.name.value)
                self.operations.append(definition)
            elif isinstance(definition, FragmentDefinitionNode):
                name = definition.name.value
                if name in self.fragments or definition.directives:
                    raise _Unsure
                if getattr(definition, "variable_definitions", None):
                    raise _Unsure  # fragment arguments (experimental)
                self.fragments[name] = definition
            else:
                raise _Unsure
        if anonymous and len(self.operations) > 1:
            raise _Unsure

    def _fragment_type(self, fragment: FragmentDefinitionNode) -> GraphQLCompositeType:
        return self._composite(fragment.type_condition.name.value)

    def _composite(self, name: str) -> GraphQLCompositeType:
        type_ = self.schema.get_type(name)
        if type_ is None or not is_composite_type(type_):
            raise _Unsure
        return type_

    def _no_cycles(self) -> None:
        done: set[str] = set()
        for root in self.fragments:
            if root in done:
                continue
            # Iterative DFS: a spread back onto the current path is a cycle.
            path = [(root, iter(self.spreads[root]))]
            on_path = {root}
            while path:
                name, spreads = path[-1]
                for spread in spreads:
                    if spread in on_path:
                        raise _Unsure
                    if spread not in done:
                        path.append((spread, iter(self.spreads[spread])))
                        on_path.add(spread)
                        break
                else:
                    path.pop()
                    on_path.discard(name)
                    done.add(name)

    def _operation(self, operation: OperationDefinitionNode) -> set[str]:
        if operation.directives:
            raise _Unsure
        if operation.operation is OperationType.QUERY:
            root = self.schema.query_type
        elif operation.operation is OperationType.MUTATION:
            root = self.schema.mutation_type
        else:
            raise _Unsure  # subscriptions: the router refuses them anyway
        if root is None:
            raise _Unsure
        defined = self._variables(operation)
        usages: list[_Usage] = []
        spreads: set[str] = set()
        self._selection_set(root, operation.selection_set, usages, spreads)
        reached = self._reachable(spreads)
        for name in reached:
            usages.extend(self.usages[name])
        used: set[str] = set()
        for usage in usages:
            definition = defined.get(usage.name)
            if definition is None:
                raise _Unsure
            var_type, var_default = definition
            if not allowed_variable_usage(
                self.schema, var_type, var_default, usage.type, usage.default
            ):
                raise _Unsure
            used.add(usage.name)
        if used != set(defined):
            raise _Unsure
        return reached

    def _variables(self, operation: OperationDefinitionNode) -> dict[str, tuple[Any, Any]]:
        defined: dict[str, tuple[Any, Any]] = {}
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name in defined or definition.directives:
                raise _Unsure
            type_ = type_from_ast(self.schema, definition.type)
            if type_ is None or not is_input_type(type_):
                raise _Unsure
            if definition.default_value is not None:
                self._literal(definition.default_value, type_)
            defined[name] = (type_, definition.default_value)
        return defined

    def _reachable(self, spreads: set[str]) -> set[str]:
        reached: set[str] = set()
        todo = list(spreads)
        while todo:
            name = todo.pop()
            if name not in reached:
                reached.add(name)
                todo.extend(self.spreads[name])
        return reached

    def _selection_set(
        self,
        parent: GraphQLCompositeType,
        selection_set: SelectionSetNode,
        usages: list[_Usage],
        spreads: set[str],
    ) -> None:
        for selection in selection_set.selections:
            self._conditions(selection.directives, usages)
            if isinstance(selection, FieldNode):
                self._field(parent, selection, usages, spreads)
            elif isinstance(selection, InlineFragmentNode):
                inner = parent
                if selection.type_condition is not None:
                    inner = self._composite(selection.type_condition.name.value)
                    if not do_types_overlap(self.schema, inner, parent):
                        raise _Unsure
                self._selection_set(inner, selection.selection_set, usages, spreads)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None or getattr(selection, "arguments", None):
                    raise _Unsure
                if not do_types_overlap(self.schema, self._fragment_type(fragment), parent):
                    raise _Unsure
                spreads.add(selection.name.value)
            else:
                raise _Unsure
        if self.overlap_proven and not self._unambiguous(parent, selection_set):
            self.overlap_proven = False

    def _field(
        self,
        parent: GraphQLCompositeType,
        node: FieldNode,
        usages: list[_Usage],
        spreads: set[str],
    ) -> None:
        name = node.name.value
        if name == "__typename":
            if node.arguments or node.selection_set is not None:
                raise _Unsure
            return
        if not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            raise _Unsure  # also __schema / __type: introspection has its own depth rule
        definition = parent.fields.get(name)
        if definition is None:
            raise _Unsure
        self._arguments(definition.args, node.arguments, usages)
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            if node.selection_set is not None:
                raise _Unsure
        elif node.selection_set is None:
            raise _Unsure
        else:
            self._selection_set(named, node.selection_set, usages, spreads)

    def _arguments(
        self,
        definitions: dict[str, GraphQLArgument],
        arguments: Sequence[ArgumentNode] | None,
        usages: list[_Usage],
    ) -> None:
        given: set[str] = set()
        for argument in arguments or ():
            name = argument.name.value
            definition = definitions.get(name)
            if definition is None or name in given:
                raise _Unsure
            given.add(name)
            value = argument.value
            if isinstance(value, VariableNode):
                # The location's default, as graphql-core's TypeInfo reports it.
                default = definition.default
                usages.append(
                    _Usage(
                        value.name.value,
                        definition.type,
                        default if default is not None else definition.default_value,
                    )
                )
            else:
                self._literal(value, definition.type)
        for name, definition in definitions.items():
            if name not in given and is_required_argument(definition):
                raise _Unsure

    def _literal(self, value: ValueNode, type_: GraphQLInputType) -> None:
        if _has_variable_or_duplicate_field(value):
            raise _Unsure

        def on_error(_error: GraphQLError, _path: Any) -> None:
            raise _Unsure

        validate_input_literal(value, type_, on_error)

    def _conditions(self, directives: Sequence[DirectiveNode] | None, usages: list[_Usage]) -> None:
        seen: set[str] = set()
        for directive in directives or ():
            name = directive.name.value
            if name not in _CONDITIONS or name in seen:
                raise _Unsure
            seen.add(name)
            definition = self.schema.get_directive(name)
            if definition is not _CONDITIONS[name]:
                raise _Unsure
            self._arguments(definition.args, directive.arguments, usages)

    def _unambiguous(self, parent: GraphQLCompositeType, selection_set: SelectionSetNode) -> bool:
        """Every response name of the selection set (fragments expanded) is one
        field, or copies of one leaf field without arguments of one type: then
        OverlappingFieldsCanBeMergedRule has nothing to compare."""
        fields = self._collect(parent, selection_set, set())
        return fields is not None and all(_same_leaf(group) for group in fields.values())

    def _collect(
        self, parent: Any, selection_set: SelectionSetNode, seen: set[str]
    ) -> dict[str, list[tuple[FieldNode, Any]]] | None:
        out: dict[str, list[tuple[FieldNode, Any]]] = {}
        # The same field node reached twice (one fragment spread twice) is one field.
        present: set[tuple[int, int]] = set()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                out.setdefault(key, []).append((selection, parent))
                present.add((id(selection), id(parent)))
                continue
            if isinstance(selection, InlineFragmentNode):
                inner = parent
                if selection.type_condition is not None:
                    inner = self.schema.get_type(selection.type_condition.name.value)
                nested = self._collect(inner, selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                nested = self._fragment_fields(selection.name.value, seen)
            else:
                return None
            if nested is None:
                return None
            for key, group in nested.items():
                self.overlap_work += len(group)
                if self.overlap_work > OVERLAP_WORK_BUDGET:
                    return None  # fragments spread everywhere: graphql-core's rule decides
                mine = out.setdefault(key, [])
                for node, node_parent in group:
                    if (id(node), id(node_parent)) not in present:
                        present.add((id(node), id(node_parent)))
                        mine.append((node, node_parent))
        return out

    def _fragment_fields(
        self, name: str, seen: set[str]
    ) -> dict[str, list[tuple[FieldNode, Any]]] | None:
        if name in self.collected:
            return self.collected[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in seen:
            return None  # not walked yet: its own walk gives up on the unknown spread or cycle
        fields = self._collect(self._fragment_type(fragment), fragment.selection_set, seen | {name})
        self.collected[name] = fields
        return fields


def _same_leaf(group: list[tuple[FieldNode, Any]]) -> bool:
    if len(group) == 1:
        return True
    first, first_parent = group[0]
    name = first.name.value
    first_type = _field_type(first_parent, name)
    for node, parent in group:
        if node.name.value != name or node.arguments or node.selection_set is not None:
            return False
        if not _same_type(_field_type(parent, name), first_type):
            return False
    return True


def _field_type(parent: Any, name: str) -> GraphQLOutputType | None:
    if name == "__typename":
        return None  # String! everywhere
    definition = parent.fields.get(name) if hasattr(parent, "fields") else None
    return None if definition is None else definition.type


def _same_type(a: Any, b: Any) -> bool:
    while isinstance(a, (GraphQLNonNull, GraphQLList)):
        if type(a) is not type(b):
            return False
        a, b = a.of_type, b.of_type
    return a is b


def _has_variable_or_duplicate_field(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_has_variable_or_duplicate_field(item) for item in value.values)
    if isinstance(value, ObjectValueNode):
        names = [field.name.value for field in value.fields]
        if len(set(names)) != len(names):
            return True
        return any(_has_variable_or_duplicate_field(field.value) for field in value.fields)
    return False
