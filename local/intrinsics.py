"""CloudFormation intrinsic functions, resolved against the local stack's physical ids.

Only the intrinsics the translated template.yaml uses are resolved (`_FUNCTIONS`); any
other `Fn::...` is refused (UnknownIntrinsic) rather than handed on unresolved, so a
template change the local stack cannot honour fails at deploy, not at the first request
that reads the value. The template has no Conditions: `Fn::If`, `Fn::Equals` and the
other condition functions are refused like any other until it has.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any

_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")
#: What every intrinsic function's key starts with (`Ref` aside).
_FUNCTION_PREFIX = "Fn::"


class UnknownIntrinsic(NotImplementedError):
    """An intrinsic function the local stack does not resolve, or one written wrongly."""


class Resolver:
    def __init__(
        self,
        pseudo: Mapping[str, str],
        parameters: Mapping[str, str],
        ref: Callable[[str], str],
        get_att: Callable[[str, str], str],
    ) -> None:
        self._pseudo = pseudo
        self._parameters = parameters
        self._ref = ref
        self._get_att = get_att

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = _FUNCTIONS.get(key)
            if handler:
                return handler(self, argument)
            if _is_intrinsic(key):
                raise UnknownIntrinsic(
                    f"{key} is not resolved by the local stack (it resolves "
                    f"{', '.join(_FUNCTIONS)}): {_shown({key: argument})}"
                )
        elif intrinsics := [key for key in value if key in _FUNCTIONS or _is_intrinsic(key)]:
            raise UnknownIntrinsic(
                f"{', '.join(intrinsics)} must be the only key of its mapping: {_shown(value)}"
            )
        return {key: self.resolve(item) for key, item in value.items()}

    def ref(self, name: str) -> str:
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        return self._ref(name)

    def _fn_ref(self, name: str) -> str:
        return self.ref(name)

    def _fn_get_att(self, argument: Any) -> str:
        logical_id, attribute = (
            argument.split(".", 1) if isinstance(argument, str) else self.resolve(argument)
        )
        return self._get_att(logical_id, attribute)

    def _fn_sub(self, argument: Any) -> str:
        if isinstance(argument, str):
            text, variables = argument, {}
        else:
            text, variables = argument[0], self.resolve(argument[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and name not in self._pseudo:
                return self._get_att(*name.split(".", 1))
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, text)

    def _fn_join(self, argument: list[Any]) -> str:
        separator, items = argument
        return separator.join(str(item) for item in self.resolve(items))

    def _fn_select(self, argument: list[Any]) -> Any:
        index, items = self.resolve(argument)
        return items[int(index)]

    def _fn_split(self, argument: list[Any]) -> list[str]:
        separator, text = self.resolve(argument)
        return text.split(separator)


_FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": Resolver._fn_ref,
    "Fn::GetAtt": Resolver._fn_get_att,
    "Fn::Sub": Resolver._fn_sub,
    "Fn::Join": Resolver._fn_join,
    "Fn::Select": Resolver._fn_select,
    "Fn::Split": Resolver._fn_split,
}


def _is_intrinsic(key: Any) -> bool:
    return isinstance(key, str) and key.startswith(_FUNCTION_PREFIX)


def _shown(fragment: Any, limit: int = 200) -> str:
    text = repr(fragment)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def references(value: Any) -> set[str]:
    """Logical ids a fragment refers to (Ref, GetAtt and ${...} in Sub)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item.split(".")[0] if isinstance(item, str) else item[0])
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                local = set() if isinstance(item, str) else set(item[1])
                found |= {
                    name.split(".")[0] for name in _SUB_VARIABLE.findall(text) if name not in local
                }
                if not isinstance(item, str):
                    found |= references(item[1])
            else:
                found |= references(item)
    return found
