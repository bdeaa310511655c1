"""Finding and importing the user's handler, with awslambdaric's init error types."""

from __future__ import annotations

import os
import sys

from .errors import FaultError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"


def prepare_sys_path(task_root: str) -> None:
    """sys.path as in AWS's Python images: the task root, then the layers' folders, then the rest.

    `.pth` files in the task root are honoured (some packagers put them there).
    """
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    front = [task_root, f"/opt/python/lib/{version}/site-packages", "/opt/python"]
    sys.path[:] = front + [p for p in sys.path if p not in front]
    try:
        has_pth = any(name.endswith(".pth") for name in os.listdir(task_root))
    except OSError:
        return
    if has_pth:
        import site

        site.addsitedir(task_root)


def split_handler(handler: str) -> tuple[str, str]:
    """`pkg/sub.mod.fn` -> (`pkg/sub.mod`, `fn`): the last dot separates the function."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as exc:
        raise FaultError(MALFORMED_HANDLER_NAME, f"Bad handler '{handler}': {exc}") from None
    return module_name, function_name


def load_handler(handler: str) -> Callable[..., object]:
    """Imports the handler's module once and returns the function.

    A FaultError carries the `Runtime.*` error types; any other exception raised
    by the module's own code propagates, and its class name is the error type.
    """
    module_name, function_name = split_handler(handler)
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultError(BUILT_IN_MODULE_CONFLICT,
                         f"Cannot use built-in module {module_name} as a handler module")
    import_name = module_name.replace("/", ".")
    try:
        __import__(import_name)
        module = sys.modules[import_name]
    except ImportError as exc:
        raise FaultError(IMPORT_MODULE_ERROR,
                         f"Unable to import module '{module_name}': {exc}") from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise FaultError(USER_CODE_SYNTAX_ERROR,
                         f"Syntax error in module '{module_name}': {exc}", trace) from None
    try:
        return getattr(module, function_name)  # type: ignore[no-any-return]  # callable or not: invoke tells
    except AttributeError:
        raise FaultError(HANDLER_NOT_FOUND,
                         f"Handler '{function_name}' missing on module '{module_name}'") from None
