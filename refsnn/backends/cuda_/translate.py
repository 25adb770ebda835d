"""The reference's update functions, translated to C++ for the CUDA kernels.

The CUDA backend does not re-type the models: it reads the Python source of
the reference's update functions (:mod:`refsnn.functional`, written once in
the style of :mod:`refsnn.numerics`) and writes the same operations, in the
same order, as straight-line C++. The translation is a small partial
evaluator over Python's ``ast``:

* every call to a refsnn function is inlined with its arguments bound, so
  NamedTuples (states, parameters) are taken apart at translation time and
  only scalar arithmetic is left;
* expressions on constants only (module constants, ``_horner``'s tuple of
  coefficients, a rule index) are evaluated in Python, as NumPy would; a
  ``for`` over a constant tuple is unrolled and an ``if`` on a constant
  keeps its taken branch;
* every other expression becomes one fully parenthesised C++ expression,
  assigned to a ``const`` temporary named after the Python variable. The
  parentheses fix the evaluation order; the compilers are told not to
  contract or reassociate (``--fmad=false``, ``-ffp-contract=off``);
* the primitives of :mod:`refsnn.numerics` map to the functions of
  ``refsnn.cuh`` (``select`` to ``?:``).

Types follow NumPy's rules for what the reference does: values of the
state's dtype are ``T`` (the template parameter: ``float`` or ``double``)
or a concrete ``float``/``double``, the float64 interior of
``exp``/``log``/``power`` is ``double``, comparisons are ``bool``, Philox
words are ``u64`` (``unsigned long long``); a Python constant meeting a
value is converted to the value's type first (NumPy's weak scalars, NEP
50), written as an exact hexadecimal literal. Anything outside
this subset (a ``T``/``double`` mix, a loop over a run-time value, ``**``)
is a :class:`TranslationError` naming the function and line, so a reference
edit that a compiled backend could not follow fails loudly.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import math
import operator
import textwrap
import types as pytypes
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, NamedTuple

import numpy as np

from refsnn import numerics
from refsnn._checks import is_namedtuple


class TranslationError(ValueError):
    """A reference function uses Python the translator does not map to C++."""


@dataclass(frozen=True)
class Value:
    """A run-time scalar: a C++ expression and its type (``"T"``, ``"double"`` or ``"bool"``)."""

    expr: str
    ctype: str


_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
           ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.RShift: ">>",
           ast.LShift: "<<"}
_BITWISE = (ast.BitAnd, ast.BitOr, ast.BitXor, ast.RShift, ast.LShift)
_FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
         ast.Div: operator.truediv, ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
         ast.BitXor: operator.xor, ast.RShift: operator.rshift, ast.LShift: operator.lshift,
         ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
         ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
            ast.GtE: ">="}

#: Primitive -> (C++ function, result type given the argument types).
_PRIMITIVES: dict[Callable, tuple[str, Callable]] = {
    numerics.heaviside: ("refsnn::heaviside", lambda a: a[0]),
    numerics.complement: ("refsnn::complement", lambda a: a[0]),
    numerics.relu: ("refsnn::relu", lambda a: a[0]),
    numerics._as_float64: ("static_cast<double>", lambda a: "double"),
    numerics._exp2i: ("refsnn::exp2i", lambda a: "double"),
    builtins.abs: ("refsnn::absolute", lambda a: a[0]),
}


#: NumPy scalar types the reference converts with, and their types here.
_CONVERSIONS = {np.float32: "float", np.float64: "double", np.uint64: "u64"}
_NUMPY_TYPES = {np.dtype(k): v for k, v in _CONVERSIONS.items()} | {np.dtype(np.uint32): "u64"}
#: C++ spelling of each type.
SPELLING = {"T": "T", "float": "float", "double": "double", "bool": "bool",
            "u64": "unsigned long long"}


def literal(value: Any, ctype: str) -> str:
    """An exact C++ literal of the Python number ``value`` as ``ctype``."""
    if isinstance(value, bool) or ctype == "bool":
        return "true" if value else "false"
    if ctype == "u64":
        if int(value) != value or not 0 <= value < 2**64:
            raise TranslationError(f"{value!r} is not a 64-bit unsigned integer")
        return f"{int(value)}ULL"
    x = float(value)
    if math.isnan(x):
        text = "refsnn::quiet_nan()"
    elif math.isinf(x):
        text = "refsnn::infinity()" if x > 0 else "(-refsnn::infinity())"
    else:
        text = x.hex()
    return text if ctype == "double" else f"{ctype}({text})"


def _is_number(value: Any) -> bool:
    return isinstance(value, (bool, int, float, np.generic))


class _Return(Exception):
    def __init__(self, value):
        self.value = value


class Translator:
    """Emits the C++ statements of one update into :attr:`lines` (see the module docstring)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._names: dict[str, int] = {}

    # ------------------------------------------------------------------ emission
    def temporary(self, hint: str, value: Value) -> Value:
        """``const <type> <hint>_<k> = <expr>;`` and the Value naming it."""
        k = self._names[hint] = self._names.get(hint, -1) + 1
        name = f"{hint}_{k}"
        self.lines.append(f"const {SPELLING[value.ctype]} {name} = {value.expr};")
        return Value(name, value.ctype)

    # ------------------------------------------------------------------ functions
    def call(self, fn: pytypes.FunctionType, args: list, kwargs: dict | None = None) -> Any:
        """Inline the reference function ``fn`` on translated arguments; its result."""
        tree = _parsed(fn)
        bound = inspect.signature(fn).bind(*args, **(kwargs or {}))
        bound.apply_defaults()
        arguments = {}
        for name, value in bound.arguments.items():
            if isinstance(value, Value) and not value.expr.isidentifier():
                value = self.temporary(name, value)   # evaluate an argument once
            arguments[name] = value
        scope = _Scope(fn, arguments)
        try:
            self.block(tree.body, scope)
        except _Return as done:
            return done.value
        raise TranslationError(f"{fn.__qualname__} returns nothing")

    def block(self, statements: list, scope: "_Scope") -> None:
        for statement in statements:
            self.statement(statement, scope)

    def statement(self, node: ast.stmt, scope: "_Scope") -> None:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # docstring
        if isinstance(node, ast.Return):
            raise _Return(self.expression(node.value, scope))
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            self.assign(node.targets[0], self.expression(node.value, scope), scope)
            return
        if isinstance(node, ast.If):
            test = self.expression(node.test, scope)
            if isinstance(test, Value):
                raise scope.error(node, "an `if` on a run-time value (use select)")
            self.block(node.body if test else node.orelse, scope)
            return
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and not node.orelse:
            items = self.expression(node.iter, scope)
            if isinstance(items, range):
                items = tuple(items)
            if not isinstance(items, tuple) or any(isinstance(i, Value) for i in items):
                raise scope.error(node, "a `for` over a run-time value")
            for item in items:
                scope.local[node.target.id] = item
                self.block(node.body, scope)
            return
        raise scope.error(node, f"the statement {type(node).__name__}")

    def assign(self, target: ast.expr, value: Any, scope: "_Scope") -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, Value) and not value.expr.isidentifier():
                value = self.temporary(target.id, value)
            scope.local[target.id] = value
        elif isinstance(target, ast.Tuple) and isinstance(value, tuple) \
                and len(value) == len(target.elts):
            for element, item in zip(target.elts, value):
                self.assign(element, item, scope)
        else:
            raise scope.error(target, "this assignment target")

    # ------------------------------------------------------------------ expressions
    def expression(self, node: ast.expr, scope: "_Scope") -> Any:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise scope.error(node, f"the expression {type(node).__name__}")
        return method(node, scope)

    def _Constant(self, node, scope):
        return node.value

    def _Name(self, node, scope):
        return scope.lookup(node)

    def _Tuple(self, node, scope):
        return tuple(self.expression(e, scope) for e in node.elts)

    def _Attribute(self, node, scope):
        base = self.expression(node.value, scope)
        if isinstance(base, Value):
            raise scope.error(node, "an attribute of a scalar")
        return getattr(base, node.attr)

    def _Subscript(self, node, scope):
        base, index = self.expression(node.value, scope), self.expression(node.slice, scope)
        if isinstance(base, Value) or isinstance(index, Value):
            raise scope.error(node, "indexing with run-time values")
        return base[index]

    def _Slice(self, node, scope):
        parts = [None if p is None else self.expression(p, scope)
                 for p in (node.lower, node.upper, node.step)]
        return slice(*parts)

    def _UnaryOp(self, node, scope):
        operand = self.expression(node.operand, scope)
        if not isinstance(operand, Value):
            return {ast.USub: operator.neg, ast.UAdd: operator.pos,
                    ast.Invert: operator.not_, ast.Not: operator.not_}[type(node.op)](operand)
        if isinstance(node.op, ast.USub) and operand.ctype != "bool":
            return Value(f"(-{operand.expr})", operand.ctype)
        if isinstance(node.op, (ast.Invert, ast.Not)) and operand.ctype == "bool":
            return Value(f"(!{operand.expr})", "bool")
        raise scope.error(node, f"{type(node.op).__name__} on a {operand.ctype}")

    def _binary(self, node, op, symbol, left, right, scope, result=None):
        if not isinstance(left, Value) and not isinstance(right, Value):
            return _FOLD[op](left, right)
        ctype = (left if isinstance(left, Value) else right).ctype
        a, b = (self._operand(x, ctype, node, scope) for x in (left, right))
        if a.ctype != b.ctype:
            raise scope.error(node, f"mixing {a.ctype} and {b.ctype} operands")
        return Value(f"({a.expr} {symbol} {b.expr})", result or a.ctype)

    def _operand(self, x, ctype, node, scope) -> Value:
        if isinstance(x, Value):
            return x
        if not _is_number(x):
            raise scope.error(node, f"an operand {x!r}")
        if isinstance(x, np.generic):   # a typed constant: its float type must be the value's
            kind = _NUMPY_TYPES.get(x.dtype)
            if kind is None or (kind in ("float", "double") and kind != ctype):
                raise scope.error(node, f"a {x.dtype} constant with a {ctype} value")
            x = x.item()
        return Value(literal(x, ctype), ctype)

    def _BinOp(self, node, scope):
        op = type(node.op)
        if op not in _BINARY:
            raise scope.error(node, f"the operator {op.__name__}")
        left, right = self.expression(node.left, scope), self.expression(node.right, scope)
        result = self._binary(node, op, _BINARY[op], left, right, scope)
        if isinstance(result, Value) and op in _BITWISE and result.ctype not in ("bool", "u64"):
            raise scope.error(node, f"a bitwise operator on {result.ctype}")
        if isinstance(result, Value) and result.ctype == "bool" and op not in _BITWISE[:2]:
            raise scope.error(node, "arithmetic on booleans")
        return result

    def _Compare(self, node, scope):
        if len(node.ops) != 1:
            raise scope.error(node, "a chained comparison")
        op = type(node.ops[0])
        left = self.expression(node.left, scope)
        right = self.expression(node.comparators[0], scope)
        if op in (ast.Is, ast.IsNot, ast.In, ast.NotIn):
            raise scope.error(node, f"the comparison {op.__name__}")
        return self._binary(node, op, _COMPARE[op], left, right, scope, result="bool")

    def _IfExp(self, node, scope):
        test = self.expression(node.test, scope)
        if isinstance(test, Value):
            raise scope.error(node, "a conditional expression on a run-time value (use select)")
        return self.expression(node.body if test else node.orelse, scope)

    def _Call(self, node, scope):
        fn = self.expression(node.func, scope)
        args = [self.expression(a, scope) for a in node.args]
        kwargs = {k.arg: self.expression(k.value, scope) for k in node.keywords}
        if fn is numerics.select:
            return self._select(node, scope, *args, **kwargs)
        if fn is numerics._round_to:
            like, x = args
            ctype = like.ctype if isinstance(like, Value) else "double"
            if ctype == "double":
                return Value(x.expr, ctype)
            return Value(f"static_cast<{SPELLING[ctype]}>({x.expr})", ctype)
        if fn is numerics._frexp:
            (x,) = args
            return (Value(f"refsnn::frexp_mantissa({x.expr})", "double"),
                    Value(f"refsnn::frexp_exponent({x.expr})", "double"))
        if fn in (range, len) and not any(isinstance(a, Value) for a in args):
            return fn(*args)
        if fn in _CONVERSIONS:
            (x,) = args
            if not isinstance(x, Value):
                return fn(x)
            ctype = _CONVERSIONS[fn]
            return Value(f"static_cast<{SPELLING[ctype]}>({x.expr})", ctype)
        if fn in _PRIMITIVES:
            name, result = _PRIMITIVES[fn]
            if not all(isinstance(a, Value) for a in args) or kwargs:
                raise scope.error(node, f"{fn.__name__} on constants")
            return Value(f"{name}({', '.join(a.expr for a in args)})",
                         result([a.ctype for a in args]))
        if isinstance(fn, type) and issubclass(fn, tuple) and hasattr(fn, "_fields"):
            return fn(*args, **kwargs)
        if isinstance(fn, pytypes.FunctionType) and fn.__module__.startswith("refsnn."):
            return self.call(fn, args, kwargs)
        raise scope.error(node, f"a call to {getattr(fn, '__name__', fn)!r}")

    def _select(self, node, scope, condition, if_true, if_false):
        if not isinstance(condition, Value):
            return if_true if condition else if_false
        typed = [v for v in (if_true, if_false) if isinstance(v, Value)]
        ctype = typed[0].ctype if typed else "double"
        a, b = (self._operand(v, ctype, node, scope) for v in (if_true, if_false))
        if a.ctype != b.ctype:
            raise scope.error(node, f"select between {a.ctype} and {b.ctype}")
        return Value(f"({condition.expr} ? {a.expr} : {b.expr})", ctype)


class _Scope:
    """Local names of one inlined call, falling back to the function's globals."""

    def __init__(self, fn: pytypes.FunctionType, local: dict) -> None:
        self.fn = fn
        self.local = local

    def lookup(self, node: ast.Name) -> Any:
        for table in (self.local, self.fn.__globals__, vars(builtins)):
            if node.id in table:
                return table[node.id]
        raise self.error(node, f"the unknown name {node.id!r}")

    def error(self, node: ast.AST, what: str) -> TranslationError:
        line = self.fn.__code__.co_firstlineno + getattr(node, "lineno", 1) - 1
        return TranslationError(
            f"cannot translate {what} in {self.fn.__module__}.{self.fn.__qualname__} "
            f"(line {line}) to C++"
        )


@cache
def _parsed(fn: pytypes.FunctionType) -> ast.FunctionDef:
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    return tree.body[0]


# --------------------------------------------------------------------------- steps
def _scalar_tree(template: Any, prefix: str, array: str, counter: list, loads: list) -> Any:
    """``template`` (a NamedTuple) with each numeric leaf a Value reading ``array[k]``."""
    values = []
    for field, leaf in zip(template._fields, template):
        if is_namedtuple(leaf):
            values.append(_scalar_tree(leaf, f"{prefix}{field}_", array, counter, loads))
        elif callable(leaf) or leaf is None:
            values.append(None)
        else:
            name = f"{prefix}{field}"
            loads.append(f"const T {name} = {array}[{counter[0]}];")
            counter[0] += 1
            values.append(Value(name, "T"))
    return type(template)(*values)


def leaf_values(tree: Any) -> list:
    """The numeric leaves of a nested NamedTuple, depth first."""
    out = []
    for leaf in tree:
        if is_namedtuple(leaf):
            out += leaf_values(leaf)
        elif leaf is not None and not callable(leaf):
            out.append(leaf)
    return out


class Step(NamedTuple):
    """A translated step: its C++ struct and the sizes the kernels need."""

    name: str          #: the C++ identifier
    states: int        #: state leaves
    drives: int        #: drive terms (inputs then products)
    inputs: int        #: drive terms read from the per-step input array
    parameters: int    #: parameter leaves
    source: str        #: the struct's definition


def translate_step(identifier: str, invoke: Callable, state: Any, p: Any, drives: tuple,
                   doc: str) -> Step:
    """A C++ struct whose ``step`` runs ``invoke`` on one element's scalars.

    ``invoke(translator, state, drives, p, dt) -> (output, new state)`` calls
    reference functions through ``translator.call``; ``state``/``p`` are
    template NamedTuples (their structure is what matters) and ``drives``
    names the drive terms, inputs (``"input..."``) first. The struct has
    ``static void step(T* s, const T* d, const T* p, T dt, T& out)``, reading
    and writing the state leaves ``s`` in place (``cuda/kernels.cuh``).
    """
    loads: list[str] = []
    s_tree = _scalar_tree(state, "state_", "s", [0], loads)
    p_tree = _scalar_tree(p, "p_", "p", [0], loads)
    d_values = [Value(f"d[{k}]", "T") for k in range(len(drives))]
    translator = Translator()
    output, new_state = invoke(translator, s_tree, d_values, p_tree, Value("dt", "T"))
    results = [output] + leaf_values(new_state)
    for value in results:
        if not isinstance(value, Value) or value.ctype != "T":
            raise TranslationError(f"{doc}: a step must return scalars of the state's type")
    stores = [f"const T result_{k} = {v.expr};" for k, v in enumerate(results)]
    stores.append("out = result_0;")
    stores += [f"s[{k}] = result_{k + 1};" for k in range(len(results) - 1)]
    body = textwrap.indent("\n".join(loads + translator.lines + stores), " " * 8)
    n_states, n_params = len(leaf_values(state)), len(leaf_values(p))
    n_inputs = sum(1 for d in drives if d.startswith("input"))
    source = (
        f"// {doc}\n"
        f"struct {identifier} {{\n"
        f"    static constexpr int states = {n_states}, drives = {len(drives)}, "
        f"inputs = {n_inputs}, parameters = {n_params};\n"
        f"    template <typename T>\n"
        f"    REFSNN_DEVICE static void step(T* s, const T* d, const T* p, T dt, T& out) {{\n"
        f"{body}\n"
        f"    }}\n"
        f"}};\n"
    )
    return Step(identifier, n_states, len(drives), n_inputs, n_params, source)


def translate_update(identifier: str, fn: Callable, state: Any, p: Any, drives: tuple,
                     doc: str) -> Step:
    """A neuron update ``fn(state, *drives, p, dt) -> (output, new state)`` as a step struct."""
    def invoke(translator, s, d, p_values, dt):
        return translator.call(fn, [s, *d, p_values, dt])

    return translate_step(identifier, invoke, state, p, drives,
                          f"{doc}: {fn.__module__}.{fn.__qualname__}")


def translate_function(identifier: str, invoke: Callable, parameters: dict[str, str],
                       doc: str) -> str:
    """A C++ function of scalars: ``invoke(translator, **values) -> Value``.

    ``parameters`` maps each argument name to its type (``"float"``,
    ``"double"``, ``"u64"``); the function returns the Value's type.
    """
    translator = Translator()
    values = {name: Value(name, ctype) for name, ctype in parameters.items()}
    result = invoke(translator, **values)
    arguments = ", ".join(f"{SPELLING[t]} {n}" for n, t in parameters.items())
    body = textwrap.indent("\n".join(translator.lines + [f"return {result.expr};"]), " " * 4)
    return (f"// {doc}\n"
            f"REFSNN_DEVICE {SPELLING[result.ctype]} {identifier}({arguments}) {{\n"
            f"{body}\n}}\n")
