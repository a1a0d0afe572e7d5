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
other than @skip/@include, subscriptions, fragment arguments, introspection
nested past graphql-js's MaxIntrospectionDepthRule) gives up and leaves every
rule in, except OverlappingFieldsCanBeMergedRule: that one is proven on its
own (overlap.py, linear where the rule compares pairs) whether the walk gave
up or not, since its verdict depends on nothing else; and when it does run,
it runs with a smaller complexity budget (`bounded_rules`): only documents
with a conflict (or too odd to prove) get there.

The walk keeps its work linear: fragments are walked once each, and what an
operation needs from the fragments it reaches (their variable usages) is
summed once per fragment, not once per path to it.
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
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
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
from graphql.pyutils import Undefined
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
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
from graphql.validation.validate import FragmentNestingVisitor, ValidationAbortedError

from supergraph.operation.overlap import can_merge, find_conflict
from supergraph.operation.post_order import post_order

# Proven silent by a walk that did not give up. The overlap rule is proven
# separately (overlap.py).
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


_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}

# graphql-js's MaxIntrospectionDepthRule: these list fields nested this deep.
_INTROSPECTION_LISTS = frozenset({"fields", "interfaces", "possibleTypes", "inputFields"})
_MAX_INTROSPECTION_LISTS = 3

OVERLAP_BUDGET = 10_000
"""The complexity budget of OverlappingFieldsCanBeMergedRule when it runs (graphql-core's
default: 500,000, a second or two of CPU). It runs only on documents overlap.py did not
prove: ones with a conflict, or with something overlap.py does not handle (then the
document is invalid in some other way too). Past it the rule gives up with "Validation
aborted." (`explain_abort` then adds the conflict overlap.py found)."""


class BoundedOverlappingFieldsRule(OverlappingFieldsCanBeMergedRule):
    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = OVERLAP_BUDGET


def explain_abort(
    schema: GraphQLSchema, document: DocumentNode, errors: list[GraphQLError]
) -> list[GraphQLError]:
    """`errors` with the conflict overlap.py finds before a "Validation aborted." that
    left no overlap error (the bounded rule gave up before finding it)."""
    aborted = [i for i, e in enumerate(errors) if isinstance(e, ValidationAbortedError)]
    if not aborted or any(e.message.startswith("Fields '") for e in errors):
        return errors
    conflict = find_conflict(schema, document)
    if conflict is None:
        return errors
    return [*errors[: aborted[0]], conflict.error(), *errors[aborted[0] :]]


def bounded_rules(
    rules: Sequence[type[ASTValidationRule]],
) -> tuple[type[ASTValidationRule], ...]:
    """`rules` with the overlap rule on a smaller budget (see OVERLAP_BUDGET)."""
    return tuple(
        BoundedOverlappingFieldsRule if rule is OverlappingFieldsCanBeMergedRule else rule
        for rule in rules
    )


class _Unsure(Exception):
    """The walk met something it does not prove: every rule runs."""


def _give_up() -> None:
    raise _Unsure


def rules_to_run(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: Sequence[type[ASTValidationRule]] = specified_rules,
) -> tuple[type[ASTValidationRule], ...]:
    """`rules` minus those proven to report nothing on `document`, order kept."""
    proven: frozenset[type[ASTValidationRule]] = frozenset()
    walk = _Walk(schema, document)
    try:
        walk.run()
        proven = PROVABLE
        if walk.distinct_names:  # no two fields of one response name: nothing to compare
            proven = PROVABLE | {OverlappingFieldsCanBeMergedRule}
    except (_Unsure, RecursionError):
        pass
    except Exception:
        # The walk only saves time: a fault of its own must not fail a request
        # (graphql-core decides alone then). Tests run the walk unguarded.
        pass
    if OverlappingFieldsCanBeMergedRule in rules and OverlappingFieldsCanBeMergedRule not in proven:
        try:
            if can_merge(schema, document):
                proven = proven | {OverlappingFieldsCanBeMergedRule}
        except Exception:  # as above: graphql-core's rule decides
            pass
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
        # Per fragment, the usages of everything it reaches (filled on demand).
        self.reached_usages: dict[str, tuple[_Usage, ...]] = {}
        # `__schema` / `__type` fields met (checked for MaxIntrospectionDepthRule).
        self.introspection: list[FieldNode] = []
        # Every selection set so far: fields only, each of its own response name.
        self.distinct_names = True

    def run(self) -> None:
        self._definitions()
        nesting = FragmentNestingVisitor(self.fragments)  # raises RecursionError when too deep
        order = []
        for name, fragment in self.fragments.items():
            nesting.enter_fragment_definition(fragment)
            usages: list[_Usage] = []
            spreads: set[str] = set()
            self._selection_set(
                self._fragment_type(fragment), fragment.selection_set, usages, spreads
            )
            self.usages[name] = usages
            self.spreads[name] = spreads
            order.append(name)
        order = self._no_cycles()
        for name in order:  # each after the fragments it spreads
            self.reached_usages[name] = _union(
                self.usages[name], *(self.reached_usages[s] for s in self.spreads[name])
            )
        spread: set[str] = set()
        for operation in self.operations:
            nesting.enter_operation_definition(operation)
            spread |= self._operation(operation)
        if self._reachable(spread) != set(self.fragments):
            raise _Unsure
        if self.introspection:
            _IntrospectionDepth(self.fragments).check(self.introspection)

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

    def _no_cycles(self) -> list[str]:
        """The fragments, each after those it spreads; a cycle gives up."""
        return post_order({name: self.spreads[name] for name in self.fragments}, _give_up)

    def _operation(self, operation: OperationDefinitionNode) -> set[str]:
        """Checks the operation's variables; returns the fragments it spreads directly."""
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
        used: set[str] = set()
        for usage in _union(usages, *(self.reached_usages[name] for name in spreads)):
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
        return spreads

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
                self._literal(definition.default_value, type_, None)
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
        if self.distinct_names:
            selections = selection_set.selections
            names = {(s.alias or s.name).value for s in selections if type(s) is FieldNode}
            self.distinct_names = len(names) == len(selections)
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
        if name in _META_FIELDS:
            # As graphql-core's TypeInfo: on the query type only.
            if parent is not self.schema.query_type:
                raise _Unsure
            definition = _META_FIELDS[name]
            self.introspection.append(node)
        elif not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            raise _Unsure
        else:
            found = parent.fields.get(name)
            if found is None:
                raise _Unsure
            definition = found
        self._arguments(definition.args, node.arguments, usages)
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            if node.selection_set is not None:
                raise _Unsure
        elif node.selection_set is None:
            raise _Unsure
        else:
            assert is_composite_type(named)
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
            # The location's default, as graphql-core's TypeInfo reports it.
            default = definition.default
            default = default if default is not None else definition.default_value
            if isinstance(value, VariableNode):
                usages.append(_Usage(value.name.value, definition.type, default))
            else:
                self._literal(value, definition.type, usages)
        for name, definition in definitions.items():
            if name not in given and is_required_argument(definition):
                raise _Unsure

    def _literal(
        self, value: ValueNode, type_: GraphQLInputType, usages: list[_Usage] | None
    ) -> None:
        """A literal that graphql-core's ValuesOfCorrectTypeRule accepts (variables in it
        are not checked there), with its variables' usages as TypeInfo types them;
        `usages` None: a constant (variable defaults) where no variable may appear."""

        def on_error(_error: GraphQLError, _path: Any) -> None:
            raise _Unsure

        validate_input_literal(value, type_, on_error)
        # Now the shape is known to match `type_`: collect the nested variables.
        stack: list[tuple[ValueNode, GraphQLInputType, Any, bool]] = [
            (value, type_, Undefined, False)
        ]
        while stack:
            node, location, default, in_one_of = stack.pop()
            if isinstance(node, VariableNode):
                if usages is None or in_one_of:
                    raise _Unsure  # a oneOf field's variable has a rule of its own
                usages.append(_Usage(node.name.value, location, default))
                continue
            nullable = location.of_type if isinstance(location, GraphQLNonNull) else location
            if isinstance(node, ListValueNode):
                item = nullable.of_type if isinstance(nullable, GraphQLList) else None
                if item is None:
                    raise _Unsure
                stack.extend((value, item, Undefined, False) for value in node.values)
            elif isinstance(node, ObjectValueNode):
                # At a list position too: one object for a list of them (TypeInfo
                # takes the named type's fields either way).
                named = get_named_type(location)
                names = [field.name.value for field in node.fields]
                if len(set(names)) != len(names) or not isinstance(named, GraphQLInputObjectType):
                    raise _Unsure
                one_of = bool(getattr(named, "is_one_of", False))
                for field in node.fields:
                    definition = named.fields[field.name.value]
                    field_default = definition.default
                    if field_default is None:
                        field_default = definition.default_value
                    stack.append((field.value, definition.type, field_default, one_of))

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


class _IntrospectionDepth:
    """graphql-js's MaxIntrospectionDepthRule: below a `__schema` or `__type` field,
    no path may nest `fields`, `interfaces`, `possibleTypes` or `inputFields` three
    deep (through fragments; the walk has already refused fragment cycles)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.deepest: dict[str, int] = {}

    def check(self, roots: list[FieldNode]) -> None:
        for root in roots:
            if self._deepest(root.selection_set) >= _MAX_INTROSPECTION_LISTS:
                raise _Unsure

    def _deepest(self, selection_set: SelectionSetNode | None) -> int:
        """The most list fields on one path down from `selection_set`."""
        deepest = 0
        stack = [(selection_set, 0)] if selection_set is not None else []
        while stack:
            current, depth = stack.pop()
            assert current is not None
            for selection in current.selections:
                if isinstance(selection, FieldNode):
                    here = depth + (selection.name.value in _INTROSPECTION_LISTS)
                    deepest = max(deepest, here)
                    if selection.selection_set is not None:
                        stack.append((selection.selection_set, here))
                elif isinstance(selection, InlineFragmentNode):
                    stack.append((selection.selection_set, depth))
                elif isinstance(selection, FragmentSpreadNode):
                    deepest = max(deepest, depth + self._fragment(selection.name.value))
            if deepest >= _MAX_INTROSPECTION_LISTS:
                return deepest
        return deepest

    def _fragment(self, name: str) -> int:
        found = self.deepest.get(name)
        if found is None:
            # Fragments nest at most MAX_RECURSION deep (checked before validation).
            found = self.deepest[name] = self._deepest(self.fragments[name].selection_set)
        return found


def _union(*groups: Sequence[_Usage]) -> tuple[_Usage, ...]:
    """The usages of all `groups`, each once (a fragment reached twice counts once)."""
    if len(groups) == 1:
        return tuple(groups[0])
    seen: dict[int, _Usage] = {}
    for group in groups:
        for usage in group:
            seen.setdefault(id(usage), usage)
    return tuple(seen.values())
